using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace FakeXapi
{
    /// <summary>A XAPI datetime: "20240101T13:20:11Z" in JSON, &lt;dateTime.iso8601&gt; in XML-RPC.</summary>
    public sealed record XDate(string Text)
    {
        public static XDate Now() => new XDate(DateTime.UtcNow.ToString("yyyyMMdd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        public static readonly XDate Epoch = new XDate("19700101T00:00:00Z");
    }

    /// <summary>A map written with its keys as given, repeated ones included (XCP-ng 8.3's restrict_vtpm).</summary>
    public sealed class Pairs : List<KeyValuePair<string, object?>> { }

    /// <summary>How answers are written (faults change it).</summary>
    public sealed class WireStyle
    {
        /// <summary>Doubles that are NaN/Infinity as bare tokens (JSON) or nan/inf (XML-RPC); else as strings.</summary>
        public bool BareNonFinite = true;
        /// <summary>JSON ints as decimal strings (as Python-decoded data has them).</summary>
        public bool IntsAsStrings;
    }

    public static class Json
    {
        public static object? Read(string text)
        {
            using var doc = JsonDocument.Parse(text);
            return Convert(doc.RootElement);
        }

        private static object? Convert(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => e.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => e.TryGetInt64(out long l) && !e.GetRawText().Contains('.') ? (object)l : e.GetDouble(),
            JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
            JsonValueKind.Object => e.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => Convert(g.Last().Value)),
            _ => null,
        };

        public static string Write(object? v, WireStyle style)
        {
            var sb = new StringBuilder();
            W(sb, v, style);
            return sb.ToString();
        }

        private static void W(StringBuilder sb, object? v, WireStyle st)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case string s: Str(sb, s); break;
                case XDate d: Str(sb, d.Text); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case int i: W(sb, (long)i, st); break;
                case long l:
                    if (st.IntsAsStrings) Str(sb, l.ToString(CultureInfo.InvariantCulture));
                    else sb.Append(l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    if (double.IsNaN(d)) sb.Append(st.BareNonFinite ? "NaN" : "\"NaN\"");
                    else if (double.IsPositiveInfinity(d)) sb.Append(st.BareNonFinite ? "Infinity" : "\"+Inf\"");
                    else if (double.IsNegativeInfinity(d)) sb.Append(st.BareNonFinite ? "-Infinity" : "\"-Inf\"");
                    else sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case Pairs p:
                    sb.Append('{');
                    for (int i = 0; i < p.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        Str(sb, p[i].Key);
                        sb.Append(':');
                        W(sb, p[i].Value, st);
                    }
                    sb.Append('}');
                    break;
                case IDictionary map:
                    sb.Append('{');
                    bool first = true;
                    foreach (DictionaryEntry kv in map)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        Str(sb, (string)kv.Key);
                        sb.Append(':');
                        W(sb, kv.Value, st);
                    }
                    sb.Append('}');
                    break;
                case IEnumerable list:
                    sb.Append('[');
                    bool f = true;
                    foreach (var x in list)
                    {
                        if (!f) sb.Append(',');
                        f = false;
                        W(sb, x, st);
                    }
                    sb.Append(']');
                    break;
                default: throw new InvalidOperationException("cannot write " + v.GetType());
            }
        }

        public static void Str(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                if (c == '"') sb.Append("\\\"");
                else if (c == '\\') sb.Append("\\\\");
                else if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            sb.Append('"');
        }
    }

    public static class XmlRpc
    {
        /// <summary>(method, params) of a methodCall; FormatException when it is not one.</summary>
        public static (string, List<object?>) ReadCall(string xml)
        {
            XDocument doc;
            try
            {
                using var r = XmlReader.Create(new System.IO.StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
                doc = XDocument.Load(r, LoadOptions.PreserveWhitespace);
            }
            catch (XmlException e) { throw new FormatException("Xmlrpc.Parse_error: " + e.Message); }
            var root = doc.Root;
            if (root == null || root.Name.LocalName != "methodCall") throw new FormatException("Xmlrpc.Parse_error: not a methodCall");
            string method = root.Element("methodName")?.Value.Trim() ?? throw new FormatException("Xmlrpc.Parse_error: no methodName");
            var ps = root.Element("params")?.Elements("param").Select(p => Value(p.Element("value")!)).ToList() ?? new List<object?>();
            return (method, ps);
        }

        private static object? Value(XElement v)
        {
            var t = v.Elements().FirstOrDefault();
            if (t == null) return v.Value;
            switch (t.Name.LocalName)
            {
                case "string": return t.Value;
                case "int": case "i4": case "i8": return long.Parse(t.Value.Trim(), CultureInfo.InvariantCulture);
                case "double": return double.Parse(t.Value.Trim(), CultureInfo.InvariantCulture);
                case "boolean": return t.Value.Trim() == "1";
                case "dateTime.iso8601": return new XDate(t.Value.Trim());
                case "array": return t.Element("data")?.Elements("value").Select(Value).ToList() ?? new List<object?>();
                case "struct":
                    var d = new Dictionary<string, object?>();
                    foreach (var m in t.Elements("member")) d[m.Element("name")!.Value] = Value(m.Element("value")!);
                    return d;
                case "nil": return null;
                default: throw new FormatException("Xmlrpc.Parse_error: unknown type " + t.Name.LocalName);
            }
        }

        /// <summary>A XAPI answer: the Status/Value/ErrorDescription struct inside a methodResponse.</summary>
        public static string Response(object? statusStruct, WireStyle st)
        {
            var sb = new StringBuilder("<?xml version=\"1.0\"?><methodResponse><params><param>");
            W(sb, statusStruct, st);
            sb.Append("</param></params></methodResponse>");
            return sb.ToString();
        }

        /// <summary>A value as XAPI writes it: strings bare, int64 as strings, maps as structs.</summary>
        public static string ValueText(object? v)
        {
            var sb = new StringBuilder();
            W(sb, v, new WireStyle());
            return sb.ToString();
        }

        private static string E(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

        private static void W(StringBuilder sb, object? v, WireStyle st)
        {
            sb.Append("<value>");
            switch (v)
            {
                case null: break; // void: the empty string
                case string s: sb.Append(E(s)); break;
                case XDate d: sb.Append("<dateTime.iso8601>").Append(d.Text).Append("</dateTime.iso8601>"); break;
                case bool b: sb.Append("<boolean>").Append(b ? '1' : '0').Append("</boolean>"); break;
                case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d:
                    string txt = double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : d.ToString("R", CultureInfo.InvariantCulture);
                    sb.Append("<double>").Append(txt).Append("</double>");
                    break;
                case Pairs p:
                    sb.Append("<struct>");
                    foreach (var kv in p) { sb.Append("<member><name>").Append(E(kv.Key)).Append("</name>"); W(sb, kv.Value, st); sb.Append("</member>"); }
                    sb.Append("</struct>");
                    break;
                case IDictionary map:
                    sb.Append("<struct>");
                    foreach (DictionaryEntry kv in map) { sb.Append("<member><name>").Append(E((string)kv.Key)).Append("</name>"); W(sb, kv.Value, st); sb.Append("</member>"); }
                    sb.Append("</struct>");
                    break;
                case IEnumerable list:
                    sb.Append("<array><data>");
                    foreach (var x in list) W(sb, x, st);
                    sb.Append("</data></array>");
                    break;
                default: throw new InvalidOperationException("cannot write " + v.GetType());
            }
            sb.Append("</value>");
        }
    }

    /// <summary>A XAPI failure: [CODE, params...].</summary>
    public sealed class Failure : Exception
    {
        public Failure(string code, params string[] ps) : base(code) { Code = code; Params = ps; }
        public string Code { get; }
        public string[] Params { get; }
        public List<object?> Description => new[] { Code }.Concat(Params).Cast<object?>().ToList();
    }

    /// <summary>Tolerant reads of call arguments (XML-RPC sends int64 as strings).</summary>
    public static class Arg
    {
        public static string Str(IReadOnlyList<object?> a, int i, string name) =>
            i < a.Count && a[i] is string s ? s : throw new Failure("FIELD_TYPE_ERROR", name);

        public static bool Bool(IReadOnlyList<object?> a, int i, string name)
        {
            object? v = i < a.Count ? a[i] : throw new Failure("FIELD_TYPE_ERROR", name);
            if (v is bool b) return b;
            if (v is string s && (s == "true" || s == "false")) return s == "true";
            throw new Failure("FIELD_TYPE_ERROR", name);
        }

        public static double Double(IReadOnlyList<object?> a, int i, string name)
        {
            object? v = i < a.Count ? a[i] : throw new Failure("FIELD_TYPE_ERROR", name);
            if (v is double d) return d;
            if (v is long l) return l;
            if (v is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double x)) return x;
            throw new Failure("FIELD_TYPE_ERROR", name);
        }

        public static List<string> Strings(IReadOnlyList<object?> a, int i, string name) =>
            i < a.Count && a[i] is List<object?> l ? l.Select(x => x as string ?? throw new Failure("FIELD_TYPE_ERROR", name)).ToList()
                : throw new Failure("FIELD_TYPE_ERROR", name);
    }
}
