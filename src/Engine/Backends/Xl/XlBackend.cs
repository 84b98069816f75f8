using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Config;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// A real Xen host driven through the xl toolstack, locally (xl:///, <see cref="LocalCommandRunner"/>) or over
    /// ssh (ssh://, <see cref="SshCommandRunner"/>). Every call is one command on the host: user input only ever
    /// travels as separate arguments; the few shell scripts used are constants.
    /// </summary>
    public sealed partial class XlBackend : IXenBackend, IXenHostFacts, IXenPowerControl, IXenConsoleAccess, IXenTerminalConsole, IXenCheckpoint, IXenDevices
    {
        internal const string ListMarker = "@@XENPS-XL-LIST-L@@";

        /// <summary>`xl list` and `xl list -l` in one round trip (the table holds run state, the JSON the config).</summary>
        internal const string ListScript =
            "xl=\"$1\"; \"$xl\" list || exit $?; echo '" + ListMarker + "'; exec \"$xl\" list -l";

        /// <summary>
        /// Create: the config text arrives on stdin and goes to a private (umask 077, mktemp) file under /tmp
        /// that is removed afterwards whatever happens. Arguments: $1 = xl, then xl create's options.
        /// </summary>
        // $1 = xl, $2 = the guest's console log, then xl create's options. Before creating, it prints the log's size
        // so the new domain's console starts where this boot starts (xenconsoled appends every run of a name).
        internal const string CreateScript =
            "umask 077; f=$(mktemp /tmp/xenps-cfg.XXXXXXXXXX) || exit 125; trap 'rm -f \"$f\"' EXIT HUP INT TERM; "
            + "cat > \"$f\" || exit 125; xl=\"$1\"; log=\"$2\"; shift 2; "
            + "if [ -f \"$log\" ]; then echo \"" + ConsoleOffsetMarker + " $(wc -c < \"$log\")\"; else echo \"" + ConsoleOffsetMarker + " 0\"; fi; "
            + "\"$xl\" create \"$@\" \"$f\"";

        internal const string ConsoleOffsetMarker = "@@XENPS-CONSOLE-OFFSET@@";

        // Where each domain this backend created starts in its console log, by domid.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _consoleStart =
            new System.Collections.Concurrent.ConcurrentDictionary<int, long>();

        private readonly ICommandRunner _runner;
        private readonly XlBackendOptions _options;
        private readonly bool _ownsRunner;
        private int _disposed;

        /// <param name="runner">Where xl runs.</param>
        /// <param name="uri">The URI this backend answers to (xl:/// or ssh://...).</param>
        /// <param name="options">Timeouts and paths; null for defaults.</param>
        /// <param name="ownsRunner">Dispose the runner with the backend (default true).</param>
        /// <param name="backendName">The name messages use ("xl", "xl over ssh").</param>
        public XlBackend(ICommandRunner runner, string uri, XlBackendOptions? options = null, bool ownsRunner = true, string backendName = "xl")
        {
            BackendName = backendName;
            _runner = runner ?? throw new ArgumentNullException(nameof(runner));
            Uri = uri ?? throw new ArgumentNullException(nameof(uri));
            _options = options ?? new XlBackendOptions();
            _ownsRunner = ownsRunner;
        }

        public string Uri { get; }

        public string BackendName { get; }

        public ICommandRunner Runner => _runner;

        public XenHostInfo GetHostInfo(CancellationToken cancellationToken)
        {
            var r = Xl(cancellationToken, _options.CommandTimeout, "info");
            if (r.ExitCode != 0) throw XlErrorMapper.Map("xl info", null, r);
            return XlOutputParser.ParseInfo(r.StandardOutput);
        }

        public IReadOnlyList<XenDomain> ListDomains(CancellationToken cancellationToken)
        {
            var r = Run(new[] { "sh", "-c", ListScript, "sh", _options.XlPath }, null, _options.CommandTimeout, cancellationToken);
            if (r.ExitCode != 0) throw XlErrorMapper.Map("xl list", null, r);
            string o = r.StandardOutput;
            int i = o.IndexOf(ListMarker, StringComparison.Ordinal);
            string table = i >= 0 ? o.Substring(0, i) : o;
            string json = i >= 0 ? o.Substring(i + ListMarker.Length) : "";
            Dictionary<int, XlOutputParser.XlJsonDomain> cfg;
            try
            {
                cfg = XlOutputParser.ParseListJson(json);
            }
            catch (System.Text.Json.JsonException)
            {
                // The table is still right, only the configs are missing (e.g. a domain died between the two commands).
                cfg = new Dictionary<int, XlOutputParser.XlJsonDomain>();
            }
            return XlOutputParser.Join(XlOutputParser.ParseListTable(table), cfg);
        }

        public XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken cancellationToken)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            var nameFindings = new List<XenDiagnostic>();
            ConfigValidator.ValidateName(config, nameFindings); // the one set of name rules and codes (the name makes a log path)
            ConfigValidator.ValidateForCreate(config, nameFindings); // what xl would refuse anyway, said with the config's file:line
            if (nameFindings.Any(d => d.Severity == DiagnosticSeverity.Error))
                throw new XenConfigException(nameFindings.Where(d => d.Severity == DiagnosticSeverity.Error));
            string name = config.Name!;
            if (IsDomain0(name))
                throw new XenInvalidOperationException("Domain-0 exists already and cannot be created.", XenErrorReason.Domain0Refused);
            string text = XlConfigWriter.Write(config);
            var args = new List<string> { "sh", "-c", CreateScript, "sh", _options.XlPath, ConsoleLogPath(name) };
            if (options != null && options.Paused) args.Add("-p");
            var r = Run(args, text, _options.CreateTimeout, cancellationToken);
            if (r.ExitCode != 0) throw XlErrorMapper.Map($"xl create of '{name}'", name, r, text);
            var created = ListDomains(cancellationToken).FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
            if (created == null)
                throw new XenCommandException($"xl create reported success but '{name}' is not listed (it may have stopped at once).", 0, r.StandardError);
            foreach (string line in r.StandardOutput.Split('\n'))
            {
                if (line.StartsWith(ConsoleOffsetMarker + " ", StringComparison.Ordinal) &&
                    long.TryParse(line.Substring(ConsoleOffsetMarker.Length + 1).Trim(), System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out long start))
                    _consoleStart[created.Id ?? -1] = start;
            }
            return created;
        }

        public void ShutdownDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "shut down");
            var args = new List<string> { "shutdown" };
            if (acpiFallback) args.Add("-F");
            args.Add(d);
            Simple(d, cancellationToken, "xl shutdown", args.ToArray());
        }

        public void DestroyDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "destroy");
            Simple(d, cancellationToken, "xl destroy", "destroy", d);
        }

        public void PauseDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "pause");
            Simple(d, cancellationToken, "xl pause", "pause", d);
        }

        public void UnpauseDomain(XenDomain domain, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "unpause");
            Simple(d, cancellationToken, "xl unpause", "unpause", d);
        }

        public IXenConsole OpenConsole(XenDomain target, CancellationToken cancellationToken)
        {
            string domain = Qualifier(target);
            CheckDomainArgument(domain);
            if (IsDomain0(domain))
                throw new XenInvalidOperationException("Domain-0's console is the host's own console; XenPS opens guest consoles only.", XenErrorReason.Domain0Refused);
            // Resolve to the name: the log file is named after it, and a domid changes on reboot.
            string name = domain;
            if (IsAllDigits(domain))
            {
                var r = Xl(cancellationToken, _options.CommandTimeout, "domname", domain);
                if (r.ExitCode != 0) throw XlErrorMapper.Map("xl domname", domain, r);
                name = r.StandardOutput.Trim();
                if (name.Length == 0) throw new XenDomainNotFoundException(domain, $"Domain '{domain}' was not found on the host.");
            }
            else
            {
                // Also proves the domain exists (xl's own "invalid domain identifier" otherwise).
                var id = Xl(cancellationToken, _options.CommandTimeout, "domid", name);
                if (id.ExitCode != 0) throw XlErrorMapper.Map("xl domid", name, id);
                domain = id.StandardOutput.Trim();
            }
            // A domain this backend created reads its console from where its boot starts; any other from the
            // last boot marker xenconsoled wrote (with --timestamp=guest), else from the start of the log.
            long start = XlConsole.CurrentBoot;
            if (int.TryParse(domain, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int domid)
                && _consoleStart.TryGetValue(domid, out long created))
                start = created;
            // rebooted by this backend: the current boot is the one that opened the log after the reboot was asked for
            long bootAfter = start == XlConsole.CurrentBoot && _rebootLogSize.TryGetValue(name, out var rb) && rb.OldId != domid ? rb.Size : -1;
            var console = new XlConsole(this, name, _options, start, bootAfter);
            return console;
        }

        public IReadOnlyList<string> TerminalConsoleCommand(XenDomain target, CancellationToken cancellationToken)
        {
            string domain = Qualifier(target);
            CheckDomainArgument(domain);
            if (IsDomain0(domain))
                throw new XenInvalidOperationException("Domain-0's console is the host's own console; XenPS opens guest consoles only.", XenErrorReason.Domain0Refused);
            var r = Xl(cancellationToken, _options.CommandTimeout, IsAllDigits(domain) ? "domname" : "domid", domain);
            if (r.ExitCode != 0) throw XlErrorMapper.Map("xl console", domain, r);
            string name = IsAllDigits(domain) ? r.StandardOutput.Trim() : domain;
            return _runner.TerminalCommand(new[] { _options.XlPath, "console", name });
        }

        // ---- helpers ----

        internal string ConsoleLogPath(string name) => _options.ConsoleLogDirectory.TrimEnd('/') + "/guest-" + name + ".log";

        internal CommandResult Run(IReadOnlyList<string> args, string? stdin, TimeSpan timeout, CancellationToken ct)
        {
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The connection to {Uri} has been closed.", XenErrorReason.ConnectionClosed);
            return _runner.Run(args, stdin, timeout, ct);
        }

        private CommandResult Xl(CancellationToken ct, TimeSpan timeout, params string[] args)
        {
            var v = new List<string>(args.Length + 1) { _options.XlPath };
            v.AddRange(args);
            return Run(v, null, timeout, ct);
        }

        private void Simple(string domain, CancellationToken ct, string what, params string[] args)
        {
            var r = Xl(ct, _options.CommandTimeout, args);
            if (r.ExitCode != 0) throw XlErrorMapper.Map($"{what} {domain}", domain, r);
        }

        private static bool IsAllDigits(string s) => s.Length > 0 && s.All(c => c >= '0' && c <= '9');

        /// <summary>"Domain-0", or a domid that is 0 ("0", "00").</summary>
        internal static bool IsDomain0(string domain) =>
            string.Equals(domain, "Domain-0", StringComparison.Ordinal) || (IsAllDigits(domain) && domain.TrimStart('0').Length == 0);

        private static void CheckDomainArgument(string domain)
        {
            if (string.IsNullOrEmpty(domain))
                throw new XenDomainNotFoundException(domain ?? "", "No domain name or id was given.");
            // xl parses options with getopt: a leading '-' would be read as an option, not a name.
            if (domain[0] == '-')
                throw new XenInvalidOperationException($"'{domain}' cannot be passed to xl: a domain name starting with '-' would be read as an option.");
            if (domain.IndexOf('\0') >= 0 || domain.IndexOf('\n') >= 0)
                throw new XenDomainNotFoundException(domain, "A domain name cannot contain NUL or newline characters.");
        }

        /// <summary>What identifies a listed domain to xl: its domid while it has one, else its name.</summary>
        internal static string Qualifier(XenDomain d) =>
            d.Id is int id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.Name;

        /// <summary>Refused BEFORE anything is sent to the host; returns the domain's xl qualifier.</summary>
        private static string RefuseDomain0(XenDomain target, string verb)
        {
            string domain = Qualifier(target);
            CheckDomainArgument(domain);
            if (target.IsDomain0 || IsDomain0(domain))
                throw new XenInvalidOperationException($"XenPS will not {verb} Domain-0 (the host's control domain).", XenErrorReason.Domain0Refused);
            return domain;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            EndKeptLogins(); // while the runner is still open
            if (_ownsRunner) _runner.Dispose();
        }
    }
}
