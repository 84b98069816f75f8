using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>How ssh treats the host key of the Xen host.</summary>
    public enum SshHostKeyPolicy
    {
        /// <summary>StrictHostKeyChecking=yes: the key must already be in known_hosts (the default).</summary>
        Strict = 0,
        /// <summary>StrictHostKeyChecking=accept-new: a first-seen key is recorded, a changed key is refused.</summary>
        AcceptNew = 1,
    }

    /// <summary>Settings of <see cref="SshCommandRunner"/>.</summary>
    public sealed class SshOptions
    {
        public string Host { get; set; } = "";
        public string? User { get; set; }
        /// <summary>0 means ssh's default (22 or the ssh_config value).</summary>
        public int Port { get; set; }
        public string? IdentityFile { get; set; }
        /// <summary>UserKnownHostsFile; null keeps ssh's default (~/.ssh/known_hosts).</summary>
        public string? KnownHostsFile { get; set; }
        public SshHostKeyPolicy HostKeyPolicy { get; set; } = SshHostKeyPolicy.Strict;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Reuse one connection (ControlMaster=auto) for this many seconds after the last command; 0 disables reuse.</summary>
        public int ControlPersistSeconds { get; set; } = 60;
        /// <summary>The OpenSSH client program.</summary>
        public string SshPath { get; set; } = "ssh";

        /// <summary>Reads ssh://[user@]host[:port] (path and query ignored).</summary>
        public static SshOptions FromUri(string uri)
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || !string.Equals(u.Scheme, "ssh", StringComparison.OrdinalIgnoreCase))
                throw new XenConnectionException($"'{uri}' is not an ssh://[user@]host[:port] URI.");
            var o = new SshOptions { Host = u.IdnHost.Trim('[', ']') };
            if (!string.IsNullOrEmpty(u.UserInfo)) o.User = Uri.UnescapeDataString(u.UserInfo);
            if (!u.IsDefaultPort && u.Port > 0) o.Port = u.Port;
            return o;
        }
    }

    /// <summary>
    /// Runs commands on a remote dom0 through the OpenSSH client (ssh://[user@]host[:port]).
    /// BatchMode (no password prompts), strict host keys by default, and one shared connection
    /// (ControlMaster=auto, socket in a private temp directory, ControlPersist) because a new
    /// connection costs 1-2.5 s and a reused one ~0.3 s.
    /// ssh hands the remote command to the remote user's shell as ONE string, so every argument is
    /// POSIX single-quoted: names like <c>a;touch pwned</c> or <c>$(reboot)</c> arrive as one literal argument.
    /// </summary>
    public sealed class SshCommandRunner : ICommandRunner
    {
        private readonly SshOptions _options;
        private readonly string? _controlDir;
        private int _disposed;

        public SshCommandRunner(SshOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (string.IsNullOrWhiteSpace(options.Host) || options.Host.StartsWith("-", StringComparison.Ordinal)
                || options.Host.IndexOfAny(new[] { ' ', '\t', '\n', '\r', '\'', '"', ';' }) >= 0)
                throw new XenConnectionException($"'{options.Host}' is not a valid ssh host name.");
            if (options.User != null && (options.User.Length == 0 || options.User.StartsWith("-", StringComparison.Ordinal)
                || options.User.IndexOfAny(new[] { ' ', '@', '\n', '\r' }) >= 0))
                throw new XenConnectionException($"'{options.User}' is not a valid ssh user name.");
            if (options.ControlPersistSeconds > 0)
            {
                // A private directory (0700) for the control socket; short path (sun_path is ~108 bytes).
                _controlDir = Path.Combine(Path.GetTempPath(), "xenps-ssh-" + Guid.NewGuid().ToString("N").Substring(0, 12));
                var d = Directory.CreateDirectory(_controlDir);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(_controlDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public SshCommandRunner(string uri) : this(SshOptions.FromUri(uri)) { }

        public SshOptions Options => _options;

        public string Description
        {
            get
            {
                string d = (_options.User != null ? _options.User + "@" : "") + _options.Host;
                return "ssh " + (_options.Port > 0 ? d + ":" + _options.Port.ToString(CultureInfo.InvariantCulture) : d);
            }
        }

        private string Destination => (_options.User != null ? _options.User + "@" : "") + _options.Host;

        /// <summary>POSIX shell single quoting: the result is one word whose value is exactly <paramref name="s"/>.</summary>
        public static string Quote(string s)
        {
            if (s == null) throw new ArgumentNullException(nameof(s));
            return "'" + s.Replace("'", "'\\''") + "'";
        }

        /// <summary>The one string the remote shell receives: every argument quoted, separated by spaces.</summary>
        public static string BuildRemoteCommand(IReadOnlyList<string> arguments)
        {
            var sb = new StringBuilder();
            foreach (string a in arguments)
            {
                if (a.IndexOf('\0') >= 0) throw new ArgumentException("An argument cannot contain a NUL character.", nameof(arguments));
                if (sb.Length > 0) sb.Append(' ');
                sb.Append(Quote(a));
            }
            return sb.ToString();
        }

        /// <summary>ssh -t with the same options: the remote command gets the user's terminal (for `xl console`).</summary>
        public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments)
        {
            var a = new List<string> { _options.SshPath };
            a.AddRange(BuildSshArguments(arguments, terminal: true));
            return a;
        }

        /// <summary>The ssh client's argument vector for running <paramref name="arguments"/> remotely (without the program name).</summary>
        public IReadOnlyList<string> BuildSshArguments(IReadOnlyList<string> arguments) => BuildSshArguments(arguments, terminal: false);

        private IReadOnlyList<string> BuildSshArguments(IReadOnlyList<string> arguments, bool terminal)
        {
            var a = new List<string>
            {
                terminal ? "-t" : "-T",
                "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=" + (_options.HostKeyPolicy == SshHostKeyPolicy.AcceptNew ? "accept-new" : "yes"),
                "-o", "ConnectTimeout=" + Math.Max(1, (int)Math.Ceiling(_options.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
                "-o", "ServerAliveInterval=15",
                "-o", "LogLevel=ERROR",
            };
            if (_options.KnownHostsFile != null) { a.Add("-o"); a.Add("UserKnownHostsFile=" + _options.KnownHostsFile); }
            if (_options.IdentityFile != null) { a.Add("-o"); a.Add("IdentitiesOnly=yes"); a.Add("-i"); a.Add(_options.IdentityFile); }
            if (_controlDir != null)
            {
                a.Add("-o"); a.Add("ControlMaster=auto");
                a.Add("-o"); a.Add("ControlPath=" + Path.Combine(_controlDir, "cm-%C"));
                a.Add("-o"); a.Add("ControlPersist=" + _options.ControlPersistSeconds.ToString(CultureInfo.InvariantCulture));
            }
            if (_options.Port > 0) { a.Add("-p"); a.Add(_options.Port.ToString(CultureInfo.InvariantCulture)); }
            a.Add("--");
            a.Add(Destination);
            a.Add(BuildRemoteCommand(arguments));
            return a;
        }

        public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken) =>
            RunCore(arguments, standardInput, timeout, null, cancellationToken);

        /// <summary>Run, with each line of the remote command's stderr reported as it arrives (ssh relays it as it is written).</summary>
        public CommandResult RunStreaming(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout,
            Action<string> onStandardErrorLine, CancellationToken cancellationToken) =>
            RunCore(arguments, standardInput, timeout, onStandardErrorLine ?? throw new ArgumentNullException(nameof(onStandardErrorLine)), cancellationToken);

        private CommandResult RunCore(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken)
        {
            if (arguments == null || arguments.Count == 0) throw new ArgumentException("No program given.", nameof(arguments));
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The ssh connection to {_options.Host} has been closed.", XenErrorReason.ConnectionClosed);
            CommandResult r;
            try
            {
                r = ProcessRunner.Run(_options.SshPath, BuildSshArguments(arguments), standardInput, timeout, cancellationToken,
                    $"'{arguments[0]}' over {Description}", null, onLine);
            }
            catch (Win32Exception ex)
            {
                throw new XenConnectionException($"Cannot run the OpenSSH client '{_options.SshPath}': {ex.Message}. Install openssh-client.", ex);
            }
            // 255 is ssh's own failure (connection refused, host key, authentication...).
            if (r.ExitCode == 255)
            {
                string err = r.StandardError.Trim();
                throw new XenConnectionException($"Cannot reach {Description}: {(err.Length > 0 ? err : "ssh exited with 255")}");
            }
            return r;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0 || _controlDir == null) return;
            try
            {
                // Ends the shared connection (if one is up) before removing its socket directory.
                var args = new List<string> { "-o", "ControlPath=" + Path.Combine(_controlDir, "cm-%C") };
                if (_options.Port > 0) { args.Add("-p"); args.Add(_options.Port.ToString(CultureInfo.InvariantCulture)); }
                args.Add("-O"); args.Add("exit"); args.Add("--"); args.Add(Destination);
                if (Directory.GetFileSystemEntries(_controlDir).Length > 0)
                    ProcessRunner.Run(_options.SshPath, args, null, TimeSpan.FromSeconds(5), CancellationToken.None, "ssh -O exit");
            }
            catch (Exception ex) when (ex is XenPSException || ex is Win32Exception || ex is IOException) { }
            try { Directory.Delete(_controlDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
