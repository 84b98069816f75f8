using System;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    public sealed partial class XapiBackend : IXenReboot
    {
        /// <summary>
        /// VM.clean_reboot as a task (the guest reboots; xenopsd builds it again with a new domid, the same uuid). XAPI has
        /// no ACPI reset: with <paramref name="acpiFallback"/> a guest without PV drivers gets VM.hard_reboot instead,
        /// the nearest XAPI has. Restart-XenDomain -Force escalates to VM.hard_reboot too (<see cref="HardRebootDomain"/>).
        /// </summary>
        public void RebootDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "reboot");
            try
            {
                WithVm(domain, cancellationToken, vm =>
                    RunTask("VM.clean_reboot", $"Rebooting VM '{domain.Name}'", domain.Name, cancellationToken, null, _options.ShutdownGrace, vm));
            }
            catch (XenPSException e) when (acpiFallback && e.Reason == XenErrorReason.PvControlUnavailable)
            {
                HardRebootDomain(domain, cancellationToken);
            }
        }

        /// <summary>VM.hard_reboot (Running or Paused): the domain is destroyed and built again at once.</summary>
        public void HardRebootDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "reboot");
            WithVm(domain, cancellationToken, vm =>
                RunTask("VM.hard_reboot", $"Hard-rebooting VM '{domain.Name}'", domain.Name, cancellationToken, null, null, vm));
        }

        public bool CanHardReboot => true;
    }
}
