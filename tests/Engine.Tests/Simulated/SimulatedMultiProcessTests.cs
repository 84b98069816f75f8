using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Tests
{
    /// <summary>
    /// Real processes (<see cref="SimWorker"/>) sharing one state folder: no acknowledged change is lost, and a process
    /// killed with SIGKILL at any moment (mid-write, mid-compaction, holding the lock) leaves a state that opens, holds
    /// every acknowledged change, and never hands out a domid twice.
    /// </summary>
    [Collection("processes")]
    public class SimulatedMultiProcessTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private const int Processes = 8;
        private readonly SimTestHost _h = new SimTestHost();
        private readonly ITestOutputHelper _out;
        public SimulatedMultiProcessTests(ITestOutputHelper output) => _out = output;
        public void Dispose() => _h.Dispose();

        private string AckFile(string prefix) => Path.Combine(_h.Folder, "..", Path.GetFileName(_h.Folder) + "." + prefix + ".ack");

        [Fact]
        public void EightProcessesOf700OperationsLoseNoUpdate()
        {
            const int ops = 700;
            var sw = Stopwatch.StartNew();
            var prefixes = Enumerable.Range(0, Processes).Select(i => "w" + i).ToList();
            var workers = prefixes.Select((p, i) => SimWorker.Start(_h.Folder, p, ops, 1000 + i, AckFile(p), compactAfter: 200)).ToList();
            foreach (var (w, p) in workers.Zip(prefixes))
            {
                Assert.True(w.WaitForExit(300_000), "worker " + p + " did not finish within 5 minutes");
                string err = w.StandardError.ReadToEnd();
                Assert.True(w.ExitCode == 0, $"worker {p} exited with {w.ExitCode}: {err}");
            }
            _out.WriteLine($"{Processes} x {ops} operations in {sw.Elapsed.TotalSeconds:0.0} s");
            int live = Check(prefixes, killed: new HashSet<string>());
            int logs = Directory.GetFiles(Path.Combine(_h.Folder, "console")).Length;
            Assert.True(logs <= live + SimStore.KeptEndedLogs, $"{logs} console logs for {live} domains");
        }

        [Fact]
        public void ProcessesKilledAtAnyMomentLeaveAConsistentState()
        {
            var rnd = new Random(7);
            var sw = Stopwatch.StartNew();
            var prefixes = new List<string>();
            var killed = new HashSet<string>();
            const int rounds = 2;
            for (int round = 0; round < rounds; round++)
            {
                var batch = Enumerable.Range(0, Processes).Select(i => $"k{round}w{i}").ToList();
                var workers = batch.Select((p, i) => SimWorker.Start(_h.Folder, p, 1_000_000, round * 100 + i, AckFile(p), compactAfter: 20)).ToList();
                prefixes.AddRange(batch);
                foreach (var (w, p) in workers.Zip(batch))
                {
                    // kill it in the middle of its work: after a random number of its changes
                    int want = 1 + rnd.Next(40);
                    var waited = Stopwatch.StartNew();
                    while (!w.HasExited && AckLines(p) < want && waited.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(rnd.Next(1, 8));
                    if (w.HasExited) Assert.Fail($"worker {p} stopped on its own with {w.ExitCode}: {w.StandardError.ReadToEnd()}");
                    w.Kill(); // SIGKILL
                    killed.Add(p);
                }
                foreach (var w in workers) Assert.True(w.WaitForExit(30_000));
            }
            Assert.Equal(Processes * rounds, killed.Count);
            _out.WriteLine($"kills done after {sw.Elapsed.TotalSeconds:0.0} s");
            Check(prefixes, killed, keepAcks: true); // as the killed processes left it
            // survivors of the carnage: they work on what the killed ones left and verify their own changes
            var last = Enumerable.Range(0, Processes).Select(i => "fin" + i).ToList();
            var finishers = last.Select((p, i) => SimWorker.Start(_h.Folder, p, 60, 900 + i, AckFile(p), compactAfter: 20)).ToList();
            prefixes.AddRange(last);
            foreach (var (w, p) in finishers.Zip(last))
            {
                Assert.True(w.WaitForExit(300_000), "worker " + p + " did not finish");
                Assert.True(w.ExitCode == 0, $"worker {p} exited with {w.ExitCode}: {w.StandardError.ReadToEnd()}");
                foreach (var line in w.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)) _out.WriteLine(p + " " + line);
            }
            Check(prefixes, killed);
            _out.WriteLine($"done after {sw.Elapsed.TotalSeconds:0.0} s");
        }

        [Theory]
        [InlineData("commit-torn", "dropped an incomplete last")]
        [InlineData("compact-header", "left over by an interrupted compaction (it held no changes)")]
        [InlineData("compact-tmp", "left by a process that was killed while writing snapshot.jsonl")]
        [InlineData("compact-renamed", "left over by an interrupted compaction (its changes are in snapshot.jsonl)")]
        public void AProcessKilledAtTheWorstMomentLeavesAStateThatOpens(string point, string cleanup)
        {
            var killed = new HashSet<string> { "victim" };
            var victim = SimWorker.Start(_h.Folder, "victim", 1_000_000, 5, AckFile("victim"), compactAfter: 3, crashAt: point + ":4");
            var other = SimWorker.Start(_h.Folder, "other", 150, 6, AckFile("other"), compactAfter: 3);
            Assert.True(victim.WaitForExit(300_000), "the victim did not reach " + point);
            Assert.NotEqual(0, victim.ExitCode);
            Assert.True(other.WaitForExit(300_000));
            Assert.True(other.ExitCode == 0, other.StandardError.ReadToEnd());
            string seen = victim.StandardError.ReadToEnd() + other.StandardOutput.ReadToEnd();
            var warnings = new List<string>();
            Check(new List<string> { "victim", "other" }, killed, warnings: warnings);
            // either the other process or this check found what the kill left, and cleaned it up
            Assert.True(seen.Contains(cleanup) || warnings.Exists(w => w.Contains(cleanup)), "no '" + cleanup + "' in: " + seen + string.Join("\n", warnings));
        }

        private int AckLines(string prefix)
        {
            try
            {
                using var fs = new FileStream(AckFile(prefix), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                int n = 0, b;
                while ((b = fs.ReadByte()) >= 0) if (b == '\n') n++;
                return n;
            }
            catch (FileNotFoundException) { return 0; }
        }

        private sealed class Expect
        {
            public bool Exists;
            public int Id;
            public bool Paused;
            public bool Uncertain;
        }

        /// <summary>Replays the ack files and compares with the state; returns the number of domains.</summary>
        private int Check(List<string> prefixes, HashSet<string> killed, bool keepAcks = false, List<string>? warnings = null)
        {
            var expect = new Dictionary<string, Expect>();
            int maxId = 0, acked = 0;
            foreach (var p in prefixes)
            {
                string? pending = null;
                if (!File.Exists(AckFile(p))) continue; // killed before it did anything
                foreach (var line in File.ReadAllLines(AckFile(p)))
                {
                    var f = line.Split(' ');
                    if (f[0].StartsWith('?'))
                    {
                        pending = f[1];
                        if (!expect.ContainsKey(f[1])) expect[f[1]] = new Expect();
                        continue;
                    }
                    var e = expect[f[1]];
                    acked++;
                    switch (f[0])
                    {
                        case "C": e.Exists = true; e.Id = int.Parse(f[2]); e.Paused = f.Length > 3; maxId = Math.Max(maxId, e.Id); break;
                        case "P": e.Paused = true; break;
                        case "U": e.Paused = false; break;
                        case "D": e.Exists = false; break;
                    }
                    pending = null;
                }
                if (pending != null)
                {
                    Assert.Contains(p, killed); // only a killed process leaves an unacknowledged change
                    expect[pending].Uncertain = true;
                }
                if (!keepAcks) File.Delete(AckFile(p));
            }

            using var b = (SimulatedXenBackend)_h.Open();
            var list = b.ListDomains(None).Where(d => d.Id != 0).ToList();
            foreach (var w in b.TakeWarnings())
            {
                _out.WriteLine("warning: " + w);
                warnings?.Add(w);
            }
            Assert.Equal(list.Count, list.Select(d => d.Name).Distinct().Count());
            Assert.Equal(list.Count, list.Select(d => d.Uuid).Distinct().Count());
            var byName = list.ToDictionary(d => d.Name);
            int lost = 0;
            foreach (var (name, e) in expect)
            {
                byName.TryGetValue(name, out var d);
                if (e.Uncertain)
                {
                    if (d != null && e.Id != 0) Assert.Equal(e.Id, d.Id);
                    continue;
                }
                if (e.Exists != (d != null) || (d != null && (d.Id != e.Id || d.StateFlags.Contains('p') != e.Paused)))
                {
                    lost++;
                    _out.WriteLine($"LOST: {name} expected exists={e.Exists} id={e.Id} paused={e.Paused}, found {(d == null ? "nothing" : d.Id + " " + d.StateFlags)}");
                }
            }
            Assert.Equal(0, lost);
            foreach (var d in list) Assert.True(expect.ContainsKey(d.Name), "a domain nobody created: " + d.Name);
            _out.WriteLine($"{acked} acknowledged changes, {list.Count} domains, {killed.Count} processes killed");

            // a domid is never handed out twice, and the crash leftovers are gone
            var after = b.CreateDomain(SimTestHost.Config("after" + prefixes.Count), new CreateDomainOptions(), None);
            Assert.True(after.Id > maxId);
            b.DestroyDomain(after.Name, None);
            Assert.Empty(Directory.GetFiles(_h.Folder, "*.tmp"));
            Assert.Single(Directory.GetFiles(_h.Folder, "journal-*.log"));
            return list.Count;
        }
    }
}
