using System;
using System.Collections.Generic;
using System.Text;

namespace XenPS
{
    /// <summary>
    /// The lifecycle state admins filter on (as Get-VM's State): the same on every backend. xl's six run-state flags
    /// stay available, exact, as <see cref="XenDomain.StateFlags"/> and <see cref="XenDomain.Flags"/>.
    /// </summary>
    public enum XenDomainState
    {
        /// <summary>Scheduled: running or idle (xl's r and b flags, and "------").</summary>
        Running,
        Paused,
        /// <summary>Suspended to memory or saved (shut down with reason suspend; XenAPI's Suspended).</summary>
        Suspended,
        /// <summary>Not running: kept after shutting down, or defined but not started (no domid).</summary>
        Halted,
        /// <summary>A shutdown or reboot was asked for and the guest is carrying it out.</summary>
        ShuttingDown,
        /// <summary>Crashed and kept (on_crash=preserve).</summary>
        Crashed,
        /// <summary>Being torn down by the hypervisor.</summary>
        Dying,
    }

    /// <summary>The run-state flags of `xl list` (r b p s, crash reason, d), decoded. None is "------" (idle).</summary>
    [Flags]
    public enum XenDomainStateFlags
    {
        None = 0,
        Running = 1,
        Blocked = 2,
        Paused = 4,
        Shutdown = 8,
        Crashed = 16,
        Dying = 32,
    }

    /// <summary>Why a domain shut down (the fifth state character).</summary>
    public enum XenShutdownReason
    {
        None = 0,
        Poweroff,
        Reboot,
        Suspend,
        Crash,
        Watchdog,
        SoftReset,
    }

    /// <summary>
    /// A domain as a host reports it, backend-neutral: identified by <see cref="Uuid"/> and <see cref="Host"/>; the
    /// domid (<see cref="Id"/>) is there only while the domain exists on the hypervisor.
    /// </summary>
    public sealed class XenDomain
    {
        private XenDomainState? _state;

        public string Name { get; set; } = "";
        /// <summary>The domid, or null for a domain that is defined but not running (or a halted XenAPI VM).</summary>
        public int? Id { get; set; }
        public string? Uuid { get; set; }
        public XenDomainType Type { get; set; }
        public long MemoryMiB { get; set; }
        public long MaxMemoryMiB { get; set; }
        /// <summary>The online vCPUs (xl list's VCPUs column).</summary>
        public int VCpus { get; set; }
        /// <summary>
        /// The boot-time maximum of vCPUs (config maxvcpus, default vcpus; xl list -l's b_info.max_vcpus): how many
        /// Set-XenDomain -VCpus may bring online. 0 when the backend does not know it.
        /// </summary>
        public int MaxVCpus { get; set; }
        /// <summary>The six characters of `xl list`'s State column, e.g. "-b----".</summary>
        public string StateFlags { get; set; } = "------";
        public XenShutdownReason ShutdownReason { get; set; }
        /// <summary>CPU seconds used.</summary>
        public double CpuTime { get; set; }
        /// <summary>The name of the host connection this domain came from.</summary>
        public string Host { get; set; } = "";
        /// <summary>The URI of that host (so a domain can find its host again).</summary>
        public string HostUri { get; set; } = "";
        /// <summary>For a pool (xapi://): the name of the pool member the domain is resident on; null when not running or on a single host.</summary>
        public string? ResidentOn { get; set; }
        /// <summary>The domain's configuration as the host knows it, or null.</summary>
        public XenDomainConfig? Config { get; set; }

        /// <summary>
        /// Whether the host starts this domain at boot (a link in /etc/xen/auto to its stored config, which xendomains
        /// starts); null when the host was not asked (a listing without stored configs, or a backend without them).
        /// </summary>
        public bool? AutoStart { get; set; }

        /// <summary>The stored config on the host this domain is defined by (/etc/xen/web.cfg), or null.</summary>
        public string? ConfigPath { get; set; }

        /// <summary>For a stored config that does not read as a config: what is wrong with it (errors first); else empty.</summary>
        public IReadOnlyList<XenDiagnostic> ConfigDiagnostics { get; set; } = Array.Empty<XenDiagnostic>();

        /// <summary>
        /// The lifecycle state: what the backend reported (e.g. ShuttingDown, which xl's flags cannot show), else
        /// derived from <see cref="StateFlags"/>.
        /// </summary>
        public XenDomainState State
        {
            get => _state ?? StateFromFlags(StateFlags);
            set => _state = value;
        }

        /// <summary>StateFlags decoded.</summary>
        public XenDomainStateFlags Flags => DecodeFlags(StateFlags);

        /// <summary>The host's control domain (domid 0; XenAPI's control domain of a host).</summary>
        public bool IsDomain0 => Id == 0 || IsControlDomain;

        /// <summary>Set by backends whose control domains are listed without domid 0 (XenAPI pools).</summary>
        public bool IsControlDomain { get; set; }

        /// <summary>The domid as text, or the uuid for a domain without one (what messages show).</summary>
        public string IdText => Id is int id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";

        public static XenDomainStateFlags DecodeFlags(string flags)
        {
            var s = XenDomainStateFlags.None;
            if (flags == null || flags.Length < 6) return s;
            if (flags[0] == 'r') s |= XenDomainStateFlags.Running;
            if (flags[1] == 'b') s |= XenDomainStateFlags.Blocked;
            if (flags[2] == 'p') s |= XenDomainStateFlags.Paused;
            if (flags[3] == 's') s |= XenDomainStateFlags.Shutdown;
            if (flags[4] == 'c') s |= XenDomainStateFlags.Crashed;
            if (flags[5] == 'd') s |= XenDomainStateFlags.Dying;
            return s;
        }

