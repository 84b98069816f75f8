using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using XenPS.Backends.Xl;

namespace XenPS.Backends
{
    /// <summary>
    /// Base of each provider's own options type. Public settable properties are the options a user can give
    /// (Connect-XenHost binds its backend parameters and -Option entries to them by name, through <see cref="Set"/>).
    /// </summary>
    public abstract class XenHostOptions
    {
        /// <summary>The names of the options this type takes, for messages and completion.</summary>
        public IReadOnlyList<string> OptionNames =>
            Settable(GetType()).Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();

        /// <summary>
        /// Sets option <paramref name="name"/> (case-insensitive) from a value: numbers and text convert to the option's
        /// type (a TimeSpan from seconds or "hh:mm:ss", an enum from its name, a bool from a switch). An unknown name or a
        /// value that does not convert is a XenArgumentException that lists what this provider takes.
        /// </summary>
        public void Set(string name, object? value, string scheme)
        {
            var p = Settable(GetType()).FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));
            if (p == null)
                throw new XenArgumentException(
                    $"'{name}' is not an option of {scheme}:// hosts. Options of {scheme}:// hosts: {string.Join(", ", OptionNames)}.");
            try
            {
                p.SetValue(this, Convert(value, p.PropertyType));
            }
            catch (Exception e) when (e is FormatException || e is InvalidCastException || e is OverflowException || e is ArgumentException || e is TargetInvocationException)
            {
                string why = e is TargetInvocationException t && t.InnerException != null ? t.InnerException.Message : e.Message;
                throw new XenArgumentException($"The {scheme}:// option {p.Name} cannot be '{value}': {why}");
            }
        }

        private static IEnumerable<PropertyInfo> Settable(Type t) =>
            t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

        private static object? Convert(object? value, Type type)
        {
            Type target = Nullable.GetUnderlyingType(type) ?? type;
            if (value == null) return null;
            if (target.IsInstanceOfType(value)) return value;
            if (target == typeof(TimeSpan))
            {
                if (value is string s && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts) && s.Contains(':')) return ts;
                double seconds = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (seconds < 0 || seconds > 86400 * 365) throw new ArgumentException("seconds must be between 0 and one year.");
                return TimeSpan.FromSeconds(seconds);
            }
            if (target.IsEnum) return Enum.Parse(target, value.ToString()!, ignoreCase: true);
            return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>sim:// options. Sizes apply to a host created by the call; an existing host keeps its own.</summary>
    public sealed class SimHostOptions : XenHostOptions
    {
        private long _total = 8192;
        private int _cpus = 4;
        private long _dom0 = 1024;

        /// <summary>Total host memory of a NEW simulated host, MiB (at least 256).</summary>
        public long TotalMemoryMiB { get => _total; set => _total = Range(value, 256, 1L << 42, nameof(TotalMemoryMiB)); }

        /// <summary>Physical CPUs of a NEW simulated host (Domain-0 gets as many vCPUs).</summary>
        public int CpuCount { get => _cpus; set => _cpus = (int)Range(value, 1, 4096, nameof(CpuCount)); }

        /// <summary>Domain-0's memory on a NEW simulated host, MiB.</summary>
        public long Dom0MemoryMiB { get => _dom0; set => _dom0 = Range(value, 64, 1L << 42, nameof(Dom0MemoryMiB)); }

        /// <summary>How long to wait for the state folder's lock before XenTimeoutException.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Repair the host's state before opening it (the recovery path for HostStateDamaged): every record that
        /// verifies is kept, replaced files go to a backup folder, and the report is written as warnings.
        /// </summary>
        public bool Repair { get; set; }

        /// <summary>
        /// How long each call to the simulated host takes at least, as a round trip to a remote host would (default 0):
        /// to try fan-out over many hosts, slow hosts and timeouts without real ones. Read at every call, so an options
        /// object passed to Connect-XenHost -Option can make a connected host slow later.
        /// </summary>
        public TimeSpan Latency { get => _latency; set => _latency = value >= TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value : throw new ArgumentException("Latency must be between 0 and 3600 seconds."); }
        private TimeSpan _latency = TimeSpan.Zero;

        /// <summary>Test hook: the wall clock the simulated host lives by (defaults to the system clock).</summary>
        internal Func<DateTimeOffset>? Clock { get; set; }

        /// <summary>Test hook: how a console Read waits (defaults to a real wait on the token's handle).</summary>
        internal Action<TimeSpan, System.Threading.CancellationToken>? Sleep { get; set; }

        /// <summary>Test hook: fold the journal into a snapshot after this many lines (plus twice the domain count).</summary>
        internal int CompactAfterLines { get; set; } = 4096;

        private static long Range(long v, long min, long max, string name) =>
            v >= min && v <= max ? v : throw new ArgumentException($"{name} must be between {min} and {max}.");
    }

    /// <summary>xl:/// options: how long xl commands may take.</summary>
    public class XlHostOptions : XenHostOptions
    {
        /// <summary>The bound on each xl command (create gets three times as long, save and restore thirty times). Default 60 s.</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The xl program on the host.</summary>
        public string XlPath { get; set; } = "xl";

        /// <summary>Where xenconsoled logs guest consoles on the host (XENCONSOLED_ARGS="--log=guest").</summary>
        public string ConsoleLogDirectory { get; set; } = "/var/log/xen/console";

        /// <summary>
        /// The name or address at which OTHER hosts' dom0s reach this host, used when it is the destination of
        /// Move-XenDomain (xl migrate's &lt;host&gt;). Default: the ssh:// URI's host, else this host's own name. Set it when
        /// XenPS reaches the host at another address than its peers do (a forwarded port: ssh://root@127.0.0.1:2223 is
        /// xenlab2 to the other dom0).
        /// </summary>
        public string? MigrationAddress { get; set; }

        /// <summary>
        /// How long (idle seconds, 0 to 3600) this host's dom0 keeps its login to a destination after Move-XenDomain, so the
        /// next migration to that destination does not log in again. 0 ends it after each migration. Default 120.
        /// </summary>
        public int MigrationLoginKeepSeconds
        {
            get => _keep;
            set => _keep = value >= 0 && value <= 3600 ? value : throw new ArgumentException("MigrationLoginKeepSeconds must be between 0 and 3600.");
        }
        private int _keep = 120;

        internal XlBackendOptions ToBackendOptions() => new XlBackendOptions
        {
            MigrationAddress = MigrationAddress,
            MigrationLoginKeepSeconds = MigrationLoginKeepSeconds,
            XlPath = XlPath,
            CommandTimeout = CommandTimeout,
            CreateTimeout = TimeSpan.FromTicks(CommandTimeout.Ticks * 3),
            CheckpointTimeout = TimeSpan.FromTicks(CommandTimeout.Ticks * 30),
            ConsoleLogDirectory = ConsoleLogDirectory,
        };
    }

    /// <summary>ssh:// options: the xl options plus how the OpenSSH client logs in.</summary>
    public sealed class SshHostOptions : XlHostOptions
    {
        /// <summary>The private key to use (ssh -i); default: ssh's own choice (agent, ~/.ssh/config).</summary>
        public string? KeyFile { get; set; }

        /// <summary>The known_hosts file to check the host key against; default: ssh's own.</summary>
        public string? KnownHostsFile { get; set; }

        /// <summary>Strict (the key must be known, the default) or AcceptNew (record a first-seen key).</summary>
        public SshHostKeyPolicy HostKeyPolicy { get; set; } = SshHostKeyPolicy.Strict;

        /// <summary>Same as HostKeyPolicy = AcceptNew.</summary>
        public bool AcceptNewHostKey
        {
            get => HostKeyPolicy == SshHostKeyPolicy.AcceptNew;
            set => HostKeyPolicy = value ? SshHostKeyPolicy.AcceptNew : SshHostKeyPolicy.Strict;
        }

        /// <summary>How long to wait for the connection.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    }
}
