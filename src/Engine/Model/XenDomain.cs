using System;
using System.Text;

namespace XenPS
{
    /// <summary>The run-state flags of `xl list` (r b p s, crash reason, d), decoded. None is "------" (idle).</summary>
    [Flags]
    public enum XenDomainState
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

    /// <summary>A domain as a host reports it: run state from `xl list`, configuration from `xl list -l`.</summary>
    public sealed class XenDomain
    {
        public string Name { get; set; } = "";
        public int Id { get; set; }
        public string? Uuid { get; set; }
        public XenDomainType Type { get; set; }
        public long MemoryMiB { get; set; }
        public long MaxMemoryMiB { get; set; }
        public int VCpus { get; set; }
        /// <summary>The six characters of `xl list`'s State column, e.g. "-b----".</summary>
        public string StateFlags { get; set; } = "------";
        public XenShutdownReason ShutdownReason { get; set; }
        /// <summary>CPU seconds used.</summary>
        public double CpuTime { get; set; }
        /// <summary>The name of the host connection this domain came from.</summary>
        public string Host { get; set; } = "";
        /// <summary>The URI of that host (so a domain can find its host again).</summary>
        public string HostUri { get; set; } = "";
        /// <summary>The domain's configuration as the host knows it, or null.</summary>
        public XenDomainConfig? Config { get; set; }

        /// <summary>StateFlags decoded.</summary>
        public XenDomainState State => DecodeState(StateFlags);

        public bool IsDomain0 => Id == 0;

        public static XenDomainState DecodeState(string flags)
        {
            var s = XenDomainState.None;
            if (flags == null || flags.Length < 6) return s;
            if (flags[0] == 'r') s |= XenDomainState.Running;
            if (flags[1] == 'b') s |= XenDomainState.Blocked;
            if (flags[2] == 'p') s |= XenDomainState.Paused;
            if (flags[3] == 's') s |= XenDomainState.Shutdown;
            if (flags[4] == 'c') s |= XenDomainState.Crashed;
            if (flags[5] == 'd') s |= XenDomainState.Dying;
            return s;
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

    /// <summary>Host facts (`xl info`).</summary>
    public sealed class XenHostInfo
    {
        public string HostName { get; set; } = "";
        public string XenVersion { get; set; } = "";
        public int CpuCount { get; set; }
        public long TotalMemoryMiB { get; set; }
        public long FreeMemoryMiB { get; set; }
    }
}