        /// <summary>The lifecycle state xl's six flags mean: dying, crashed, shut down (suspended or halted), paused, else running.</summary>
        public static XenDomainState StateFromFlags(string flags)
        {
            if (flags == null || flags.Length < 6) return XenDomainState.Halted;
            if (flags[5] == 'd') return XenDomainState.Dying;
            if (flags[4] == 'c') return XenDomainState.Crashed;
            if (flags[3] == 's') return flags[4] == 's' ? XenDomainState.Suspended : XenDomainState.Halted;
            if (flags[2] == 'p') return XenDomainState.Paused;
            return XenDomainState.Running;
        }

        public static XenShutdownReason DecodeReason(string flags)
        {
            if (flags == null || flags.Length < 6 || flags[3] != 's') return XenShutdownReason.None;
            return flags[4] switch
            {
                '-' => XenShutdownReason.Poweroff,
                'r' => XenShutdownReason.Reboot,
                's' => XenShutdownReason.Suspend,
                'c' => XenShutdownReason.Crash,
                'w' => XenShutdownReason.Watchdog,
                'S' => XenShutdownReason.SoftReset,
                _ => XenShutdownReason.None,
            };
        }

        /// <summary>Builds the six flags as xl prints them.</summary>
        public static string EncodeState(bool running, bool blocked, bool paused, bool shutdown, XenShutdownReason reason, bool dying)
        {
            var sb = new StringBuilder(6);
            sb.Append(running ? 'r' : '-');
            sb.Append(blocked ? 'b' : '-');
            sb.Append(paused ? 'p' : '-');
            sb.Append(shutdown ? 's' : '-');
            sb.Append(!shutdown ? '-' : reason switch
            {
                XenShutdownReason.Reboot => 'r',
                XenShutdownReason.Suspend => 's',
                XenShutdownReason.Crash => 'c',
                XenShutdownReason.Watchdog => 'w',
                XenShutdownReason.SoftReset => 'S',
                _ => '-',
            });
            sb.Append(dying ? 'd' : '-');
            return sb.ToString();
        }

        /// <summary>A shallow copy (the config is shared).</summary>
        public XenDomain Clone() => (XenDomain)MemberwiseClone();

        public override string ToString() => Name;
    }

    /// <summary>
    /// Host facts (`xl info`): what Get-XenHostInfo writes. Fields a backend does not know are left at their empty
    /// value (0, "", an empty list, null).
    /// </summary>
    public sealed class XenHostInfo
    {
        /// <summary>The host's name (xl info: host).</summary>
        public string HostName { get; set; } = "";
        /// <summary>xen_version, e.g. 4.17.7.</summary>
        public string XenVersion { get; set; } = "";
        /// <summary>Physical CPUs (nr_cpus).</summary>
        public int CpuCount { get; set; }
        /// <summary>MiB (total_memory).</summary>
        public long TotalMemoryMiB { get; set; }
        /// <summary>MiB not given to any domain (free_memory).</summary>
        public long FreeMemoryMiB { get; set; }

        /// <summary>The connection name this came through (filled by the service, as XenDomain.Host).</summary>
        public string Host { get; set; } = "";
        /// <summary>The URI of that connection.</summary>
        public string HostUri { get; set; } = "";
        /// <summary>Domain-0's memory, MiB (its row in xl list), or null when the backend has no Domain-0 to ask.</summary>
        public long? Dom0MemoryMiB { get; set; }
        /// <summary>Guest types the hypervisor can run (xen_caps), e.g. xen-3.0-x86_64, hvm-3.0-x86_32p.</summary>
        public string[] Capabilities { get; set; } = System.Array.Empty<string>();
        /// <summary>Virtualization features (virt_caps), e.g. pv hvm hap gnttab-v1.</summary>
        public string[] VirtCaps { get; set; } = System.Array.Empty<string>();
        /// <summary>The scheduler (xen_scheduler), e.g. credit2.</summary>
        public string Scheduler { get; set; } = "";
        /// <summary>NUMA nodes (nr_nodes).</summary>
        public int NodeCount { get; set; }
        /// <summary>cores_per_socket.</summary>
        public int CoresPerSocket { get; set; }
        /// <summary>threads_per_core.</summary>
        public int ThreadsPerCore { get; set; }
        /// <summary>cpu_mhz.</summary>
        public double CpuMhz { get; set; }
        /// <summary>Physical CPUs in no cpupool (free_cpus).</summary>
        public int FreeCpus { get; set; }
        /// <summary>The machine (x86_64).</summary>
        public string Machine { get; set; } = "";
        /// <summary>Domain-0's kernel release (release), e.g. 6.1.0-56-amd64.</summary>
        public string KernelRelease { get; set; } = "";
        /// <summary>Domain-0's kernel build (version).</summary>
        public string KernelVersion { get; set; } = "";
        /// <summary>Xen's boot command line (xen_commandline).</summary>
        public string XenCommandLine { get; set; } = "";
        /// <summary>xen_pagesize (bytes).</summary>
        public int PageSize { get; set; }
        /// <summary>The pool this host is a member of (XenAPI pools), or null.</summary>
        public string? Pool { get; set; }
        /// <summary>True for the pool's master, false for a supporter; null outside a pool.</summary>
        public bool? IsPoolMaster { get; set; }
        /// <summary>Every "key : value" line of xl info as printed (for what has no property).</summary>
        public System.Collections.Generic.IReadOnlyDictionary<string, string> Raw { get; set; } =
            new System.Collections.Generic.Dictionary<string, string>();

        public override string ToString() => HostName;
    }
}
