using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace XenPS.Backends.Xl
{
    public static partial class XlOutputParser
    {
        /// <summary>
        /// Parses `xl block-list`: a header ("Vdev  BE  handle state evt-ch ring-ref BE-path") and a row per vbd whose
        /// Vdev is the devid (51712 = xvda; see <see cref="XenVdev"/>). Headers repeated (several domains) are skipped.
        /// </summary>
        public static List<XenDomainDisk> ParseBlockList(string text)
        {
            var list = new List<XenDomainDisk>();
            foreach (var f in Rows(text, "Vdev", 7))
            {
                if (!Int(f[0], out int devid)) continue;
                list.Add(new XenDomainDisk
                {
                    DevId = devid,
                    Vdev = XenVdev.Decode(devid),
                    BackendId = IntOr(f[1]),
                    Handle = IntOr(f[2]),
                    State = (XenDeviceState)IntOr(f[3]),
                    EventChannel = IntOr(f[4]),
                    RingRef = IntOr(f[5]),
                    BackendPath = f[6],
                });
            }
            return list;
        }

        /// <summary>Parses `xl network-list`: "Idx BE Mac Addr. handle state evt-ch tx-/rx-ring-ref BE-path".</summary>
        public static List<XenDomainNetworkAdapter> ParseNetworkList(string text)
        {
            var list = new List<XenDomainNetworkAdapter>();
            foreach (var f in Rows(text, "Idx", 8))
            {
                if (!Int(f[0], out int devid)) continue;
                list.Add(new XenDomainNetworkAdapter
                {
                    DevId = devid,
                    BackendId = IntOr(f[1]),
                    MacAddress = VifSpec.TryNormaliseMac(f[2], out string? mac) ? mac! : f[2],
                    Handle = IntOr(f[3]),
                    State = (XenDeviceState)IntOr(f[4]),
                    EventChannel = IntOr(f[5]),
                    RingRefs = f[6],
                    BackendPath = f[7],
                });
            }
            return list;
        }

        /// <summary>
        /// Fills what the tables do not show from the domain's `xl list -l` entry: a disk's target, format and access
        /// (by vdev), a nic's bridge, model, type and ip (by devid).
        /// </summary>
        public static void JoinDeviceConfig(string listLongJson, IEnumerable<XenDomainDisk> disks, IEnumerable<XenDomainNetworkAdapter> nics)
        {
            if (string.IsNullOrWhiteSpace(listLongJson)) return;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(listLongJson, new JsonDocumentOptions { AllowTrailingCommas = true }); }
            catch (JsonException) { return; } // the tables are still right
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array) return;
                foreach (var el in doc.RootElement.EnumerateArray())
                {
                    if (el.ValueKind != JsonValueKind.Object || !el.TryGetProperty("config", out var c) || c.ValueKind != JsonValueKind.Object) continue;
                    if (c.TryGetProperty("disks", out var ds) && ds.ValueKind == JsonValueKind.Array)
                        foreach (var disk in disks)
                            foreach (var dk in ds.EnumerateArray())
                            {
                                if (dk.ValueKind != JsonValueKind.Object || Str(dk, "vdev") is not string v || XenVdev.Encode(v) != disk.DevId) continue;
                                disk.Target = Str(dk, "pdev_path");
                                string? fmt = Str(dk, "format");
                                disk.Format = fmt == "unknown" ? null : fmt;
                                disk.Access = Num(dk, "readwrite") is long rw && rw != 0 ? "rw" : "r";
                                disk.IsCdrom = Num(dk, "is_cdrom") is long cd && cd != 0;
                                break;
                            }
                    if (c.TryGetProperty("nics", out var ns) && ns.ValueKind == JsonValueKind.Array)
                        foreach (var nic in nics)
                            foreach (var n in ns.EnumerateArray())
                            {
                                if (n.ValueKind != JsonValueKind.Object || Num(n, "devid") != nic.DevId) continue;
                                nic.Model = Str(n, "model");
                                string? t = Str(n, "nictype");
                                nic.Type = t == "vif_ioemu" ? "ioemu" : t == "unknown" ? null : t;
                                // libxl stores an attached nic's config before its defaults: a vif attached without
                                // bridge= has none in `xl list -l` (devices-55), yet vif-bridge put it on xenbr0.
                                nic.Bridge = Str(n, "bridge") ?? (nic.Type == "vif" || nic.Type == "ioemu" ? "xenbr0" : null);
                                nic.IpAddress = Str(n, "ip");
                                break;
                            }
                }
            }
        }

        private static IEnumerable<string[]> Rows(string text, string header, int fields)
        {
            foreach (string raw in (text ?? "").Replace("\r", "").Split('\n'))
            {
                var f = raw.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 0 || f[0] == header) continue;
                // network-list's header has "Mac Addr." as two words, so a row is matched by its first field being a number
                if (f.Length < fields) continue;
                yield return f;
            }
        }

        private static bool Int(string s, out int n) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n);

        private static int IntOr(string s) => Int(s, out int n) ? n : -1;
    }
}
