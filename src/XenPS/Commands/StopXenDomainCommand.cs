using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Stop-XenDomain: `xm shutdown` (graceful, by default) and `xm destroy` (-TurnOff). With -Wait, every domain
    /// stopped by the invocation is waited for together, bounded by -Timeout; -Force escalates to destroy on expiry.
    /// Domains of several hosts (also piped ones) are stopped host by host in parallel (-ThrottleLimit).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class StopXenDomainCommand : XenDomainTargetCmdletBase
    {
        private const int DefaultTimeoutSeconds = 300; // xendomains' XENDOMAINS_STOP_MAXWAIT

        private readonly List<XenDomainTarget> _pending = new List<XenDomainTarget>();
        private DomainLifecycleService _lifecycle = new DomainLifecycleService();
        private bool _manyHosts;

        /// <summary>Wait until each domain has shut down (gone, or kept in the shutdown state).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to wait (implies -Wait). Default 300 when waiting.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int Timeout { get; set; } = DefaultTimeoutSeconds;

        /// <summary>Destroy a domain that has not shut down when the timeout runs out (implies -Wait). Also skips the destroy confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Destroy at once (xm destroy): like pulling the power cord. ConfirmImpact High.</summary>
        [Parameter]
        [Alias("Destroy")]
        public SwitchParameter TurnOff { get; set; }

        /// <summary>For HVM guests without PV drivers: fall back to the ACPI power button (xl shutdown -F).</summary>
        [Parameter]
        public SwitchParameter AcpiFallback { get; set; }

        /// <summary>Write each domain as it is after the stop (its last state when it is gone).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool Waiting => Wait || Force || MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));

        private StopOptions Options => new StopOptions
        {
            Destroy = TurnOff.IsPresent,
            AcpiFallback = AcpiFallback.IsPresent,
            Timeout = TimeSpan.FromSeconds(Timeout),
            EscalateOnTimeout = Force.IsPresent,
        };

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            $"Domain-0 cannot be {(TurnOff ? "destroyed" : "shut down")}: it is the host's control domain. Shut the host down instead.",
                            XenErrorReason.Domain0Refused),
                        "CannotStopDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                if (TurnOff ? !ConfirmDestroy(t, "Destroy Xen domain (pull the plug)") : !ShouldProcess(t.Description, "Shut down Xen domain"))
                    continue;
                // Stopped on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                var options = Options;
                bool waiting = Waiting, passThru = PassThru, turnOff = TurnOff;
                Dispatch(t.Host, ct =>
                {
                    var r = _lifecycle.RequestStop(t, options, ct);
                    XenDomain? now = r.Error == null && passThru && !turnOff && !waiting ? DomainLifecycleService.Refresh(t, ct) : null;
                    return () =>
                    {
                        if (r.Error != null) { WriteXenError(r.Error, t.Domain); return; }
                        if (turnOff) { if (passThru) WriteDomain(r.Domain!, _manyHosts); }
                        else if (waiting) _pending.Add(t);
                        else if (passThru) WriteDomain(now!, _manyHosts);
                    };
                });
            }
        }

        protected override void BeginProcessing()
        {
            _manyHosts = (XenHost?.Length ?? 0) > 1;
            _lifecycle = new DomainLifecycleService(new DomainWaitService { Degree = ThrottleLimit });
        }

        protected override void EndProcessing()
        {
            DrainDispatched();
            if (_pending.Count == 0) return;
            var progress = new SyncProgress<XenProgress>(p => WriteServiceProgress(1, p));
            string waited = Timeout.ToString(CultureInfo.InvariantCulture);
            try
            {
                foreach (var r in _lifecycle.WaitForStop(_pending, Options,
                             t => ShouldProcess(t.Description, $"Destroy Xen domain (it did not shut down within {waited} s)"),
                             WriteWarning, progress, CancelToken))
                {
                    if (r.Error != null)
                    {
                        WriteXenError(r.Error, r.Target.Domain, r.Error is XenTimeoutException ? "StopTimeout" : null);
                        continue;
                    }
                    if (r.Note != null) WriteVerbose($"{r.Target.Description} {r.Note}.");
                    if (PassThru) WriteDomain(r.Domain!, _manyHosts || _pending.Select(p => p.Host).Distinct().Count() > 1);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>The destroy (-TurnOff) confirmed as ConfirmImpact High would (see ConfirmHighImpact); -Force does not ask.</summary>
        private bool ConfirmDestroy(XenDomainTarget t, string action) =>
            ConfirmHighImpact(t.Description, action,
                $"Destroy {t.Description}? The domain is stopped at once, without a shutdown; unsaved guest data is lost.", "Confirm destroy", t.Domain,
                $"Destroying {t.Description} needs confirmation, and this session cannot ask (it is non-interactive). " +
                "Pass -Confirm:$false (or -Force) to destroy it without asking.", noQuestion: Force);

    }
}
