using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Get-XenDomainDisk / -NetworkAdapter on a pool: the VM's VBDs (with their VDI) and VIFs (with their network's
    /// bridge). Hotplug is refused: a pool's disks are VDIs on its SRs and its interfaces belong to its networks, which
    /// xl-style specs (a file path, a bridge) do not name.
    /// </summary>
    public sealed partial class XapiBackend : IXenDevices
    {
        private const string NoHotplug =
            "On a XenAPI pool a disk is a VDI on one of the pool's SRs and an interface belongs to one of its networks, which xl-style " +
            "specs (an image path, a bridge) do not name: create and plug them with the pool's own tools (xe vbd-create/vbd-plug, " +
            "xe vif-create/vif-plug, Xen Orchestra). Get-XenDomainDisk and Get-XenDomainNetworkAdapter list them.";

        public IReadOnlyList<XenDomainDisk> ListDisks(XenDomain domain, CancellationToken cancellationToken)
        {
            var ct = cancellationToken;
            return WithVm(domain, ct, vm =>
            {
                var rec = Record(vm, ct);
                var vbds = XapiRecord.All(Call("VBD.get_all_records", "Listing the pool's VBDs", domain.Name, ct), "VBD.get_all_records")
                    .Where(v => v.Str("VM") == vm).ToList();
                var vdis = vbds.Count == 0 ? new Dictionary<string, XapiRecord>()
                    : XapiRecord.All(Call("VDI.get_all_records", "Listing the pool's VDIs", domain.Name, ct), "VDI.get_all_records").ToDictionary(v => v.Ref, StringComparer.Ordinal);
                var d = ToDomain(rec);
                return (IReadOnlyList<XenDomainDisk>)vbds.Select(v =>
                {
                    int devid = (int)(XapiValue.AsLong(v.Str("userdevice")) ?? 0);
                    string dev = v.Str("device");
                    vdis.TryGetValue(v.Str("VDI"), out var vdi);
                    var disk = new XenDomainDisk
                    {
                        DevId = devid,
                        Vdev = dev.Length > 0 ? dev : "xvd" + (char)('a' + Math.Clamp(devid, 0, 25)),
                        Target = vdi == null ? null : "VDI " + vdi.Str("uuid") + (vdi.Str("name_label").Length > 0 ? " (" + vdi.Str("name_label") + ")" : ""),
                        Access = v.Str("mode").Equals("RO", StringComparison.OrdinalIgnoreCase) ? "r" : "rw",
                        IsCdrom = v.Str("type").Equals("CD", StringComparison.OrdinalIgnoreCase),
                        State = v.Bool("currently_attached") ? XenDeviceState.Connected : XenDeviceState.Closed,
                        BackendId = 0,
                    };
                    disk.StampDomain(d);
                    return disk;
                }).OrderBy(x => x.DevId).ToList();
            });
        }

        public IReadOnlyList<XenDomainNetworkAdapter> ListNetworkAdapters(XenDomain domain, CancellationToken cancellationToken)
        {
            var ct = cancellationToken;
            return WithVm(domain, ct, vm =>
            {
                var rec = Record(vm, ct);
                var vifs = XapiRecord.All(Call("VIF.get_all_records", "Listing the pool's VIFs", domain.Name, ct), "VIF.get_all_records")
                    .Where(v => v.Str("VM") == vm).ToList();
                var nets = vifs.Count == 0 ? new Dictionary<string, XapiRecord>()
                    : XapiRecord.All(Call("network.get_all_records", "Listing the pool's networks", domain.Name, ct), "network.get_all_records").ToDictionary(v => v.Ref, StringComparer.Ordinal);
                var d = ToDomain(rec);
                return (IReadOnlyList<XenDomainNetworkAdapter>)vifs.Select(v =>
                {
                    nets.TryGetValue(v.Str("network"), out var net);
                    var nic = new XenDomainNetworkAdapter
                    {
                        DevId = (int)(XapiValue.AsLong(v.Str("device")) ?? 0),
                        MacAddress = v.Str("MAC"),
                        Bridge = net?.Str("bridge"),
                        Type = "vif",
                        IpAddress = v.Strings("ipv4_addresses").FirstOrDefault(),
                        State = v.Bool("currently_attached") ? XenDeviceState.Connected : XenDeviceState.Closed,
                    };
                    nic.StampDomain(d);
                    return nic;
                }).OrderBy(x => x.DevId).ToList();
            });
        }

        public XenDomainDisk AttachDisk(XenDomain domain, DiskSpec disk, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "attach devices to");
            throw new XenOperationNotSupportedException(BackendName, "attaching disks from xl disk specs", NoHotplug);
        }

        public void DetachDisk(XenDomain domain, string vdev, bool force, CancellationToken cancellationToken) =>
            throw new XenOperationNotSupportedException(BackendName, "detaching disks", NoHotplug);

        public XenDomainNetworkAdapter AttachNetworkAdapter(XenDomain domain, VifSpec vif, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "attach devices to");
            throw new XenOperationNotSupportedException(BackendName, "attaching network interfaces from xl vif specs", NoHotplug);
        }

        public void DetachNetworkAdapter(XenDomain domain, string devidOrMac, CancellationToken cancellationToken) =>
            throw new XenOperationNotSupportedException(BackendName, "detaching network interfaces", NoHotplug);
    }
}
