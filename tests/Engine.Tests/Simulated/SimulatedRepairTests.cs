using System;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;
using static XenPS.Tests.SimStateFiles;

namespace XenPS.Tests
{
    /// <summary>SimulatedXenBackend.Repair: keeps what verifies, backs up the rest, never reuses a domid.</summary>
    public class SimulatedRepairTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private XenDomain Create(IXenBackend b, string name, params (string, string)[] settings) =>
            b.CreateDomain(SimTestHost.Config(name, settings), new CreateDomainOptions(), None);

        private XenStateRepairReport Repair() => SimulatedXenBackend.Repair(_h.Folder, _h.Options());

        private string[] Names(IXenBackend b) => b.ListDomains(None).Select(d => d.Name).ToArray();

        /// <summary>Six paused domains in a snapshot, then a journal: create a and b, destroy vm0, unpause vm1.</summary>
        private (int aId, int bId) CompactedHostWithAJournal()
        {
            using var x = _h.Open(_h.Options(compactAfter: 0));
            for (int i = 0; i < 6; i++) Create(x, "vm" + i);
            for (int i = 0; i < 6; i++) x.PauseDomain("vm" + i, None); // the last one compacts
            Assert.True(File.Exists(Snapshot(_h.Folder)));
            Assert.Single(Lines(Journal(_h.Folder))); // just compacted: header only
            int a = Create(x, "a").Id!.Value;
            int b = Create(x, "b").Id!.Value;
            x.DestroyDomain("vm0", None);
            x.UnpauseDomain("vm1", None);
            return (a, b);
        }

