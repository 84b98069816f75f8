using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// A guest console read from xenconsoled's guest log, /var/log/xen/console/guest-&lt;name&gt;.log, from a
    /// remembered byte offset. The host must log guest consoles: XENCONSOLED_ARGS="--log=guest" (Debian:
    /// /etc/default/xen, then restart xenconsoled). xenconsoled APPENDS to that file for every domain of the
    /// same name, so the console must find where the CURRENT boot starts: for a domain this backend created, the
    /// log's size just before the create; for any other (created elsewhere, or rebuilt by on_reboot=restart), the
    /// last "Logfile Opened" that xenconsoled writes each time it opens the log for a new domain when it runs
    /// with --timestamp=guest (XENCONSOLED_ARGS="--log=guest --timestamp=guest"). Measured on Xen 4.17: the marker
    /// gets a timestamp only when the last write to ANY guest log ended a line (xenconsoled keeps one "needs a
    /// timestamp" flag for all guests), so it may follow the previous run's last prompt on the same line
    /// ("/ # Logfile Opened"): the boot starts right after it. Without timestamps there is no marker and the
    /// console starts at the top of the file (earlier runs of that name included).
    /// xenconsoled's "[YYYY-MM-DD HH:MM:SS] " line prefixes and its "Logfile Opened" markers are not guest output:
    /// they are removed from what Read returns.
    /// Write runs `xl console` under a pseudo-terminal (`script`, from util-linux, which every Debian dom0 has),
    /// feeds the keys, then detaches with Ctrl+]: `xl console` wants a tty; without one keys do not reach the guest.
    /// </summary>
    internal sealed class XlConsole : IXenConsole
    {
        private const string Gone = "@@XENPS-DOMAIN-GONE@@";

        /// <summary>The offset that means "where the current boot starts" (the last Logfile Opened line, else 0).</summary>
        internal const long CurrentBoot = -1;

        // $1 = xl, $2 = domain name, $3 = log file, $4 = byte offset (-1: the start of the current boot), $5 (optional) = the
        // log's size when a reboot was asked for (-1: none): the current boot's marker must come after it; until it does, the
        // answer is "<size> -1" and no bytes (the new boot has not opened the log yet). $6 (optional) = how many tenths of a
        // second to wait IN DOM0 for new bytes before answering (0: answer at once): one call that waits at the host instead
        // of a round trip per poll, and no xl run per poll (only the file is looked at) — under load every xl run costs the
        // guest CPU it needs to boot.
        // Prints "<size> <offset read from>\n" then the new bytes.
        internal const string ReadScript =
            "xl=\"$1\"; \"$xl\" domid \"$2\" >/dev/null 2>&1 || { echo '" + Gone + "'; exit 0; }; floor=\"${5:--1}\"; tenths=\"${6:-0}\"; "
            + "while :; do off=\"$4\"; f=\"$3\"; "
            // a domain that arrived by xl migrate was named <name>--incoming when xenconsoled first saw it, and it goes on
            // logging to guest-<name>--incoming.log (measured on the lab): the log written last is the current domain's
            + "i=\"${f%.log}" + MigrationRules.IncomingSuffix + ".log\"; if [ -f \"$i\" ] && { [ ! -f \"$f\" ] || [ \"$i\" -nt \"$f\" ]; }; then f=\"$i\"; fi; "
            + "if [ -f \"$f\" ]; then sz=$(wc -c < \"$f\"); else sz=0; fi; "
            + "if [ \"$off\" = -1 ]; then off=$(grep -a -b -o 'Logfile Opened$' \"$f\" 2>/dev/null | tail -n 1 | cut -d: -f1); "
            + "if [ \"$floor\" != -1 ] && { [ -z \"$off\" ] || [ \"$off\" -lt \"$floor\" ]; }; then "
            + "if [ \"$tenths\" -gt 0 ]; then tenths=$((tenths - 1)); sleep 0.1; continue; fi; echo \"$sz -1\"; exit 0; fi; "
            + "if [ -n \"$off\" ]; then off=$((off + 15)); else off=0; fi; fi; "
            + "[ \"$sz\" -lt \"$off\" ] && off=0; "
            + "if [ \"$sz\" -le \"$off\" ] && [ \"$tenths\" -gt 0 ]; then tenths=$((tenths - 1)); sleep 0.1; continue; fi; break; done; "
            + "echo \"$sz $off\"; [ \"$sz\" -gt \"$off\" ] && tail -c +$((off + 1)) \"$f\" | head -c $((sz - off)); exit 0";

        /// <summary>The longest one console read waits at the host (a Read with a longer wait makes several).</summary>
        internal static readonly TimeSpan HostWaitLimit = TimeSpan.FromSeconds(2);

        // "[2026-12-01 20:10:00] ": the prefix xenconsoled --timestamp=guest puts before every line.
        private static readonly System.Text.RegularExpressions.Regex TimestampPrefix = new System.Text.RegularExpressions.Regex(
            @"\G\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] ", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        private const int PrefixLength = 22;
        private const string OpenedLine = "Logfile Opened\n";

        // $1 = xl, $2 = domain name, $3 = the keys. The command string given to script(1) is a constant; the name
        // reaches it through the environment, never through the command text.
        internal const string WriteScript =
            "XENPS_XL=\"$1\" XENPS_DOM=\"$2\"; export XENPS_XL XENPS_DOM; \"$XENPS_XL\" domid \"$XENPS_DOM\" >/dev/null || exit 1; "
            + "out=$({ sleep 1; printf '%s' \"$3\"; sleep 1; printf '\\035'; } | timeout -s KILL 15 script -qfc '\"$XENPS_XL\" console \"$XENPS_DOM\"' /dev/null 2>&1); "
            + "case \"$out\" in *xenconsole:*) printf '%s\\n' \"$out\" | grep 'xenconsole:' >&2; exit 1;; esac; exit 0";

        private readonly XlBackend _backend;
        private readonly string _name;
        private readonly XlBackendOptions _options;
        private readonly object _lock = new object();
        private long _offset;
        private bool _atLineStart = true;
        private string _carry = "";

        private readonly long _bootAfter;

        /// <param name="bootAfter">With <paramref name="startOffset"/> = CurrentBoot: the log's size when a reboot was asked
        /// for; the current boot starts at the first "Logfile Opened" after it (nothing is read before it appears). -1: none.</param>
        public XlConsole(XlBackend backend, string name, XlBackendOptions options, long startOffset = 0, long bootAfter = -1)
        {
            _backend = backend;
            _name = name;
            _options = options;
            _offset = startOffset;
            _bootAfter = bootAfter;
        }

        public string LogPath => _backend.ConsoleLogPath(_name);

        public string Read(TimeSpan wait, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + (wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
            while (true)
            {
                // Wait at the host (in tenths of a second, at most HostWaitLimit and well inside the command timeout) when
                // there is time to wait: the answer comes as soon as the guest writes, with one round trip.
                var left0 = deadline - DateTime.UtcNow;
                var hostWait = left0 < HostWaitLimit ? left0 : HostWaitLimit;
                var ceiling = _options.CommandTimeout - TimeSpan.FromSeconds(5);
                if (hostWait > ceiling) hostWait = ceiling;
                int tenths = hostWait > TimeSpan.Zero ? (int)(hostWait.Ticks / TimeSpan.TicksPerMillisecond / 100) : 0;
                string chunk = ReadOnce(cancellationToken, tenths);
                if (chunk.Length > 0 || DateTime.UtcNow >= deadline) return chunk;
                if (tenths > 0) continue;
                var left = deadline - DateTime.UtcNow;
                var nap = left < _options.ConsolePollInterval ? left : _options.ConsolePollInterval;
                if (nap > TimeSpan.Zero && cancellationToken.WaitHandle.WaitOne(nap))
                    cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private string ReadOnce(CancellationToken ct, int tenths = 0)
        {
            lock (_lock)
            {
                var args = new List<string> { "sh", "-c", ReadScript, "sh", _options.XlPath, _name, LogPath, _offset.ToString(CultureInfo.InvariantCulture) };
                bool floor = _offset == CurrentBoot && _bootAfter >= 0;
                if (floor || tenths > 0) args.Add(floor ? _bootAfter.ToString(CultureInfo.InvariantCulture) : "-1");
                if (tenths > 0) args.Add(tenths.ToString(CultureInfo.InvariantCulture));
                var r = _backend.Run(args, null, _options.CommandTimeout, ct);
                if (r.ExitCode != 0) throw XlErrorMapper.Map("console read", _name, r);
                string o = r.StandardOutput;
                if (o.StartsWith(Gone, StringComparison.Ordinal))
                    throw new XenDomainNotFoundException(_name, $"Domain '{_name}' has gone; its console is closed.");
                int nl = o.IndexOf('\n');
                string[] head = (nl >= 0 ? o.Substring(0, nl) : o).Trim().Split(' ');
                if (head.Length != 2 || !long.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                    || !long.TryParse(head[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long from) || from < CurrentBoot)
                    throw new XenCommandException($"Unexpected answer while reading the console log {LogPath}.", r.ExitCode, r.StandardError);
                if (from == CurrentBoot) return ""; // the rebooted guest's boot has not opened the log yet
                string data = nl >= 0 ? o.Substring(nl + 1) : "";
                if (from != _offset && _offset >= 0) _atLineStart = true; // the log was truncated or rotated
                _offset = Math.Max(size, from);
                return Clean(data);
            }
        }

        /// <summary>Removes xenconsoled's timestamp prefixes and Logfile Opened lines; a prefix cut by the read waits for the next.</summary>
        internal string Clean(string data)
        {
            string text = _carry + data;
            _carry = "";
            var sb = new StringBuilder(text.Length);
            int i = 0;
            while (i < text.Length)
            {
                if (_atLineStart)
                {
                    if (text.Length - i < PrefixLength && text[i] == '[' && IsPrefixStart(text, i))
                    {
                        _carry = text.Substring(i); // maybe the start of a prefix: decide with the next read
                        break;
                    }
                    var m = TimestampPrefix.Match(text, i);
                    if (m.Success)
                    {
                        i += m.Length;
                        if (string.CompareOrdinal(text, i, OpenedLine, 0, OpenedLine.Length) == 0) { i += OpenedLine.Length; continue; }
                        if (text.Length - i < OpenedLine.Length && OpenedLine.StartsWith(text.Substring(i), StringComparison.Ordinal))
                        {
                            _carry = m.Value + text.Substring(i);
                            break;
                        }
                    }
                }
                int nl = text.IndexOf('\n', i);
                int end = nl < 0 ? text.Length : nl + 1;
                // the marker after an unfinished line ("/ # Logfile Opened"): the line ends there, not in the guest's text
                if (nl >= 0 && nl - i >= OpenedLine.Length - 1 && string.CompareOrdinal(text, nl - (OpenedLine.Length - 1), OpenedLine, 0, OpenedLine.Length) == 0)
                    sb.Append(text, i, nl - (OpenedLine.Length - 1) - i).Append('\n');
                else
                    sb.Append(text, i, end - i);
                _atLineStart = nl >= 0;
                i = end;
            }
            return sb.ToString();
        }

        private static bool IsPrefixStart(string text, int i)
        {
            const string shape = "[0000-00-00 00:00:00] ";
            for (int k = 0; i + k < text.Length; k++)
            {
                char c = text[i + k], want = shape[k];
                if (want == '0' ? !char.IsDigit(c) : c != want) return false;
            }
            return true;
        }

        public void Write(string text, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(text)) return;
            // A console wants carriage returns; "\n" alone also works with busybox/getty, so send "\r" for both.
            string keys = text.Replace("\r\n", "\r").Replace('\n', '\r');
            var r = _backend.Run(new[] { "sh", "-c", WriteScript, "sh", _options.XlPath, _name, keys }, null,
                _options.CommandTimeout, cancellationToken);
            if (r.ExitCode != 0) throw XlErrorMapper.Map("console write", _name, r);
        }

        public void Dispose() { }
    }
}
