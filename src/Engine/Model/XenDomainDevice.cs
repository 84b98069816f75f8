using System;
using System.Globalization;
using System.Text;

namespace XenPS
{
    /// <summary>A split-driver device's xenbus state (xen/include/public/io/xenbus.h), as xl block-list/network-list print it.</summary>
    public enum XenDeviceState
    {
        Unknown = 0,
        Initialising = 1,
        InitWait = 2,
        Initialised = 3,
        Connected = 4,
        Closing = 5,
        Closed = 6,
        Reconfiguring = 7,
        Reconfigured = 8,
    }

    /// <summary>A device of a domain: which domain (name, id, uuid, host), its devid and its backend.</summary>
    public abstract class XenDomainDevice
    {
        /// <summary>The domain's name.</summary>
        public string DomainName { get; set; } = "";
        /// <summary>The domain's id when it was listed.</summary>
        public int? DomainId { get; set; }
        public string? DomainUuid { get; set; }
        /// <summary>The connection name of the domain's host.</summary>
        public string Host { get; set; } = "";
        public string HostUri { get; set; } = "";
        /// <summary>The device id xenstore knows it by (a vbd's is its encoded vdev, e.g. 51712 for xvda; a vif's is 0, 1, ...).</summary>
        public int DevId { get; set; }
        /// <summary>The backend domain's id (0: Domain-0).</summary>
        public int BackendId { get; set; }
        /// <summary>The frontend's handle (xl's "handle" column).</summary>
        public int Handle { get; set; }
        /// <summary>The xenbus state; Connected (4) once the guest uses the device.</summary>
        public XenDeviceState State { get; set; }
        /// <summary>The event channel (-1: none).</summary>
        public int EventChannel { get; set; } = -1;
        /// <summary>The backend's xenstore path.</summary>
        public string? BackendPath { get; set; }

        /// <summary>The state as the number xl prints.</summary>
        public int StateNumber => (int)State;

        /// <summary>The domain this device belongs to, as a domain object to act on (its host, id and uuid).</summary>
        public XenDomain ToDomain() => new XenDomain { Name = DomainName, Id = DomainId, Uuid = DomainUuid, Host = Host, HostUri = HostUri, IsControlDomain = DomainId == 0 };

        /// <summary>Takes the domain's identity (name, id, uuid, host).</summary>
        public void StampDomain(XenDomain d)
        {
            DomainName = d.Name;
            DomainId = d.Id;
            DomainUuid = d.Uuid;
            Host = d.Host;
            HostUri = d.HostUri;
        }
    }

    /// <summary>A virtual block device of a domain (xl block-list, joined with the domain's disk config).</summary>
    public sealed class XenDomainDisk : XenDomainDevice
    {
        /// <summary>The guest device name (xvda, hdc, sda, ...), decoded from the devid.</summary>
        public string Vdev { get; set; } = "";
        /// <summary>The image file or block device in the backend domain, when the config says it.</summary>
        public string? Target { get; set; }
        /// <summary>raw, qcow2, ... when known.</summary>
        public string? Format { get; set; }
        /// <summary>"rw" or "r" when known.</summary>
        public string? Access { get; set; }
        public bool IsCdrom { get; set; }
        /// <summary>The ring reference (-1: none).</summary>
        public int RingRef { get; set; } = -1;

        public override string ToString() => Vdev;
    }

    /// <summary>A virtual network interface of a domain (xl network-list, joined with the domain's vif config).</summary>
    public sealed class XenDomainNetworkAdapter : XenDomainDevice
    {
        public string MacAddress { get; set; } = "";
        /// <summary>The bridge in the backend domain, when the config says it.</summary>
        public string? Bridge { get; set; }
        public string? Model { get; set; }
        /// <summary>"vif" or "ioemu" when known.</summary>
        public string? Type { get; set; }
        public string? IpAddress { get; set; }
        /// <summary>tx-/rx-ring-ref as xl prints them ("522/523").</summary>
        public string? RingRefs { get; set; }

        public override string ToString() => MacAddress;
    }

    /// <summary>A device operation failed: no such device, a vdev in use, a disk target that does not exist.</summary>
    public sealed class XenDeviceException : XenPSException
    {
        public XenDeviceException(string message, XenErrorReason reason, string? device = null, string? errorId = null) : base(message, null, reason)
        {
            Device = device;
            _errorId = errorId;
        }

        private readonly string? _errorId;

        /// <summary>The device as given (vdev, devid or MAC).</summary>
        public string? Device { get; }

        public override string ErrorId => _errorId ?? Reason switch
        {
            XenErrorReason.DeviceNotFound => "DeviceNotFound",
            XenErrorReason.DeviceInUse => "DeviceInUse",
            XenErrorReason.DeviceTargetNotFound => "DiskTargetNotFound",
            _ => base.ErrorId,
        };
    }

