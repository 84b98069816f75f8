using System.Management.Automation;
using XenPS.Backends;

namespace XenPS.Commands
{
    /// <summary>Resume-XenDomain: unpauses domains (xm unpause): their vCPUs run again.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class ResumeXenDomainCommand : XenDomainPauseCmdletBase
    {
        protected override string Action => "Unpause Xen domain";

        protected override bool Pause => false;
    }
}
