using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Config
{
    /// <summary>
    /// The top-level keys xl.cfg documents (docs/man/xl.cfg.5.pod.in, Xen 4.17 and the few Arm/x86 keys added
    /// right after it), plus the XenPS simulated-host keys (sim.*), and a nearest-key suggestion for typos.
    /// xl itself ignores unknown keys silently; XenPS warns.
    /// </summary>
    public static class KnownKeys
    {
        /// <summary>xl.cfg keys from xl.cfg(5), in the order the man page gives them.</summary>
        public static readonly IReadOnlyList<string> Xl = new[]
        {
            // Mandatory, guest type
            "name", "type", "builder",
            // CPU allocation and scheduling
            "pool", "vcpus", "maxvcpus", "cpus", "cpus_soft", "cpu_weight", "cap",
            // Memory, vNUMA
            "memory", "maxmem", "vnuma",
            // Event actions
            "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "on_soft_reset",
            // Direct kernel boot, firmware
            "kernel", "ramdisk", "cmdline", "root", "extra", "firmware",
            "pvshim", "pvshim_path", "pvshim_cmdline", "pvshim_extra",
            // Other options
            "uuid", "seclabel", "init_seclabel", "max_grant_frames", "max_maptrack_frames", "max_grant_version",
            "nomigrate", "driver_domain", "device_tree", "passthrough", "xend_suspend_evtchn_compat",
            "vmtrace_buf_kb", "vpmu",
            // Devices
            "disk", "vif", "vtpm", "p9", "pvcalls", "vfb", "channel", "rdm", "usbctrl", "usbdev", "pci",
            "pci_permissive", "pci_msitranslate", "pci_seize", "pci_power_mgmt", "gfx_passthru",
            "rdm_mem_boundary", "dtdev", "ioports", "iomem", "irqs", "max_event_channels", "vdispl",
            "dm_restrict", "device_model_user", "vsnd", "vkb", "virtio", "tee",
            // PV
            "bootloader", "bootloader_args", "bootloader_restrict", "bootloader_user", "e820_host",
            // HVM
            "boot", "hdtype", "hap", "oos", "shadow_memory", "bios", "bios_path_override", "pae", "acpi",
            "acpi_s3", "acpi_s4", "acpi_laptop_slate", "apic", "nx", "hpet", "altp2m", "altp2mhvm", "nestedhvm",
            "cpuid", "acpi_firmware", "smbios_firmware", "smbios", "ms_vm_genid", "tsc_mode", "localtime",
            "rtc_timeoffset", "vpt_align", "timer_mode", "mmio_hole", "xen_platform_pci", "viridian", "hvm_pirq",
            "videoram", "stdvga", "vga", "vnc", "vnclisten", "vncdisplay", "vncunused", "vncpasswd", "keymap",
            "sdl", "opengl", "nographic", "spice", "spicehost", "spiceport", "spicetls_port",
            "spicedisable_ticketing", "spicepasswd", "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing",
            "spiceusbredirection", "spice_image_compression", "spice_streaming_video", "serial", "soundhw",
            "vkb_device", "usb", "usbversion", "usbdevice", "vendor_device",
            // Device model
            "device_model_version", "device_model_override", "stubdomain_kernel", "stubdomain_cmdline",
            "stubdomain_ramdisk", "stubdomain_memory", "device_model_stubdomain_override",
            "device_model_stubdomain_seclabel", "device_model_args", "device_model_args_pv", "device_model_args_hvm",
            // Arm, x86
            "gic_version", "vuart", "sve", "mca_caps", "msr_relaxed",
            // Read by xl_parse.c's parse_config_data but not in the man page
            "period", "slice", "latency", "extratime", "vncviewer", "firmware_override",
        };

        /// <summary>The simulated-host keys XenPS's simulator understands.</summary>
        public static readonly IReadOnlyList<string> Simulator = new[]
        {
            "sim.shutdown_seconds", "sim.ignore_shutdown", "sim.crash_after_seconds", "sim.boot_seconds", "sim.pv_drivers",
        };

        private static readonly HashSet<string> XlSet = new HashSet<string>(Xl, StringComparer.Ordinal);
        private static readonly HashSet<string> SimSet = new HashSet<string>(Simulator, StringComparer.Ordinal);

        public static bool IsXlKey(string key) => XlSet.Contains(key);
        public static bool IsSimulatorKey(string key) => SimSet.Contains(key);

        /// <summary>The nearest known key (xl.cfg keys, and sim.* keys for a sim.-prefixed key), or null when none is close.</summary>
        public static string? SuggestKey(string key)
        {
            if (key is null) return null;
            return key.StartsWith("sim.", StringComparison.Ordinal) ? Suggest(key, Simulator) : Suggest(key, Xl);
        }

        /// <summary>
        /// The candidate with the smallest Damerau-Levenshtein (optimal string alignment) distance to
        /// <paramref name="word"/>, when that distance is at most a third of the word's length (at least 1, at most 3).
        /// </summary>
        /// <remarks>
        /// Cheap for any input: a candidate whose length differs by more than the limit is skipped without computing
        /// anything, and the distance is computed only up to the limit (a row whose every cell exceeds it stops early),
        /// so a ten-million-character word costs nothing and a typo costs a few hundred cell updates.
        /// </remarks>
        public static string? Suggest(string word, IEnumerable<string> candidates)
        {
            if (string.IsNullOrEmpty(word) || candidates is null) return null;
            int limit = Math.Min(3, Math.Max(1, word.Length / 3));
            string? best = null;
            int bestDistance = limit + 1;
            foreach (string c in candidates)
            {
                if (c is null || Math.Abs(c.Length - word.Length) >= bestDistance) continue;
                int d = BoundedDistance(word, c, bestDistance - 1);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = c;
                }
            }
            return bestDistance > 0 && bestDistance <= limit ? best : null;
        }

        /// <summary>
        /// <see cref="Distance"/> when it is at most <paramref name="max"/>, else <paramref name="max"/> + 1; costs
        /// O(min(|a|,|b|) · (2·max + 1)) and nothing when the lengths differ by more than <paramref name="max"/>.
        /// </summary>
        public static int BoundedDistance(string a, string b, int max)
        {
            if (a is null) throw new ArgumentNullException(nameof(a));
            if (b is null) throw new ArgumentNullException(nameof(b));
            if (max < 0) return 0 == string.CompareOrdinal(a, b) ? 0 : 1;
            if (Math.Abs(a.Length - b.Length) > max) return max + 1;
            int n = a.Length, m = b.Length;
            const int Far = int.MaxValue / 2;
            // Three rows of the optimal-string-alignment table, limited to the band |i - j| <= max.
            var prev2 = new int[m + 1];
            var prev = new int[m + 1];
            var cur = new int[m + 1];
            for (int j = 0; j <= m; j++) prev[j] = j <= max ? j : Far;
            for (int i = 1; i <= n; i++)
            {
                int from = Math.Max(1, i - max), to = Math.Min(m, i + max);
                cur[0] = i <= max ? i : Far;
                if (from > 1) cur[from - 1] = Far;
                int rowMin = cur[0];
                for (int j = from; j <= to; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int v = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        v = Math.Min(v, prev2[j - 2] + 1);
                    cur[j] = v;
                    if (v < rowMin) rowMin = v;
                }
                if (to < m) cur[to + 1] = Far;
                if (rowMin > max) return max + 1;
                var t = prev2;
                prev2 = prev;
                prev = cur;
                cur = t;
            }
            return prev[m] <= max ? prev[m] : max + 1;
        }

        /// <summary>Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap neighbours).</summary>
        public static int Distance(string a, string b)
        {
            if (a is null) throw new ArgumentNullException(nameof(a));
            if (b is null) throw new ArgumentNullException(nameof(b));
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        v = Math.Min(v, d[i - 2, j - 2] + 1);
                    d[i, j] = v;
                }
            }
            return d[a.Length, b.Length];
        }
    }
}
