using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace XenPS.Fuzz
{
    /// <summary>
    /// Havoc-style text mutations with a grammar's dictionary: tokens, balanced and unbalanced nesting, runs of a
    /// token or of a slice (huge words, deep brackets), number and quote edits, line operations, splicing from the
    /// corpus, and (YAML) anchors, aliases and alias fan-out. 1 to 16 stacked mutations per input.
    /// </summary>
    internal sealed class TextMutator
    {
        private readonly string[] _tokens;
        private readonly (string open, string close)[] _pairs;
        private readonly bool _yaml;

        internal static readonly string[] Numbers =
        {
            "0", "1", "-1", "00", "0x", "0x0", "0xffffffff", "0x7fffffffffffffff", "0xffffffffffffffffff", "0777", "08",
            "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "99999999999999999999999999999", "1.5", "1e9", "1e308", "1e999", "-0", "+1", "1_000",
            "0b101", "0o17", ".5", "5.", "NaN", "inf",
        };

        private static readonly string[] Chars =
        {
            "\0", "\t", "\r", "\n", "\r\n", "\v", "\f", "\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u00e9", "\u0301",
            "\U0001F600", "\uFFFD", "\uFFFF", "\\", "\"", "'", "`", "$", "%", "{", "}", "[", "]", "(", ")", "<", ">", "|",
            "&", "*", "!", "?", "@", "#", ";", ":", ",", "=", "+", "-", ".", "/", "~", "^", " ",
        };

        public TextMutator(bool yaml, IEnumerable<string> keys)
        {
            _yaml = yaml;
            var t = new List<string>();
            if (!yaml)
            {
                t.AddRange(new[]
                {
                    "[", "]", ",", "=", "+=", " = ", "\"", "'", "\"\"\"", "'''", "\\", "\\n", "\\t", "\\x41", "\\x", "\\u00e9", "\\\"",
                    "\\'", "\\\\", "#", "# comment\n", "\n", ";", " ", "\t", "(", ")", "True", "False", "None", "+", "-", "*", "/", "%",
                    "'phy:/dev/vg/x,xvda,w'", "'format=raw, vdev=xvda, access=rw, target=/x'", "'mac=00:16:3e:00:00:01,bridge=xenbr0'",
                    "'', ", "[ ]", "[ '' ]", "\"a\" \"b\"", "x", "abc", "/dev/xvda", "a-b", "1-3", "0x1F", "lambda", "__import__",
                    "sim.boot_seconds", "sim.shutdown_seconds", "sim.ignore_shutdown", "sim.crash_after_seconds", "sim.pv_drivers",
                });
                _pairs = new[] { ("[", "]"), ("(", ")"), ("['", "']"), ("[\"\", ", "]"), ("[[", "]]"), ("\"", "\""), ("'", "'"), ("\"\"\"", "\"\"\"") };
            }
            else
            {
                t.AddRange(new[]
                {
                    ": ", ":", "- ", "-", "[", "]", "{", "}", ",", ", ", "&a ", "*a", "&b ", "*b", "*c", "!!str ", "!!int ", "!!bool ",
                    "!!binary ", "!!map ", "!!seq ", "!!null ", "!custom ", "!<tag:yaml.org,2002:str> ", "? ", "|", ">", "|-", ">+",
                    "|2", "---", "--- ", "...", "%YAML 1.2\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "<<: *a", "<<: ", "'", "\"", "''",
                    "\"\"", "\\", "\\x41", "\\u263a", "\\U0001F600", "\\0", "\\N", "#", " #", "\n", "\n  ", "\n    ", "\n- ", "\t", "~",
                    "null", "Null", "true", "True", "false", "yes", "on", "0x1F", "0o17", ".inf", "-.nan", "=", "disk:", "vif:",
                    "  - target: /x\n    vdev: xvda\n", "  - bridge: xenbr0\n", "{ vdev: xvdb, target: /y }", "x", "abc",
                    "sim.boot_seconds: ", "sim.crash_after_seconds: ",
                });
                _pairs = new[] { ("[", "]"), ("{", "}"), ("{a: ", "}"), ("[a, ", "]"), ("- ", ""), ("\"", "\""), ("'", "'"), ("[{", "}]") };
            }
            foreach (var k in keys) { t.Add(k); t.Add(yaml ? k + ": " : k + " = "); t.Add(yaml ? "\n" + k + ": " : "\n" + k + " = "); }
            t.AddRange(Numbers);
            t.AddRange(Chars);
            _tokens = t.ToArray();
        }

        /// <summary>2^0 .. 2^(maxLog2Rounds - 1) stacked mutations.</summary>
        public string Mutate(Rng rng, string s, IReadOnlyList<byte[]> corpus, int maxLen, int maxLog2Rounds = 5)
        {
            int rounds = 1 << rng.Next(0, maxLog2Rounds);
            for (int i = 0; i < rounds; i++)
            {
                // a fresh builder per mutation: one chunk, so indexing it is O(1) (a builder grown by inserts is a
                // chain of chunks and sb[i] walks the chain)
                var sb = new StringBuilder(s, s.Length + 256);
                long t0 = Profile ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
                int op = One(rng, sb, corpus, maxLen);
                if (Profile) { OpTicks[op] += System.Diagnostics.Stopwatch.GetTimestamp() - t0; OpCount[op]++; }
                if (sb.Length > maxLen) sb.Length = maxLen;
                s = sb.ToString();
            }
            return s;
        }

        private int Pos(Rng rng, StringBuilder sb)
        {
            if (sb.Length == 0) return 0;
            // mostly at a boundary a grammar cares about: line start/end, after '=', ':', ',', '[' or a space
            if (rng.Chance(50))
            {
                int p = rng.Next(sb.Length + 1);
                for (int k = 0; k < 64 && p < sb.Length; k++, p++)
                {
                    char c = sb[p];
                    if (c == '\n' || c == '=' || c == ':' || c == ',' || c == '[' || c == '{' || c == ' ' || c == ']' || c == '}') return p + (rng.Chance(50) ? 1 : 0);
                }
                return Math.Min(p, sb.Length);
            }
            return rng.Next(sb.Length + 1);
        }

        private (int start, int len) Range(Rng rng, StringBuilder sb)
        {
            int start = Pos(rng, sb);
            int len = Math.Min(sb.Length - start, rng.Chance(80) ? rng.Next(1, 17) : rng.Next(1, Math.Max(2, sb.Length)));
            return (start, Math.Max(0, len));
        }

        /// <summary>XENPS_FUZZ_PROFILE=1: time spent per mutation kind (printed by the worker at its end).</summary>
        public static readonly bool Profile = Environment.GetEnvironmentVariable("XENPS_FUZZ_PROFILE") == "1";
        public static readonly long[] OpTicks = new long[17], OpCount = new long[17];

        private int One(Rng rng, StringBuilder sb, IReadOnlyList<byte[]> corpus, int maxLen)
        {
            int room = Math.Max(0, maxLen - sb.Length);
            int op = rng.Next(_yaml ? 17 : 15);
            switch (op)
            {
                case 0: // insert a token
                case 1:
                    sb.Insert(Pos(rng, sb), rng.Pick(_tokens));
                    break;
                case 2: // replace a range with a token
                {
                    var (st, len) = Range(rng, sb);
                    sb.Remove(st, len).Insert(st, rng.Pick(_tokens));
                    break;
                }
                case 3: // delete a range
                {
                    var (st, len) = Range(rng, sb);
                    sb.Remove(st, len);
                    break;
                }
                case 4: // duplicate a range elsewhere
                {
                    var (st, len) = Range(rng, sb);
                    string piece = sb.ToString(st, len);
                    sb.Insert(Pos(rng, sb), piece);
                    break;
                }
                case 5: // a run of one token: deep brackets, huge words, long lists
                {
                    string tok = rng.Chance(30) ? "abcdefghijklmnopqrstuvwxyz0123456789_./-"[rng.Next(40)].ToString() : rng.Pick(_tokens);
                    int n = rng.HeavyCount(room / Math.Max(1, tok.Length));
                    sb.Insert(Pos(rng, sb), Repeat(tok, n));
                    break;
                }
                case 6: // a run of a slice of the input
                {
                    var (st, len) = Range(rng, sb);
                    if (len == 0) break;
                    len = Math.Min(len, 64);
                    string piece = sb.ToString(st, len);
                    sb.Insert(st, Repeat(piece, rng.HeavyCount(room / len)));
                    break;
                }
                case 7: // nest a range k deep (sometimes unbalanced)
                {
                    var (open, close) = rng.Pick(_pairs);
                    var (st, len) = Range(rng, sb);
                    if (rng.Chance(50)) len = 0;
                    int k = rng.HeavyCount(room / Math.Max(1, open.Length + close.Length));
                    int closes = rng.Chance(80) ? k : rng.Next(k + 1);
                    sb.Insert(st + len, Repeat(close, closes));
                    sb.Insert(st, Repeat(open, k));
                    break;
                }
                case 8: // a number
                    ReplaceNumber(rng, sb);
                    break;
                case 9: // a character
                {
                    if (sb.Length == 0) { sb.Append(rng.Pick(Chars)); break; }
                    int p = rng.Next(sb.Length);
                    if (char.IsSurrogate(sb[p])) break;
                    sb.Remove(p, 1).Insert(p, rng.Chance(50) ? rng.Pick(Chars) : ((char)rng.Next(32, 127)).ToString());
                    break;
                }
                case 10: // line operations
                    LineOp(rng, sb);
                    break;
                case 11: // splice a slice of another input
                {
                    if (corpus.Count == 0) break;
                    string other = Encoding.UTF8.GetString(rng.Pick(corpus));
                    if (other.Length == 0) break;
                    int st = rng.Next(other.Length);
                    int len = Math.Min(other.Length - st, rng.Next(1, 256));
                    sb.Insert(Pos(rng, sb), other.Substring(st, len));
                    break;
                }
                case 12: // quotes and escapes
                    QuoteOp(rng, sb);
                    break;
                case 13: // truncate
                    if (sb.Length > 0) sb.Length = rng.Next(sb.Length);
                    break;
                case 14: // a value of a known key with a random value
                {
                    string tok = rng.Pick(_tokens);
                    string line = _yaml ? "\n" + tok.TrimEnd(':', ' ') + ": " + rng.Pick(_tokens) + "\n" : "\n" + tok.TrimEnd('=', ' ') + " = " + rng.Pick(_tokens) + "\n";
                    sb.Insert(LineStart(sb, Pos(rng, sb)), line);
                    break;
                }
                case 15: // YAML: an anchor on a value, an alias for a value
                    AnchorOp(rng, sb);
                    break;
                case 16: // YAML: alias fan-out (each level refers to the one before several times)
                {
                    int depth = rng.Next(1, 14), fan = rng.Next(1, 11);
                    var g = new StringBuilder();
                    g.Append("\nl0: &l0 [\"").Append(rng.Pick(_tokens).Replace("\"", "")).Append("\"]\n");
                    for (int d = 1; d <= depth; d++)
                    {
                        g.Append('l').Append(d).Append(": &l").Append(d).Append(" [");
                        for (int f = 0; f < fan; f++) g.Append(f == 0 ? "" : ", ").Append("*l").Append(d - 1);
                        g.Append("]\n");
                    }
                    if (rng.Chance(50)) g.Append(rng.Chance(50) ? "disk: *l" : "cpus: *l").Append(depth).Append('\n');
                    sb.Insert(LineStart(sb, Pos(rng, sb)), g.ToString());
                    break;
                }
            }
            return op;
        }

        private static string Repeat(string s, int n)
        {
            if (n <= 0 || s.Length == 0) return "";
            var b = new StringBuilder(s.Length * n);
            for (int i = 0; i < n; i++) b.Append(s);
            return b.ToString();
        }

        private static int LineStart(StringBuilder sb, int p)
        {
            while (p > 0 && sb[p - 1] != '\n') p--;
            return p;
        }

        private void ReplaceNumber(Rng rng, StringBuilder sb)
        {
            // find a digit run near a random place; else insert a number
            int p = sb.Length == 0 ? 0 : rng.Next(sb.Length);
            for (int k = 0; k < sb.Length; k++)
            {
                int q = (p + k) % sb.Length;
                if (char.IsAsciiDigit(sb[q]))
                {
                    int e = q;
                    while (e < sb.Length && (char.IsAsciiHexDigit(sb[e]) || sb[e] == 'x')) e++;
                    while (q > 0 && char.IsAsciiDigit(sb[q - 1])) q--;
                    sb.Remove(q, e - q).Insert(q, rng.Pick(Numbers));
                    return;
                }
            }
            sb.Insert(Pos(rng, sb), rng.Pick(Numbers));
        }

        private void LineOp(Rng rng, StringBuilder sb)
        {
            var lines = sb.ToString().Split('\n').ToList();
            if (lines.Count == 0) return;
            int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
            switch (rng.Next(6))
            {
                case 0: lines.Insert(b, lines[a]); break;
                case 1: lines.RemoveAt(a); break;
                case 2: (lines[a], lines[b]) = (lines[b], lines[a]); break;
                case 3: lines[a] = new string(' ', rng.Next(1, 9)) + lines[a]; break; // indent
                case 4: lines[a] = lines[a].TrimStart(' '); break; // dedent
                case 5: lines[a] = lines[a] + (rng.Chance(50) ? " # " + rng.Pick(_tokens) : rng.Pick(_tokens)); break;
            }
            sb.Clear().Append(string.Join('\n', lines));
        }

        private void QuoteOp(Rng rng, StringBuilder sb)
        {
            int p = sb.Length == 0 ? 0 : rng.Next(sb.Length);
            for (int k = 0; k < sb.Length; k++)
            {
                int q = (p + k) % sb.Length;
                char c = sb[q];
                if (c == '"' || c == '\'')
                {
                    switch (rng.Next(4))
                    {
                        case 0: sb.Remove(q, 1); break;
                        case 1: sb[q] = c == '"' ? '\'' : '"'; break;
                        case 2: sb.Insert(q, '\\'); break;
                        case 3: sb.Insert(q + 1, rng.Pick(new[] { "\\", "\\x", "\\u", "\\U0010FFFF", "\\x00", "\\\n", "\n", "\\q", "''", "\\\"" })); break;
                    }
                    return;
                }
            }
            sb.Insert(Pos(rng, sb), rng.Chance(50) ? "\"" : "'");
        }

        private void AnchorOp(Rng rng, StringBuilder sb)
        {
            string name = "a" + rng.Next(4).ToString(System.Globalization.CultureInfo.InvariantCulture);
            int p = Pos(rng, sb);
            switch (rng.Next(4))
            {
                case 0: sb.Insert(p, "&" + name + " "); break;
                case 1: sb.Insert(p, "*" + name); break;
                case 2: sb.Insert(LineStart(sb, p), "\n" + name + ": &" + name + " " + rng.Pick(_tokens) + "\n"); break;
                case 3: sb.Insert(LineStart(sb, p), "<<: *" + name + "\n"); break;
            }
        }
    }
}
