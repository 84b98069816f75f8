using System;
using System.Collections.Generic;
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
    public sealed class RestartXenHostCommand : XenMultiHostCmdletBase
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
                // Each confirmed host restarts on its own worker (hosts in parallel, -ThrottleLimit); what its boot
                // does is written here as it happens.
                var h = host;
                bool passThru = PassThru;
                DispatchMany(host, ct => Restart(restart, h, passThru, many, ct));
            }
        }

        private IEnumerable<Action> Restart(IXenHostRestart restart, XenHostConnection host, bool passThru, bool many, System.Threading.CancellationToken ct)
        {
            foreach (var o in restart.RestartHost(ct))
            {
                if (o.Error != null) { var e = o.Error; yield return () => WriteXenError(e, $"/etc/xen/auto/{o.Entry} on {host.Name}"); }
                else if (o.AlreadyRunning) yield return () => WriteVerbose($"{host.Name}: /etc/xen/auto/{o.Entry}: its domain is already running.");
                else if (o.Started != null)
                {
                    var d = DomainLifecycleService.Stamp(o.Started, host);
                    yield return () =>
                    {
                        WriteVerbose($"{host.Name}: started {d.Name} from /etc/xen/auto/{o.Entry}.");
                        if (passThru) WriteDomain(d, many);
                    };
                }
            }
            yield return () => WriteBackendNotes(host);
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
