using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Config;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Start-XenDomain: starts defined domains from the host's stored configs (xm start; xl create /etc/xen/NAME.cfg),
    /// by name or from Get-XenDomain -All, with name=value overrides and -Paused.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class StartXenDomainCommand : XenDomainTargetCmdletBase
    {
        private readonly DomainLifecycleService _lifecycle = new DomainLifecycleService();

        /// <summary>name=value overrides applied to the stored config (as New-XenDomain's -Set; not written to the host).</summary>
        [Parameter(Position = 1)]
        public string[] Set { get; set; } = Array.Empty<string>();

        /// <summary>Create the domain paused (xl create -p).</summary>
        [Parameter]
        public SwitchParameter Paused { get; set; }

        /// <summary>Write each started domain.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override StoredConfigListing StoredConfigs => StoredConfigListing.WithDefined;

        protected override void ProcessRecord()
        {
            bool many = (XenHost?.Length ?? 0) > 1;
            foreach (var t in Targets())
            {
                var d = t.Domain;
                if (d.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException("Domain-0 is always running: it is the host's control domain.", XenErrorReason.Domain0Refused),
                        "CannotStartDomain0", ErrorCategory.InvalidOperation, d);
                    continue;
                }
                if (d.Id != null)
                {
                    WriteItemError(new XenInvalidOperationException($"{t.Description} is already running.", XenErrorReason.InvalidOperation),
                        "DomainAlreadyRunning", ErrorCategory.ResourceExists, d);
                    continue;
                }
                if (d.ConfigPath == null && t.Host.Backend.Supports<IXenDomainStart>() && d.State == XenDomainState.Halted)
                {
                    // A pool's halted VM: started as it is (VM.start), no config involved.
                    if (Set.Length > 0)
                    {
                        WriteItemError(new XenArgumentException(
                                $"{t.Description} is a halted VM of a XenAPI pool, which has no config to apply name=value overrides to. " +
                                "Change its settings with Set-XenDomain (-MemoryMiB, -VCpus, -NewName) and start it without -Set."),
                            "OverridesNotApplicable", ErrorCategory.InvalidArgument, d);
                        continue;
                    }
                    if (!ShouldProcess(t.Description, "Start Xen domain" + (Paused ? " (paused)" : ""))) continue;
                    try
                    {
                        var started = _lifecycle.StartKept(t, Paused.IsPresent, CancelToken);
                        if (PassThru) WriteDomain(started, many);
                    }
                    catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                    catch (XenPSException e) { WriteXenError(e, d); }
                    continue;
                }
                if (d.ConfigPath == null || (d.Config == null && d.ConfigDiagnostics.Count == 0))
                {
                    WriteItemError(new XenInvalidOperationException(
                            $"{t.Description} has no stored config on {t.Host.Name} to start it from. Store one with Export-XenDomainConfig -XenHost {t.Host.Name}, or create it with New-XenDomain.",
                            XenErrorReason.InvalidOperation),
                        "NoStoredConfig", ErrorCategory.ObjectNotFound, d);
                    continue;
                }
                if (d.Config == null)
                {
                    WriteXenError(new XenConfigException(d.ConfigDiagnostics), d);
                    continue;
                }
                if (!ShouldProcess(t.Description, $"Start Xen domain from {d.ConfigPath}" + (Paused ? " (paused)" : ""))) continue;
                // Started on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                string[] set = Set;
                var createOptions = new CreateDomainOptions { Paused = Paused.IsPresent };
                bool passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    try
                    {
                        var config = set.Length > 0 ? DomainConfigReader.ApplyOverrides(d.Config, set) : d.Config;
                        var started = _lifecycle.Create(t.Host, config, createOptions, ct);
                        started.ConfigPath = d.ConfigPath;
                        started.AutoStart = d.AutoStart;
                        return () =>
                        {
                            WriteBackendNotes(t.Host);
                            if (passThru) WriteDomain(started, many);
                        };
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
