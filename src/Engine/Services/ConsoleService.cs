using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>Scripted console work: type lines, read until a pattern (or until the console is quiet), bounded.</summary>
    public sealed class ConsoleService
    {
        /// <summary>How long the console must be quiet for a -Send without -Until to be answered.</summary>
        public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>Opens the console of the domain's current boot.</summary>
        public IXenConsole Open(XenDomainTarget t, CancellationToken ct) =>
            t.Host.Backend.Require<IXenConsoleAccess>("reading guest consoles").OpenConsole(t.Domain, ct);

        /// <summary>
        /// Types <paramref name="send"/> (each line followed by Enter; output from before is not part of the answer), then
        /// returns the console lines up to and including the first that matches <paramref name="until"/> (a partial
        /// last line such as "login: " counts), or with no pattern what arrives until the console is quiet. A pattern
        /// not seen within <paramref name="timeout"/> is a XenTimeoutException carrying the last ten lines.
        /// </summary>
        public IReadOnlyList<string> ReadUntil(IXenConsole console, string what, Regex? until, IReadOnlyList<string>? send, TimeSpan timeout, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + timeout;
            var pending = new StringBuilder();   // text not yet split into complete lines
            var lines = new List<string>();      // complete lines considered for output

            if (send != null)
            {
                console.Read(TimeSpan.Zero, ct);
                foreach (string line in send) console.Write(line + "\r", ct);
            }

            var quietSince = DateTime.UtcNow;
            while (true)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                var slice = TimeSpan.FromMilliseconds(200);
                string chunk = console.Read(left < slice ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : slice, ct);
                if (chunk.Length > 0)
                {
                    quietSince = DateTime.UtcNow;
                    pending.Append(chunk);
                    SplitLines(pending, lines);
                }

                if (until != null)
                {
                    for (int i = 0; i < lines.Count; i++)
                        if (until.IsMatch(lines[i])) return lines.Take(i + 1).ToList();
                    string partial = pending.ToString().TrimEnd('\r');
                    if (partial.Length > 0 && until.IsMatch(partial))
                    {
                        lines.Add(partial);
                        return lines;
                    }
                    if (DateTime.UtcNow >= deadline)
                    {
                        var last = lines.Concat(partial.Length > 0 ? new[] { partial } : Array.Empty<string>()).ToList();
                        throw new XenTimeoutException(
                            $"The console of {what} did not show a line matching '{until}' within {timeout.TotalSeconds:0.###} s. Raise -Timeout, or check the pattern.",
                            last.Skip(Math.Max(0, last.Count - 10)).ToList());
                    }
                }
                else if (DateTime.UtcNow - quietSince > QuietPeriod || DateTime.UtcNow >= deadline)
                {
                    string partial = pending.ToString().TrimEnd('\r');
                    if (partial.Length > 0) lines.Add(partial);
                    return lines;
                }
            }
        }

        internal static void SplitLines(StringBuilder pending, List<string> lines)
        {
            string text = pending.ToString();
            int start = 0;
            int nl;
            while ((nl = text.IndexOf('\n', start)) >= 0)
            {
                lines.Add(text.Substring(start, nl - start).TrimEnd('\r'));
                start = nl + 1;
            }
            pending.Clear();
            pending.Append(text, start, text.Length - start);
        }
    }

    /// <summary>
    /// Watches console output for a pattern without blocking: text is fed as it is read (<see cref="Poll"/>), and the
    /// first line that matches is kept — the same rule as <see cref="ConsoleService.ReadUntil"/> (a partial last line,
    /// such as "login: ", counts). Keeps only the last ten lines, for a timeout's message.
    /// </summary>
    public sealed class ConsoleMatcher
    {
        private readonly Regex _until;
        private readonly StringBuilder _pending = new StringBuilder();
        private readonly List<string> _lines = new List<string>();
        private readonly Queue<string> _last = new Queue<string>();

        public ConsoleMatcher(Regex until) => _until = until ?? throw new ArgumentNullException(nameof(until));

        /// <summary>The first line that matched, or null.</summary>
        public string? Matched { get; private set; }

        /// <summary>The last ten lines seen (the partial last line included).</summary>
        public IReadOnlyList<string> LastLines
        {
            get
            {
                var l = _last.ToList();
                string partial = _pending.ToString().TrimEnd('\r');
                if (partial.Length > 0) l.Add(partial);
                return l.Skip(Math.Max(0, l.Count - 10)).ToList();
            }
        }

        /// <summary>Adds console text; true once a line has matched.</summary>
        public bool Feed(string text)
        {
            if (Matched != null) return true;
            if (string.IsNullOrEmpty(text)) return false;
            _pending.Append(text);
            _lines.Clear();
            ConsoleService.SplitLines(_pending, _lines);
            foreach (string line in _lines)
            {
                if (_until.IsMatch(line)) { Matched = line; return true; }
                _last.Enqueue(line);
                if (_last.Count > 10) _last.Dequeue();
            }
            string partial = _pending.ToString().TrimEnd('\r');
            if (partial.Length > 0 && _until.IsMatch(partial)) { Matched = partial; return true; }
            return false;
        }

        /// <summary>Reads what the console has now (without waiting) and feeds it; true once a line has matched.</summary>
        public bool Poll(IXenConsole console, CancellationToken ct) => Matched != null || Feed(console.Read(TimeSpan.Zero, ct));
    }
}
