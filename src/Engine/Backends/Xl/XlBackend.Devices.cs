using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.Xl
{
    // xl block-list/-attach/-detach and network-list/-attach/-detach (captures in tests/Engine.Tests/Xl/Fixtures/devices-*).
    public sealed partial class XlBackend
    {
        internal const string DeviceMarker = "@@XENPS-XL-DEVICES@@";

        /// <summary>
        /// A device table and the domain's `xl list -l` in one round trip: $1 = xl, $2 = block-list or network-list, $3 = the
        /// domain. xl block-list of a missing domain exits 0 and says so on stderr (devices-16), so the caller checks stderr.
        /// </summary>
        internal const string DeviceListScript =
            "xl=\"$1\"; \"$xl\" \"$2\" \"$3\" || exit $?; echo '" + DeviceMarker + "'; exec \"$xl\" list -l \"$3\"";

        private const string Dom0AttachRefusal =
            "XenPS will not hotplug devices to Domain-0: xl accepts it, but Domain-0 has no frontend for the device, which stays " +
            "Initialising and can only be removed with block-detach -f. Attach devices to guest domains.";

        public IReadOnlyList<XenDomainDisk> ListDisks(XenDomain domain, CancellationToken cancellationToken)
        {
            var (table, json) = DeviceList(domain, "block-list", cancellationToken);
            var disks = XlOutputParser.ParseBlockList(table);
            XlOutputParser.JoinDeviceConfig(json, disks, Array.Empty<XenDomainNetworkAdapter>());
            foreach (var d in disks) d.StampDomain(domain);
            return disks.OrderBy(d => d.DevId).ToList();
        }

        public IReadOnlyList<XenDomainNetworkAdapter> ListNetworkAdapters(XenDomain domain, CancellationToken cancellationToken)
        {
            var (table, json) = DeviceList(domain, "network-list", cancellationToken);
            var nics = XlOutputParser.ParseNetworkList(table);
            XlOutputParser.JoinDeviceConfig(json, Array.Empty<XenDomainDisk>(), nics);
            foreach (var n in nics) n.StampDomain(domain);
            return nics.OrderBy(n => n.DevId).ToList();
        }

        public XenDomainDisk AttachDisk(XenDomain domain, DiskSpec disk, CancellationToken cancellationToken)
        {
            if (disk is null) throw new ArgumentNullException(nameof(disk));
            string d = RefuseDomain0Hotplug(domain);
            if (disk.Vdev == null || XenVdev.Encode(disk.Vdev) is not int id)
                throw new XenArgumentException($"Invalid or unsupported virtual disk identifier '{disk.Vdev}'. Use xvda..xvdz (and on), hda..hdd, sda..sdp, or dN.");
            var r = Xl(cancellationToken, _options.CommandTimeout, "block-attach", d, disk.ToSpecString());
            if (r.ExitCode != 0) throw XlErrorMapper.MapDevice($"xl block-attach {d}", domain.Name, disk.Vdev, r);
            return ListDisks(domain, cancellationToken).FirstOrDefault(x => x.DevId == id)
                ?? throw new XenCommandException($"xl block-attach reported success but {domain.Name} lists no disk at {disk.Vdev}.", 0, r.StandardError);
        }

        public void DetachDisk(XenDomain domain, string vdev, bool force, CancellationToken cancellationToken)
        {
            string d = Qualifier(domain);
            CheckDomainArgument(d);
            CheckDeviceArgument(vdev);
            var args = new List<string> { "block-detach" };
            if (force) args.Add("-f");
            args.Add(d);
            args.Add(vdev);
            var r = Xl(cancellationToken, _options.CommandTimeout, args.ToArray());
            if (r.ExitCode != 0) throw XlErrorMapper.MapDevice($"xl block-detach {d}", domain.Name, vdev, r);
        }

        public XenDomainNetworkAdapter AttachNetworkAdapter(XenDomain domain, VifSpec vif, CancellationToken cancellationToken)
        {
            if (vif is null) throw new ArgumentNullException(nameof(vif));
            string d = RefuseDomain0Hotplug(domain);
            var before = ListNetworkAdapters(domain, cancellationToken).Select(n => n.DevId).ToHashSet();
            // xl network-attach takes each setting as its own argument; "bridge=x,mac=y" in one would be the bridge's name (devices-28).
            var args = new List<string> { "network-attach", d };
            args.AddRange(vif.Settings.Select(kv => kv.Key + "=" + kv.Value));
            var r = Xl(cancellationToken, _options.CommandTimeout, args.ToArray());
            if (r.ExitCode != 0) throw XlErrorMapper.MapDevice($"xl network-attach {d}", domain.Name, vif.Mac, r);
            var after = ListNetworkAdapters(domain, cancellationToken);
            return after.FirstOrDefault(n => vif.DevId is long want ? n.DevId == want : vif.Mac != null ? n.MacAddress == vif.Mac : !before.Contains(n.DevId))
                ?? throw new XenCommandException($"xl network-attach reported success but {domain.Name} lists no new network interface.", 0, r.StandardError);
        }

        public void DetachNetworkAdapter(XenDomain domain, string devidOrMac, CancellationToken cancellationToken)
        {
            string d = Qualifier(domain);
            CheckDomainArgument(d);
            CheckDeviceArgument(devidOrMac);
            var r = Xl(cancellationToken, _options.CommandTimeout, "network-detach", d, devidOrMac);
            if (r.ExitCode != 0) throw XlErrorMapper.MapDevice($"xl network-detach {d}", domain.Name, devidOrMac, r);
        }

        private (string Table, string Json) DeviceList(XenDomain domain, string command, CancellationToken ct)
        {
            string d = Qualifier(domain);
            CheckDomainArgument(d);
            var r = Run(new[] { "sh", "-c", DeviceListScript, "sh", _options.XlPath, command, d }, null, _options.CommandTimeout, ct);
            if (r.ExitCode != 0 || (r.StandardError ?? "").Contains("is an invalid domain identifier"))
                throw XlErrorMapper.Map($"xl {command}", domain.Name, r);
            string o = r.StandardOutput;
            int i = o.IndexOf(DeviceMarker, StringComparison.Ordinal);
            return i >= 0 ? (o.Substring(0, i), o.Substring(i + DeviceMarker.Length)) : (o, "");
        }

        private static string RefuseDomain0Hotplug(XenDomain target)
        {
            string domain = Qualifier(target);
            CheckDomainArgument(domain);
            if (target.IsDomain0 || IsDomain0(domain))
                throw new XenInvalidOperationException(Dom0AttachRefusal, XenErrorReason.Domain0Refused);
            return domain;
        }

        // A device starting with '-' would be read by xl's getopt as an option.
        private static void CheckDeviceArgument(string device)
        {
            if (string.IsNullOrEmpty(device) || device[0] == '-' || device.IndexOf('\0') >= 0 || device.IndexOf('\n') >= 0)
                throw new XenArgumentException($"'{device}' is not a device xl can be given (a vdev such as xvdb, a devid or a MAC).");
        }
    }
}
