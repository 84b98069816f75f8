using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenPS.Backends.Simulated
{
    /// <summary>What the simulated guest prints: boot log, shell answers, shutdown lines.</summary>
    internal static class SimGuest
    {
        public const string KernelRelease = "6.1.0-sim-amd64";

        /// <summary>Boot lines with the uptime (s) at which each appears; the last is the login prompt (no newline).</summary>
        public static List<(double at, string text)> BootLines(SimDomain d)
        {
            var cfg = d.Config;
            double b = d.BootSeconds;
            string kernel = cfg.Kernel ?? cfg.Bootloader ?? "(none)";
            string cmdline = cfg.Cmdline ?? "";
            string hv = d.Type switch { XenDomainType.PVH => "Xen PVH", XenDomainType.HVM => "Xen HVM", _ => "Xen PV" };
            var lines = new List<(double, string)>();
            void K(double frac, string text) =>
                lines.Add((frac * b, "[" + (frac * b).ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(12) + "] " + text + "\n"));
            K(0.00, $"Linux version {KernelRelease} (sim@xenps) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-sim");
            K(0.00, "Command line: " + cmdline);
            K(0.00, "Kernel image: " + kernel + (cfg.Ramdisk != null ? " initrd: " + cfg.Ramdisk : ""));
            K(0.02, "Hypervisor detected: " + hv);
            K(0.03, $"Xen version: {SimulatedXenBackend.XenVersion} (domain {d.Id.ToString(CultureInfo.InvariantCulture)}, uuid {d.Uuid})");
            K(0.10, $"Memory: {(d.MemoryMiB * 1024).ToString(CultureInfo.InvariantCulture)}K available");
            K(0.20, $"smpboot: Allowing {d.VCpus.ToString(CultureInfo.InvariantCulture)} CPUs, 0 hotplug CPUs");
            K(0.45, "xen_netfront: Initialising Xen virtual ethernet driver");
            K(0.60, "Run /init as init process");
            K(0.80, "systemd[1]: Set hostname to <" + d.Name + ">.");
            lines.Add((0.90 * b, "\nDebian GNU/Linux 12 " + d.Name + " hvc0\n\n"));
            lines.Add((b, d.Name + " login: "));
            return lines;
        }

        public static string Stamp(double uptime) =>
            "[" + uptime.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(12) + "] ";

        public static string ShutdownText(XenShutdownReason reason, double uptime) => reason switch
        {
            XenShutdownReason.Crash =>
                "\n" + Stamp(uptime) + "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n" +
                Stamp(uptime) + "---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b ]---\n",
            XenShutdownReason.Reboot =>
                "\nThe system is going down NOW!\nSent SIGTERM to all processes\nSent SIGKILL to all processes\nRequesting system reboot\n" +
                Stamp(uptime) + "reboot: Restarting system\n",
            _ =>
                "\nThe system is going down NOW!\nSent SIGTERM to all processes\nSent SIGKILL to all processes\nRequesting system poweroff\n" +
                Stamp(uptime) + "reboot: Power down\n",
        };

        public static string Prompt(SimDomain d) => "root@" + d.Name + ":~# ";

        /// <summary>The shell's answer to one line (without the echo), and the request it triggers.</summary>
        public static (string output, SimRequest request) Answer(SimDomain d, string line)
        {
            string cmd = line.Trim();
            if (cmd.Length == 0) return ("", SimRequest.None);
            string[] words = cmd.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string verb = words[0];
            string args = cmd.Substring(verb.Length).Trim();
            switch (verb)
            {
                case "echo":
                    return (Unquote(args) + "\n", SimRequest.None);
                case "hostname":
                    return (d.Name + "\n", SimRequest.None);
                case "uname":
                    if (args == "-a")
                        return ($"Linux {d.Name} {KernelRelease} #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-sim x86_64 GNU/Linux\n", SimRequest.None);
                    if (args == "-r") return (KernelRelease + "\n", SimRequest.None);
                    if (args == "-n") return (d.Name + "\n", SimRequest.None);
                    return ("Linux\n", SimRequest.None);
                case "whoami":
                    return ("root\n", SimRequest.None);
                case "true":
                case ":":
                case "root":
                    return ("", SimRequest.None);
                case "cat" when args == "/sys/hypervisor/uuid":
                    return (d.Uuid + "\n", SimRequest.None);
                case "cat" when args == "/proc/cmdline":
                    return ((d.Config.Cmdline ?? "") + "\n", SimRequest.None);
                case "poweroff":
                case "halt":
                    return ("", SimRequest.Poweroff);
                case "shutdown":
                    return ("", args.Contains("-r") ? SimRequest.Reboot : SimRequest.Poweroff);
                case "reboot":
                    return ("", SimRequest.Reboot);
                default:
                    return ("sh: " + verb + ": not found\n", SimRequest.None);
            }
        }

        private static string Unquote(string s)
        {
            var sb = new StringBuilder(s.Length);
            bool space = false;
            char quote = '\0';
            foreach (char c in s)
            {
                if (quote != '\0')
                {
                    if (c == quote) quote = '\0'; else sb.Append(c);
                    continue;
                }
                if (c == '"' || c == '\'') { quote = c; space = false; continue; }
                if (c == ' ' || c == '\t')
                {
                    if (!space && sb.Length > 0) sb.Append(' ');
                    space = true;
                    continue;
                }
                space = false;
                sb.Append(c);
            }
            return sb.ToString().TrimEnd(' ');
        }
    }
}
