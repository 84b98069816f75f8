using System;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Remove-XenDomainConfig: removes domains' stored configs from the host's /etc/xen, with their autostart links in
    /// /etc/xen/auto. A running domain's config is kept unless -Force (the domain runs on; it is no longer defined).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "XenDomainConfig", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveXenDomainConfigCommand : XenDomainTargetCmdletBase
    {
        /// <summary>Also remove the config of a domain that is running.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override StoredConfigListing StoredConfigs => StoredConfigListing.WithDefined;

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
            {
                var d = t.Domain;
                if (d.IsDomain0) continue; // Domain-0 has no stored config (a wildcard never selects it)
                if (d.ConfigPath == null)
                {
                    WriteItemError(new XenInvalidOperationException($"{t.Description} has no stored config on {t.Host.Name}.", XenErrorReason.InvalidOperation),
                        "NoStoredConfig", ErrorCategory.ObjectNotFound, d);
                    continue;
                }
                if (d.Id != null && !Force)
                {
                    WriteItemError(new XenInvalidOperationException(
                            $"{t.Description} is running, so its config {d.ConfigPath} is kept: without it the domain could not be started again. Use -Force to remove it anyway.",
                            XenErrorReason.InvalidOperation),
                        "DomainIsRunning", ErrorCategory.InvalidOperation, d);
                    continue;
                }
                if (!ShouldProcessOrExplain($"{d.ConfigPath} on {t.Host.Name}", "Remove stored domain config" + (d.AutoStart == true ? " and its autostart link" : ""),
                        d, "Pass -Confirm:$false to remove it without asking.")) continue;
                // Removed on a worker of the host's own (hosts in parallel, -ThrottleLimit); errors written here as they arrive.
                string file = System.IO.Path.GetFileName(d.ConfigPath);
                Dispatch(t.Host, ct =>
                {
                    try
                    {
                        t.Host.Backend.Require<IXenStoredConfigs>("removing stored configs").RemoveStoredConfig(file, ct);
                        return () => { };
                    }
                    catch (XenPSException e)
                    {
                        return () => WriteXenError(e, d);
                    }
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
