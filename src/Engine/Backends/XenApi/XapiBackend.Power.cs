using System;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    public sealed partial class XapiBackend
    {
        /// <summary>
        /// VM.clean_shutdown as a task: returns once the guest is asked (an early refusal, such as VM_BAD_POWER_STATE or
        /// missing PV drivers, is reported); the task goes on in the background and is destroyed when it ends.
        /// XAPI has no ACPI power-button call: <paramref name="acpiFallback"/> changes nothing; a guest without PV
        /// drivers is PvControlUnavailable, and Stop-XenDomain -TurnOff (hard_shutdown) stops it.
        /// </summary>
        public void ShutdownDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "shut down");
            WithVm(domain, cancellationToken, vm =>
                RunTask("VM.clean_shutdown", $"Shutting down VM '{domain.Name}'", domain.Name, cancellationToken, null, _options.ShutdownGrace, vm));
        }

        /// <summary>VM.hard_shutdown: the VM is Halted (it stays in the pool, as a halted VM).</summary>
        public void DestroyDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "destroy");
            WithVm(domain, cancellationToken, vm => RunTask("VM.hard_shutdown", $"Turning off VM '{domain.Name}'", domain.Name, cancellationToken, null, null, vm));
        }

        public void PauseDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "pause");
            WithVm(domain, cancellationToken, vm => RunTask("VM.pause", $"Pausing VM '{domain.Name}'", domain.Name, cancellationToken, null, null, vm));
        }

        public void UnpauseDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "unpause");
            WithVm(domain, cancellationToken, vm => RunTask("VM.unpause", $"Unpausing VM '{domain.Name}'", domain.Name, cancellationToken, null, null, vm));
        }
    }
}
