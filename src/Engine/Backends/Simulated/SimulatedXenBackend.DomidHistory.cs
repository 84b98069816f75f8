using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// libxl's domid history, as Xen 4.17 keeps it: when a domain is destroyed, "&lt;seconds&gt; &lt;domid&gt;" is appended to
    /// /var/run/xen/domid-history (entries older than the reuse timeout are dropped on each write), and a domid used in
    /// the last 60 s (LIBXL_DOMID_REUSE_TIMEOUT) is not given out again: a create that asks for it by number (xl migrate -D)
    /// fails with "domain id recently used". The host's boot clears the file (xen-init-dom0). The seconds are the
    /// simulated host's clock, as libxl's are CLOCK_MONOTONIC.
    /// </summary>
    public sealed partial class SimulatedXenBackend
    {
        internal const string DomidHistoryPath = DomidHistory.Path;

        /// <summary>Deletes a domain's record and notes its domid as recently used (as libxl's destroy does).</summary>
        private void DestroyRecord(int id, long atMs, CancellationToken ct)
        {
            _store.Delete(id);
            Directory.CreateDirectory(Files.Map("/var/run/xen"));
            Files.WriteAtomic(DomidHistory.Path, Encoding.ASCII.GetBytes(DomidHistory.Add(ReadDomidHistory(ct), id, atMs / 1000)), ct);
        }

        private List<(long Sec, int Domid)> ReadDomidHistory(CancellationToken ct)
        {
            var bytes = Files.Read(DomidHistory.Path, ct);
            return bytes == null ? new List<(long, int)>() : DomidHistory.Parse(Encoding.ASCII.GetString(bytes).Split('\n'));
        }

        /// <summary>The domids libxl would not give out now, each with the seconds until it would.</summary>
        private Dictionary<int, int> RecentDomids(long nowMs, CancellationToken ct) => DomidHistory.Recent(ReadDomidHistory(ct), nowMs / 1000);

        public IReadOnlyDictionary<int, int> RecentlyUsedDomainIds(CancellationToken cancellationToken) =>
            Locked(cancellationToken, now => (IReadOnlyDictionary<int, int>)RecentDomids(now, cancellationToken));
    }
}
