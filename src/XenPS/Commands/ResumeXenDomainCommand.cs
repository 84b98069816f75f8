using System;
using System.Management.Automation;

namespace XenPS.Commands
{
    /// <summary>Resume-XenDomain: unpauses domains (xm unpause): their vCPUs run again.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class ResumeXenDomainCommand : XenDomainTargetCmdletBase
    {
        /// <summary>Write each domain as it is afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

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
                if (!ShouldProcess($"{domain.Name} (id {domain.Id}) on {host.Name}", "Unpause Xen domain")) continue;
                try
                {
                    host.Backend.UnpauseDomain(DomId(domain), CancelToken);
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