    /// <summary>
    /// Xen's virtual block device numbering (docs/misc/vbd-interface.txt): xvdX = 202&lt;&lt;8 | disk&lt;&lt;4 | partition
    /// (disks 0-15, partitions 0-15), extended xvdX = 1&lt;&lt;28 | disk&lt;&lt;8 | partition (disks up to 2^20, partitions
    /// 0-255), hda/hdb = 3&lt;&lt;8 | disk&lt;&lt;6 | partition, hdc/hdd = 22&lt;&lt;8 | (disk-2)&lt;&lt;6 | partition (partitions 0-63),
    /// sdX = 8&lt;&lt;8 | disk&lt;&lt;4 | partition (disks 0-15, partitions 0-15), and dN / dNpM = the extended xvd numbers.
    /// </summary>
    public static class XenVdev
    {
        private const int Extended = 1 << 28;

        /// <summary>The devid of a vdev name ("xvda" = 51712) or of a number given as text; null when it is no vdev.</summary>
        public static int? Encode(string vdev)
        {
            if (string.IsNullOrEmpty(vdev)) return null;
            if (IsDigits(vdev))
                return int.TryParse(vdev, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : (int?)null;
            if (vdev[0] == 'd' && vdev.Length > 1 && char.IsAsciiDigit(vdev[1]))
            {
                int p = vdev.IndexOf('p');
                string ds = p < 0 ? vdev.Substring(1) : vdev.Substring(1, p - 1);
                string ps = p < 0 ? "0" : vdev.Substring(p + 1);
                if (!IsDigits(ds) || !IsDigits(ps) || !int.TryParse(ds, NumberStyles.None, CultureInfo.InvariantCulture, out int disk) ||
                    !int.TryParse(ps, NumberStyles.None, CultureInfo.InvariantCulture, out int part)) return null;
                return Xvd(disk, part);
            }
            string prefix = vdev.StartsWith("xvd", StringComparison.Ordinal) ? "xvd" : vdev.StartsWith("hd", StringComparison.Ordinal) ? "hd"
                : vdev.StartsWith("sd", StringComparison.Ordinal) ? "sd" : "";
            if (prefix.Length == 0) return null;
            int i = prefix.Length, start = i;
            while (i < vdev.Length && vdev[i] >= 'a' && vdev[i] <= 'z') i++;
            if (i == start) return null;
            long d = 0;
            for (int k = start; k < i; k++)
            {
                d = d * 26 + (vdev[k] - 'a' + 1);
                if (d > (1 << 20)) return null;
            }
            int diskNo = (int)d - 1;
            int partNo = 0;
            if (i < vdev.Length)
            {
                string rest = vdev.Substring(i);
                if (!IsDigits(rest) || rest[0] == '0' || !int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out partNo)) return null;
            }
            switch (prefix)
            {
                case "xvd":
                    return diskNo < 16 && partNo < 16 ? (202 << 8) | (diskNo << 4) | partNo : Xvd(diskNo, partNo);
                case "hd":
                    if (diskNo > 3 || partNo > 63) return null;
                    return diskNo < 2 ? (3 << 8) | (diskNo << 6) | partNo : (22 << 8) | ((diskNo - 2) << 6) | partNo;
                default:
                    if (diskNo > 15 || partNo > 15) return null;
                    return (8 << 8) | (diskNo << 4) | partNo;
            }
        }

        private static int? Xvd(int disk, int part) => disk < (1 << 20) && part < 256 ? Extended | (disk << 8) | part : (int?)null;

        /// <summary>The name of a devid (51712 = "xvda", 51729 = "xvdb1", 768 = "hda", 2048 = "sda"); the number as text when it encodes none.</summary>
        public static string Decode(int devid)
        {
            if (devid <= 0) return devid.ToString(CultureInfo.InvariantCulture);
            if ((devid & Extended) != 0 && (devid >> 29) == 0)
                return Name("xvd", (devid >> 8) & 0xfffff, devid & 0xff);
            int major = devid >> 8;
            switch (major)
            {
                case 202: return Name("xvd", (devid >> 4) & 0xf, devid & 0xf);
                case 3: return Name("hd", (devid >> 6) & 0x3, devid & 0x3f);
                case 22: return Name("hd", 2 + ((devid >> 6) & 0x3), devid & 0x3f);
                case 8: return Name("sd", (devid >> 4) & 0xf, devid & 0xf);
            }
            return devid.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>The disk part's letters: 0 = a, 25 = z, 26 = aa (bijective base 26).</summary>
        public static string Letters(int disk)
        {
            var sb = new StringBuilder();
            int n = disk + 1;
            while (n > 0)
            {
                n--;
                sb.Insert(0, (char)('a' + n % 26));
                n /= 26;
            }
            return sb.ToString();
        }

        private static string Name(string prefix, int disk, int part) =>
            prefix + Letters(disk) + (part > 0 ? part.ToString(CultureInfo.InvariantCulture) : "");

        /// <summary>The canonical name of a vdev as given ("51712" and "xvda" both give "xvda"); null when it is no vdev.</summary>
        public static string? Canonical(string vdev) => Encode(vdev) is int n ? Decode(n) : null;

        private static bool IsDigits(string s)
        {
            if (s.Length == 0) return false;
            foreach (char c in s) if (c < '0' || c > '9') return false;
            return true;
        }
    }
}