        [Fact]
        public void AnIntactStateIsLeftAsItIs()
        {
            CompactedHostWithAJournal();
            var before = Directory.GetFiles(_h.Folder).ToDictionary(f => f, File.ReadAllBytes);
            var report = Repair();
            Assert.False(report.WasDamaged);
            Assert.Null(report.BackupFolder);
            Assert.Empty(report.Problems);
            Assert.Equal(new[] { "2 vm1", "3 vm2", "4 vm3", "5 vm4", "6 vm5", "7 a", "8 b" }, report.KeptDomains);
            Assert.Equal(9, report.NextDomid);
            foreach (var (f, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(f));
            Assert.Contains("is intact", report.ToString());
        }

        [Fact]
        public void ADamagedJournalLineIsDroppedTheRestIsKeptAndEverythingIsBackedUp()
        {
            var (aId, bId) = CompactedHostWithAJournal();
            using var session = _h.Open();
            string journal = Journal(_h.Folder);
            var lines = Lines(journal);
            Assert.Contains("\"name\":\"a\"", lines[1]);
            lines[1] = lines[1].Replace("\"mem\":32", "\"mem\":33"); // fails its checksum
            WriteLines(journal, lines);
            var damaged = File.ReadAllBytes(journal);
            Assert.Throws<XenStateDamagedException>(() => _h.Open());

            var report = Repair();
            Assert.True(report.WasDamaged);
            Assert.Contains(report.Problems, p => p.StartsWith(Path.GetFileName(journal) + ":2: checksum mismatch", StringComparison.Ordinal));
            Assert.NotNull(report.BackupFolder);
            Assert.StartsWith(_h.Folder, report.BackupFolder);
            Assert.Equal(damaged, File.ReadAllBytes(Path.Combine(report.BackupFolder!, Path.GetFileName(journal))));
            Assert.True(File.Exists(Path.Combine(report.BackupFolder!, "snapshot.jsonl")));
            Assert.True(File.Exists(Path.Combine(report.BackupFolder!, "host.json")));
            Assert.Equal(new[] { "2 vm1", "3 vm2", "4 vm3", "5 vm4", "6 vm5", "8 b" }, report.KeptDomains);

            // a session opened before the repair carries on with the repaired state
            Assert.Equal(new[] { "Domain-0", "vm1", "vm2", "vm3", "vm4", "vm5", "b" }, Names(session));
            Assert.Equal("r-----", session.ListDomains(None).Single(d => d.Name == "vm1").StateFlags); // unpaused, booting
            Assert.Equal("--p---", session.ListDomains(None).Single(d => d.Name == "vm2").StateFlags);
            // a's domid is not handed out again, though its record was lost
            Assert.True(Create(session, "c").Id > bId);
            Assert.True(aId < bId);
            using var fresh = _h.Open();
            Assert.Equal(Names(session), Names(fresh));
        }

        [Fact]
        public void AMissingSnapshotKeepsTheJournalAndNeverReusesADomid()
        {
            var (_, bId) = CompactedHostWithAJournal();
            File.Delete(Snapshot(_h.Folder));
            Assert.Throws<XenStateDamagedException>(() => _h.Open());
            var report = Repair();
            Assert.True(report.WasDamaged);
            Assert.Contains(report.Problems, p => p.StartsWith("snapshot.jsonl: it is missing", StringComparison.Ordinal));
            // what the journal still knows (vm1's unpause record, a, b) is kept; vm2..vm5 lived only in the snapshot
            Assert.Equal(new[] { "2 vm1", "7 a", "8 b" }, report.KeptDomains);
            using var b = _h.Open();
            Assert.True(Create(b, "next").Id > bId);
        }

        [Fact]
        public void ATruncatedSnapshotKeepsTheDomainsBeforeTheCut()
        {
            CompactedHostWithAJournal();
            string snap = Snapshot(_h.Folder);
            var lines = Lines(snap);
            File.WriteAllText(snap, string.Concat(lines[..4].Select(l => l + "\n")) + lines[4].Substring(0, 30));
            var report = Repair();
            Assert.True(report.WasDamaged);
            Assert.Contains(report.Problems, p => p.StartsWith("snapshot.jsonl:5: the file ends in the middle of a line", StringComparison.Ordinal));
            Assert.Equal(new[] { "2 vm1", "3 vm2", "7 a", "8 b" }, report.KeptDomains); // vm0 (line 2) was destroyed later
            Assert.Equal(9, report.NextDomid); // the snapshot header still knew the next domid
            using var b = _h.Open();
            Assert.Equal(9, Create(b, "c").Id);
        }

        [Fact]
        public void ALostHostJsonIsRebuiltFromItsCopy()
        {
            using (var x = _h.Open(_h.Options(totalMiB: 4096, cpus: 2, dom0MiB: 512))) Create(x, "vm0");
            File.Delete(Path.Combine(_h.Folder, "host.json"));
            var report = Repair();
            Assert.True(report.WasDamaged);
            Assert.Contains(report.Actions, a => a.StartsWith("rebuilt host.json from the copy in journal-0.log", StringComparison.Ordinal));
            using var b = _h.Open(_h.Options(totalMiB: 99999));
            var info = b.GetHostInfo(None);
            Assert.Equal(4096, info.TotalMemoryMiB);
            Assert.Equal(2, info.CpuCount);
            Assert.Equal(4096 - 512 - 32, info.FreeMemoryMiB);
        }

        [Fact]
        public void ADroppedDestroyDoesNotLeaveTwoDomainsWithOneName()
        {
            using (var x = _h.Open())
            {
                Create(x, "web1");
                x.DestroyDomain("web1", None);
                Create(x, "web1");
            }
            string journal = Journal(_h.Folder);
            var lines = Lines(journal);
            int del = Array.FindIndex(lines, l => l.Contains("\"del\":1"));
            lines[del] = lines[del].Replace("\"del\":1", "\"del\":7");
            WriteLines(journal, lines);
            var report = Repair();
            Assert.Contains(report.Problems, p => p.Contains("domain 1 'web1' has the name or uuid of a newer domain"));
            Assert.Equal(new[] { "2 web1" }, report.KeptDomains);
            using var b = _h.Open();
            Assert.Equal(new[] { "Domain-0", "web1" }, Names(b));
            Assert.Equal(8, Create(b, "x").Id); // 7 was named by the damaged line
        }

        [Fact]
        public void ADamagedFormat1FolderIsRepairedIntoFormat2()
        {
            string fixture = Path.Combine(AppContext.BaseDirectory, "Simulated", "Fixtures", "format1");
            foreach (var f in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(_h.Folder, Path.GetRelativePath(fixture, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
            string journal = Path.Combine(_h.Folder, "journal-1.log");
            var lines = Lines(journal);
            lines[0] = "{\"s\":12,\"put\":{\"id\":7,garbage";
            WriteLines(journal, lines);
            Assert.Throws<XenStateDamagedException>(() => _h.Open());
            var report = Repair();
            Assert.Contains(report.Problems, p => p.StartsWith("journal-1.log:1: ", StringComparison.Ordinal) && p.EndsWith("that change was dropped", StringComparison.Ordinal));
            Assert.Equal(new[] { "2 old1", "3 old2", "4 old3", "5 old4", "6 old5" }, report.KeptDomains);
            Assert.True(File.Exists(Path.Combine(report.BackupFolder!, "snapshot.json")));
            Assert.False(File.Exists(Path.Combine(_h.Folder, "snapshot.json")));
            using var b = _h.Open();
            Assert.Equal(9, Create(b, "x").Id); // 7 (damaged) and 8 (destroyed) stay used
        }

        [Fact]
        public void AFolderWithoutStateIsNotTouched()
        {
            Directory.CreateDirectory(_h.Folder);
            var report = Repair();
            Assert.False(report.WasDamaged);
            Assert.DoesNotContain(Directory.GetFileSystemEntries(_h.Folder), f => Path.GetFileName(f) != ".lock");
            Assert.Throws<XenPSException>(() => SimulatedXenBackend.Repair(Path.Combine(_h.Folder, "nope")));
        }
    }
}
