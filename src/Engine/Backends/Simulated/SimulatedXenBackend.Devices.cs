using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    // Hotplug on the simulated host: devices are kept in each domain's record ("devs") and listed in its config, as
    // `xl list -l` lists hotplugged devices (captures devices/06, 19, 30). The simulated dom0's file system is this
    // machine's: a disk target must exist here, as libxl stats it in dom0 (devices/08).
    public sealed partial class SimulatedXenBackend
    {
        private const string Dom0AttachRefusal =
            "Domain-0 cannot take hotplugged devices: it has no frontend for them, so xl leaves the device Initialising for good " +
            "and cannot detach it without -f. Attach devices to guest domains.";

        public IReadOnlyList<XenDomainDisk> ListDisks(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, null);
            if (d == null) return (IReadOnlyList<XenDomainDisk>)Array.Empty<XenDomainDisk>();
            return d.EffectiveDevices().Where(x => !x.Vif).OrderBy(x => x.DevId).Select(x => Disk(d, x, now)).ToList();
        });

        public XenDomainDisk AttachDisk(XenDomain domain, DiskSpec disk, CancellationToken cancellationToken)
        {
            if (disk is null) throw new ArgumentNullException(nameof(disk));
            if (disk.Vdev == null || XenVdev.Encode(disk.Vdev) is not int id)
                throw new XenArgumentException($"Invalid or unsupported virtual disk identifier '{disk.Vdev}'. Use xvda..xvdz (and on), hda..hdd, sda..sdp, or dN.");
            if (!string.IsNullOrEmpty(disk.Target) && !File.Exists(disk.Target) && !Directory.Exists(disk.Target))
                throw new XenDeviceException(
                    $"Disk vdev={disk.Vdev} failed to stat: {disk.Target}: No such file or directory. Create the image first " +
                    "(e.g. truncate -s 1G on the host) or name an existing block device.", XenErrorReason.DeviceTargetNotFound, disk.Target);
            return Locked(cancellationToken, now =>
            {
                var d = Find(domain, Dom0AttachRefusal);
                var devices = d.EffectiveDevices();
                if (devices.Any(x => !x.Vif && x.DevId == id))
                    throw new XenDeviceException(
                        $"{d.Name} already has a disk at {XenVdev.Decode(id)} (device already exists in xenstore). Choose another -VirtualDevice, or remove that disk first.",
                        XenErrorReason.DeviceInUse, disk.Vdev);
                var dev = new SimDevice(false, id, disk.ToSpecString());
                var nd = d.WithDeviceAdded(dev);
                _store.Put(nd);
                _store.Commit(cancellationToken);
                return Disk(nd, dev, now);
            });
        }

        public void DetachDisk(XenDomain domain, string vdev, bool force, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, null);
            int? id = vdev == null ? null : XenVdev.Encode(vdev);
            var devices = d?.EffectiveDevices() ?? Array.Empty<SimDevice>();
            var dev = id == null ? null : devices.FirstOrDefault(x => !x.Vif && x.DevId == id);
            if (d == null || dev == null)
                throw new XenDeviceException($"Device {vdev} not connected: {(d?.Name ?? "Domain-0")} has no disk at {vdev}.", XenErrorReason.DeviceNotFound, vdev);
            var nd = d.WithDeviceRemoved(dev);
            _store.Put(nd);
            _store.Commit(cancellationToken);
            return 0;
        });

        public IReadOnlyList<XenDomainNetworkAdapter> ListNetworkAdapters(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, null);
            if (d == null) return (IReadOnlyList<XenDomainNetworkAdapter>)Array.Empty<XenDomainNetworkAdapter>();
            return d.EffectiveDevices().Where(x => x.Vif).OrderBy(x => x.DevId).Select(x => Nic(d, x, now)).ToList();
        });

        public XenDomainNetworkAdapter AttachNetworkAdapter(XenDomain domain, VifSpec vif, CancellationToken cancellationToken)
        {
            if (vif is null) throw new ArgumentNullException(nameof(vif));
            return Locked(cancellationToken, now =>
            {
                var d = Find(domain, Dom0AttachRefusal);
                var devices = d.EffectiveDevices();
                int devid;
                if (vif.DevId is long want)
                {
                    if (want < 0 || want > 65535) throw new XenArgumentException($"devid={want} is out of range (0 to 65535).");
                    devid = (int)want;
                    if (devices.Any(x => x.Vif && x.DevId == devid))
                        throw new XenDeviceException($"{d.Name} already has a network interface with devid {devid} (device already exists in xenstore). Leave devid out, or choose a free one.",
                            XenErrorReason.DeviceInUse, devid.ToString(CultureInfo.InvariantCulture));
                }
                else devid = SimDomain.NextVifId(devices);
                var dev = new SimDevice(true, devid, SimDomain.WithMac(vif, vif.Mac ?? VifSpec.GenerateMac(new Random())));
                var nd = d.WithDeviceAdded(dev);
                _store.Put(nd);
                _store.Commit(cancellationToken);
                return Nic(nd, dev, now);
            });
        }

        public void DetachNetworkAdapter(XenDomain domain, string devidOrMac, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, null);
            var devices = d?.EffectiveDevices() ?? Array.Empty<SimDevice>();
            SimDevice? dev = null;
            if (devidOrMac != null && VifSpec.TryNormaliseMac(devidOrMac, out string? mac))
                dev = devices.FirstOrDefault(x => x.Vif && VifSpec.Parse(x.Spec).Mac == mac);
            else if (devidOrMac != null && int.TryParse(devidOrMac, NumberStyles.None, CultureInfo.InvariantCulture, out int devid))
                dev = devices.FirstOrDefault(x => x.Vif && x.DevId == devid);
            if (d == null || dev == null)
                throw new XenDeviceException($"Unknown device {devidOrMac}: {(d?.Name ?? "Domain-0")} has no network interface with that devid or MAC.",
                    XenErrorReason.DeviceNotFound, devidOrMac);
            var nd = d.WithDeviceRemoved(dev);
            _store.Put(nd);
            _store.Commit(cancellationToken);
            return 0;
        });

        // Before its kernel is up a guest has not connected its frontends; a shut-down guest has closed them.
        private static XenDeviceState DeviceState(SimDomain d, long now) =>
            d.Shut ? XenDeviceState.Closed : d.Booted(now) ? XenDeviceState.Connected : XenDeviceState.Initialising;

        private static XenDomainDisk Disk(SimDomain d, SimDevice x, long now)
        {
            DiskSpec.TryParse(x.Spec, out var spec, out _);
            return new XenDomainDisk
            {
                DomainName = d.Name,
                DomainId = d.Id,
                DomainUuid = d.Uuid,
                DevId = x.DevId,
                Vdev = XenVdev.Decode(x.DevId),
                Handle = d.Id,
                State = DeviceState(d, now),
                BackendPath = $"/local/domain/0/backend/vbd/{d.Id.ToString(CultureInfo.InvariantCulture)}/{x.DevId.ToString(CultureInfo.InvariantCulture)}",
                Target = spec?.Target,
                Format = spec?.Format,
                Access = spec?.Access,
                IsCdrom = spec?.IsCdrom ?? false,
            };
        }

        private static XenDomainNetworkAdapter Nic(SimDomain d, SimDevice x, long now)
        {
            VifSpec.TryParse(x.Spec, out var spec, out _);
            return new XenDomainNetworkAdapter
            {
                DomainName = d.Name,
                DomainId = d.Id,
                DomainUuid = d.Uuid,
                DevId = x.DevId,
                Handle = x.DevId,
                State = DeviceState(d, now),
                BackendPath = $"/local/domain/0/backend/vif/{d.Id.ToString(CultureInfo.InvariantCulture)}/{x.DevId.ToString(CultureInfo.InvariantCulture)}",
                MacAddress = spec?.Mac ?? "",
                Bridge = spec?.Bridge,
                Model = spec?.Model,
                Type = spec?.Type ?? "vif",
                IpAddress = spec?.Ip,
            };
        }
    }
}
