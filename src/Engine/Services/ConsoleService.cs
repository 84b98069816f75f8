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

        private static void SplitLines(StringBuilder pending, List<string> lines)
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
}
