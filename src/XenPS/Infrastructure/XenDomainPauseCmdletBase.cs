using System;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Suspend-/Resume-XenDomain: the same selection, refusal of Domain-0 and error policy; only the call differs. Hosts in parallel (-ThrottleLimit).</summary>
    public abstract class XenDomainPauseCmdletBase : XenDomainTargetCmdletBase
    {
        private readonly DomainLifecycleService _lifecycle = new DomainLifecycleService();

        /// <summary>Write each domain as it is afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The ShouldProcess action text.</summary>
        protected abstract string Action { get; }

        /// <summary>True to pause, false to unpause.</summary>
        protected abstract bool Pause { get; }

        protected override void ProcessRecord()
        {
            bool many = (XenHost?.Length ?? 0) > 1;
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException("Domain-0 cannot be paused or unpaused: it is the host's control domain.", XenErrorReason.Domain0Refused),
                        "CannotPauseDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                if (!ShouldProcess(t.Description, Action)) continue;
                bool pause = Pause, passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _lifecycle.SetPaused(t, pause, ct);
                    return () =>
                    {
                        if (r.Error != null) WriteXenError(r.Error, t.Domain);
                        else if (passThru) WriteDomain(r.Domain!, many);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
