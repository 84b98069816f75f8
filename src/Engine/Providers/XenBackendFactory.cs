using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends.Simulated;
using XenPS.Backends.Xl;

namespace XenPS.Backends
{
    /// <summary>The provider registry: one provider per URI scheme (sim, xl, ssh, xapi built in; more by Register).</summary>
    public static class XenBackendFactory
    {
        public const string SimRootVariable = "XENPS_SIM_ROOT";

        private static readonly object s_lock = new object();
        private static readonly Dictionary<string, IXenBackendProvider> s_providers =
            new Dictionary<string, IXenBackendProvider>(StringComparer.OrdinalIgnoreCase)
            {
                ["sim"] = new SimProvider(),
                ["xl"] = new XlLocalProvider(),
                ["ssh"] = new SshProvider(),
                ["xapi"] = new XenApi.XapiProvider(),
            };

        /// <summary>Every registered provider, by scheme.</summary>
        public static IReadOnlyList<IXenBackendProvider> Providers
        {
            get { lock (s_lock) return s_providers.Values.OrderBy(p => p.Scheme, StringComparer.Ordinal).ToList(); }
        }

        /// <summary>Adds (or replaces) the provider for its scheme.</summary>
        public static void Register(IXenBackendProvider provider)
        {
            if (provider == null) throw new ArgumentNullException(nameof(provider));
            lock (s_lock) s_providers[provider.Scheme] = provider;
        }

        /// <summary>The provider for a URI's scheme; an unknown scheme is a XenArgumentException listing the supported forms.</summary>
        public static IXenBackendProvider ProviderFor(string uri)
        {
            if (string.IsNullOrWhiteSpace(uri)) throw new XenArgumentException("A host URI is required. " + SupportedForms());
            string u = uri.Trim();
            int sep = u.IndexOf("://", StringComparison.Ordinal);
            string scheme = sep > 0 ? u.Substring(0, sep) : "";
            lock (s_lock)
            {
                if (s_providers.TryGetValue(scheme, out var p)) return p;
            }
            throw new XenArgumentException($"'{uri}' is not a supported host URI. " + SupportedForms());
        }

        /// <summary>Reads a URI with its provider.</summary>
        public static XenHostAddress Parse(string uri) => ProviderFor(uri).Parse(uri.Trim());

        /// <summary>Opens a backend; <paramref name="options"/> must be the provider's options type (null: defaults).</summary>
        public static IXenBackend Open(string uri, XenHostOptions? options = null, CancellationToken cancellationToken = default)
        {
            var provider = ProviderFor(uri);
            var address = provider.Parse(uri.Trim());
            var o = options ?? provider.CreateOptions();
            var expected = provider.CreateOptions().GetType();
            if (!expected.IsInstanceOfType(o))
                throw new XenArgumentException($"{provider.Scheme}:// hosts take {expected.Name}, not {o.GetType().Name}.");
            return provider.Open(address, o, cancellationToken);
        }

        internal static string SupportedForms() =>
            "Supported forms: " + string.Join("; ", Providers.Select(p => p.Forms)) + ".";

        // ------------------------------------------------------------------ built-in providers

        private sealed class SimProvider : IXenBackendProvider
        {
            public string Scheme => "sim";
            public string Forms => "sim://NAME (a persistent simulated host), sim:///absolute/path (a simulated host kept in that folder)";
            public XenHostOptions CreateOptions() => new SimHostOptions();

            public XenHostAddress Parse(string uri)
            {
                string rest = uri.Substring(uri.IndexOf("://", StringComparison.Ordinal) + 3);
                string folder, hostName;
                if (rest.StartsWith("/", StringComparison.Ordinal))
                {
                    string path = Uri.UnescapeDataString(rest);
                    // sim:///C:/x on Windows
                    if (Path.DirectorySeparatorChar == '\\' && path.Length > 2 && path[2] == ':') path = path.Substring(1);
                    if (!Path.IsPathRooted(path))
                        throw new XenArgumentException($"'{uri}': sim:/// needs an absolute folder path. " + SupportedForms());
                    folder = Path.GetFullPath(path);
                    hostName = Path.GetFileName(folder.TrimEnd('/', '\\'));
                    if (hostName.Length == 0) hostName = "sim";
                }
                else
                {
                    string name = rest.TrimEnd('/');
                    if (name.Length == 0 || name.IndexOfAny(new[] { '/', '\\', ':' }) >= 0 || name == "." || name == ".." ||
                        name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                        throw new XenArgumentException($"'{uri}': the simulated host name must be a plain name (letters, digits, '-', '_', '.'). " + SupportedForms());
                    folder = Path.Combine(SimRoot(), name);
                    hostName = name;
                }
                return new SimAddress(uri, hostName, folder);
            }

            public IXenBackend Open(XenHostAddress address, XenHostOptions options, CancellationToken cancellationToken)
            {
                var a = (SimAddress)address;
                var o = (SimHostOptions)options;
                return o.Repair ? SimulatedXenBackend.OpenRepaired(a.Uri, a.Folder, a.DefaultName, o, cancellationToken)
                    : new SimulatedXenBackend(a.Uri, a.Folder, a.DefaultName, o);
            }
        }

