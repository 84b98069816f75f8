using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenPS.Backends
{
    /// <summary>
    /// libxl's domid history (Xen 4.17, libxl_domain.c): when a domain is destroyed, "&lt;seconds&gt; &lt;domid&gt;" is added
    /// to /var/run/xen/domid-history, the seconds being CLOCK_MONOTONIC; a domid whose entry is at most 60 s old
    /// (LIBXL_DOMID_REUSE_TIMEOUT) is not given out again, so xl migrate -D fails with "domain id recently used".
    /// Read by the xl backend from dom0 and kept by the simulated host in the same format.
    /// </summary>
    internal static class DomidHistory
    {
        public const string Path = "/var/run/xen/domid-history";

        /// <summary>libxl's LIBXL_DOMID_REUSE_TIMEOUT: seconds a destroyed domain's id is kept from reuse.</summary>
        public const int ReuseSeconds = 60;

        /// <summary>The file's entries, in order; lines that are not "&lt;seconds&gt; &lt;domid&gt;" are skipped, as libxl's fscanf does.</summary>
        public static List<(long Sec, int Domid)> Parse(IEnumerable<string> lines)
        {
            var list = new List<(long, int)>();
            foreach (string line in lines)
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 2 && long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long s)
                    && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                    list.Add((s, d));
            }
            return list;
        }

        /// <summary>The domids kept from reuse at <paramref name="nowSec"/>, each with the seconds until it may be used again.</summary>
        public static Dictionary<int, int> Recent(IEnumerable<(long Sec, int Domid)> entries, long nowSec)
        {
            var recent = new Dictionary<int, int>();
            foreach (var (s, d) in entries)
            {
                long age = nowSec - s;
                if (age < 0 || age > ReuseSeconds) continue;
                int left = (int)(ReuseSeconds - age + 1);
                recent[d] = recent.TryGetValue(d, out int had) ? Math.Max(had, left) : left;
            }
            return recent;
        }

        /// <summary>The file after <paramref name="domid"/> is destroyed at <paramref name="nowSec"/>: the entries still recent, then the new one.</summary>
        public static string Add(IEnumerable<(long Sec, int Domid)> entries, int domid, long nowSec)
        {
            var text = new StringBuilder();
            foreach (var (s, d) in entries)
                if (nowSec - s <= ReuseSeconds) Line(text, s, d);
            Line(text, nowSec, domid);
            return text.ToString();
        }

        private static void Line(StringBuilder text, long sec, int domid) =>
            text.Append(sec.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(domid.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
