using System;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.Conformance
{
    // IXenDevices: disk and network interface hotplug, through the backend and through DeviceService.
    public abstract partial class BackendConformance
    {
        protected readonly DeviceService Devices = new DeviceService();

        protected IXenDevices DeviceAccess => Backend.Require<IXenDevices>("device hotplug");

        /// <summary>An image file for a disk target (the simulated host's dom0 file system is this machine's).</summary>
        protected virtual string DiskImage()
        {
            string p = Path.Combine(Path.GetTempPath(), "xenps-conformance-" + Guid.NewGuid().ToString("N") + ".img");
            File.WriteAllBytes(p, new byte[4096]);
            _images.Add(p);
            return p;
        }

        private readonly System.Collections.Generic.List<string> _images = new System.Collections.Generic.List<string>();

        protected void RemoveImages()
        {
            foreach (var p in _images) try { File.Delete(p); } catch (IOException) { }
        }

        [Fact]
        public virtual void DisksAttachedToAGuestAreListedAndDetached()
        {
            try
            {
                var d = CreateGuest();
                string img = DiskImage();
                var added = Devices.AttachDisk(Target(d), DiskSpec.Parse($"format=raw, vdev=xvdb, access=rw, target={img}"), CancellationToken.None);
                Assert.True(added.Succeeded, added.Error?.Message);
                Assert.Equal("xvdb", added.Device!.Vdev);
                Assert.Equal(51728, added.Device.DevId);
                Assert.Equal(Host.Name, added.Device.Host);
                Assert.Equal(d.Name, added.Device.DomainName);

                var listed = Devices.ListDisks(new[] { Target(d) }, CancellationToken.None).Single();
                Assert.Null(listed.Error);
                var disk = Assert.Single(listed.Devices, x => x.Vdev == "xvdb");
                Assert.Equal(img, disk.Target);
                Assert.Equal("rw", disk.Access);
                Assert.Equal(Host.Uri, disk.HostUri);
                // as `xl list -l` lists a hotplugged disk in the domain's config
                Assert.Contains(Listed(d)!.Config!.Disks, s => s.Vdev == "xvdb" && s.Target == img);

                var removed = Devices.DetachDisk(Target(d), "xvdb", false, disk, CancellationToken.None);
                Assert.True(removed.Succeeded, removed.Error?.Message);
                Assert.DoesNotContain(DeviceAccess.ListDisks(d, CancellationToken.None), x => x.Vdev == "xvdb");
            }
            finally { RemoveImages(); }
        }

        [Fact]
        public virtual void AVdevInUseAndAMissingDiskAreRefusedAndChangeNothing()
        {
            try
            {
                var d = CreateGuest();
                string img = DiskImage();
                Assert.True(Devices.AttachDisk(Target(d), DiskSpec.Parse($"vdev=xvdb, target={img}"), CancellationToken.None).Succeeded);
                var before = DeviceAccess.ListDisks(d, CancellationToken.None).Select(x => x.Vdev).ToList();

                var inUse = Devices.AttachDisk(Target(d), DiskSpec.Parse($"vdev=xvdb, access=r, target={DiskImage()}"), CancellationToken.None);
                Assert.Equal(XenErrorReason.DeviceInUse, inUse.Error?.Reason);
                Assert.Equal("DeviceInUse", inUse.Error!.ErrorId);

                var noFile = Devices.AttachDisk(Target(d), DiskSpec.Parse("vdev=xvdc, target=/nonexistent/xenps-no-such.img"), CancellationToken.None);
                Assert.Equal(XenErrorReason.DeviceTargetNotFound, noFile.Error?.Reason);
                Assert.Equal("DiskTargetNotFound", noFile.Error!.ErrorId);

                var missing = Devices.DetachDisk(Target(d), "xvdf", false, null, CancellationToken.None);
                Assert.Equal(XenErrorReason.DeviceNotFound, missing.Error?.Reason);
                Assert.Equal("DeviceNotFound", missing.Error!.ErrorId);

                Assert.Equal(before, DeviceAccess.ListDisks(d, CancellationToken.None).Select(x => x.Vdev).ToList());
            }
            finally { RemoveImages(); }
        }

        [Fact]
        public virtual void NetworkAdaptersGetTheNextDevidAndAXenMacAndAreDetachedByDevidOrMac()
        {
            var d = CreateGuest();
            var first = Devices.AttachNetworkAdapter(Target(d), VifSpec.Parse("bridge=xenbr0"), CancellationToken.None);
            Assert.True(first.Succeeded, first.Error?.Message);
            Assert.StartsWith("00:16:3e:", first.Device!.MacAddress);
            var second = Devices.AttachNetworkAdapter(Target(d), VifSpec.Parse("bridge=xenbr0,mac=00:16:3e:0a:0b:0c"), CancellationToken.None);
            Assert.True(second.Succeeded, second.Error?.Message);
            Assert.Equal(first.Device.DevId + 1, second.Device!.DevId);
            Assert.Equal("00:16:3e:0a:0b:0c", second.Device.MacAddress);
            Assert.Equal("xenbr0", second.Device.Bridge);

            Assert.True(Devices.DetachNetworkAdapter(Target(d), "00:16:3e:0a:0b:0c", null, CancellationToken.None).Succeeded);
            Assert.True(Devices.DetachNetworkAdapter(Target(d), first.Device.DevId.ToString(System.Globalization.CultureInfo.InvariantCulture), null, CancellationToken.None).Succeeded);
            Assert.DoesNotContain(DeviceAccess.ListNetworkAdapters(d, CancellationToken.None), n => n.DevId == first.Device.DevId || n.DevId == second.Device.DevId);

            var missing = Devices.DetachNetworkAdapter(Target(d), "00:16:3e:99:99:99", null, CancellationToken.None);
            Assert.Equal(XenErrorReason.DeviceNotFound, missing.Error?.Reason);
        }

        [Fact]
        public virtual void HotplugToDomain0IsRefusedBeforeAnythingReachesTheHost()
        {
            var dom0 = Domain0();
            string before = HostFootprint();
            var disk = Assert.Throws<XenInvalidOperationException>(() =>
                DeviceAccess.AttachDisk(dom0, DiskSpec.Parse("vdev=xvdb, target=/dev/null"), CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, disk.Reason);
            var nic = Assert.Throws<XenInvalidOperationException>(() =>
                DeviceAccess.AttachNetworkAdapter(dom0, VifSpec.Parse("bridge=xenbr0"), CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, nic.Reason);
            Assert.Equal(XenErrorReason.Domain0Refused, Devices.AttachDisk(Target(dom0), DiskSpec.Parse("vdev=xvdb, target=/dev/null"), CancellationToken.None).Error?.Reason);
            Assert.Equal(before, HostFootprint());
        }

        [Fact]
        public virtual void TheDevicesOfADomainThatIsNotThereAreDomainNotFound()
        {
            var r = Devices.ListDisks(new[] { Target(Unknown()) }, CancellationToken.None).Single();
            Assert.Equal(XenErrorReason.DomainNotFound, r.Error?.Reason);
            var n = Devices.ListNetworkAdapters(new[] { Target(Unknown()) }, CancellationToken.None).Single();
            Assert.Equal(XenErrorReason.DomainNotFound, n.Error?.Reason);
        }
    }
}
