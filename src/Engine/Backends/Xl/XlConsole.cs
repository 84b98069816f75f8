using System;
using System.Globalization;
using System.Text;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// A guest console read from xenconsoled's guest log, /var/log/xen/console/guest-&lt;name&gt;.log, from a
    /// remembered byte offset. The host must log guest consoles: XENCONSOLED_ARGS="--log=guest" (Debian:
    /// /etc/default/xen, then restart xenconsoled). xenconsoled APPENDS to that file for every domain of the
    /// same name: a console of a domain the backend created starts at that boot; any other starts at the top of the
    /// file (earlier runs of that name included).
    /// Write runs `xl console` under a pseudo-terminal (`script`, from util-linux, which every Debian dom0 has),
    /// feeds the keys, then detaches with Ctrl+]: `xl console` wants a tty; without one keys do not reach the guest.
    /// </summary>
    internal sealed class XlConsole : IXenConsole
    {
        private const string Gone = "@@XENPS-DOMAIN-GONE@@";

        // $1 = xl, $2 = domain name, $3 = log file, $4 = byte offset. Prints "<size>\n" then the new bytes.
        internal const string ReadScript =
            "xl=\"$1\"; \"$xl\" domid \"$2\" >/dev/null 2>&1 || { echo '" + Gone + "'; exit 0; }; f=\"$3\"; off=\"$4\"; "
            + "if [ -f \"$f\" ]; then sz=$(wc -c < \"$f\"); else sz=0; fi; [ \"$sz\" -lt \"$off\" ] && off=0; "
            + "echo \"$sz\"; [ \"$sz\" -gt \"$off\" ] && tail -c +$((off + 1)) \"$f\" | head -c $((sz - off)); exit 0";

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

        public XlConsole(XlBackend backend, string name, XlBackendOptions options, long startOffset = 0)
        {
            _backend = backend;
            _name = name;
            _options = options;
            _offset = startOffset;
        }

        public string LogPath => _backend.ConsoleLogPath(_name);

        public string Read(TimeSpan wait, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + (wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
            while (true)
            {
                string chunk = ReadOnce(cancellationToken);
                if (chunk.Length > 0 || DateTime.UtcNow >= deadline) return chunk;
                var left = deadline - DateTime.UtcNow;
                var nap = left < _options.ConsolePollInterval ? left : _options.ConsolePollInterval;
                if (nap > TimeSpan.Zero && cancellationToken.WaitHandle.WaitOne(nap))
                    cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private string ReadOnce(CancellationToken ct)
        {
            lock (_lock)
            {
                var r = _backend.Run(new[] { "sh", "-c", ReadScript, "sh", _options.XlPath, _name, LogPath,
                        _offset.ToString(CultureInfo.InvariantCulture) }, null, _options.CommandTimeout, ct);
                if (r.ExitCode != 0) throw XlErrorMapper.Map("console read", _name, r);
                string o = r.StandardOutput;
                if (o.StartsWith(Gone, StringComparison.Ordinal))
                    throw new XenDomainNotFoundException(_name, $"Domain '{_name}' has gone; its console is closed.");
                int nl = o.IndexOf('\n');
                string head = nl >= 0 ? o.Substring(0, nl) : o;
                if (!long.TryParse(head.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    throw new XenCommandException($"Unexpected answer while reading the console log {LogPath}.", r.ExitCode, r.StandardError);
                string data = nl >= 0 ? o.Substring(nl + 1) : "";
                if (size < _offset) _offset = 0; // the log was truncated or rotated
                _offset = size;
                return data;
            }
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
