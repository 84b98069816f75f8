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
    /// A dropped shared connection is re-established on the next call: before each call a control socket left from
    /// before is checked (ssh -O check, bounded); a master that has gone is cleared, one that does not answer (a hung
    /// connection) is killed. A call that ssh itself fails (exit 255) before the remote command started is tried once
    /// more over a new connection; one that dropped while the command ran is a XenConnectionException (it may have
    /// taken effect) and the next call connects again. <see cref="Health"/> records every round trip and reconnect.
    /// </summary>
    public sealed class SshCommandRunner : ICommandRunner, IXenConnectionHealthSource
    {
        /// <summary>How long the check of the shared connection before a call may take (a local socket: milliseconds when it is well).</summary>
        public static readonly TimeSpan MasterCheckTimeout = TimeSpan.FromSeconds(3);

        private readonly SshOptions _options;
        private readonly string? _controlDir;
        private readonly object _masterLock = new object();
        private int _masterPid;
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

        /// <summary>Round trips, connection errors and reconnects of this runner's connection.</summary>
        public XenConnectionHealth Health { get; } = new XenConnectionHealth();

        XenConnectionHealth? IXenConnectionHealthSource.Health => Health;

        /// <summary>The private folder of the shared connection's control socket (null without connection reuse).</summary>
        public string? ControlDirectory => _controlDir;

        /// <summary>The process id of the shared connection's master as last checked (0: none known).</summary>
        public int MasterProcessId => Volatile.Read(ref _masterPid);

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
                "-o", "ServerAliveInterval=5",
                "-o", "ServerAliveCountMax=3",
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
            string? recovered = CheckMaster(cancellationToken);
            var r = RunSsh(arguments, standardInput, timeout, onLine, cancellationToken);
            // 255 is ssh's own failure (connection refused, host key, authentication, a dropped connection...).
            if (r.ExitCode == 255)
            {
                string err = SshError(r);
                ResetMaster(); // whatever broke, the next attempt starts a new shared connection
                if (!FailedBeforeSession(err))
                {
                    string m = IsDropped(err)
                        ? $"The connection to {Description} dropped while '{arguments[0]}' ran ({err}); it may or may not have taken effect. The next call connects again."
                        : $"Cannot reach {Description}: {err}";
                    Health.RecordFailure(m);
                    throw new XenConnectionException(m, XenErrorReason.ConnectionFailed);
                }
                r = RunSsh(arguments, standardInput, timeout, onLine, cancellationToken);
                if (r.ExitCode == 255)
                {
                    string again = SshError(r);
                    ResetMaster();
                    string m = $"Cannot reach {Description}: {again} (tried again over a new connection after: {err}). " +
                               "Check that the host is up and sshd answers on it; the next call tries again.";
                    Health.RecordFailure(m);
                    throw new XenConnectionException(m, XenErrorReason.ConnectionFailed);
                }
                recovered = recovered == null ? err : recovered + "; then " + err;
            }
            if (recovered != null) Health.RecordReconnect($"Reconnected to {Description} after: {recovered}");
            Health.RecordContact(r.Elapsed);
            return r;
        }

        private CommandResult RunSsh(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, Action<string>? onLine, CancellationToken ct)
        {
            try
            {
                return ProcessRunner.Run(_options.SshPath, BuildSshArguments(arguments), standardInput, timeout, ct,
                    $"'{arguments[0]}' over {Description}", null, onLine);
            }
            catch (Win32Exception ex)
            {
                throw new XenConnectionException($"Cannot run the OpenSSH client '{_options.SshPath}': {ex.Message}. Install openssh-client.", ex);
            }
            catch (XenTimeoutException e)
            {
                Health.RecordFailure(e.Message);
                throw;
            }
        }

        private static string SshError(CommandResult r)
        {
            string err = r.StandardError.Trim();
            return err.Length > 0 ? err : "ssh exited with 255";
        }

        // ssh's own messages (not the remote command's) for a failure before the remote command was started: trying
        // again cannot run the command twice. Authentication and host-key failures are not among them: retrying is useless.
        private static readonly string[] s_beforeSession =
        {
            "mux_client_request_session", "mux_client_hello_exchange", "mux_client_read_packet", "Control socket connect",
            "kex_exchange_identification", "banner exchange", "ssh: connect to host", "ssh_exchange_identification",
        };

        internal static bool FailedBeforeSession(string err)
        {
            if (err.IndexOf("Permission denied", StringComparison.Ordinal) >= 0 || err.IndexOf("Host key verification failed", StringComparison.Ordinal) >= 0
                || err.IndexOf("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal) >= 0)
                return false;
            foreach (string s in s_beforeSession)
                if (err.IndexOf(s, StringComparison.Ordinal) >= 0) return true;
            // "Connection closed by HOST port N" is the server closing during the handshake (sshd restarting);
            // "Connection to HOST closed by remote host." is a session that was running.
            return err.IndexOf("Connection closed by", StringComparison.Ordinal) >= 0 && err.IndexOf("closed by remote host", StringComparison.Ordinal) < 0;
        }

        private static bool IsDropped(string err) =>
            err.IndexOf("closed by remote host", StringComparison.Ordinal) >= 0 || err.IndexOf("Broken pipe", StringComparison.Ordinal) >= 0
            || err.IndexOf("not responding", StringComparison.Ordinal) >= 0 || err.IndexOf("Connection reset", StringComparison.Ordinal) >= 0;

        private string ControlPath => Path.Combine(_controlDir!, "cm-%C");

        private bool HasControlSocket()
        {
            try { return _controlDir != null && Directory.GetFileSystemEntries(_controlDir).Length > 0; }
            catch (IOException) { return false; }
        }

        private List<string> ControlArgs(string command)
        {
            var args = new List<string> { "-o", "ControlPath=" + ControlPath, "-o", "LogLevel=ERROR" };
            if (_options.Port > 0) { args.Add("-p"); args.Add(_options.Port.ToString(CultureInfo.InvariantCulture)); }
            args.Add("-O"); args.Add(command); args.Add("--"); args.Add(Destination);
            return args;
        }

        /// <summary>
        /// Checks a shared connection left from before (ssh -O check, bounded): null when it is well (or there is none);
        /// else it has been cleared and the text says what was wrong, for the health record once the call has reconnected.
        /// </summary>
        private string? CheckMaster(CancellationToken ct)
        {
            if (_controlDir == null) return null;
            lock (_masterLock)
            {
                if (!HasControlSocket()) return null;
                CommandResult c;
                try
                {
                    c = ProcessRunner.Run(_options.SshPath, ControlArgs("check"), null, MasterCheckTimeout, ct, "ssh -O check");
                }
                catch (XenTimeoutException)
                {
                    ResetMasterLocked();
                    return $"the shared ssh connection did not answer within {MasterCheckTimeout.TotalSeconds:0} s (killed; a new one was opened)";
                }
                catch (Win32Exception) { return null; } // the call itself reports a missing ssh client
                if (c.ExitCode == 0)
                {
                    var m = System.Text.RegularExpressions.Regex.Match(c.StandardError, @"pid=(\d+)");
                    if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) Volatile.Write(ref _masterPid, pid);
                    return null;
                }
                string why = c.StandardError.Trim();
                ResetMasterLocked();
                return $"the shared ssh connection had gone ({(why.Length > 0 ? why : "ssh -O check failed")})";
            }
        }

        private void ResetMaster()
        {
            if (_controlDir == null) return;
            lock (_masterLock) ResetMasterLocked();
        }

        /// <summary>Ends the shared connection however it is (asked to exit, else killed) and removes its socket.</summary>
        private void ResetMasterLocked()
        {
            int pid = Interlocked.Exchange(ref _masterPid, 0);
            if (pid > 0)
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    if (string.Equals(p.ProcessName, "ssh", StringComparison.Ordinal)) p.Kill();
                }
                catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is Win32Exception || e is NotSupportedException) { }
            }
            else if (HasControlSocket())
            {
                try { ProcessRunner.Run(_options.SshPath, ControlArgs("exit"), null, MasterCheckTimeout, CancellationToken.None, "ssh -O exit"); }
                catch (Exception e) when (e is XenPSException || e is Win32Exception || e is IOException) { }
            }
            try
            {
                foreach (string f in Directory.GetFileSystemEntries(_controlDir!)) File.Delete(f);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
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
