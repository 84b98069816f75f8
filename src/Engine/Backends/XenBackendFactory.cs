using System;
using System.IO;
using XenPS.Backends.Simulated;

namespace XenPS
{
    /// <summary>The requested kind of host exists in the URI grammar but has no backend yet (xl:///, ssh://).</summary>
    public sealed class XenNotSupportedException : XenPSException
    {
        public XenNotSupportedException(string message) : base(message) { }
    }
}

namespace XenPS.Backends
{
    /// <summary>Options for <see cref="XenBackendFactory.Open"/>.</summary>
    public sealed class XenBackendOptions
    {
        /// <summary>Total host memory of a NEW simulated host (ignored when its state already exists).</summary>
        public long TotalMemoryMiB { get; set; } = 8192;

        /// <summary>Physical CPUs of a NEW simulated host (Domain-0 gets as many vCPUs).</summary>
        public int CpuCount { get; set; } = 4;

        /// <summary>Domain-0's memory on a NEW simulated host.</summary>
        public long Dom0MemoryMiB { get; set; } = 1024;

        /// <summary>How long to wait for the state folder's lock before XenTimeoutException.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Test hook: the wall clock the simulated host lives by (defaults to the system clock).</summary>
        internal Func<DateTimeOffset>? Clock { get; set; }

        /// <summary>Test hook: how a console Read waits (defaults to a real wait on the token's handle).</summary>
        internal Action<TimeSpan, System.Threading.CancellationToken>? Sleep { get; set; }

        /// <summary>Test hook: fold the journal into a snapshot after this many lines (plus twice the domain count).</summary>
        internal int CompactAfterLines { get; set; } = 4096;
    }

    /// <summary>Opens a backend from a host URI.</summary>
    public static class XenBackendFactory
    {
        public const string SimRootVariable = "XENPS_SIM_ROOT";

        private const string Supported =
            "Supported forms: sim://NAME (a persistent simulated host), sim:///absolute/path (a simulated host kept in that folder), " +
            "xl:/// (the local xl toolstack) and ssh://[user@]host[:port] (xl over ssh).";

        /// <summary>
        /// sim://NAME: simulated host NAME, state in $XENPS_SIM_ROOT/NAME or the per-user data folder (…/XenPS/sim/NAME);
        /// sim:///abs/path: simulated host kept in that folder; xl:/// and ssh://… are recognised but not available yet.
        /// </summary>
        public static IXenBackend Open(string uri, XenBackendOptions? options = null)
        {
            if (string.IsNullOrWhiteSpace(uri)) throw new XenPSException("A host URI is required. " + Supported);
            options ??= new XenBackendOptions();
            string u = uri.Trim();
            int sep = u.IndexOf("://", StringComparison.Ordinal);
            string scheme = sep > 0 ? u.Substring(0, sep).ToLowerInvariant() : "";
            string rest = sep > 0 ? u.Substring(sep + 3) : "";
            switch (scheme)
            {
                case "sim":
                    return OpenSim(uri, rest, options);
                case "xl":
                case "ssh":
                    throw new XenNotSupportedException(
                        $"The xl backend is not available yet: '{uri}' cannot be opened. Use a simulated host (sim://NAME) for now.");
                default:
                    throw new XenPSException($"'{uri}' is not a supported host URI. " + Supported);
            }
        }

        private static IXenBackend OpenSim(string uri, string rest, XenBackendOptions options)
        {
            string folder, hostName;
            if (rest.StartsWith("/", StringComparison.Ordinal))
            {
                string path = Uri.UnescapeDataString(rest);
                // sim:///C:/x on Windows
                if (Path.DirectorySeparatorChar == '\\' && path.Length > 2 && path[2] == ':') path = path.Substring(1);
                if (!Path.IsPathRooted(path))
                    throw new XenPSException($"'{uri}': sim:/// needs an absolute folder path. " + Supported);
                folder = Path.GetFullPath(path);
                hostName = Path.GetFileName(folder.TrimEnd('/', '\\'));
                if (hostName.Length == 0) hostName = "sim";
            }
            else
            {
                string name = rest.TrimEnd('/');
                if (name.Length == 0 || name.IndexOfAny(new[] { '/', '\\', ':' }) >= 0 || name == "." || name == ".." ||
                    name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                    throw new XenPSException($"'{uri}': the simulated host name must be a plain name (letters, digits, '-', '_', '.'). " + Supported);
                string? root = Environment.GetEnvironmentVariable(SimRootVariable);
                if (string.IsNullOrEmpty(root))
                    root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "XenPS", "sim");
                folder = Path.Combine(root, name);
                hostName = name;
            }
            return new SimulatedXenBackend(uri, folder, hostName, options);
        }
    }
}
