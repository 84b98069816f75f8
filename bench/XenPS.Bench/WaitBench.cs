using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Bench
{
    /// <summary>
    /// What Wait-XenDomain costs: DomainWaitService.WaitFor (the service the cmdlet calls) on 100 simulated domains
    /// shutting down over 1-5 s, on one host and split over two, in real time. Every listing is counted through a
    /// wrapper; the goal is one listing per host per interval (round), whatever the number of domains.
    /// </summary>
    internal static class WaitBench
    {
        private sealed class Counting : IXenBackend, IXenPowerControl, IXenConsoleAccess
        {
            private readonly IXenBackend _b;
            public int Listings;
            public Counting(IXenBackend b) => _b = b;
            public string Uri => _b.Uri;
            public string BackendName => _b.BackendName;
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) { Interlocked.Increment(ref Listings); return _b.ListDomains(ct); }
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => _b.CreateDomain(c, o, ct);
            public void ShutdownDomain(XenDomain d, bool a, CancellationToken ct) => ((IXenPowerControl)_b).ShutdownDomain(d, a, ct);
            public void DestroyDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_b).DestroyDomain(d, ct);
            public void PauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_b).PauseDomain(d, ct);
            public void UnpauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_b).UnpauseDomain(d, ct);
            public IXenConsole OpenConsole(XenDomain d, CancellationToken ct) => ((IXenConsoleAccess)_b).OpenConsole(d, ct);
            public void Dispose() => _b.Dispose();
        }

        private sealed class Rounds : IProgress<XenProgress>
        {
            public int Count;
            public void Report(XenProgress p) { if (!p.Completed) Count++; }
        }

        public sealed class Result
        {
            public int Domains, Hosts, Rounds;
            public int[] Listings = Array.Empty<int>();
            public double Seconds;
            public int MaxListingsPerHostPerRound => Listings.Max() - Rounds; // 0 or 1 extra: the last round ends without a pause
        }

        public static Result Run(string folder, int domains, int hosts)
        {
            var ct = CancellationToken.None;
            var conns = new List<(XenHostConnection Conn, Counting Count)>();
            try
            {
                for (int h = 0; h < hosts; h++)
                {
                    var c = new Counting(XenBackendFactory.Open("sim://" + Path.Combine(folder, "h" + h.ToString(CultureInfo.InvariantCulture)),
                        new SimHostOptions { TotalMemoryMiB = 1L << 30 }));
                    conns.Add((new XenHostConnection("h" + h.ToString(CultureInfo.InvariantCulture), c.Uri, c), c));
                }
                var targets = new List<XenDomainTarget>();
                for (int i = 0; i < domains; i++)
                {
                    var (conn, count) = conns[i % hosts];
                    var cfg = new XenDomainConfig();
                    cfg.Set("name", "w" + i.ToString(CultureInfo.InvariantCulture));
                    cfg.Set("memory", "64");
                    cfg.Set("sim.shutdown_seconds", (1 + i % 5).ToString(CultureInfo.InvariantCulture));
                    var d = count.CreateDomain(cfg, new CreateDomainOptions(), ct);
                    count.ShutdownDomain(d, false, ct);
                    targets.Add(new XenDomainTarget(conn, DomainLifecycleService.Stamp(d, conn)));
                }
                foreach (var (_, count) in conns) count.Listings = 0;
                var waits = new DomainWaitService(); // the interval Wait-XenDomain uses
                var rounds = new Rounds();
                var sw = Stopwatch.StartNew();
                int met = waits.WaitFor(targets, new WaitForOptions { State = XenWaitState.Gone, Timeout = TimeSpan.FromSeconds(60) }, rounds, ct)
                    .Count(r => r.Succeeded);
                sw.Stop();
                if (met != domains) throw new InvalidOperationException($"wait bench: {met} of {domains} domains reached Gone");
                return new Result { Domains = domains, Hosts = hosts, Rounds = rounds.Count, Seconds = sw.Elapsed.TotalSeconds, Listings = conns.Select(c => c.Count.Listings).ToArray() };
            }
            finally
            {
                foreach (var (conn, _) in conns) conn.Dispose();
            }
        }
    }
}
