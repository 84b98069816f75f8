using System;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Restart-XenHost: reboots a simulated host, so that its autostart can be tried: every domain goes, then the
    /// entries of its /etc/xen/auto are started as the host's xendomains does at boot. Real hosts are not rebooted
    /// through XenPS (OperationNotSupported).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Restart, "XenHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(XenDomain))]
    public sealed class RestartXenHostCommand : XenHostCmdletBase
    {
        /// <summary>Write each domain the boot started.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var hosts = ResolveHosts();
            bool many = hosts.Count > 1;
            foreach (var host in hosts)
            {
                IXenHostRestart restart;
                try { restart = host.Backend.Require<IXenHostRestart>("restarting the host (only a simulated host is restarted through XenPS; reboot a real host with its own tools)"); }
                catch (XenPSException e) { WriteXenError(e, host); continue; }
                if (!ShouldProcessOrExplain(host.Name, "Restart the host: every domain stops, then the autostart domains (/etc/xen/auto) start", host,
                        "Pass -Confirm:$false to restart it without asking.")) continue;
                try
                {
                    foreach (var o in restart.RestartHost(CancelToken))
                    {
                        if (o.Error != null) WriteXenError(o.Error, $"/etc/xen/auto/{o.Entry} on {host.Name}");
                        else if (o.AlreadyRunning) WriteVerbose($"{host.Name}: /etc/xen/auto/{o.Entry}: its domain is already running.");
                        else if (o.Started != null)
                        {
                            WriteVerbose($"{host.Name}: started {o.Started.Name} from /etc/xen/auto/{o.Entry}.");
                            if (PassThru) WriteDomain(DomainLifecycleService.Stamp(o.Started, host), many);
                        }
                    }
                    WriteBackendNotes(host);
                }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                catch (XenPSException e) { WriteXenError(e, host); }
            }
        }
    }
}
