using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;
using Xunit;

namespace XenPS.Tests
{
    public class SimulatedPersistenceTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        [Fact]
        public void TwoInstancesOnOneFolderSeeEachOther()
        {
            using var a = _h.Open();
            using var b = _h.Open();
            var d = a.CreateDomain(SimTestHost.Config("web1", ("memory", "256")), new CreateDomainOptions(), None);
            var seen = Assert.Single(b.ListDomains(None), x => x.Name == "web1");
            Assert.Equal(d.Id, seen.Id);
            Assert.Equal(d.Uuid, seen.Uuid);
            Assert.Equal("256", seen.Config!.GetString("memory"));
            b.PauseDomain("web1", None);
            Assert.Equal("--p---", a.ListDomains(None).Single(x => x.Name == "web1").StateFlags);
            Assert.Throws<XenResourceExistsException>(() => b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None));
            a.DestroyDomain("web1", None);
            Assert.Single(b.ListDomains(None));
        }

        [Fact]
        public void StateSurvivesReopenAndCompaction()
        {
            using (var a = _h.Open(_h.Options(compactAfter: 10)))
            {
                for (int i = 0; i < 50; i++) a.CreateDomain(SimTestHost.Config("vm" + i, ("memory", "64")), new CreateDomainOptions(), None);
                for (int i = 0; i < 50; i += 2) a.DestroyDomain("vm" + i, None);
                a.PauseDomain("vm1", None);
            }
            Assert.True(File.Exists(Path.Combine(_h.Folder, "snapshot.jsonl")));
            Assert.True(Directory.GetFiles(_h.Folder, "journal-*.log").Length <= 1);
            using var b = _h.Open();
            var list = b.ListDomains(None);
            Assert.Equal(26, list.Count);
            Assert.Equal(Enumerable.Range(0, 25).Select(i => "vm" + (2 * i + 1)), list.Skip(1).Select(d => d.Name));
            Assert.Equal("--p---", list.Single(d => d.Name == "vm1").StateFlags);
            Assert.Equal(8192 - 1024 - 25 * 64, b.GetHostInfo(None).FreeMemoryMiB);
        }

        [Fact]
        public void ACachedInstanceNoticesAnotherInstancesCompaction()
        {
            using var a = _h.Open();
            a.CreateDomain(SimTestHost.Config("first"), new CreateDomainOptions(), None);
            Assert.Equal(2, a.ListDomains(None).Count);
            using (var b = _h.Open(_h.Options(compactAfter: 3)))
            {
                for (int i = 0; i < 30; i++) b.CreateDomain(SimTestHost.Config("b" + i), new CreateDomainOptions(), None);
                b.DestroyDomain("first", None);
                for (int i = 0; i < 30; i += 3) b.PauseDomain("b" + i, None);
            }
            var list = a.ListDomains(None);
            Assert.Equal(31, list.Count);
            Assert.DoesNotContain(list, d => d.Name == "first");
            Assert.Equal(10, list.Count(d => d.StateFlags == "--p---"));
            Assert.Equal(32, a.CreateDomain(SimTestHost.Config("last"), new CreateDomainOptions(), None).Id);
        }

        [Fact]
        public void ConcurrentCreatesFromTwoInstancesAreAllKept()
        {
            using var a = XenBackendFactory.Open(_h.Uri);
            using var b = XenBackendFactory.Open(_h.Uri);
            void Create(IXenBackend be, string prefix)
            {
                for (int i = 0; i < 200; i++)
                    be.CreateDomain(SimTestHost.Config(prefix + i, ("memory", "1")), new CreateDomainOptions(), None);
            }
            var t1 = Task.Run(() => Create(a, "a"));
            var t2 = Task.Run(() => Create(b, "b"));
            var t3 = Task.Run(() => Create(a, "c")); // two threads on one instance too
            Task.WaitAll(t1, t2, t3);
            using var c = XenBackendFactory.Open(_h.Uri);
            var list = c.ListDomains(None).Where(d => d.Id != 0).ToList();
            Assert.Equal(600, list.Count);
            Assert.Equal(600, list.Select(d => d.Id).Distinct().Count());
            Assert.Equal(600, list.Select(d => d.Name).Distinct().Count());
            Assert.Equal(600, a.ListDomains(None).Count - 1);
            Assert.Equal(600, b.ListDomains(None).Count - 1);
        }

        [Fact]
        public void ATornJournalLineIsIgnoredAndCutOff()
        {
            using (var a = _h.Open())
            {
                for (int i = 0; i < 3; i++) a.CreateDomain(SimTestHost.Config("vm" + i), new CreateDomainOptions(), None);
            }
            string journal = Directory.GetFiles(_h.Folder, "journal-*.log").Single();
            File.AppendAllText(journal, "{\"s\":99,\"put\":{\"id\":77,\"name\":\"half", Encoding.UTF8);
            using (var b = _h.Open())
            {
                Assert.Equal(4, b.ListDomains(None).Count);
                var d = b.CreateDomain(SimTestHost.Config("after"), new CreateDomainOptions(), None);
                Assert.Equal(4, d.Id);
            }
            using var c = _h.Open();
            Assert.Equal(new[] { "Domain-0", "vm0", "vm1", "vm2", "after" }, c.ListDomains(None).Select(d => d.Name));
            Assert.EndsWith("\n", File.ReadAllText(journal));
        }

        [Fact]
        public void ADamagedJournalLineIsReportedNotSkipped()
        {
            using (var a = _h.Open()) a.CreateDomain(SimTestHost.Config("vm0"), new CreateDomainOptions(), None);
            string journal = Directory.GetFiles(_h.Folder, "journal-*.log").Single();
            File.AppendAllText(journal, "garbage{{\n", Encoding.UTF8);
            var ex = Assert.Throws<XenStateDamagedException>(() => _h.Open());
            Assert.Contains("journal-0.log:3: ", ex.Message);
            Assert.Equal(journal, ex.File);
            Assert.Equal(3, ex.Line);
        }

        [Fact]
        public void LockTimeoutIsAXenTimeout()
        {
            var opts = _h.Options();
            opts.LockTimeout = TimeSpan.FromMilliseconds(200);
            using var a = _h.Open(opts);
            using (new FileStream(Path.Combine(_h.Folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                var ex = Assert.Throws<XenTimeoutException>(() => a.ListDomains(None));
                Assert.Contains(".lock", ex.Message);
            }
            Assert.Single(a.ListDomains(None)); // free again
        }

        [Fact]
        public void LockWaitHonoursCancellation()
        {
            using var a = _h.Open();
            using (new FileStream(Path.Combine(_h.Folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                using var cts = new CancellationTokenSource(100);
                Assert.ThrowsAny<OperationCanceledException>(() => a.ListDomains(cts.Token));
            }
        }
    }

    public class SimulatedFactoryTests : IDisposable
    {
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        [Fact]
        public void SimNameUsesTheRootVariable()
        {
            string? old = Environment.GetEnvironmentVariable(XenBackendFactory.SimRootVariable);
            try
            {
                Environment.SetEnvironmentVariable(XenBackendFactory.SimRootVariable, _h.Folder);
                using var b = XenBackendFactory.Open("sim://lab1");
                Assert.Equal("sim://lab1", b.Uri);
                Assert.Equal("lab1", b.GetHostInfo(CancellationToken.None).HostName);
                Assert.True(File.Exists(Path.Combine(_h.Folder, "lab1", "host.json")));
            }
            finally
            {
                Environment.SetEnvironmentVariable(XenBackendFactory.SimRootVariable, old);
            }
        }

        [Fact]
        public void SimPathUsesThatFolder()
        {
            using var b = XenBackendFactory.Open(_h.Uri, new SimHostOptions { TotalMemoryMiB = 3071, CpuCount = 1 });
            var info = b.GetHostInfo(CancellationToken.None);
            Assert.Equal(Path.GetFileName(_h.Folder), info.HostName);
            Assert.Equal(3071, info.TotalMemoryMiB);
            Assert.Equal(1, info.CpuCount);
            Assert.Equal("4.17.7-sim", info.XenVersion);
        }

        [Theory]
        [InlineData("xl:///")]
        [InlineData("ssh://root@xenhost:2222")]
        [InlineData("ssh://xenhost")]
        public void XlAndSshOpenTheXlBackend(string uri)
        {
            // Opening sends nothing: the first command connects.
            using var b = XenBackendFactory.Open(uri);
            Assert.IsType<XenPS.Backends.Xl.XlBackend>(b);
            Assert.Equal(uri, b.Uri);
        }

        [Fact]
        public void XlTakesNoHost()
        {
            var ex = Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open("xl://dom0/"));
            Assert.Contains("ssh://", ex.Message);
        }

        [Theory]
        [InlineData("http://x")]
        [InlineData("web1")]
        [InlineData("sim://a/b")]
        [InlineData("sim://")]
        public void OtherUrisListTheSupportedForms(string uri)
        {
            var ex = Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open(uri));
            Assert.Equal(XenErrorReason.InvalidArgument, ex.Reason);
            Assert.Contains("sim://NAME", ex.Message);
        }
    }
}
