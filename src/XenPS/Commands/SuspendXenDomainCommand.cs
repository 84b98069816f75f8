using System.Management.Automation;
using XenPS.Backends;

namespace XenPS.Commands
{
    /// <summary>Suspend-XenDomain: pauses domains (xm pause): their vCPUs stop being scheduled, their memory stays.</summary>
    [Cmdlet(VerbsLifecycle.Suspend, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class SuspendXenDomainCommand : XenDomainPauseCmdletBase
    {
        protected override string Action => "Pause Xen domain";

        protected override bool Pause => true;
    }
}
