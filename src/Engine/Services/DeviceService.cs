using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>How listing one target's devices came out: the devices, or the error.</summary>
    public sealed class XenDeviceListResult<T> where T : XenDomainDevice
    {
        public XenDeviceListResult(XenDomainTarget target, IReadOnlyList<T>? devices, XenPSException? error)
        {
            Target = target;
            Devices = devices ?? Array.Empty<T>();
            Error = error;
        }

        public XenDomainTarget Target { get; }
        public IReadOnlyList<T> Devices { get; }
        public XenPSException? Error { get; }
    }

    /// <summary>How one device change came out: the device (attached, or the one removed), or the error.</summary>
    public sealed class XenDeviceResult<T> where T : XenDomainDevice
    {
        public XenDeviceResult(XenDomainTarget target, T? device, XenPSException? error)
        {
            Target = target;
            Device = device;
            Error = error;
        }

        public XenDomainTarget Target { get; }
        public T? Device { get; }
        public XenPSException? Error { get; }
        public bool Succeeded => Error == null;
    }

    /// <summary>
    /// Device hotplug on many targets (IXenDevices): lists per host in parallel (HostFanOut), attach and detach per target,
    /// Domain-0 refused for attach before anything reaches the host. Every device comes back with its host stamped.
    /// </summary>
    public sealed class DeviceService
    {
        private const string Dom0Refusal =
            "Domain-0 cannot take hotplugged devices: it has no frontend for them (xl leaves such a device Initialising, " +
            "removable only with block-detach -f). Attach devices to guest domains.";

        /// <summary>The disks of every target, in target order; hosts listed in parallel.</summary>
        public IReadOnlyList<XenDeviceListResult<XenDomainDisk>> ListDisks(IReadOnlyList<XenDomainTarget> targets, CancellationToken ct) =>
            List(targets, "listing disks", (dev, d, c) => dev.ListDisks(d, c), ct);

        /// <summary>The network interfaces of every target, in target order; hosts listed in parallel.</summary>
        public IReadOnlyList<XenDeviceListResult<XenDomainNetworkAdapter>> ListNetworkAdapters(IReadOnlyList<XenDomainTarget> targets, CancellationToken ct) =>
            List(targets, "listing network interfaces", (dev, d, c) => dev.ListNetworkAdapters(d, c), ct);

        public XenDeviceResult<XenDomainDisk> AttachDisk(XenDomainTarget t, DiskSpec disk, CancellationToken ct) =>
            One(t, "attaching disks", true, dev => dev.AttachDisk(t.Domain, disk, ct));

        /// <summary>Detaches the disk at <paramref name="vdev"/>; the result's device is the disk as it was listed (when it was).</summary>
        public XenDeviceResult<XenDomainDisk> DetachDisk(XenDomainTarget t, string vdev, bool force, XenDomainDisk? listed, CancellationToken ct) =>
            One(t, "detaching disks", false, dev => { dev.DetachDisk(t.Domain, vdev, force, ct); return listed!; });

        public XenDeviceResult<XenDomainNetworkAdapter> AttachNetworkAdapter(XenDomainTarget t, VifSpec vif, CancellationToken ct) =>
            One(t, "attaching network interfaces", true, dev => dev.AttachNetworkAdapter(t.Domain, vif, ct));

        public XenDeviceResult<XenDomainNetworkAdapter> DetachNetworkAdapter(XenDomainTarget t, string devidOrMac, XenDomainNetworkAdapter? listed, CancellationToken ct) =>
            One(t, "detaching network interfaces", false, dev => { dev.DetachNetworkAdapter(t.Domain, devidOrMac, ct); return listed!; });

        private static IReadOnlyList<XenDeviceListResult<T>> List<T>(IReadOnlyList<XenDomainTarget> targets, string operation,
            Func<IXenDevices, XenDomain, CancellationToken, IReadOnlyList<T>> list, CancellationToken ct) where T : XenDomainDevice
        {
            var hosts = HostFanOut.HostsOf(targets);
            var results = new XenDeviceListResult<T>?[targets.Count];
            var perHost = HostFanOut.Run(hosts, (h, c) =>
            {
                for (int i = 0; i < targets.Count; i++)
                {
                    var t = targets[i];
                    if (t.Host != h) continue;
                    c.ThrowIfCancellationRequested();
                    try
                    {
                        var devices = list(h.Backend.Require<IXenDevices>(operation), t.Domain, c);
                        foreach (var d in devices) Stamp(d, t);
                        results[i] = new XenDeviceListResult<T>(t, devices, null);
                    }
                    catch (XenPSException e)
                    {
                        results[i] = new XenDeviceListResult<T>(t, null, e);
                    }
                }
                return 0;
            }, HostFanOut.DefaultDegree, ct);
            var errors = perHost.Where(p => p.Error != null).ToDictionary(p => p.Host, p => p.Error!);
            return targets.Select((t, i) => results[i]
                ?? new XenDeviceListResult<T>(t, null, errors.TryGetValue(t.Host, out var e) ? e : new XenPSException($"{t.Description} was not listed."))).ToList();
        }

        private static XenDeviceResult<T> One<T>(XenDomainTarget t, string operation, bool attach, Func<IXenDevices, T> act) where T : XenDomainDevice
        {
            try
            {
                if (attach && t.Domain.IsDomain0) throw new XenInvalidOperationException(Dom0Refusal, XenErrorReason.Domain0Refused);
                var d = act(t.Host.Backend.Require<IXenDevices>(operation));
                if (d != null) Stamp(d, t);
                return new XenDeviceResult<T>(t, d, null);
            }
            catch (XenPSException e)
            {
                return new XenDeviceResult<T>(t, null, e);
            }
        }

        private static void Stamp(XenDomainDevice d, XenDomainTarget t)
        {
            d.StampDomain(t.Domain);
            d.Host = t.Host.Name;
            d.HostUri = t.Host.Uri;
        }
    }
}
