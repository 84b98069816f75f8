using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using XenPS;
using XenPS.Backends;

namespace XenPS.Bench
{
    /// <summary>What <see cref="SimBench.Run"/> measured: the numbers the goals are checked on, and the printable report.</summary>
    internal sealed class SimBenchResult
    {
        public double CreatesPerSecond { get; set; }
        public double WarmListBestSeconds { get; set; }
        public string Report { get; set; } = "";
    }

    /// <summary>
    /// The simulated host's benchmark (run by build.ps1 Bench, through the public engine API): N creates into a fresh
    /// folder, warm lists on the same instance, a cold open and list from a new instance, then creates alternating
    /// between two instances.
    /// </summary>
    internal static class SimBench
    {
        public static SimBenchResult Run(string folder, int domains = 10000, int warmLists = 20)
        {
            if (Directory.Exists(folder) && Directory.GetFileSystemEntries(folder).Length > 0)
                throw new ArgumentException("The bench needs an empty or missing folder.", nameof(folder));
            var ct = CancellationToken.None;
            var result = new SimBenchResult();
            var report = new StringBuilder();
            void Line(string s) => report.AppendLine(s);
            string uri = "sim://" + Path.GetFullPath(folder);
            var opts = new SimHostOptions { TotalMemoryMiB = 1L << 40 };

            var sw = Stopwatch.StartNew();
            using (var b = XenBackendFactory.Open(uri, opts))
            {
                for (int i = 0; i < domains; i++)
                {
                    var c = new XenDomainConfig();
                    c.Set("name", "bench" + i.ToString(CultureInfo.InvariantCulture));
                    c.Set("kernel", "/boot/vmlinuz");
                    c.Set("extra", "console=hvc0 root=/dev/xvda1");
                    c.Set("memory", "128");
                    c.Set("vcpus", "1");
                    c.Set("disk", new object[] { "phy:/dev/vg/bench" + i.ToString(CultureInfo.InvariantCulture) + ",xvda,w" });
                    c.Set("vif", new object[] { "bridge=xenbr0" });
                    b.CreateDomain(c, new CreateDomainOptions(), ct);
                }
                sw.Stop();
                result.CreatesPerSecond = domains / sw.Elapsed.TotalSeconds;
                Line($"creates: {domains} in {sw.Elapsed.TotalSeconds:0.000} s = {domains / sw.Elapsed.TotalSeconds:0} /s (one instance, one thread)");

                var times = new List<double>();
                for (int i = 0; i < warmLists; i++)
                {
                    sw.Restart();
                    int n = b.ListDomains(ct).Count;
                    sw.Stop();
                    if (n != domains + 1) throw new InvalidOperationException("bench: wrong count " + n);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                result.WarmListBestSeconds = times[0] / 1000.0;
                Line($"warm list (same instance): median {times[times.Count / 2]:0.0} ms, max {times[times.Count - 1]:0.0} ms over {warmLists}");
            }

            sw.Restart();
            using (var cold = XenBackendFactory.Open(uri))
            {
                int n = cold.ListDomains(ct).Count;
                sw.Stop();
                Line($"cold open + first list ({n} domains): {sw.Elapsed.TotalMilliseconds:0.0} ms");
                var times = new List<double>();
                for (int i = 0; i < warmLists; i++)
                {
                    sw.Restart();
                    cold.ListDomains(ct);
                    sw.Stop();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                Line($"warm list (new instance): median {times[times.Count / 2]:0.0} ms, max {times[times.Count - 1]:0.0} ms");

                using var other = XenBackendFactory.Open(uri);
                other.ListDomains(ct);
                sw.Restart();
                const int more = 1000;
                for (int i = 0; i < more; i++)
                {
                    var c = new XenDomainConfig();
                    c.Set("name", "more" + i.ToString(CultureInfo.InvariantCulture));
                    c.Set("memory", "64");
                    (i % 2 == 0 ? cold : other).CreateDomain(c, new CreateDomainOptions(), ct);
                }
                sw.Stop();
                Line($"creates alternating between two instances on a {domains}-domain host: {more / sw.Elapsed.TotalSeconds:0} /s");
                sw.Restart();
                cold.ListDomains(ct);
                sw.Stop();
                Line($"list after the other instance's {more / 2} creates: {sw.Elapsed.TotalMilliseconds:0.0} ms");
            }
            long bytes = 0;
            foreach (var f in Directory.GetFiles(folder)) bytes += new FileInfo(f).Length;
            Line($"state on disk: {bytes / 1024} KiB ({string.Join(", ", Array.ConvertAll(Directory.GetFiles(folder), Path.GetFileName))})");
            result.Report = report.ToString();
            return result;
        }
    }
}
