using System;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>IXenDomainSettings on the simulated host: xl's limits, admission control, persistence across processes.</summary>
    public class SimulatedSettingsTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private static XenDomain Create(IXenBackend b, string name, params (string, string)[] settings) =>
            b.CreateDomain(SimTestHost.Config(name, settings), new CreateDomainOptions(), None);

        private static XenDomain Listed(IXenBackend b, string uuid) => b.ListDomains(None).Single(d => d.Uuid == uuid);

        [Fact]
        public void EveryChangeIsSeenByAnotherInstanceAndSurvivesReopening()
        {
            string uuid;
            using (var a = _h.Open())
            using (var other = _h.Open())
            {
                var d = Create(a, "web1", ("memory", "256"), ("maxmem", "512"), ("vcpus", "1"), ("maxvcpus", "3"));
                uuid = d.Uuid!;
                var s = (IXenDomainSettings)a;
                s.SetMaxMemory(d, 1024, None);
                s.SetMemoryTarget(d, 768, None);
                s.SetVCpus(d, 3, false, None);
                s.RenameDomain(d, "web2", None);
                var seen = Listed(other, uuid);
                Assert.Equal(("web2", 768L, 1024L, 3, 3), (seen.Name, seen.MemoryMiB, seen.MaxMemoryMiB, seen.VCpus, seen.MaxVCpus));
            }
            using var again = _h.Open();
            var l = Listed(again, uuid);
            Assert.Equal(("web2", 768L, 1024L, 3, 3), (l.Name, l.MemoryMiB, l.MaxMemoryMiB, l.VCpus, l.MaxVCpus));
            // the stored config says what the domain is now (an exported config re-creates it as it is)
            Assert.Equal("web2", l.Config!.Name);
            Assert.Equal("768", l.Config.GetString("memory"));
            Assert.Equal("1024", l.Config.GetString("maxmem"));
            Assert.Equal("3", l.Config.GetString("vcpus"));
            Assert.Equal("3", l.Config.GetString("maxvcpus"));
            // free memory follows the new target
            Assert.Equal(8192 - 1024 - 768, again.GetHostInfo(None).FreeMemoryMiB);
        }

        [Fact]
        public void ARenameMovesTheNameIndex()
        {
            using var b = _h.Open();
            var d = Create(b, "old");
            var other = Create(b, "other");
            ((IXenDomainSettings)b).RenameDomain(d, "new", None);
            Assert.Throws<XenResourceExistsException>(() => Create(b, "new")); // the new name is taken
            Create(b, "old");                                                   // the old one is free again
            var e = Assert.Throws<XenResourceExistsException>(() => ((IXenDomainSettings)b).RenameDomain(other, "new", None));
            Assert.Contains("Domain with name \"new\" already exists", e.Message);
            Assert.Equal("other", Listed(b, other.Uuid!).Name);
            using var again = _h.Open();
            Assert.Equal(new[] { "Domain-0", "new", "old", "other" }, again.ListDomains(None).Select(x => x.Name).OrderBy(x => x, StringComparer.Ordinal));
        }

        [Fact]
        public void RaisingTheMemoryNeedsFreeHostMemory()
        {
            using var b = _h.Open(_h.Options(totalMiB: 2048, dom0MiB: 1024));
            var d = Create(b, "big", ("memory", "512"), ("maxmem", "2048"));
            var e = Assert.Throws<XenResourceUnavailableException>(() => ((IXenDomainSettings)b).SetMemoryTarget(d, 1600, None));
            Assert.Equal(XenErrorReason.InsufficientResources, e.Reason);
            Assert.Contains("512 MiB free", e.Message);
            ((IXenDomainSettings)b).SetMemoryTarget(d, 1024, None);
            Assert.Equal(0, b.GetHostInfo(None).FreeMemoryMiB);
        }

        [Fact]
        public void MoreVCpusThanHostCpusNeedOvercommitAsXlsIgnoreHost()
        {
            using var b = _h.Open(_h.Options(cpus: 2));
            var d = Create(b, "wide", ("vcpus", "1"), ("maxvcpus", "4"));
            var s = (IXenDomainSettings)b;
            var e = Assert.Throws<XenResourceUnavailableException>(() => s.SetVCpus(d, 3, false, None));
            Assert.Contains("You are overcommmitting! You have 2 physical CPUs and want 3 vCPUs!", e.Message);
            s.SetVCpus(d, 3, true, None);
            Assert.Equal(3, Listed(b, d.Uuid!).VCpus);
            Assert.Equal(XenErrorReason.SettingOutOfRange,
                Assert.Throws<XenSettingOutOfRangeException>(() => s.SetVCpus(d, 5, true, None)).Reason);
            Assert.Equal(XenErrorReason.SettingOutOfRange,
                Assert.Throws<XenSettingOutOfRangeException>(() => s.SetVCpus(d, 0, true, None)).Reason);
        }

        [Fact]
        public void TheMaximumCannotGoBelowTheMemoryAndMaxvcpusBelowVcpusIsAConfigError()
        {
            using var b = _h.Open();
            var d = Create(b, "m", ("memory", "256"));
            var e = Assert.Throws<XenSettingOutOfRangeException>(() => ((IXenDomainSettings)b).SetMaxMemory(d, 128, None));
            Assert.Equal("MaxMemoryMiB", e.Setting);
            Assert.Contains("memory_static_max must be greater than or or equal to memory_dynamic_max", e.Message);
            var c = Assert.Throws<XenConfigException>(() => Create(b, "bad", ("vcpus", "4"), ("maxvcpus", "2")));
            Assert.Contains("maxvcpus", c.Message);
        }

        [Fact]
        public void Domain0IsFixedOnASimulatedHostAndNeverRenamed()
        {
            using var b = _h.Open();
            var dom0 = b.ListDomains(None)[0];
            Assert.Equal(4, dom0.MaxVCpus);
            var s = (IXenDomainSettings)b;
            Assert.Equal(XenErrorReason.OperationNotSupported, Assert.ThrowsAny<XenPSException>(() => s.SetMemoryTarget(dom0, 512, None)).Reason);
            Assert.Equal(XenErrorReason.OperationNotSupported, Assert.ThrowsAny<XenPSException>(() => s.SetVCpus(dom0, 1, false, None)).Reason);
            Assert.Equal(XenErrorReason.Domain0Refused, Assert.ThrowsAny<XenPSException>(() => s.RenameDomain(dom0, "host0", None)).Reason);
        }

        [Fact]
        public void ARecordWrittenBeforeMaxvcpusExistedLoadsWithMaxvcpusEqualToVcpus()
        {
            string uuid;
            using (var b = _h.Open())
                uuid = Create(b, "legacy", ("vcpus", "2")).Uuid!;
            // a record with vcpus == maxvcpus has no "maxvcpus" field, as every record of an older XenPS
            Assert.DoesNotContain(Directory.EnumerateFiles(_h.Folder, "*.log").Concat(Directory.EnumerateFiles(_h.Folder, "*.jsonl")),
                f => File.ReadAllText(f).Contains("\"maxvcpus\""));
            using var again = _h.Open();
            var l = Listed(again, uuid);
            Assert.Equal((2, 2), (l.VCpus, l.MaxVCpus));
        }

        [Fact]
        public void HostInfoServiceFillsHostAndDom0MemoryForEveryHost()
        {
            using var h2 = new SimTestHost();
            using var a = _h.Open(_h.Options(cpus: 8, totalMiB: 16384));
            using var b2 = h2.Open(h2.Options(dom0MiB: 2048));
            var hosts = new[] { new XenHostConnection("one", a.Uri, a), new XenHostConnection("two", b2.Uri, b2) };
            var r = new HostInfoService().Get(hosts, None);
            Assert.Equal(new[] { "one", "two" }, r.Select(x => x.Info!.Host));
            Assert.Equal(new[] { 8, 4 }, r.Select(x => x.Info!.CpuCount));
            Assert.Equal(new long?[] { 1024, 2048 }, r.Select(x => x.Info!.Dom0MemoryMiB));
            Assert.Equal(16384, r[0].Info!.TotalMemoryMiB);
            Assert.Equal("credit2", r[1].Info!.Scheduler);
            Assert.Equal(b2.Uri, r[1].Info!.HostUri);
        }
    }
}
