using System;

namespace XenPS.Backends.XenApi
{
    /// <summary>What to use on a pool instead of a capability it lacks (added to the OperationNotSupported message).</summary>
    public sealed partial class XapiBackend : IXenCapabilityAdvice
    {
        public string? Advice(Type capability, string operation)
        {
            if (capability == typeof(IXenStoredConfigs))
                return "A XenAPI pool keeps its VMs in its own database, not as config files in /etc/xen: Get-XenDomain lists every VM, halted " +
                       "ones too; create VMs from the pool's templates (New-XenDomain -Template), start halted ones with Start-XenDomain -InputObject, " +
                       "and make a VM start with the pool with Set-XenDomain -AutoStart (XCP-ng's other_config auto_poweron).";
            if (capability == typeof(IXenHostRestart))
                return "Reboot pool members with the pool's own tools (xe host-disable, host-evacuate, host-reboot; Xen Orchestra).";
            if (capability == typeof(IXenTerminalConsole))
                return "Its consoles are reached through XAPI (the vt100 console's CONNECT), which Connect-XenConsole relays itself.";
            return null;
        }
    }
}
