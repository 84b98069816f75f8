using System;
using System.Collections.Generic;
using System.Globalization;
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
        internal const string DomidHistoryPath = "/var/run/xen/domid-history";

        /// <summary>libxl's LIBXL_DOMID_REUSE_TIMEOUT: seconds a destroyed domain's id is kept from reuse.</summary>
        internal const int DomidReuseSeconds = 60;

        /// <summary>Deletes a domain's record and notes its domid as recently used (as libxl's destroy does).</summary>
        private void DestroyRecord(int id, long atMs, CancellationToken ct)
        {
            _store.Delete(id);
            MarkDomidRecent(id, atMs, ct);
        }

        private void MarkDomidRecent(int id, long atMs, CancellationToken ct)
        {
            long sec = atMs / 1000;
            var text = new StringBuilder();
            foreach (var (s, d) in ReadDomidHistory(ct))
                if (sec - s <= DomidReuseSeconds) text.Append(s.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(d.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append(sec.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
            Directory.CreateDirectory(Files.Map("/var/run/xen"));
            Files.WriteAtomic(DomidHistoryPath, Encoding.ASCII.GetBytes(text.ToString()), ct);
        }

        private List<(long Sec, int Domid)> ReadDomidHistory(CancellationToken ct)
        {
            var list = new List<(long, int)>();
            var bytes = Files.Read(DomidHistoryPath, ct);
            if (bytes == null) return list;
            foreach (string line in Encoding.ASCII.GetString(bytes).Split('\n'))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 2 && long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long s)
                    && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                    list.Add((s, d));
            }
            return list;
        }

        /// <summary>The domids libxl would not give out now, each with the seconds until it would.</summary>
        private Dictionary<int, int> RecentDomids(long nowMs, CancellationToken ct)
        {
            long sec = nowMs / 1000;
            var recent = new Dictionary<int, int>();
            foreach (var (s, d) in ReadDomidHistory(ct))
            {
                long age = sec - s;
                if (age < 0 || age > DomidReuseSeconds) continue;
                int left = (int)(DomidReuseSeconds - age + 1);
                recent[d] = recent.TryGetValue(d, out int had) ? Math.Max(had, left) : left;
            }
            return recent;
        }

        public IReadOnlyDictionary<int, int> RecentlyUsedDomainIds(CancellationToken cancellationToken) =>
            Locked(cancellationToken, now => (IReadOnlyDictionary<int, int>)RecentDomids(now, cancellationToken));
    }
}
