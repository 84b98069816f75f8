using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;
using static XenPS.Tests.SimStateFiles;

namespace XenPS.Tests
{
    /// <summary>What the simulated host writes can always be read back; damage is detected and explained, never skipped.</summary>
    public class SimulatedStateIntegrityTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private XenDomain Create(IXenBackend b, string name, params (string, string)[] settings) =>
            b.CreateDomain(SimTestHost.Config(name, settings), new CreateDomainOptions(), None);

        private static XenDomainConfig Deep(string name, int depth)
        {
            var c = SimTestHost.Config(name);
            c.Set("deep", Nested(depth));
            return c;
        }

        // ---- configs of any depth (System.Text.Json's reader stops at 64 levels by default) ----

        [Theory]
        [InlineData(61)]
        [InlineData(62)]
        [InlineData(64)]
        [InlineData(1000)]
        public void ADeeplyNestedConfigIsReadByAnotherInstanceAndItsDomidIsNotReused(int depth)
        {
            using var a = _h.Open();
            var d = a.CreateDomain(Deep("deep", depth), new CreateDomainOptions(), None);
            Assert.Equal(depth, Depth(d.Config!.Get("deep")));
            using var b = _h.Open(); // another session: reads the journal line a wrote
            var seen = Assert.Single(b.ListDomains(None), x => x.Name == "deep");
            Assert.Equal(d.Id, seen.Id);
            Assert.Equal(depth, Depth(seen.Config!.Get("deep")));
            var other = Create(b, "other");
            Assert.NotEqual(d.Id, other.Id);
            Assert.Equal(new[] { "Domain-0", "deep", "other" }, a.ListDomains(None).Select(x => x.Name));
            b.DestroyDomain("other", None);
            Assert.NotNull(a.ListDomains(None).SingleOrDefault(x => x.Name == "deep"));
        }

        [Theory]
        [InlineData(61)]
        [InlineData(62)]
        [InlineData(2000)]
        public void ADeeplyNestedConfigSurvivesCompaction(int depth)
        {
            using (var a = _h.Open(_h.Options(compactAfter: 0)))
            {
                a.CreateDomain(Deep("deep", depth), new CreateDomainOptions(), None);
                for (int i = 0; i < 5; i++) Create(a, "vm" + i);
                for (int i = 0; i < 5; i++) a.PauseDomain("vm" + i, None);
                for (int i = 0; i < 5; i++) a.UnpauseDomain("vm" + i, None);
            }
            Assert.True(File.Exists(Snapshot(_h.Folder)));
            Assert.Contains(Lines(Snapshot(_h.Folder)), l => l.Contains("\"name\":\"deep\""));
            using var b = _h.Open();
            var list = b.ListDomains(None);
            Assert.Equal(7, list.Count);
            Assert.Equal(depth, Depth(list.Single(x => x.Name == "deep").Config!.Get("deep")));
            Assert.Equal(7, Create(b, "next").Id);
        }

        [Fact]
        public void ListsOfListsAndEmptyListsRoundTrip()
        {
            using var a = _h.Open();
            var c = SimTestHost.Config("lists");
            c.Set("disk", new object[] { "phy:/dev/vg/a,xvda,w", new object[0], new object[] { "x", new object[] { "y", "z" }, new object[0] } });
            c.Set("empty", new object[0]);
            a.CreateDomain(c, new CreateDomainOptions(), None);
            using var b = _h.Open();
            var cfg = b.ListDomains(None).Single(x => x.Name == "lists").Config!;
            var disk = Assert.IsType<object[]>(cfg.Get("disk"));
            Assert.Equal(3, disk.Length);
            Assert.Equal("phy:/dev/vg/a,xvda,w", disk[0]);
            Assert.Empty(Assert.IsType<object[]>(disk[1]));
            var inner = Assert.IsType<object[]>(disk[2]);
            Assert.Equal("x", inner[0]);
            Assert.Equal(new object[] { "y", "z" }, Assert.IsType<object[]>(inner[1]));
            Assert.Empty(Assert.IsType<object[]>(inner[2]));
            Assert.Empty(Assert.IsType<object[]>(cfg.Get("empty")));
            Assert.Equal("console=hvc0 quiet", cfg.GetString("extra"));
        }

