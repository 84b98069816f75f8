using System;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>The simulated host's devices: from the config at create, hotplugged, persisted, listed in the config, xl's errors.</summary>
    public sealed class SimulatedDeviceTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        private readonly string _img;

        public SimulatedDeviceTests()
        {
            Directory.CreateDirectory(_h.Folder);
            _img = Path.Combine(_h.Folder, "data.img");
            File.WriteAllBytes(_img, new byte[512]);
        }

        public void Dispose() => _h.Dispose();

        private static XenDomain Create(IXenBackend b, string name, params (string, object)[] settings)
        {
            var c = SimTestHost.Config(name);
            foreach (var (k, v) in settings) c.Set(k, v);
            return b.CreateDomain(c, new CreateDomainOptions(), None);
        }

        private static IXenDevices Dev(IXenBackend b) => (IXenDevices)b;

        [Fact]
        public void TheConfigsDisksAndVifsAreTheDomainsDevicesWithMacsGeneratedAsXlDoes()
        {
            using var b = _h.Open();
            var d = Create(b, "web",
                ("disk", new object[] { "format=raw, vdev=xvda, access=rw, target=/dev/vg/web", "/dev/vg/swap,raw,xvdb,w", "phy:/dev/vg/cd,hdc:cdrom,r" }),
                ("vif", new object[] { "bridge=xenbr0", "mac=00:16:3e:00:00:02,bridge=xenbr1", "devid=5" }));
            var disks = Dev(b).ListDisks(d, None);
            Assert.Equal(new[] { "hdc", "xvda", "xvdb" }, disks.Select(x => x.Vdev)); // devid order: 5632 < 51712
            Assert.Equal(new[] { 5632, 51712, 51728 }, disks.Select(x => x.DevId));
            Assert.Equal("/dev/vg/web", disks[1].Target);
            Assert.True(disks[0].IsCdrom);
            Assert.Equal("r", disks[0].Access);
            var nics = Dev(b).ListNetworkAdapters(d, None);
            Assert.Equal(new[] { 0, 1, 5 }, nics.Select(n => n.DevId));
            Assert.Matches("^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$", nics[0].MacAddress);
            Assert.Equal("00:16:3e:00:00:02", nics[1].MacAddress);
            Assert.Equal("xenbr1", nics[1].Bridge);
            Assert.Equal("xenbr0", nics[2].Bridge);
            // `xl list -l` shows the generated MAC in the domain's config
            var vifs = Assert.IsType<object[]>(b.ListDomains(None).Single(x => x.Name == "web").Config!.Get("vif"));
            Assert.Equal($"mac={nics[0].MacAddress},bridge=xenbr0", vifs[0]);
        }

        [Fact]
        public void FrontendsConnectWhenTheGuestHasBooted()
        {
            using var b = _h.Open();
            var d = Create(b, "web", ("disk", new object[] { "vdev=xvda, target=/dev/null" }), ("sim.boot_seconds", "3"));
            Assert.Equal(XenDeviceState.Initialising, Dev(b).ListDisks(d, None).Single().State);
            _h.Advance(4);
            Assert.Equal(XenDeviceState.Connected, Dev(b).ListDisks(d, None).Single().State);
        }

        [Fact]
        public void HotpluggedDevicesPersistAcrossProcessesAndShowInTheConfig()
        {
            XenDomain d;
            string mac;
            using (var b = _h.Open())
            {
                d = Create(b, "web");
                Dev(b).AttachDisk(d, DiskSpec.Parse($"format=raw, vdev=xvdb, access=r, target={_img}"), None);
                mac = Dev(b).AttachNetworkAdapter(d, VifSpec.Parse("bridge=xenbr0"), None).MacAddress;
            }
            using (var b2 = _h.Open())
            {
                var disk = Assert.Single(Dev(b2).ListDisks(d, None));
                Assert.Equal("xvdb", disk.Vdev);
                Assert.Equal("r", disk.Access);
                Assert.Equal(_img, disk.Target);
                var nic = Assert.Single(Dev(b2).ListNetworkAdapters(d, None));
                Assert.Equal(0, nic.DevId);
                Assert.Equal(mac, nic.MacAddress);
                var cfg = b2.ListDomains(None).Single(x => x.Name == "web").Config!;
                Assert.Equal(new[] { "xvdb" }, cfg.Disks.Select(s => s.Vdev));
                Assert.Equal(new[] { mac }, cfg.Vifs.Select(v => v.Mac));
                Dev(b2).DetachDisk(d, "51728", false, None); // by devid, as xl block-detach takes it
                Dev(b2).DetachNetworkAdapter(d, mac.ToUpperInvariant(), None);
            }
            using (var b3 = _h.Open())
            {
                Assert.Empty(Dev(b3).ListDisks(d, None));
                Assert.Empty(Dev(b3).ListNetworkAdapters(d, None));
                var cfg = b3.ListDomains(None).Single(x => x.Name == "web").Config!;
                Assert.Null(cfg.Get("disk"));
                Assert.Null(cfg.Get("vif"));
            }
        }

        [Fact]
        public void VifDevidsAreOneMoreThanTheHighestAndAFreedOneIsTakenAgain()
        {
            using var b = _h.Open();
            var d = Create(b, "web", ("vif", new object[] { "bridge=xenbr0" }));
            Assert.Equal(1, Dev(b).AttachNetworkAdapter(d, VifSpec.Parse(""), None).DevId);
            Assert.Equal(2, Dev(b).AttachNetworkAdapter(d, VifSpec.Parse(""), None).DevId);
            Dev(b).DetachNetworkAdapter(d, "2", None);
            Assert.Equal(2, Dev(b).AttachNetworkAdapter(d, VifSpec.Parse(""), None).DevId); // as devices-31/32 show
            var e = Assert.Throws<XenDeviceException>(() => Dev(b).AttachNetworkAdapter(d, VifSpec.Parse("devid=1"), None));
            Assert.Equal(XenErrorReason.DeviceInUse, e.Reason);
        }

        [Fact]
        public void XlsRefusalsChangeNothing()
        {
            using var b = _h.Open();
            var d = Create(b, "web", ("disk", new object[] { "vdev=xvda, target=/dev/null" }));
            string before = string.Join(",", b.ListDomains(None).Single(x => x.Name == "web").Config!.Disks.Select(s => s.ToSpecString()));
            Assert.Equal(XenErrorReason.DeviceInUse, Assert.Throws<XenDeviceException>(() => Dev(b).AttachDisk(d, DiskSpec.Parse($"vdev=xvda, target={_img}"), None)).Reason);
            Assert.Equal(XenErrorReason.DeviceTargetNotFound, Assert.Throws<XenDeviceException>(() =>
                Dev(b).AttachDisk(d, DiskSpec.Parse("vdev=xvdb, target=" + Path.Combine(_h.Folder, "nope.img")), None)).Reason);
            Assert.Equal(XenErrorReason.InvalidArgument, Assert.Throws<XenArgumentException>(() => Dev(b).AttachDisk(d, DiskSpec.Parse($"vdev=hde, target={_img}"), None)).Reason);
            Assert.Equal(XenErrorReason.DeviceNotFound, Assert.Throws<XenDeviceException>(() => Dev(b).DetachDisk(d, "xvdf", false, None)).Reason);
            Assert.Equal(XenErrorReason.DeviceNotFound, Assert.Throws<XenDeviceException>(() => Dev(b).DetachNetworkAdapter(d, "7", None)).Reason);
            Assert.Equal(XenErrorReason.DeviceNotFound, Assert.Throws<XenDeviceException>(() => Dev(b).DetachNetworkAdapter(d, "00:16:3e:99:99:99", None)).Reason);
            Assert.Equal(before, string.Join(",", b.ListDomains(None).Single(x => x.Name == "web").Config!.Disks.Select(s => s.ToSpecString())));
        }

        [Fact]
        public void DevicesStayWithTheGuestWhenItRestarts()
        {
            using var b = _h.Open();
            var d = Create(b, "web", ("on_crash", "restart"), ("sim.crash_after_seconds", "5"));
            Dev(b).AttachDisk(d, DiskSpec.Parse($"vdev=xvdc, target={_img}"), None);
            _h.Advance(6);
            var again = b.ListDomains(None).Single(x => x.Name == "web");
            Assert.NotEqual(d.Id, again.Id);
            Assert.Equal("xvdc", Assert.Single(Dev(b).ListDisks(again, None)).Vdev);
        }

        [Fact]
        public void Domain0HasNoDevicesAndTakesNone()
        {
            using var b = _h.Open();
            var dom0 = b.ListDomains(None)[0];
            Assert.Empty(Dev(b).ListDisks(dom0, None));
            Assert.Equal(XenErrorReason.Domain0Refused, Assert.Throws<XenInvalidOperationException>(() =>
                Dev(b).AttachDisk(dom0, DiskSpec.Parse($"vdev=xvdb, target={_img}"), None)).Reason);
            Assert.Equal(XenErrorReason.DeviceNotFound, Assert.Throws<XenDeviceException>(() => Dev(b).DetachDisk(dom0, "xvdb", false, None)).Reason);
        }

        [Fact]
        public void ARecordWrittenBeforeDevicesWereTrackedShowsItsConfigsDevices()
        {
            // Fixtures/format1 (written by the format-1 store, long before devices): "nested" has disk = ["phy:/dev/vg/a,xvda,w", [...]]
            string fixture = Path.Combine(AppContext.BaseDirectory, "Simulated", "Fixtures", "format1");
            foreach (var f in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(_h.Folder, Path.GetRelativePath(fixture, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to, true);
            }
            using var b = _h.Open(_h.Options(totalMiB: 99999));
            var nested = b.ListDomains(None).Single(x => x.Name == "nested");
            var disk = Assert.Single(Dev(b).ListDisks(nested, None)); // the nested list is no disk spec and is left out
            Assert.Equal("xvda", disk.Vdev);
            Assert.Equal("/dev/vg/a", disk.Target);
            Assert.Equal("rw", disk.Access);
        }

        [Fact]
        public void MacsOfAnOldRecordAreDerivedFromItsUuidSoTheyNeverChange()
        {
            var c = SimTestHost.Config("old");
            c.Set("vif", new object[] { "bridge=xenbr0", "" });
            var a = SimDomain.FromConfig(c, "00000002-1111-2222-3333-444444444444", null);
            var again = SimDomain.FromConfig(c, "00000002-1111-2222-3333-444444444444", null);
            Assert.Equal(a.Select(x => x.Spec), again.Select(x => x.Spec));
            Assert.Equal(new[] { 0, 1 }, a.Select(x => x.DevId));
            Assert.NotEqual(a[0].Spec, SimDomain.FromConfig(c, "00000003-1111-2222-3333-444444444444", null)[0].Spec);
        }

        [Fact]
        public void HotplugKeepsEveryOtherConfigEntryAsGiven()
        {
            using var b = _h.Open();
            var d = Create(b, "web", ("disk", new object[] { "phy:/dev/vg/a,xvda,w", new object[] { "x" } }), ("vif", new object[] { "bridge=xenbr0", new object[0] }));
            var cfg = b.ListDomains(None).Single(x => x.Name == "web").Config!;
            Assert.Equal("phy:/dev/vg/a,xvda,w", Assert.IsType<object[]>(cfg.Get("disk"))[0]); // as written, not rewritten
            Dev(b).AttachDisk(d, DiskSpec.Parse($"vdev=xvdb, target={_img}"), None);
            Dev(b).DetachDisk(d, "xvda", false, None);
            var disk = Assert.IsType<object[]>(b.ListDomains(None).Single(x => x.Name == "web").Config!.Get("disk"));
            Assert.Equal(2, disk.Length);
            Assert.Equal(new object[] { "x" }, Assert.IsType<object[]>(disk[0]));
            Assert.Equal($"format=raw, vdev=xvdb, access=rw, target={_img}", disk[1]);
            Dev(b).DetachNetworkAdapter(d, "0", None);
            Assert.Empty(Assert.IsType<object[]>(Assert.IsType<object[]>(b.ListDomains(None).Single(x => x.Name == "web").Config!.Get("vif"))[0]));
        }
    }
}
