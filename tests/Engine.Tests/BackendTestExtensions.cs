using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Tests
{
    /// <summary>
    /// Tests name domains as xl does (a name, or all digits for a domid); backends take a domain object. These make the
    /// object from the qualifier and call the capability, so each test says what it means in one line.
    /// </summary>
    internal static class BackendTestExtensions
    {
        /// <summary>A domain object as a caller holding only xl's qualifier has it: all digits is a domid, else a name (no listing).</summary>
        internal static XenDomain Resolve(this IXenBackend b, string domain)
        {
            bool digits = domain.Length > 0 && domain.All(c => c >= '0' && c <= '9');
            int id = digits && int.TryParse(domain, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1;
            return digits ? new XenDomain { Name = "", Id = id } : new XenDomain { Name = domain };
        }

        internal static XenHostInfo GetHostInfo(this IXenBackend b, CancellationToken ct) => ((IXenHostFacts)b).GetHostInfo(ct);

        internal static void ShutdownDomain(this IXenBackend b, string domain, bool acpiFallback, CancellationToken ct) =>
            ((IXenPowerControl)b).ShutdownDomain(b.Resolve(domain), acpiFallback, ct);

        internal static void DestroyDomain(this IXenBackend b, string domain, CancellationToken ct) =>
            ((IXenPowerControl)b).DestroyDomain(b.Resolve(domain), ct);

        internal static void PauseDomain(this IXenBackend b, string domain, CancellationToken ct) =>
            ((IXenPowerControl)b).PauseDomain(b.Resolve(domain), ct);

        internal static void UnpauseDomain(this IXenBackend b, string domain, CancellationToken ct) =>
            ((IXenPowerControl)b).UnpauseDomain(b.Resolve(domain), ct);

        internal static IXenConsole OpenConsole(this IXenBackend b, string domain, CancellationToken ct) =>
            ((IXenConsoleAccess)b).OpenConsole(b.Resolve(domain), ct);

        internal static IReadOnlyList<string> TerminalConsoleCommand(this IXenBackend b, string domain, CancellationToken ct) =>
            ((IXenTerminalConsole)b).TerminalConsoleCommand(b.Resolve(domain), ct);
    }
}