        [Fact]
        public void AConfigValueThatIsNotUnicodeIsRefusedAndNothingIsWritten()
        {
            using var a = _h.Open();
            var c = SimTestHost.Config("bad");
            c.Set("disk", new object[] { "ok", new object[] { "console=hvc0 \ud800x" } });
            var ex = Assert.Throws<XenConfigException>(() => a.CreateDomain(c, new CreateDomainOptions(), None));
            Assert.Contains("disk: the setting holds text that is not valid Unicode", ex.Message);
            Assert.Single(a.ListDomains(None));
            Assert.Equal(1, Create(a, "good").Id);
            Assert.Equal(2, Lines(Journal(_h.Folder)).Length);
        }

        // ---- damage is detected, located and explained ----

        [Fact]
        public void ADeletedSnapshotOfACompactedHostIsDamageNotAnEmptyHost()
        {
            using var a = _h.Open(_h.Options(compactAfter: 0));
            for (int i = 0; i < 8; i++) Create(a, "vm" + i);
            for (int i = 0; i < 8; i++) a.PauseDomain("vm" + i, None);
            Assert.True(File.Exists(Snapshot(_h.Folder)));
            File.Delete(Snapshot(_h.Folder));
            var ex = Assert.Throws<XenStateDamagedException>(() => a.ListDomains(None));
            Assert.Contains("snapshot.jsonl: it is missing", ex.Message);
            Assert.Contains("repair", ex.Message);
            Assert.Throws<XenStateDamagedException>(() => _h.Open());
            // nothing was touched: a create does not hand out domid 1 again
            Assert.Throws<XenStateDamagedException>(() => Create(a, "again"));
            Assert.False(File.Exists(Snapshot(_h.Folder)));
        }

        [Fact]
        public void ATruncatedSnapshotIsDamage()
        {
            using (var a = _h.Open(_h.Options(compactAfter: 0)))
            {
                for (int i = 0; i < 8; i++) Create(a, "vm" + i);
                for (int i = 0; i < 8; i++) a.PauseDomain("vm" + i, None);
            }
            string snap = Snapshot(_h.Folder);
            byte[] bytes = File.ReadAllBytes(snap);
            File.WriteAllBytes(snap, bytes[..(bytes.Length / 2)]);
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("snapshot.jsonl:", ex.Message);
            Assert.Contains("truncated", ex.Message);
        }

        [Fact]
        public void ASnapshotMissingItsLastLinesIsDamage()
        {
            using (var a = _h.Open(_h.Options(compactAfter: 0)))
            {
                for (int i = 0; i < 8; i++) Create(a, "vm" + i);
                for (int i = 0; i < 8; i++) a.PauseDomain("vm" + i, None);
            }
            string snap = Snapshot(_h.Folder);
            var lines = Lines(snap);
            Assert.Equal(9, lines.Length);
            WriteLines(snap, lines[..6]);
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("snapshot.jsonl: it holds 5 of the 8 domains its header announces", ex.Message);
        }

        [Fact]
        public void AChangedValueFailsItsChecksum()
        {
            using (var a = _h.Open()) Create(a, "vm0", ("memory", "64"));
            string journal = Journal(_h.Folder);
            string text = File.ReadAllText(journal);
            Assert.Contains("\"mem\":64,", text);
            File.WriteAllText(journal, text.Replace("\"mem\":64,", "\"mem\":65,"));
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-0.log:2: checksum mismatch", ex.Message);
            Assert.Equal(2, ex.Line);
        }

        [Fact]
        public void GarbageInTheMiddleOfTheJournalIsDamageWithItsLine()
        {
            using (var a = _h.Open())
            {
                for (int i = 0; i < 4; i++) Create(a, "vm" + i);
            }
            string journal = Journal(_h.Folder);
            var lines = Lines(journal);
            Assert.Equal(5, lines.Length); // header + 4 creates
            lines[2] = "{\"s\":2,\"put\":{garbage";
            WriteLines(journal, lines);
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-0.log:3: ", ex.Message);
            Assert.Contains("Nothing was changed", ex.Message);
            Assert.Equal(lines, Lines(journal)); // refused, not repaired behind the user's back
        }

