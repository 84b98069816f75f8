using System;
using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>What the device cmdlets share: confirmation that never hangs a session that cannot ask.</summary>
    internal static class XenDeviceCmdletSupport
    {
        /// <summary>
        /// ShouldProcess; where it would have to ask and nobody can answer (-NonInteractive, a host without a UI) a
        /// ConfirmationRequired error naming the item and the switch that allows it, never a hang.
        /// </summary>
        internal static bool Confirm(PSCmdlet cmdlet, string target, string action, object item)
        {
            try
            {
                return cmdlet.ShouldProcess(target, action);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                cmdlet.WriteError(new ErrorRecord(new PSInvalidOperationException(
                        $"{action} on {target} needs confirmation, and this session cannot ask (it is non-interactive). " +
                        "Pass -Confirm:$false to go ahead without asking.", e),
                    "ConfirmationRequired", ErrorCategory.PermissionDenied, item));
                return false;
            }
        }
    }
}
