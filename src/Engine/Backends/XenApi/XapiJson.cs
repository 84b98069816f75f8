using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// JSON as XAPI speaks it, read leniently: bare NaN / Infinity / -Infinity / +Infinity tokens (which the official
    /// SDK tests expect), duplicate object keys (the last one wins; XCP-ng 8.3 host records repeat keys), integers
    /// too big for a long (read as double). Values become null, string, long, double, bool, List&lt;object?&gt; and
    /// Dictionary&lt;string, object?&gt;. Written JSON is plain; doubles always carry a decimal point.
    /// </summary>
    internal static class XapiJson
    {
        private const int MaxDepth = 256;

        public static object? Parse(string text)
        {
            var p = new Parser(text);
            p.SkipWs();
            object? v = p.Value(0);
            p.SkipWs();
            if (p.Pos != text.Length) throw p.Error("unexpected text after the JSON value");
            return v;
        }

        private sealed class Parser
        {
            private readonly string _s;
            public int Pos;

            public Parser(string s) { _s = s; }

            public FormatException Error(string what) =>
                new FormatException($"Malformed JSON at character {Pos + 1}: {what}.");

            public void SkipWs()
            {
                while (Pos < _s.Length && (_s[Pos] == ' ' || _s[Pos] == '\t' || _s[Pos] == '\n' || _s[Pos] == '\r')) Pos++;
            }

            public object? Value(int depth)
            {
                if (depth > MaxDepth) throw Error("nested too deeply");
                if (Pos >= _s.Length) throw Error("the text ends where a value was expected");
                char c = _s[Pos];
                switch (c)
                {
                    case '{': return Obj(depth);
                    case '[': return Arr(depth);
                    case '"': return Str();
                    case 't': Word("true"); return true;
                    case 'f': Word("false"); return false;
                    case 'n': Word("null"); return null;
                    case 'N': Word("NaN"); return double.NaN;
                    case 'I': Word("Infinity"); return double.PositiveInfinity;
                    case '+':
                        if (Pos + 1 < _s.Length && _s[Pos + 1] == 'I') { Pos++; Word("Infinity"); return double.PositiveInfinity; }
                        throw Error("'+' is not a JSON number");
                    default:
                        if (c == '-' && Pos + 1 < _s.Length && _s[Pos + 1] == 'I') { Pos++; Word("Infinity"); return double.NegativeInfinity; }
                        if (c == '-' || (c >= '0' && c <= '9')) return Number();
                        throw Error($"unexpected '{c}'");
                }
            }

            private void Word(string w)
            {
                if (string.CompareOrdinal(_s, Pos, w, 0, w.Length) != 0) throw Error($"expected {w}");
                Pos += w.Length;
            }

            private Dictionary<string, object?> Obj(int depth)
            {
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                Pos++;
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == '}') { Pos++; return d; }
                while (true)
                {
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != '"') throw Error("expected a quoted key");
                    string key = Str();
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != ':') throw Error("expected ':'");
                    Pos++;
                    SkipWs();
                    d[key] = Value(depth + 1); // a repeated key: the last one wins
                    SkipWs();
                    if (Pos >= _s.Length) throw Error("the text ends inside an object");
                    if (_s[Pos] == ',') { Pos++; continue; }
                    if (_s[Pos] == '}') { Pos++; return d; }
                    throw Error("expected ',' or '}'");
                }
            }

            private List<object?> Arr(int depth)
            {
                var l = new List<object?>();
                Pos++;
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == ']') { Pos++; return l; }
                while (true)
                {
                    SkipWs();
                    l.Add(Value(depth + 1));
                    SkipWs();
                    if (Pos >= _s.Length) throw Error("the text ends inside an array");
                    if (_s[Pos] == ',') { Pos++; continue; }
                    if (_s[Pos] == ']') { Pos++; return l; }
                    throw Error("expected ',' or ']'");
                }
            }

            private string Str()
            {
                Pos++; // opening quote
                int start = Pos;
                while (Pos < _s.Length && _s[Pos] != '"' && _s[Pos] != '\\') Pos++;
                if (Pos < _s.Length && _s[Pos] == '"') { string plain = _s.Substring(start, Pos - start); Pos++; return plain; }
                var sb = new StringBuilder(_s, start, Pos - start, Pos - start + 16);
                while (true)
                {
                    if (Pos >= _s.Length) throw Error("the text ends inside a string");
                    char c = _s[Pos++];
                    if (c == '"') return sb.ToString();
                    if (c != '\\') { sb.Append(c); continue; }
                    if (Pos >= _s.Length) throw Error("the text ends inside an escape");
                    char e = _s[Pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (Pos + 4 > _s.Length || !int.TryParse(_s.AsSpan(Pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int u))
                                throw Error("bad \\u escape");
                            sb.Append((char)u);
                            Pos += 4;
                            break;
                        default: throw Error($"bad escape '\\{e}'");
                    }
                }
            }

            private object Number()
            {
                int start = Pos;
                if (_s[Pos] == '-') Pos++;
                bool isDouble = false;
                while (Pos < _s.Length)
                {
                    char c = _s[Pos];
                    if (c >= '0' && c <= '9') { Pos++; continue; }
                    if (c == '.' || c == 'e' || c == 'E' || c == '+' || (c == '-' && Pos > start)) { isDouble = true; Pos++; continue; }
                    break;
                }
                var span = _s.AsSpan(start, Pos - start);
                if (!isDouble && long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
                throw Error($"'{span.ToString()}' is not a number");
            }
        }

        // ------------------------------------------------------------------ writing

        public static string Write(object? value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        public static void Write(StringBuilder sb, object? v)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case string s: WriteString(sb, s); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: sb.Append(FormatDouble(d)); break;
                case IDictionary<string, object?> map:
                    sb.Append('{');
                    bool first = true;
                    foreach (var kv in map)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        WriteString(sb, kv.Key);
                        sb.Append(':');
                        Write(sb, kv.Value);
                    }
                    sb.Append('}');
                    break;
                case IDictionary<string, string> smap:
                    sb.Append('{');
                    bool f2 = true;
                    foreach (var kv in smap)
                    {
                        if (!f2) sb.Append(',');
                        f2 = false;
                        WriteString(sb, kv.Key);
                        sb.Append(':');
                        WriteString(sb, kv.Value);
                    }
                    sb.Append('}');
                    break;
                case IEnumerable list:
                    sb.Append('[');
                    bool f3 = true;
                    foreach (var item in list)
                    {
                        if (!f3) sb.Append(',');
                        f3 = false;
                        Write(sb, item);
                    }
                    sb.Append(']');
                    break;
                default:
                    throw new ArgumentException($"A {v.GetType().Name} cannot be sent to XAPI.");
            }
        }

        /// <summary>A double always with a decimal point (XAPI's float parameters, e.g. event.from's timeout).</summary>
        internal static string FormatDouble(double d)
        {
            if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("NaN and Infinity cannot be sent to XAPI.");
            string r = d.ToString("R", CultureInfo.InvariantCulture);
            return r.IndexOf('.') >= 0 || r.IndexOf('E') >= 0 ? r : r + ".0";
        }

        internal static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