        [Fact]
        public void AMissingJournalLineIsAGapInTheChangeNumbers()
        {
            using (var a = _h.Open())
            {
                for (int i = 0; i < 4; i++) Create(a, "vm" + i);
                a.DestroyDomain("vm1", None);
            }
            string journal = Journal(_h.Folder);
            var lines = Lines(journal).ToList();
            lines.RemoveAt(3); // the create of vm2
            WriteLines(journal, lines.ToArray());
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-0.log:4: it is change 4 where 3 was expected", ex.Message);
        }

        [Fact]
        public void AChangeWithAMissingFieldSaysWhichField()
        {
            using (var a = _h.Open()) Create(a, "vm0");
            string journal = Journal(_h.Folder);
            string put = Record(Lines(journal)[1]);
            string broken = put.Replace("\"s\":1,", "\"s\":2,").Replace("\"id\":1,", "\"id\":2,").Replace("\"mem\":32,", "");
            File.AppendAllText(journal, Framed(broken) + "\n");
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-0.log:3: the record has no \"mem\" field", ex.Message);
            Assert.DoesNotContain("given key", ex.Message);
        }

        [Fact]
        public void ATornLastChangeIsDroppedAndReported()
        {
            using (var a = _h.Open())
            {
                Create(a, "vm0");
                Create(a, "vm1");
                a.DestroyDomain("vm1", None); // one group: its console's put, then the del
            }
            string journal = Journal(_h.Folder);
            var lines = Lines(journal);
            Assert.Contains("\"more\":true", lines[^2]);
            Assert.Contains("\"del\":2", lines[^1]);
            string intact = string.Concat(lines[..^2].Select(l => l + "\n"));
            // a writer killed in the middle of its last line: the group is incomplete, so none of it happened
            File.WriteAllText(journal, intact + lines[^2] + "\n" + lines[^1].Substring(0, 15));
            using var b = (SimulatedXenBackend)_h.Open();
            Assert.Equal(new[] { "Domain-0", "vm0", "vm1" }, b.ListDomains(None).Select(d => d.Name));
            var warning = Assert.Single(b.TakeWarnings());
            Assert.Contains("journal-0.log:4: dropped an incomplete last change (1 of its lines", warning);
            Assert.Empty(b.TakeWarnings());
            Assert.Equal(intact, File.ReadAllText(journal));
            Assert.Equal(3, Create(b, "vm2").Id); // domid 2 is taken by vm1
        }

        [Fact]
        public void UntakenWarningsAreBounded()
        {
            using var b = (SimulatedXenBackend)_h.Open();
            Create(b, "vm0");
            for (int i = 0; i < SimStore.MaxWarnings + 20; i++)
            {
                File.AppendAllText(Journal(_h.Folder), "{\"c\":\"torn" + i);
                using var other = _h.Open(); // its first look cuts the torn line and notes it
            }
            var warnings = b.TakeWarnings();
            Assert.Empty(warnings); // the notes belong to the instance that handled them
            using var last = (SimulatedXenBackend)_h.Open();
            File.AppendAllText(Journal(_h.Folder), "{\"c\":\"torn");
            for (int i = 0; i < SimStore.MaxWarnings + 20; i++)
            {
                File.AppendAllText(Journal(_h.Folder), "x");
                last.ListDomains(None);
            }
            warnings = last.TakeWarnings();
            Assert.Equal(SimStore.MaxWarnings, warnings.Count);
            Assert.All(warnings, w => Assert.Contains("dropped an incomplete last line", w));
        }

        [Fact]
        public void ADeletedHostJsonIsDamageNotANewHost()
        {
            using (var a = _h.Open(_h.Options(totalMiB: 4096))) Create(a, "vm0");
            File.Delete(Path.Combine(_h.Folder, "host.json"));
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("host.json: it is missing, but the folder holds domain state (journal-0.log)", ex.Message);
            Assert.False(File.Exists(Path.Combine(_h.Folder, "host.json")));
        }

        [Fact]
        public void ADamagedHostJsonIsDamage()
        {
            using (var a = _h.Open()) { }
            File.WriteAllText(Path.Combine(_h.Folder, "host.json"), "{\"format\":2,");
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("host.json:1: ", ex.Message);
        }

        [Fact]
        public void ASnapshotOlderThanTheJournalIsDamage()
        {
            string saved = Path.Combine(_h.Folder, "..", Guid.NewGuid().ToString("N") + ".jsonl");
            try
            {
                using (var a = _h.Open(_h.Options(compactAfter: 0)))
                {
                    for (int i = 0; i < 4; i++) Create(a, "vm" + i);
                    for (int i = 0; i < 4; i++) a.PauseDomain("vm" + i, None);
                    File.Copy(Snapshot(_h.Folder), saved);
                    for (int i = 0; i < 4; i++) a.UnpauseDomain("vm" + i, None);
                    for (int i = 0; i < 4; i++) a.PauseDomain("vm" + i, None);
                    Create(a, "late");
                }
                File.Copy(saved, Snapshot(_h.Folder), overwrite: true);
                var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
                Assert.True(ex.Message.Contains("the snapshot is older than the journal"), ex.Message);
            }
            finally { File.Delete(saved); }
        }

        [Fact]
        public void AFolderFromANewerXenPSIsRefusedClearly()
        {
            using (var a = _h.Open()) { }
            File.WriteAllText(Path.Combine(_h.Folder, "host.json"), Framed("{\"format\":3,\"name\":\"h\",\"totalMemoryMiB\":1,\"cpuCount\":1,\"dom0MemoryMiB\":1,\"createdMs\":0}") + "\n");
            var ex = Assert.Throws<XenPSException>(() => _h.Open());
            Assert.Contains("newer XenPS (state format 3)", ex.Message);
        }

        // ---- crash leftovers are cleaned up (the lock is held, so their writer is gone) ----

        [Fact]
        public void TempFilesLeftByAKilledCompactionAreRemoved()
        {
            using (var a = _h.Open()) Create(a, "vm0");
            string[] stale = { "snapshot.json.4242.0badf00d.tmp", "snapshot.jsonl.4242.deadbeef.tmp", "host.json.17.abcdef12.tmp" };
            foreach (var f in stale) File.WriteAllText(Path.Combine(_h.Folder, f), "{\"partial");
            File.WriteAllText(Path.Combine(_h.Folder, "notes.tmp"), "not ours");
            using var b = (SimulatedXenBackend)_h.Open();
            foreach (var f in stale) Assert.False(File.Exists(Path.Combine(_h.Folder, f)), f);
            Assert.True(File.Exists(Path.Combine(_h.Folder, "notes.tmp")));
            Assert.Equal(3, b.TakeWarnings().Count(w => w.Contains("left by a process that was killed while writing")));
            Assert.Equal(2, b.ListDomains(None).Count);
        }

        [Fact]
        public void AJournalLeftByAnInterruptedCompactionIsRemoved()
        {
            using (var a = _h.Open()) Create(a, "vm0");
            // step 1 of a compaction (the next journal, header only) done, then the process died
            string next = Path.Combine(_h.Folder, "journal-1.log");
            string header = Record(Lines(Journal(_h.Folder))[0]).Replace("\"gen\":0", "\"gen\":1").Replace("\"after\":0", "\"after\":1");
            File.WriteAllText(next, Framed(header) + "\n");
            using var b = (SimulatedXenBackend)_h.Open();
            Assert.False(File.Exists(next));
            Assert.Contains(b.TakeWarnings(), w => w.Contains("removed journal-1.log, left over by an interrupted compaction"));
            Assert.Equal(2, b.ListDomains(None).Count);
        }

        [Fact]
        public void EveryLineIsChecksummedJson()
        {
            using (var a = _h.Open(_h.Options(compactAfter: 0)))
            {
                for (int i = 0; i < 3; i++) Create(a, "vm" + i);
                a.PauseDomain("vm0", None);
                a.DestroyDomain("vm1", None);
            }
            foreach (var f in new[] { Path.Combine(_h.Folder, "host.json"), Snapshot(_h.Folder), Journal(_h.Folder) })
                foreach (var line in Lines(f))
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(line);
                    Assert.Equal(8, doc.RootElement.GetProperty("c").GetString()!.Length);
                    Assert.Equal(line, Framed(doc.RootElement.GetProperty("r").GetRawText()));
                }
        }
    }
}
