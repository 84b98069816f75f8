using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS
{
    /// <summary>xl's guest types.</summary>
    public enum XenDomainType
    {
        PV = 0,
        PVH = 1,
        HVM = 2,
    }

    /// <summary>What xl does when a domain powers off, reboots, crashes, ... (on_* keys).</summary>
    public enum XenLifecycleAction
    {
        Destroy,
        Restart,
        RenameRestart,
        Preserve,
        CoredumpDestroy,
        CoredumpRestart,
        SoftReset,
    }

    // Typed views over Settings. They never hold state of their own.
    public sealed partial class XenDomainConfig
    {
        public string? Name => GetString("name");

        /// <summary>type=, else builder=hvm, else PV (xl's default on x86); read as xl reads them (<see cref="TryParseXlType"/>).</summary>
        public XenDomainType Type
        {
            get
            {
                string? t = GetString("type");
                if (t != null && TryParseXlType(t, out var v)) return v;
                string? b = GetString("builder");
                if (b != null && b.Length > 0 && "hvm".StartsWith(b, StringComparison.Ordinal)) return XenDomainType.HVM;
                return XenDomainType.PV;
            }
        }

        /// <summary>
        /// type= as xl 4.17 reads it (tools/xl/xl_parse.c): case-sensitive, and any prefix counts, tried in the
        /// order hvm, pv, pvh (so "h" is hvm, "p" is pv). The empty string (which xl would take as hvm) is refused here.
        /// </summary>
        public static bool TryParseXlType(string text, out XenDomainType type)
        {
            type = XenDomainType.PV;
            if (string.IsNullOrEmpty(text)) return false;
            if ("hvm".StartsWith(text, StringComparison.Ordinal)) { type = XenDomainType.HVM; return true; }
            if ("pv".StartsWith(text, StringComparison.Ordinal)) { type = XenDomainType.PV; return true; }
            if ("pvh".StartsWith(text, StringComparison.Ordinal)) { type = XenDomainType.PVH; return true; }
            return false;
        }

        public string? Kernel => GetString("kernel");
        public string? Ramdisk => GetString("ramdisk");
        public string? Root => GetString("root");
        public string? Extra => GetString("extra");
        public string? Bootloader => GetString("bootloader");
        public string? Uuid => GetString("uuid");
        public string? Cpus => GetString("cpus");

        /// <summary>The kernel command line xl builds: cmdline= if set, else "root=&lt;root&gt; &lt;extra&gt;".</summary>
        public string? Cmdline
        {
            get
            {
                string? c = GetString("cmdline");
                if (c != null) return c;
                string? root = Root, extra = Extra;
                if (root == null && extra == null) return null;
                if (root == null) return extra;
                return extra == null ? "root=" + root : "root=" + root + " " + extra;
            }
        }

        /// <summary>memory= in MiB (xl's default is 32 when absent is applied by the host, not here).</summary>
        public long? MemoryMiB => ParseXlInteger(GetString("memory"));

        /// <summary>maxmem= in MiB, or null (then it equals memory).</summary>
        public long? MaxMemoryMiB => ParseXlInteger(GetString("maxmem"));

        public long? VCpus => ParseXlInteger(GetString("vcpus"));
        public long? MaxVCpus => ParseXlInteger(GetString("maxvcpus"));

        /// <summary>disk= entries, parsed. A single string is no entry: xl ignores it (it wants a list; ListExpected warns).</summary>
        public IReadOnlyList<DiskSpec> Disks => ListOfStrings("disk").Select(s => DiskSpec.Parse(s)).ToList();

        /// <summary>vif= entries, parsed; a single string is ignored, as xl does.</summary>
        public IReadOnlyList<VifSpec> Vifs => ListOfStrings("vif").Select(s => VifSpec.ParseLenient(s)).ToList(); // as xl reads a config: bad tokens ignored

        public XenLifecycleAction OnPoweroff => Action("on_poweroff", XenLifecycleAction.Destroy);
        public XenLifecycleAction OnReboot => Action("on_reboot", XenLifecycleAction.Restart);
        public XenLifecycleAction OnCrash => Action("on_crash", XenLifecycleAction.Destroy);
        public XenLifecycleAction OnWatchdog => Action("on_watchdog", XenLifecycleAction.Destroy);
        public XenLifecycleAction OnSoftReset => Action("on_soft_reset", XenLifecycleAction.SoftReset);

        private IEnumerable<string> ListOfStrings(string key)
        {
            object? v = Get(key);
            // xl_parse.c reads disk and vif with xlu_cfg_get_list, which refuses a single string ("parameter `disk' is a
            // single value but should be a list") and the domain is built without it.
            if (v is object[] arr) return arr.OfType<string>();
            return Array.Empty<string>();
        }

        private XenLifecycleAction Action(string key, XenLifecycleAction dflt)
        {
            string? s = GetString(key);
            return s != null && TryParseAction(s, out var a) ? a : dflt;
        }

        /// <summary>Exact, case-insensitive, as libxl_domain_type_from_string (libxl JSON); xl.cfg's own rule is <see cref="TryParseXlType"/>.</summary>
        public static bool TryParseType(string text, out XenDomainType type)
        {
            switch (text.ToLowerInvariant())
            {
                case "pv": type = XenDomainType.PV; return true;
                case "pvh": type = XenDomainType.PVH; return true;
                case "hvm": type = XenDomainType.HVM; return true;
                default: type = XenDomainType.PV; return false;
            }
        }

        /// <summary>xl.cfg spelling (hyphens) and libxl JSON spelling (underscores, rename-restart as restart_rename).</summary>
        public static bool TryParseAction(string text, out XenLifecycleAction action)
        {
            switch (text.ToLowerInvariant().Replace('_', '-'))
            {
                case "destroy": action = XenLifecycleAction.Destroy; return true;
                case "restart": action = XenLifecycleAction.Restart; return true;
                case "rename-restart":
                case "restart-rename": action = XenLifecycleAction.RenameRestart; return true;
                case "preserve": action = XenLifecycleAction.Preserve; return true;
                case "coredump-destroy": action = XenLifecycleAction.CoredumpDestroy; return true;
                case "coredump-restart": action = XenLifecycleAction.CoredumpRestart; return true;
                case "soft-reset": action = XenLifecycleAction.SoftReset; return true;
                default: action = XenLifecycleAction.Destroy; return false;
            }
        }

        /// <summary>The xl.cfg spelling of an action.</summary>
        public static string ActionToXl(XenLifecycleAction a) => a switch
        {
            XenLifecycleAction.Destroy => "destroy",
            XenLifecycleAction.Restart => "restart",
            XenLifecycleAction.RenameRestart => "rename-restart",
            XenLifecycleAction.Preserve => "preserve",
            XenLifecycleAction.CoredumpDestroy => "coredump-destroy",
            XenLifecycleAction.CoredumpRestart => "coredump-restart",
            _ => "soft-reset",
        };
    }
}
