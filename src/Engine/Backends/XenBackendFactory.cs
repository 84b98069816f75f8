using System;
using System.IO;
using XenPS.Backends.Simulated;
using XenPS.Backends.Xl;

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

        /// <summary>ssh://: the private key to use (ssh -i); default: ssh's own choice (agent, ~/.ssh/config).</summary>
        public string? KeyFile { get; set; }

        /// <summary>ssh://: the known_hosts file to check the host key against; default: ssh's own.</summary>
        public string? KnownHostsFile { get; set; }

        /// <summary>ssh://: Strict (the key must be known, the default) or AcceptNew (record a first-seen key).</summary>
        public SshHostKeyPolicy HostKeyPolicy { get; set; } = SshHostKeyPolicy.Strict;

        /// <summary>ssh://: how long to wait for the connection.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>xl:/// and ssh://: the bound on each xl command (create gets three times as long).</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

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
        /// sim:///abs/path: simulated host kept in that folder; xl:///: the local xl toolstack (on dom0); ssh://[user@]host[:port]: xl on a dom0 over the OpenSSH client.
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
                    if (rest.Trim('/').Length != 0)
                        throw new XenPSException($"'{uri}': xl:/// drives the xl toolstack of this machine and takes no host or path; use ssh://user@host for another host. " + Supported);
                    return XlBackend.OpenLocal("xl:///", XlOptions(options));
                case "ssh":
                    return XlBackend.OpenSsh(u, new SshOptions
                    {
                        IdentityFile = options.KeyFile,
                        KnownHostsFile = options.KnownHostsFile,
                        HostKeyPolicy = options.HostKeyPolicy,
                        ConnectTimeout = options.ConnectTimeout,
                    }, XlOptions(options));
                default:
                    throw new XenPSException($"'{uri}' is not a supported host URI. " + Supported);
            }
        }

        private static XlBackendOptions XlOptions(XenBackendOptions o) => new XlBackendOptions
        {
            CommandTimeout = o.CommandTimeout,
            CreateTimeout = TimeSpan.FromTicks(o.CommandTimeout.Ticks * 3),
        };

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
