using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// xl reboot on the simulated host: the guest is asked to reboot (as `reboot` typed at its console would); after its
    /// sim.shutdown_seconds it prints its shutdown lines and its on_reboot action runs: restart rebuilds it with a new
    /// domid (listed --p--- with 0 MiB while built, then booting on a fresh console), destroy removes it, preserve keeps
    /// it shut down (---sr-). A guest with sim.ignore_shutdown never answers; one without PV drivers needs the ACPI
    /// fallback (xl reboot -F), like xl's "PV control interface not available".
    /// </summary>
    public sealed partial class SimulatedXenBackend : IXenReboot
    {
        public void RebootDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Not rebooting domain 0: it is the control domain; rebooting it would reboot the whole host.");
            if (d.NoPvDrivers && !acpiFallback && !d.Shut)
                throw new XenInvalidOperationException(
                    $"{d.Name} has no PV drivers, so it cannot be asked to reboot (PV control interface not available). " +
                    "Use the ACPI fallback (Restart-XenDomain -AcpiFallback, xl reboot -F) or destroy it.",
                    XenErrorReason.PvControlUnavailable);
            RequestShutdown(d, SimRequest.Reboot, fromGuest: false, now);
            _store.Commit(cancellationToken);
            Advance(now, cancellationToken);
            _store.Commit(cancellationToken);
            return 0;
        });
    }
}
