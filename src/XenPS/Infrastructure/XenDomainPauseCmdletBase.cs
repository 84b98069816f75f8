using System;
using System.Management.Automation;
using XenPS.Backends;

namespace XenPS.Commands
{
    /// <summary>Suspend-/Resume-XenDomain: the same selection, refusal of Domain-0 and error policy; only the call differs.</summary>
    public abstract class XenDomainPauseCmdletBase : XenDomainTargetCmdletBase
    {
        /// <summary>Write each domain as it is afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The ShouldProcess action text.</summary>
        protected abstract string Action { get; }

        /// <summary>Does it to one domain (by domid).</summary>
        protected abstract void Apply(IXenBackend backend, string domid);

        protected override void ProcessRecord()
        {
            foreach (var (domain, host) in Targets())
            {
                if (domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException("Domain-0 cannot be paused or unpaused: it is the host's control domain."),
                        "CannotPauseDomain0", ErrorCategory.InvalidOperation, domain);
                    continue;
                }
                if (!ShouldProcess($"{domain.Name} (id {domain.Id}) on {host.Name}", Action)) continue;
                try
                {
                    Apply(host.Backend, DomId(domain));
                    if (PassThru) WriteObject(Refresh(host, domain));
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                catch (XenPSException e)
                {
                    WriteXenError(e, domain);
                }
            }
        }
    }
}
