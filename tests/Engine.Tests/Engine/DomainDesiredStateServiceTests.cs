using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using XenPS.Config;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// DomainDesiredStateService (the XenDomain DSC resource's logic) on a simulated host with a fake clock: Get/Test/Set,
    /// the safe order, idempotence (a second Set writes and sends nothing), drift, restart warnings, Absent, errors.
    /// </summary>
    public sealed class DomainDesiredStateServiceTests : IDisposable
    {
        private readonly SimTestHost _h = new SimTestHost();
        private readonly XenHostConnection _host;
        private readonly DomainDesiredStateService _svc;
        private readonly SimulatedXenBackend _sim;

        private const string Xl = "name = \"web\"\nmemory = 256\nmaxmem = 512\nvcpus = 1\nmaxvcpus = 2\nkernel = \"/boot/vmlinuz\"\n" +
                                  "extra = \"console=hvc0 quiet\"\ndisk = [ \"file:/srv/web.img,xvda,w\" ]\nsim.shutdown_seconds = 1\n";

        public DomainDesiredStateServiceTests()
        {
            _host = new XenHostConnection("lab", _h.Uri, _h.Open());
            _sim = (SimulatedXenBackend)_host.Backend;
            var waits = new DomainWaitService { Clock = () => _h.Now.UtcDateTime, Sleep = (t, ct) => _h.Now += t };
            _svc = new DomainDesiredStateService(waits);
        }

        public void Dispose()
        {
            _host.Dispose();
            _h.Dispose();
        }

        private static DomainDesiredState Want(string? config = Xl, XenDesiredRunState? state = XenDesiredRunState.Running) =>
            new DomainDesiredState { Name = "web", ConfigText = config, State = state };

        private string StoredFile => Path.Combine(_sim.ConfigFolder, "web.cfg");
        private string Hash => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(StoredFile)));
        private XenDomain? Listed(string name = "web") => _host.Backend.ListDomains(default).SingleOrDefault(d => d.Name == name);
        private DomainDesiredStateSetResult Set(DomainDesiredState d) => _svc.Set(_host, d, CancellationToken.None);
        private DomainDesiredStateComparison Test(DomainDesiredState d) => _svc.Test(_host, d, CancellationToken.None);

        [Fact]
        public void SetStoresStartsAndLinksInThatOrder_ThenTestHolds_AndASecondSetChangesNothing()
        {
            var want = Want();
            want.AutoStart = true;
            Assert.False(Test(want).InDesiredState);

            var r = Set(want);
            Assert.Equal(3, r.Changes.Count);
            Assert.StartsWith("Stored the config of web as /etc/xen/web.cfg", r.Changes[0]);
            Assert.StartsWith("Started web (id ", r.Changes[1]);
            Assert.StartsWith("Linked /etc/xen/auto/web.cfg", r.Changes[2]);
            Assert.Empty(r.Warnings);
            Assert.Equal("Running", r.After.State);
            Assert.True(r.After.AutoStart);
            Assert.True(Test(want).InDesiredState);

            string hash = Hash;
            var stamp = File.GetLastWriteTimeUtc(StoredFile);
            int? id = Listed()!.Id;
            _h.Advance(5);
            var again = Set(want);
            Assert.Empty(again.Changes);
            Assert.True(again.Before.InDesiredState);
            Assert.Equal(hash, Hash);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(StoredFile));
            Assert.Equal(id, Listed()!.Id);
        }

        [Fact]
        public void AConfigWrittenBySetAndReadBackComparesEqual_FromYamlToo()
        {
            const string yaml = "name: web\nmemory: 256\nvcpus: 1\nkernel: /boot/vmlinuz\nextra: console=hvc0 quiet\n" +
                                "disk:\n  - file:/srv/web.img,xvda,w\nvif:\n  - mac=00:16:3e:00:00:01,bridge=xenbr0\non_crash: preserve\n";
            var want = Want(yaml, null);
            Set(want);
            var stored = new StoredConfigService().Read(_host, default).Single();
            Assert.NotNull(stored.Config);
            var desired = DomainDesiredStateService.ReadDesiredConfig(want, default)!;
            Assert.Empty(DomainDesiredStateService.Differences(desired, stored.Config!, out _));
            Assert.True(Test(want).InDesiredState);
            Assert.Null(Listed()); // State left out: not started
        }

        [Fact]
        public void TheComparisonIsParsedNotText_OrderNumbersAndQuotingDoNotMatter_ButAValueDoes()
        {
            var a = DomainConfigReader.LoadText("name='web'\nmemory=256\nvcpus=1\ndisk=['file:/a,xvda,w','file:/b,xvdb,w']\n", "a.cfg");
            var b = DomainConfigReader.LoadText("# reordered\ndisk = [ \"file:/a,xvda,w\", \"file:/b,xvdb,w\", ]\nvcpus = 0x1\nmemory = 0x100\nname = \"web\"\n", "b.cfg");
            Assert.Empty(DomainDesiredStateService.Differences(a, b, out _));
            var c = DomainConfigReader.LoadText("name='web'\nmemory=256\nvcpus=1\ndisk=['file:/b,xvdb,w','file:/a,xvda,w']\nextra='x'\n", "c.cfg");
            var keys = DomainDesiredStateService.Differences(a, c, out string detail);
            Assert.Equal(new[] { "disk", "extra" }, keys);
            Assert.Contains("extra = \"x\" is stored but not desired", detail);
        }

        [Fact]
        public void TestNamesEveryDifferingProperty()
        {
            Set(Want());
            var want = Want(Xl.Replace("memory = 256", "memory = 384"), XenDesiredRunState.Paused);
            want.MemoryMiB = 320;
            want.AutoStart = true;
            var c = Test(want);
            Assert.False(c.InDesiredState);
            Assert.Equal(new[] { "Config", "State", "MemoryMiB", "AutoStart" }, c.Differences.Select(p => p.Property).ToArray());
            Assert.Contains("memory is 256, desired 320", c.Differences.First().Detail);
            Assert.Equal("State is Running, desired Paused", c.Differences.ElementAt(1).ToString().Split(':')[0]);
            Assert.Equal("256", c.Differences.ElementAt(2).Actual);
            Assert.Equal("Ensure", c.Properties[0].Property);
            Assert.True(c.Properties[0].InDesiredState);
        }

        [Fact]
        public void ADomainStoppedBehindItsBackIsStartedAgain_AndOneResizedBehindItsBackIsResizedLive()
        {
            var want = Want();
            want.MemoryMiB = 256;
            Set(want);
            int id1 = Listed()!.Id!.Value;

            // resized behind DSC's back: corrected with xl mem-set, the same domid
            _sim.SetMemoryTarget(Listed()!, 192, default);
            var c = Test(want);
            Assert.Equal(new[] { "MemoryMiB" }, c.Differences.Select(p => p.Property).ToArray());
            var r = Set(want);
            Assert.Equal(new[] { $"Set MemoryMiB = 256 MiB on web (id {id1}) on lab." }, r.Changes);
            Assert.Equal(256, Listed()!.MemoryMiB);
            Assert.Equal(id1, Listed()!.Id);

            // stopped behind DSC's back: started again from the stored config
            _sim.DestroyDomain(Listed()!, default);
            Assert.Equal("State is Stopped, desired Running.", Test(want).Differences.Single().ToString());
            string hash = Hash;
            r = Set(want);
            Assert.Single(r.Changes);
            Assert.StartsWith("Started web", r.Changes[0]);
            Assert.NotEqual(id1, Listed()!.Id);
            Assert.Equal(hash, Hash); // the config was right: not rewritten
            Assert.True(Test(want).InDesiredState);
        }

        [Fact]
        public void AChangedConfigOfARunningDomainIsAWarning_NotARestart_UnlessAllowRestart()
        {
            Set(Want());
            int id1 = Listed()!.Id!.Value;
            var want = Want(Xl.Replace("console=hvc0 quiet", "console=hvc0"));
            var r = Set(want);
            Assert.StartsWith("Rewrote /etc/xen/web.cfg on lab (extra changed)", r.Changes.Single());
            Assert.Contains("needs a restart to take the change", r.Warnings.Single());
            Assert.Contains("AllowRestart", r.Warnings.Single());
            Assert.Equal(id1, Listed()!.Id);
            Assert.True(Test(want).InDesiredState); // the stored config is as desired
            Assert.Empty(Set(want).Changes);

            var want2 = Want(Xl.Replace("console=hvc0 quiet", "console=ttyS0"));
            want2.AllowRestart = true;
            r = Set(want2);
            Assert.Empty(r.Warnings);
            Assert.Equal(3, r.Changes.Count);
            Assert.StartsWith("Rewrote", r.Changes[0]);
            Assert.StartsWith($"Shut web (id {id1}) on lab down", r.Changes[1]);
            Assert.StartsWith("Started web", r.Changes[2]);
            var d = Listed()!;
            Assert.NotEqual(id1, d.Id);
            Assert.Equal("console=ttyS0", d.Config!.Extra);
        }

        [Fact]
        public void MemoryAboveTheRunningMaximumIsAWarning_AndWithAllowRestartTheDomainComesBackWithIt()
        {
            Set(Want());
            int id1 = Listed()!.Id!.Value;
            var want = Want(Xl.Replace("maxmem = 512", "maxmem = 1024"));
            want.MemoryMiB = 768;
            var r = Set(want);
            Assert.Single(r.Changes); // the stored config only
            Assert.Contains("MemoryMiB = 768 is above its maximum memory of 512 MiB", r.Warnings.Single());
            Assert.Contains("maxmem", r.Warnings.Single());
            Assert.Equal(256, Listed()!.MemoryMiB);
            Assert.False(Test(want).InDesiredState);
            Assert.Empty(Set(want).Changes); // says so again, changes nothing

            want.AllowRestart = true;
            r = Set(want);
            Assert.Empty(r.Warnings);
            Assert.NotEqual(id1, Listed()!.Id);
            Assert.Equal(768, Listed()!.MemoryMiB);
            Assert.True(Test(want).InDesiredState);
        }

        [Fact]
        public void PausedAndRunning_AreReachedByPauseUnpauseOrAPausedStart()
        {
            var r = Set(Want(state: XenDesiredRunState.Paused));
            Assert.Contains("paused", r.Changes[1]);
            Assert.Equal(XenDomainState.Paused, Listed()!.State);
            int id = Listed()!.Id!.Value;
            r = Set(Want());
            Assert.StartsWith("Unpaused web", r.Changes.Single());
            Assert.Equal(id, Listed()!.Id);
            r = Set(Want(state: XenDesiredRunState.Stopped));
            Assert.StartsWith("Shut web", r.Changes.Single());
            Assert.Null(Listed());
            Assert.True(Test(Want(state: XenDesiredRunState.Stopped)).InDesiredState);
        }

        [Fact]
        public void AbsentStopsWhenAskedAndRemovesTheStoredConfigAndItsLink()
        {
            var want = Want();
            want.AutoStart = true;
            Set(want);
            var absent = new DomainDesiredState { Name = "web", Ensure = XenDesiredEnsure.Absent, State = XenDesiredRunState.Stopped };
            var c = Test(absent);
            Assert.Equal(new[] { "Ensure", "State" }, c.Differences.Select(p => p.Property).ToArray());
            var r = Set(absent);
            Assert.StartsWith("Shut web", r.Changes[0]);
            Assert.StartsWith("Removed /etc/xen/web.cfg", r.Changes[1]);
            Assert.False(File.Exists(StoredFile));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_sim.ConfigFolder, "auto")));
            Assert.Null(Listed());
            Assert.True(Test(absent).InDesiredState);
            Assert.Empty(Set(absent).Changes);
        }

        [Fact]
        public void AbsentWithoutStateLeavesARunningDomainRunning_AndSaysSo()
        {
            Set(Want());
            var r = Set(new DomainDesiredState { Name = "web", Ensure = XenDesiredEnsure.Absent });
            Assert.Contains("still running", r.Warnings.Single());
            Assert.NotNull(Listed());
        }

        [Theory]
        [InlineData("Running")]
        [InlineData("Paused")]
        public void ContradictionsAreRefusedBeforeTheHostIsAsked(string state)
        {
            var e = Assert.Throws<XenArgumentException>(() => Test(new DomainDesiredState
                { Name = "web", Ensure = XenDesiredEnsure.Absent, State = Enum.Parse<XenDesiredRunState>(state), MemoryMiB = 128 }));
            Assert.Contains($"State = '{state}', MemoryMiB cannot be given with it", e.Message);
            Assert.Contains("not both", Assert.Throws<XenArgumentException>(() => Test(new DomainDesiredState { Name = "web", ConfigText = Xl, ConfigPath = "/x.cfg" })).Message);
            Assert.Contains("not an absolute path", Assert.Throws<XenArgumentException>(() => Test(new DomainDesiredState { Name = "web", ConfigPath = "web.cfg" })).Message);
            Assert.Equal(XenErrorReason.Domain0Refused, Assert.Throws<XenInvalidOperationException>(() => Test(new DomainDesiredState { Name = "Domain-0" })).Reason);
            Assert.False(Directory.Exists(_sim.ConfigFolder) && Directory.GetFiles(_sim.ConfigFolder).Length > 0);
        }

        [Fact]
        public void AConfigForAnotherNameOrNoConfigAtAllIsAClearError_AndNothingIsWritten()
        {
            var e = Assert.Throws<XenArgumentException>(() => Set(new DomainDesiredState { Name = "db", ConfigText = Xl }));
            Assert.Contains("names the domain 'web', but the resource's Name is 'db'", e.Message);
            var e2 = Assert.Throws<XenInvalidOperationException>(() => Set(new DomainDesiredState { Name = "db", State = XenDesiredRunState.Running }));
            Assert.Contains("no stored config in /etc/xen and none is given: give the XenDomain resource ConfigPath", e2.Message);
            var e3 = Assert.Throws<XenConfigException>(() => Set(new DomainDesiredState { Name = "db", ConfigText = "name='db'\non_crash=\"explode\"\n" }));
            Assert.NotEmpty(e3.Diagnostics);
            Assert.False(Directory.Exists(_sim.ConfigFolder) && Directory.GetFiles(_sim.ConfigFolder).Length > 0);
            Assert.Null(Listed("db"));
        }

        [Fact]
        public void WithoutAConfigMemoryAndVCpusChangeTheStoredOneAndTheRunningDomain()
        {
            Set(Want());
            var want = new DomainDesiredState { Name = "web", MemoryMiB = 384, VCpus = 2 };
            var r = Set(want);
            Assert.StartsWith("Rewrote /etc/xen/web.cfg on lab (memory, vcpus changed)", r.Changes[0]);
            Assert.StartsWith("Set MemoryMiB = 384 MiB, VCpus = 2 on web", r.Changes[1]);
            Assert.Empty(r.Warnings);
            var stored = new StoredConfigService().Read(_host, default).Single().Config!;
            Assert.Equal(384, stored.MemoryMiB);
            Assert.Equal(2, stored.VCpus);
            Assert.Equal("console=hvc0 quiet", stored.Extra);
            Assert.Equal(2, Listed()!.VCpus);
            Assert.True(Test(want).InDesiredState);
        }

        [Fact]
        public void ADomainKeptAfterItsShutdownCountsAsStopped_AndIsDestroyedBeforeItIsStartedAgain()
        {
            var want = Want(Xl + "on_poweroff = \"preserve\"\n");
            Set(want);
            int id1 = Listed()!.Id!.Value;
            _sim.ShutdownDomain(Listed()!, false, default);
            _h.Advance(5);
            var a = _svc.Get(_host, "web", default);
            Assert.Equal("Stopped", a.State);
            Assert.Equal(id1, a.Id);
            Assert.True(Test(Want(want.ConfigText, XenDesiredRunState.Stopped)).InDesiredState);
            var r = Set(want);
            Assert.Equal(2, r.Changes.Count);
            Assert.StartsWith($"Destroyed web (id {id1}) on lab, which was halted and kept", r.Changes[0]);
            Assert.StartsWith("Started web", r.Changes[1]);
            Assert.NotEqual(id1, Listed()!.Id);
            Assert.Equal(XenDomainState.Running, Listed()!.State);
        }

        private sealed class NoStoreBackend : IXenBackend
        {
            public string Uri => "fake://pool";
            public string BackendName => "XenAPI";
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) => Array.Empty<XenDomain>();
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => throw new NotSupportedException();
            public void Dispose() { }
        }

        [Fact]
        public void ABackendWithoutStoredConfigsIsOperationNotSupported()
        {
            using var pool = new XenHostConnection("pool", "fake://pool", new NoStoreBackend());
            var e = Assert.Throws<XenOperationNotSupportedException>(() => _svc.Test(pool, Want(), default));
            Assert.Equal("The XenAPI backend does not support stored domain configs (/etc/xen), which the XenDomain DSC resource manages.", e.Message);
        }
    }
}
