using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// Rebooting a running domain (xl reboot). The request returns at once; the guest shuts down and the host rebuilds
    /// it from the same config (on xl a NEW domain: a new domid, the same name and uuid, briefly listed paused with no
    /// memory while it is built), as its on_reboot action says (restart; destroy removes it; preserve keeps it shut down).
    /// Domain-0 is refused (XenErrorReason.Domain0Refused).
    /// </summary>
    public interface IXenReboot
    {
        /// <summary>
        /// Asks the guest to reboot. Without PV drivers and without <paramref name="acpiFallback"/>: PvControlUnavailable;
        /// with it, the ACPI reset is used (xl reboot -F).
        /// </summary>
        void RebootDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken);

        /// <summary>
        /// True when the backend can reset a domain that did not reboot in place (XAPI: VM.hard_reboot), which
        /// Restart-XenDomain -Force then uses instead of destroying it and creating it again from its config.
        /// </summary>
        bool CanHardReboot => false;

        /// <summary>Resets the domain at once (XAPI: VM.hard_reboot); only where <see cref="CanHardReboot"/>.</summary>
        void HardRebootDomain(XenDomain domain, CancellationToken cancellationToken) =>
            throw new XenOperationNotSupportedException("this", "hard reboot");
    }
}
