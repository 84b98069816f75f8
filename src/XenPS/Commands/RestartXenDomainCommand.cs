using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Restart-XenDomain: `xm reboot` (xl reboot; -AcpiFallback = xl reboot -F). With -Wait, every domain rebooted by the
    /// invocation is waited for together until it has booted again (a new domid, running, its new boot on the console),
    /// bounded by -Timeout; -Force destroys and re-creates from its config a domain that does not reboot in time.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Restart, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class RestartXenDomainCommand : XenDomainTargetCmdletBase
    {
        private const int DefaultTimeoutSeconds = 300;

        private readonly List<XenDomainTarget> _pending = new List<XenDomainTarget>();
        private DomainLifecycleService _lifecycle = new DomainLifecycleService();
        private bool _manyHosts;

        /// <summary>Wait until each domain has booted again.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to wait for each domain's new boot (implies -Wait). Default 300.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int Timeout { get; set; } = DefaultTimeoutSeconds;

        /// <summary>Destroy and re-create from its config a domain that has not rebooted when the timeout runs out (implies -Wait). ConfirmImpact High.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>For HVM guests without PV drivers: press the ACPI reset button (xl reboot -F).</summary>
        [Parameter]
        public SwitchParameter AcpiFallback { get; set; }

        /// <summary>Write each domain as it is afterwards (with -Wait: its new boot, with its new domid).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool Waiting => Wait || Force || MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));

        private RebootOptions Options => new RebootOptions
        {
            AcpiFallback = AcpiFallback.IsPresent,
            Timeout = TimeSpan.FromSeconds(Timeout),
            EscalateOnTimeout = Force.IsPresent,
        };

        protected override void BeginProcessing()
        {
            _manyHosts = (XenHost?.Length ?? 0) > 1;
            _lifecycle = new DomainLifecycleService(new DomainWaitService { Degree = ThrottleLimit });
        }

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            "Domain-0 cannot be rebooted: it is the host's control domain. Reboot the host instead.", XenErrorReason.Domain0Refused),
                        "CannotRestartDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                if (Force ? !ConfirmForce(t) : !ShouldProcess(t.Description, "Restart Xen domain"))
                    continue;
                // Asked on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                var options = Options;
                bool waiting = Waiting, passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _lifecycle.RequestReboot(t, options, ct);
                    XenDomain? now = r.Error == null && passThru && !waiting ? DomainLifecycleService.Refresh(t, ct) : null;
                    return () =>
                    {
                        if (r.Error != null) WriteXenError(r.Error, t.Domain);
                        else if (waiting) _pending.Add(t);
                        else if (passThru) WriteDomain(now!, _manyHosts);
                    };
                });
            }
        }

        protected override void EndProcessing()
        {
            DrainDispatched();
            if (_pending.Count == 0) return;
            var progress = new SyncProgress<XenProgress>(p => WriteServiceProgress(1, p));
            bool many = _manyHosts || _pending.Select(p => p.Host).Distinct().Count() > 1;
            try
            {
                // -Force was confirmed for each domain before its reboot was asked for: no second question at the timeout.
                foreach (var r in _lifecycle.WaitForReboot(_pending, Options, null, WriteWarning, progress, CancelToken))
                {
                    if (r.Error != null)
                    {
                        WriteXenError(r.Error, r.Target.Domain, r.Error is XenTimeoutException ? "RestartTimeout" : null);
                        continue;
                    }
                    if (r.Note != null) WriteVerbose($"{r.Target.Description} {r.Note}.");
                    if (PassThru) WriteDomain(r.Domain!, many);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>-Force may destroy the domain, so it is confirmed as ConfirmImpact High would (see ConfirmHighImpact).</summary>
        private bool ConfirmForce(XenDomainTarget t)
        {
            string waited = Timeout.ToString(CultureInfo.InvariantCulture);
            return ConfirmHighImpact(t.Description, $"Restart Xen domain (destroy and re-create it if it does not reboot within {waited} s)",
                $"Restart {t.Description} with -Force? If it does not reboot within {waited} s it is destroyed " +
                "(unsaved guest data is lost) and created again from its config.", "Confirm forced restart", t.Domain,
                $"Restarting {t.Description} with -Force needs confirmation (it may destroy the domain), and this session cannot ask " +
                "(it is non-interactive). Pass -Confirm:$false to allow it without asking, or leave out -Force.");
        }
    }
}