        /// <summary>Where sim://NAME hosts live: $XENPS_SIM_ROOT, else the per-user data folder's XenPS/sim.</summary>
        public static string SimRoot()
        {
            string? root = Environment.GetEnvironmentVariable(SimRootVariable);
            if (string.IsNullOrEmpty(root))
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "XenPS", "sim");
            return root;
        }

        private sealed class SimAddress : XenHostAddress
        {
            public SimAddress(string uri, string name, string folder) : base(uri, "sim", name) { Folder = folder; }
            public string Folder { get; }
        }

        private sealed class XlLocalProvider : IXenBackendProvider
        {
            public string Scheme => "xl";
            public string Forms => "xl:/// (the local xl toolstack)";
            public XenHostOptions CreateOptions() => new XlHostOptions();

            public XenHostAddress Parse(string uri)
            {
                string rest = uri.Substring(uri.IndexOf("://", StringComparison.Ordinal) + 3);
                if (rest.Trim('/').Length != 0)
                    throw new XenArgumentException($"'{uri}': xl:/// drives the xl toolstack of this machine and takes no host or path; use ssh://user@host for another host. " + SupportedForms());
                return new XenHostAddress(uri, "xl", "localhost");
            }

            public IXenBackend Open(XenHostAddress address, XenHostOptions options, CancellationToken cancellationToken) =>
                new XlBackend(new LocalCommandRunner(), address.Uri, ((XlHostOptions)options).ToBackendOptions(), backendName: "xl");
        }

        private sealed class SshProvider : IXenBackendProvider
        {
            public string Scheme => "ssh";
            public string Forms => "ssh://[user@]host[:port] (xl over ssh)";
            public XenHostOptions CreateOptions() => new SshHostOptions();

            public XenHostAddress Parse(string uri)
            {
                SshOptions o;
                try { o = SshOptions.FromUri(uri); }
                catch (XenConnectionException e) { throw new XenArgumentException(e.Message + " " + SupportedForms()); }
                return new SshAddress(uri, o);
            }

            public IXenBackend Open(XenHostAddress address, XenHostOptions options, CancellationToken cancellationToken)
            {
                var a = (SshAddress)address;
                var s = (SshHostOptions)options;
                var o = new SshOptions
                {
                    Host = a.Ssh.Host,
                    User = a.Ssh.User,
                    Port = a.Ssh.Port,
                    IdentityFile = s.KeyFile,
                    KnownHostsFile = s.KnownHostsFile,
                    HostKeyPolicy = s.HostKeyPolicy,
                    ConnectTimeout = s.ConnectTimeout,
                };
                return new XlBackend(new SshCommandRunner(o), a.Uri, s.ToBackendOptions(), backendName: "xl over ssh");
            }
        }

        private sealed class SshAddress : XenHostAddress
        {
            public SshAddress(string uri, SshOptions ssh) : base(uri, "ssh", HostPart(uri)) { Ssh = ssh; }

            // host[:port] of ssh://[user@]host[:port][/...]
            private static string HostPart(string uri)
            {
                string rest = uri.Substring(uri.IndexOf("://", StringComparison.Ordinal) + 3);
                int at = rest.IndexOf('@');
                if (at >= 0) rest = rest.Substring(at + 1);
                int slash = rest.IndexOf('/');
                if (slash >= 0) rest = rest.Substring(0, slash);
                return rest.Length == 0 ? "localhost" : rest;
            }
            public SshOptions Ssh { get; }
        }
    }
}
