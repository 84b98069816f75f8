using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>Save/restore on the simulated host: the files in its state folder, the guest carrying on, xl's rules.</summary>
    public sealed class SimulatedCheckpointTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private const string File1 = "/var/lib/xen/save/web1.save";
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private static IXenCheckpoint Cp(IXenBackend b) => (IXenCheckpoint)b;

        private string Local(string hostPath) => Path.Combine(_h.Folder, "fs", hostPath.TrimStart('/'));

        private static string ReadConsole(IXenBackend b, XenDomain d)
        {
            using var con = b.OpenConsole(d.Name, None);
            return con.Read(TimeSpan.Zero, None);
        }

        [Fact]
        public void SaveRemovesTheDomainFreesItsMemoryAndWritesTheFileInTheStateFolder()
        {
            using var b = _h.Open();
            long free = b.GetHostInfo(None).FreeMemoryMiB;
            var d = b.CreateDomain(SimTestHost.Config("web1", ("memory", "512")), new CreateDomainOptions(), None);
            var info = Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), null, None);
            Assert.Equal(File1, info.Path);
            Assert.Equal("web1", info.DomainName);
            Assert.Equal(d.Uuid, info.DomainUuid);
            Assert.True(File.Exists(Local(File1)));
            Assert.Equal(new FileInfo(Local(File1)).Length, info.SizeBytes);
            Assert.DoesNotContain(b.ListDomains(None), x => x.Name == "web1");
            Assert.Equal(free, b.GetHostInfo(None).FreeMemoryMiB);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Local(File1))!, "*.tmp"));
        }

        [Fact]
        public void AnotherInstanceRestoresTheSameGuestWhichCarriesOn()
        {
            XenDomain d;
            using (var a = _h.Open())
            {
                d = a.CreateDomain(SimTestHost.Config("web1", ("memory", "256"), ("sim.boot_seconds", "2")), new CreateDomainOptions(), None);
                _h.Advance(30);
                using (var con = a.OpenConsole("web1", None)) con.Write("echo before-save\r", None);
                Assert.True(a.ListDomains(None).Single(x => x.Name == "web1").CpuTime > 1);
                Cp(a).SaveDomain(d, File1, new SaveDomainOptions(), null, None);
            }
            _h.Advance(3600); // an hour later, in another session
            using var b = _h.Open();
            var r = Cp(b).RestoreDomain(File1, new RestoreDomainOptions(), None);
            Assert.Equal("web1", r.Name);
            Assert.Equal(d.Uuid, r.Uuid);
            Assert.NotEqual(d.Id, r.Id);
            Assert.Equal(XenDomainState.Running, r.State);
            Assert.Equal("256", r.Config!.GetString("memory"));
            Assert.True(r.CpuTime < 0.1, $"a restored domain's CPU time starts again, was {r.CpuTime}"); // 76-list-restored: 0.3
            _h.Advance(10);
            string console = ReadConsole(b, r);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(console, "Linux version")); // no second boot
            Assert.Contains("before-save", console);
            Assert.Contains("Freezing user space processes", console);
            int resumed = console.IndexOf("Restarting tasks ... done.", StringComparison.Ordinal);
            Assert.True(resumed > console.IndexOf("before-save", StringComparison.Ordinal));
            // uptime carried on: the resume line is stamped with the uptime at the save (~30 s), not a fresh boot's
            Assert.Matches(@"\[\s+30\.\d{6}\] Restarting tasks", console);
            using (var con = b.OpenConsole("web1", None))
            {
                con.Read(TimeSpan.Zero, None);
                con.Write("hostname\r", None);
                Assert.Contains("web1\n", con.Read(TimeSpan.Zero, None));
            }
        }

        [Fact]
        public void KeepRunningAndPausedKeepTheDomainWithItsDomid()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions { KeepRunning = true }, null, None);
            var after = b.ListDomains(None).Single(x => x.Name == "web1");
            Assert.Equal(d.Id, after.Id);
            Assert.NotEqual(XenDomainState.Paused, after.State);
            Cp(b).SaveDomain(d, "/var/lib/xen/save/web1-p.save", new SaveDomainOptions { Paused = true }, null, None);
            after = b.ListDomains(None).Single(x => x.Name == "web1");
            Assert.Equal(d.Id, after.Id);
            Assert.Equal("--p---", after.StateFlags);
        }

        [Fact]
        public void AnExistingFileIsKeptUnlessOverwriting()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions { KeepRunning = true }, null, None);
            byte[] before = File.ReadAllBytes(Local(File1));
            _h.Advance(5);
            var e = Assert.Throws<XenCheckpointException>(() => Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), null, None));
            Assert.Equal(XenErrorReason.CheckpointExists, e.Reason);
            Assert.Equal(before, File.ReadAllBytes(Local(File1)));
            Assert.Equal(XenDomainState.Running, b.ListDomains(None).Single(x => x.Name == "web1").State); // nothing was suspended
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions { Overwrite = true }, null, None);
            Assert.NotEqual(before, File.ReadAllBytes(Local(File1)));
        }

        [Theory]
        [InlineData("/../etc/passwd")]
        [InlineData("/var/lib/xen/save/../../../../../x.save")]
        [InlineData("save/web1.save")]
        [InlineData("../x.save")]
        public void PathsThatLeaveTheRootOrAreRelativeAreRefused(string path)
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            var e = Assert.Throws<XenCheckpointException>(() => Cp(b).SaveDomain(d, path, new SaveDomainOptions(), null, None));
            Assert.Equal(XenErrorReason.InvalidArgument, e.Reason);
            Assert.Equal("CheckpointPathInvalid", e.ErrorId);
            Assert.Throws<XenCheckpointException>(() => Cp(b).RestoreDomain(path, new RestoreDomainOptions(), None));
            Assert.False(File.Exists(Path.Combine(_h.Folder, "x.save")));
            Assert.False(File.Exists(Path.Combine(_h.Folder, "etc", "passwd")));
            Assert.Equal(XenDomainState.Running, b.ListDomains(None).Single(x => x.Name == "web1").State);
        }

        [Fact]
        public void DotDotInsideTheRootIsResolvedAndStaysInside()
        {
            Assert.Equal("/var/lib/x.save", SimHostFiles.Normalize("/var/lib/xen/save/../../x.save"));
            Assert.Equal("/a/c", SimHostFiles.Normalize("//a/./b/../c"));
            var files = new SimHostFiles(_h.Folder);
            Assert.StartsWith(Path.Combine(Path.GetFullPath(_h.Folder), "fs"), files.Map("/var/./lib/../../var"));
        }

        [Fact]
        public void AMissingFolderIsCheckpointNotFoundAndTheGuestRuns()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            var e = Assert.Throws<XenCheckpointException>(() => Cp(b).SaveDomain(d, "/no/such/folder/x.save", new SaveDomainOptions(), null, None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, e.Reason);
            Assert.Contains("/no/such/folder", e.Message);
            Assert.Equal(XenDomainState.Running, b.ListDomains(None).Single(x => x.Name == "web1").State);
        }

        [Fact]
        public void RestoreRefusesARunningNameWithXlsTextAndUsesUpADomid()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions { KeepRunning = true }, null, None);
            var e = Assert.Throws<XenResourceExistsException>(() => Cp(b).RestoreDomain(File1, new RestoreDomainOptions(), None));
            Assert.Equal("Domain with name \"web1\" already exists.", e.Message);
            var next = b.CreateDomain(SimTestHost.Config("web2"), new CreateDomainOptions(), None);
            Assert.Equal(d.Id + 2, next.Id); // ckpt-restore-dupname: the failed restore used domid 4 (xl did)
        }

        [Fact]
        public void RestoreObeysMemoryAdmissionControl()
        {
            using var b = _h.Open(_h.Options(totalMiB: 2048, dom0MiB: 1024));
            var d = b.CreateDomain(SimTestHost.Config("web1", ("memory", "600")), new CreateDomainOptions(), None);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), null, None);
            b.CreateDomain(SimTestHost.Config("hog", ("memory", "900")), new CreateDomainOptions(), None);
            var e = Assert.Throws<XenResourceUnavailableException>(() => Cp(b).RestoreDomain(File1, new RestoreDomainOptions(), None));
            Assert.Equal(XenErrorReason.InsufficientResources, e.Reason);
            Assert.DoesNotContain(b.ListDomains(None), x => x.Name == "web1");
            b.DestroyDomain("hog", None);
            Assert.Equal("web1", Cp(b).RestoreDomain(File1, new RestoreDomainOptions { Paused = true }, None).Name);
            Assert.Equal("--p---", b.ListDomains(None).Single(x => x.Name == "web1").StateFlags);
        }

        [Fact]
        public void AFileThatIsNotACheckpointOrIsDamagedIsCheckpointInvalid()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), null, None);
            File.WriteAllText(Local("/tmp/notes.txt"), "not a checkpoint");
            var e = Assert.Throws<XenCheckpointException>(() => Cp(b).RestoreDomain("/tmp/notes.txt", new RestoreDomainOptions(), None));
            Assert.Equal(XenErrorReason.CheckpointInvalid, e.Reason);
            Assert.Contains("wrong magic number", e.Message);
            byte[] bytes = File.ReadAllBytes(Local(File1));
            int i = Array.IndexOf(bytes, (byte)'w', SimulatedXenBackend.CheckpointMagic.Length); // a letter of the JSON
            bytes[i] = (byte)'v';
            File.WriteAllBytes(Local(File1), bytes);
            var damaged = Assert.Throws<XenCheckpointException>(() => Cp(b).RestoreDomain(File1, new RestoreDomainOptions(), None));
            Assert.Equal(XenErrorReason.CheckpointInvalid, damaged.Reason);
            Assert.Contains("checksum", damaged.Message);
            Assert.Single(b.ListDomains(None));
            var missing = Assert.Throws<XenCheckpointException>(() => Cp(b).RestoreDomain("/var/lib/xen/save/none.save", new RestoreDomainOptions(), None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, missing.Reason);
        }

        [Fact]
        public void WhileSavingTheDomainIsListedSuspendedByOtherSessionsWithProgress()
        {
            using var b = _h.Open();
            using var other = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1", ("memory", "128"), ("sim.save_seconds", "4")), new CreateDomainOptions(), None);
            var seen = new List<(CheckpointProgress p, string flags)>();
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), p =>
                seen.Add((p, other.ListDomains(None).SingleOrDefault(x => x.Name == "web1")?.StateFlags ?? "gone")), None);
            Assert.Equal(17, seen.Count);
            // what the lab's `xl list` showed 3 s into `xl save` (ckpt-list-while-saving)
            string real = Fixture.Text("ckpt-list-while-saving.stdout").Split('\n')
                .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Single(c => c.Length >= 6 && c[0] == "xps-sav-probe")[4];
            Assert.Equal("--pss-", real);
            Assert.All(seen, s => Assert.Equal(real, s.flags));
            Assert.Equal(32768, seen[0].p.Total); // 128 MiB in 4 KiB frames, as xl counts them
            Assert.Equal(2048, seen[0].p.Done);
            Assert.Equal(100, seen[15].p.PercentComplete);
            Assert.Equal("End of stream", seen[16].p.Phase);
            Assert.DoesNotContain(other.ListDomains(None), x => x.Name == "web1");
        }

        [Fact]
        public void ACancelledSaveLeavesTheGuestRunningAndNoFile()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(5);
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), p => { if (p.PercentComplete >= 50) cts.Cancel(); }, cts.Token));
            Assert.False(File.Exists(Local(File1)));
            var after = b.ListDomains(None).Single(x => x.Name == "web1");
            Assert.Equal(d.Id, after.Id);
            Assert.Equal(XenDomainState.Running, after.State);
        }

        [Fact]
        public void OldRecordsWithoutTheNewFieldsStillLoadAndTheFieldsPersist()
        {
            using (var a = _h.Open())
            {
                var d = a.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
                _h.Advance(20);
                Cp(a).SaveDomain(d, File1, new SaveDomainOptions(), null, None);
                Cp(a).RestoreDomain(File1, new RestoreDomainOptions(), None);
            }
            using var b = _h.Open();
            var r = b.ListDomains(None).Single(x => x.Name == "web1");
            Assert.True(r.CpuTime < 0.1); // cpubase read back from the journal
            _h.Advance(100);
            Assert.InRange(b.ListDomains(None).Single(x => x.Name == "web1").CpuTime, 1.5, 2.5); // 100 s at 0.02 s/s
        }
    
        [Fact]
        public void ASaveAbandonedMidWayLeavesTheGuestSuspendedUntilItIsUnpaused()
        {
            // A progress callback that blows up stands in for a process killed mid-save: nothing resumes the guest.
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            Assert.Throws<InvalidOperationException>(() =>
                Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), p => throw new InvalidOperationException("killed"), None));
            using (var other = _h.Open()) Assert.Equal("--pss-", other.ListDomains(None).Single(x => x.Name == "web1").StateFlags);
            Assert.False(File.Exists(Local(File1)));
            b.UnpauseDomain("web1", None);
            Assert.Equal(XenDomainState.Running, b.ListDomains(None).Single(x => x.Name == "web1").State);
            Cp(b).SaveDomain(d, File1, new SaveDomainOptions(), null, None); // and it can be saved again
            Assert.True(File.Exists(Local(File1)));
        }

        [Fact]
        public void TheServiceDeliversProgressOnTheCallingThreadAndCompletesIt()
        {
            using var b = _h.Open();
            var host = new XenHostConnection("t", b.Uri, b);
            var d = b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            int me = Environment.CurrentManagedThreadId;
            var threads = new HashSet<int>();
            var seen = new List<XenPS.Services.XenProgress>();
            var progress = new SyncReport(p => { threads.Add(Environment.CurrentManagedThreadId); seen.Add(p); });
            var r = new XenPS.Services.CheckpointService().Save(new XenPS.Services.XenDomainTarget(host, d), File1, new SaveDomainOptions(), progress, None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(new[] { me }, threads);
            Assert.True(seen[^1].Completed);
            Assert.Equal(16, seen.Count(p => !p.Completed && p.Status.Contains("frames")));
            // a failure is a result, and its progress is completed too
            seen.Clear();
            var failed = new XenPS.Services.CheckpointService().Save(new XenPS.Services.XenDomainTarget(host, d), File1, new SaveDomainOptions(), progress, None);
            Assert.Equal(XenErrorReason.DomainNotFound, failed.Error!.Reason);
            Assert.True(seen[^1].Completed);
        }

        private sealed class SyncReport : IProgress<XenPS.Services.XenProgress>
        {
            private readonly Action<XenPS.Services.XenProgress> _a;
            public SyncReport(Action<XenPS.Services.XenProgress> a) => _a = a;
            public void Report(XenPS.Services.XenProgress value) => _a(value);
        }
    }
}
