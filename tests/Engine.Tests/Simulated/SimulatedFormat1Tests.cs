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
    /// <summary>
    /// A state folder written by the format-1 store (XenPS before checksums; Fixtures/format1 was written by that code:
    /// six domains created, one destroyed, one paused, compacted into snapshot.json, then journal-1.log with a nested
    /// list config, a create + destroy and a console session) still opens, and is migrated to format 2.
    /// </summary>
    public class SimulatedFormat1Tests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        public SimulatedFormat1Tests()
        {
            string fixture = Path.Combine(AppContext.BaseDirectory, "Simulated", "Fixtures", "format1");
            foreach (var f in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(_h.Folder, Path.GetRelativePath(fixture, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
        }

        private string Old(string name) => Path.Combine(_h.Folder, name);

        [Fact]
        public void AFormat1FolderOpensWithEveryDomainAndIsMigrated()
        {
            using (var b = (SimulatedXenBackend)_h.Open(_h.Options(totalMiB: 99999)))
            {
                var list = b.ListDomains(None);
                Assert.Equal(new[] { "Domain-0", "old1", "old2", "old3", "old4", "old5", "nested" }, list.Select(d => d.Name));
                Assert.Equal(new int?[] { 0, 2, 3, 4, 5, 6, 7 }, list.Select(d => d.Id));
                Assert.Equal("--p---", list.Single(d => d.Name == "old1").StateFlags);
                Assert.Equal("00000002-1111-2222-3333-444444444444", list.Single(d => d.Name == "old2").Uuid);
                var disk = Assert.IsType<object[]>(list.Single(d => d.Name == "nested").Config!.Get("disk"));
                Assert.Equal("phy:/dev/vg/a,xvda,w", disk[0]);
                var inner = Assert.IsType<object[]>(disk[1]);
                Assert.Equal("x", inner[0]);
                Assert.Equal(new object[] { "y" }, Assert.IsType<object[]>(inner[1]));
                Assert.Equal(8192, b.GetHostInfo(None).TotalMemoryMiB); // host.json's, not the options'
                Assert.Equal(8192 - 1024 - 5 * 128 - 64, b.GetHostInfo(None).FreeMemoryMiB);
                Assert.Contains(b.TakeWarnings(), w => w.Contains("migrated the state from format 1"));
                Assert.Equal(9, b.CreateDomain(SimTestHost.Config("new"), new CreateDomainOptions(), None).Id); // 8 was used

                // the console of a running domain restarts with its boot log, in its per-boot log
                _h.Advance(2);
                using var con = b.OpenConsole("old2", None);
                string s = con.Read(TimeSpan.Zero, None);
                Assert.StartsWith("[    0.000000] Linux version", s);
                Assert.EndsWith("old2 login: ", s);
            }
            Assert.False(File.Exists(Old("snapshot.json")));
            Assert.False(File.Exists(Old("journal-1.log")));
            Assert.True(File.Exists(Old("snapshot.jsonl")));
            Assert.True(File.Exists(Old("journal-2.log")));
            Assert.StartsWith("{\"c\":\"", File.ReadAllText(Old("host.json")));
            Assert.Empty(Directory.GetFiles(Old("console"), "guest-*"));

            using var again = _h.Open();
            Assert.Equal(new[] { "Domain-0", "old1", "old2", "old3", "old4", "old5", "nested", "new" }, again.ListDomains(None).Select(d => d.Name));
        }

        [Fact]
        public void AFormat1JournalWithATornLastLineOpens()
        {
            File.AppendAllText(Old("journal-1.log"), "{\"s\":17,\"del\":3", Encoding.UTF8);
            using var b = (SimulatedXenBackend)_h.Open();
            Assert.Contains(b.ListDomains(None), d => d.Name == "old2");
            Assert.Contains(b.TakeWarnings(), w => w.Contains("journal-1.log:6: dropped an incomplete last line"));
        }

        [Fact]
        public void AFormat1JournalWithADamagedLineIsRefusedAndLeftAsItIs()
        {
            var lines = Lines(Old("journal-1.log"));
            lines[1] = lines[1].Substring(0, 40);
            WriteLines(Old("journal-1.log"), lines);
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-1.log:2: the line is not valid JSON", ex.Message);
            Assert.True(File.Exists(Old("snapshot.json")));
            Assert.False(File.Exists(Old("snapshot.jsonl")));
            Assert.Equal(lines, Lines(Old("journal-1.log")));
        }

        [Fact]
        public void AFormat1LineWithAMissingFieldSaysWhichField()
        {
            File.AppendAllText(Old("journal-1.log"), "{\"s\":17,\"put\":{\"id\":9,\"name\":\"x\",\"uuid\":\"0000000c-1111-2222-3333-444444444444\"}}\n");
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-1.log:6: the record has no \"type\" field", ex.Message);
        }

        [Fact]
        public void AFormat1LineTheOldReaderSkippedForItsDepthIsRead()
        {
            // the old writer wrote configs as nested JSON and its reader stopped at 64 levels: this domain was invisible
            string deep = string.Concat(Enumerable.Repeat("[", 62)) + "\"leaf\"" + string.Concat(Enumerable.Repeat("]", 62));
            File.AppendAllText(Old("journal-1.log"),
                "{\"s\":17,\"put\":{\"id\":9,\"name\":\"deep\",\"uuid\":\"0000000d-1111-2222-3333-444444444444\",\"type\":0,\"mem\":32,\"maxmem\":32,\"vcpus\":1," +
                "\"created\":1795780802000,\"boot\":1,\"shutdelay\":2,\"upacc\":0,\"active\":1795780802000,\"config\":{\"name\":\"deep\",\"deep\":" + deep + "}}}\n");
            using var b = _h.Open();
            var d = Assert.Single(b.ListDomains(None), x => x.Name == "deep");
            Assert.Equal(9, d.Id);
            Assert.Equal(62, Depth(d.Config!.Get("deep")));
            Assert.Equal(10, b.CreateDomain(SimTestHost.Config("after"), new CreateDomainOptions(), None).Id);
        }

        [Fact]
        public void AFormat1FolderWithADeletedHostJsonIsDamage()
        {
            File.Delete(Old("host.json"));
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("host.json: it is missing, but the folder holds domain state (snapshot.json)", ex.Message);
        }
    }
}
