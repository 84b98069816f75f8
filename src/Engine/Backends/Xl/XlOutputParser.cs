using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace XenPS.Backends.Xl
{
    /// <summary>One row of `xl list`.</summary>
    public sealed class XlListRow
    {
        public string Name { get; set; } = "";
        public int Id { get; set; }
        public long MemoryMiB { get; set; }
        public int VCpus { get; set; }
        public string State { get; set; } = "------";
        public double CpuTime { get; set; }
    }

    /// <summary>Parsers for what xl prints (see shared/xen/captures for the real texts).</summary>
    public static partial class XlOutputParser
    {
        // Row: "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f". Parsed FROM THE RIGHT: a name may hold spaces
        // and a name longer than 40 characters pushes the columns right.
        private static readonly Regex Row = new Regex(
            @"^(?<name>.+?)\s+(?<id>\d+)\s+(?<mem>\d+)\s+(?<vcpus>\d+)\s+(?<state>[-rbpscdwS]{6})\s+(?<time>\d+(?:\.\d+)?)\s*$",
            RegexOptions.CultureInvariant);

        /// <summary>Parses the `xl list` table (header and unknown lines are skipped).</summary>
        public static List<XlListRow> ParseListTable(string text)
        {
            var rows = new List<XlListRow>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.StartsWith("Name ", StringComparison.Ordinal) && line.Contains("State")) continue;
                var m = Row.Match(line);
                if (!m.Success) continue;
                rows.Add(new XlListRow
                {
                    Name = m.Groups["name"].Value,
                    Id = int.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture),
                    MemoryMiB = long.Parse(m.Groups["mem"].Value, CultureInfo.InvariantCulture),
                    VCpus = int.Parse(m.Groups["vcpus"].Value, CultureInfo.InvariantCulture),
                    State = m.Groups["state"].Value,
                    CpuTime = double.Parse(m.Groups["time"].Value, NumberStyles.Float, CultureInfo.InvariantCulture),
                });
            }
            return rows;
        }

        /// <summary>One element of `xl list -l`: the TOP-LEVEL domid (c_info.domid is 4294967295 for domUs) and its config.</summary>
        public sealed class XlJsonDomain
        {
            public int DomId { get; set; }
            public string? Type { get; set; }
            public string? Uuid { get; set; }
            public long? MaxMemKb { get; set; }
            public long? TargetMemKb { get; set; }
            /// <summary>b_info.max_vcpus: the boot-time maximum (maxvcpus).</summary>
            public int? MaxVCpus { get; set; }
            public XenDomainConfig Config { get; set; } = new XenDomainConfig();
        }

        /// <summary>Parses the JSON array of `xl list -l`. Omitted fields are at libxl's default.</summary>
        public static Dictionary<int, XlJsonDomain> ParseListJson(string json)
        {
            var result = new Dictionary<int, XlJsonDomain>();
            if (string.IsNullOrWhiteSpace(json)) return result;
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return result;
            foreach (var el in doc.RootElement.EnumerateArray())
            {
                if (el.ValueKind != JsonValueKind.Object || !el.TryGetProperty("domid", out var idEl) || !idEl.TryGetInt32(out int domid))
                    continue;
                var d = new XlJsonDomain { DomId = domid };
                var cfg = d.Config;
                if (el.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object)
                {
                    if (c.TryGetProperty("c_info", out var ci) && ci.ValueKind == JsonValueKind.Object)
                    {
                        string? name = Str(ci, "name");
                        if (name != null) cfg.Set("name", name);
                        d.Type = Str(ci, "type") ?? "pv"; // omitted = libxl's default; PV is x86's default
                        cfg.Set("type", d.Type);
                        d.Uuid = Str(ci, "uuid");
                        if (d.Uuid != null) cfg.Set("uuid", d.Uuid);
                    }
                    if (c.TryGetProperty("b_info", out var bi) && bi.ValueKind == JsonValueKind.Object)
                    {
                        d.MaxMemKb = Num(bi, "max_memkb");
                        d.TargetMemKb = Num(bi, "target_memkb");
                        if (d.TargetMemKb is long t) cfg.Set("memory", ((t + 1023) / 1024).ToString(CultureInfo.InvariantCulture));
                        if (d.MaxMemKb is long mx && d.TargetMemKb is long tg && (mx + 1023) / 1024 != (tg + 1023) / 1024)
                            cfg.Set("maxmem", (mx / 1024).ToString(CultureInfo.InvariantCulture));
                        if (Num(bi, "max_vcpus") is long mv)
                        {
                            d.MaxVCpus = (int)Math.Min(int.MaxValue, mv);
                            cfg.Set("vcpus", mv.ToString(CultureInfo.InvariantCulture));
                            // avail_vcpus: the vCPUs online at boot (vcpus=), when fewer than the maximum (maxvcpus=)
                            if (bi.TryGetProperty("avail_vcpus", out var av) && av.ValueKind == JsonValueKind.Array && av.GetArrayLength() < mv)
                            {
                                cfg.Set("vcpus", av.GetArrayLength().ToString(CultureInfo.InvariantCulture));
                                cfg.Set("maxvcpus", mv.ToString(CultureInfo.InvariantCulture));
                            }
                        }
                        foreach (string k in new[] { "kernel", "ramdisk", "cmdline", "bootloader" })
                            if (Str(bi, k) is string v) cfg.Set(k, v);
                    }
                    foreach (string k in new[] { "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "on_soft_reset" })
                    {
                        if (Str(c, k) is string v && XenDomainConfig.TryParseAction(v, out var action))
                            cfg.Set(k, XenDomainConfig.ActionToXl(action)); // JSON restart_rename -> xl.cfg rename-restart
                    }
                    var disks = Disks(c);
                    if (disks.Length > 0) cfg.Set("disk", disks);
                    var vifs = Vifs(c);
                    if (vifs.Length > 0) cfg.Set("vif", vifs);
                }
                result[domid] = d;
            }
            return result;
        }

        // libxl's device_disk entries as xl disk specs (so a running domain's config can be exported and re-created).
        private static object[] Disks(JsonElement config)
        {
            var list = new List<object>();
            if (!config.TryGetProperty("disks", out var disks) || disks.ValueKind != JsonValueKind.Array) return list.ToArray();
            foreach (var dk in disks.EnumerateArray())
            {
                if (dk.ValueKind != JsonValueKind.Object || Str(dk, "vdev") is not string vdev) continue;
                bool cdrom = Num(dk, "is_cdrom") is long cd && cd != 0;
                bool rw = Num(dk, "readwrite") is long w && w != 0;
                string? format = Str(dk, "format");
                if (format == "empty" || format == "unknown") format = null;
                string? backend = Str(dk, "backend");
                if (backend == "unknown") backend = null;
                try
                {
                    list.Add(DiskSpec.Create(Str(dk, "pdev_path"), vdev, format, rw ? "rw" : "r", cdrom ? "cdrom" : null,
                        backend, Str(dk, "script"), Str(dk, "backend_domname")).ToSpecString());
                }
                catch (XenConfigException)
                {
                    // A device xl can show but a spec cannot express is left out rather than misdescribed.
                }
            }
            return list.ToArray();
        }

        // libxl's device_nic entries as xl vif specs.
        private static object[] Vifs(JsonElement config)
        {
            var list = new List<object>();
            if (!config.TryGetProperty("nics", out var nics) || nics.ValueKind != JsonValueKind.Array) return list.ToArray();
            foreach (var n in nics.EnumerateArray())
            {
                if (n.ValueKind != JsonValueKind.Object) continue;
                var parts = new List<KeyValuePair<string, string>>();
                foreach (var (json, key) in new[] { ("mac", "mac"), ("bridge", "bridge"), ("ip", "ip"), ("ifname", "vifname"),
                             ("script", "script"), ("model", "model"), ("backend_domname", "backend"), ("gatewaydev", "gatewaydev") })
                    if (Str(n, json) is string v && v.Length > 0) parts.Add(new KeyValuePair<string, string>(key, v));
                if (Str(n, "nictype") is string t && t != "unknown")
                    parts.Add(new KeyValuePair<string, string>("type", t == "vif_ioemu" ? "ioemu" : t));
                if (Num(n, "mtu") is long mtu && mtu > 0) parts.Add(new KeyValuePair<string, string>("mtu", mtu.ToString(CultureInfo.InvariantCulture)));
                try
                {
                    list.Add(VifSpec.Create(parts).ToSpecString());
                }
                catch (XenConfigException)
                {
                    // as for disks
                }
            }
            return list.ToArray();
        }

        private static string? Str(JsonElement o, string name) =>
            o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static long? Num(JsonElement o, string name) =>
            o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : (long?)null;

        /// <summary>Domain-0's uuid on every Xen host (capture 06-list-v-dom0).</summary>
        public const string Dom0Uuid = "00000000-0000-0000-0000-000000000000";

        /// <summary>Joins the table (run state) with the JSON (config) on domid; Domain-0 first, by domid.</summary>
        public static List<XenDomain> Join(IEnumerable<XlListRow> rows, IReadOnlyDictionary<int, XlJsonDomain> json)
        {
            var list = new List<XenDomain>();
            foreach (var r in rows)
            {
                var d = new XenDomain
                {
                    Name = r.Name,
                    Id = r.Id,
                    MemoryMiB = r.MemoryMiB,
                    MaxMemoryMiB = r.MemoryMiB,
                    VCpus = r.VCpus,
                    MaxVCpus = r.VCpus, // until xl list -l says (b_info.max_vcpus)
                    StateFlags = r.State,
                    ShutdownReason = XenDomain.DecodeReason(r.State),
                    CpuTime = r.CpuTime,
                    // Domain-0's handle is all zeros (xl list -v shows it; xl list -l leaves it out).
                    Uuid = r.Id == 0 ? Dom0Uuid : null,
                };
                if (json.TryGetValue(r.Id, out var j))
                {
                    if (j.Type != null && XenDomainConfig.TryParseType(j.Type, out var type)) d.Type = type;
                    d.Uuid = j.Uuid ?? d.Uuid;
                    if (j.MaxMemKb is long mx) d.MaxMemoryMiB = mx / 1024;
                    if (j.MaxVCpus is int mv) d.MaxVCpus = Math.Max(mv, r.VCpus);
                    var cfg = j.Config.Clone();
                    if (cfg.Get("name") == null) cfg.Set("name", r.Name);
                    if (cfg.Get("vcpus") == null) cfg.Set("vcpus", r.VCpus.ToString(CultureInfo.InvariantCulture));
                    if (cfg.Get("memory") == null) cfg.Set("memory", r.MemoryMiB.ToString(CultureInfo.InvariantCulture));
                    d.Config = cfg;
                }
                list.Add(d);
            }
            list.Sort((a, b) => (a.Id ?? -1).CompareTo(b.Id ?? -1));
            return list;
        }

        /// <summary>Parses `xl info` ("key : value" lines).</summary>
        public static XenHostInfo ParseInfo(string text)
        {
            var kv = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in text.Split('\n'))
            {
                int i = raw.IndexOf(':');
                if (i <= 0) continue;
                string k = raw.Substring(0, i).Trim();
                if (k.Length == 0 || k.Contains(' ') || kv.ContainsKey(k)) continue;
                kv[k] = raw.Substring(i + 1).Trim();
            }
            long L(string k) => kv.TryGetValue(k, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;
            string S(string k) => kv.TryGetValue(k, out var v) ? v : "";
            string[] Words(string k) => S(k).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            return new XenHostInfo
            {
                HostName = S("host"),
                XenVersion = kv.TryGetValue("xen_version", out var xv) ? xv
                    : (kv.TryGetValue("xen_major", out var ma) && kv.TryGetValue("xen_minor", out var mi) ? ma + "." + mi + (kv.TryGetValue("xen_extra", out var ex) ? ex : "") : ""),
                CpuCount = (int)L("nr_cpus"),
                TotalMemoryMiB = L("total_memory"),
                FreeMemoryMiB = L("free_memory"),
                Capabilities = Words("xen_caps"),
                VirtCaps = Words("virt_caps"),
                Scheduler = S("xen_scheduler"),
                NodeCount = (int)L("nr_nodes"),
                CoresPerSocket = (int)L("cores_per_socket"),
                ThreadsPerCore = (int)L("threads_per_core"),
                CpuMhz = double.TryParse(S("cpu_mhz"), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) ? mhz : 0,
                FreeCpus = (int)L("free_cpus"),
                Machine = S("machine"),
                KernelRelease = S("release"),
                KernelVersion = S("version"),
                XenCommandLine = S("xen_commandline"),
                PageSize = (int)L("xen_pagesize"),
                Raw = kv,
            };
        }
    }
}
