using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>Get-XenHostInfo on a pool: one XenHostInfo per member (host, host_metrics, its control domain), the master first.</summary>
    public sealed partial class XapiBackend : IXenPoolHosts
    {
        public IReadOnlyList<XenHostInfo> GetPoolHostInfo(CancellationToken cancellationToken)
        {
            var ct = cancellationToken;
            var pool = XapiRecord.All(Call("pool.get_all_records", "Reading the pool", null, ct), "pool.get_all_records").FirstOrDefault()
                       ?? throw new XenPSException("XAPI listed no pool object.", null, XenErrorReason.HostCommandFailed);
            RefreshHosts(ct);
            var metrics = XapiRecord.All(Call("host_metrics.get_all_records", "Reading the hosts' metrics", null, ct), "host_metrics.get_all_records")
                .ToDictionary(m => m.Ref, StringComparer.Ordinal);
            var vms = XapiRecord.All(Call("VM.get_all_records", "Listing the pool's VMs", null, ct), "VM.get_all_records")
                .ToDictionary(v => v.Ref, StringComparer.Ordinal);
            string master = pool.Str("master");
            string poolName = pool.Str("name_label");
            var list = new List<XenHostInfo>();
            foreach (var h in _hosts.Values.OrderBy(x => x.Ref == master ? 0 : 1).ThenBy(x => x.Str("name_label"), StringComparer.Ordinal))
            {
                var sw = h.Map("software_version");
                var cpu = h.Map("cpu_info");
                var info = new XenHostInfo
                {
                    HostName = h.Str("name_label"),
                    XenVersion = sw.TryGetValue("xen", out var xv) ? xv : "",
                    CpuCount = (int)(XapiValue.AsLong(cpu.TryGetValue("cpu_count", out var cc) ? cc : null) ?? 0),
                    CpuMhz = XapiValue.AsDouble(cpu.TryGetValue("speed", out var sp) ? sp : null) ?? 0,
                    Capabilities = h.Strings("capabilities").ToArray(),
                    Scheduler = h.Str("sched_policy"),
                    KernelRelease = sw.TryGetValue("linux", out var lx) ? lx : "",
                    Machine = "x86_64",
                    Pool = poolName.Length > 0 ? poolName : null,
                    IsPoolMaster = h.Ref == master,
                };
                int sockets = (int)(XapiValue.AsLong(cpu.TryGetValue("socket_count", out var sc) ? sc : null) ?? 0);
                if (sockets > 0 && info.CpuCount > 0) info.CoresPerSocket = info.CpuCount / sockets;
                if (metrics.TryGetValue(h.Str("metrics"), out var m))
                {
                    info.TotalMemoryMiB = m.Long("memory_total") / MiB;
                    info.FreeMemoryMiB = m.Long("memory_free") / MiB;
                }
                bool live = m == null || m.Bool("live");
                string dom0 = h.Str("control_domain");
                var control = vms.TryGetValue(dom0, out var c) ? c
                    : vms.Values.FirstOrDefault(v => v.Bool("is_control_domain") && v.Str("resident_on") == h.Ref);
                if (control != null)
                {
                    long target = control.Long("memory_target");
                    info.Dom0MemoryMiB = (target > 0 ? target : control.Long("memory_dynamic_max")) / MiB;
                }
                var raw = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["address"] = h.Str("address"),
                    ["uuid"] = h.Str("uuid"),
                    ["enabled"] = h.Bool("enabled") ? "true" : "false",
                    ["live"] = live ? "true" : "false",
                    ["API_version"] = h.Long("API_version_major").ToString(CultureInfo.InvariantCulture) + "." + h.Long("API_version_minor").ToString(CultureInfo.InvariantCulture),
                };
                foreach (var kv in sw) raw["software_version." + kv.Key] = kv.Value;
                info.Raw = raw;
                list.Add(info);
            }
            return list;
        }
    }
}
