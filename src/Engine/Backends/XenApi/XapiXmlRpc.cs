using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// XML-RPC as XAPI speaks it. Read: strings as bare &lt;value&gt;text&lt;/value&gt; or &lt;string&gt;, int64 as decimal
    /// strings (the typed accessors read them as numbers), &lt;i4&gt;/&lt;int&gt;/&lt;i8&gt;, &lt;double&gt; (nan and inf tolerated),
    /// &lt;boolean&gt;, &lt;dateTime.iso8601&gt; (kept as its text), &lt;struct&gt; with repeated member names (the last wins),
    /// &lt;nil/&gt;. Written: int64 as strings, doubles with a decimal point, as XO and the SDKs send them.
    /// </summary>
    internal static class XapiXmlRpc
    {
        public static string FormatCall(string method, IReadOnlyList<object?> args)
        {
            var sb = new StringBuilder(256);
            sb.Append("<?xml version=\"1.0\"?><methodCall><methodName>").Append(Escape(method)).Append("</methodName><params>");
            foreach (var a in args)
            {
                sb.Append("<param>");
                WriteValue(sb, a);
                sb.Append("</param>");
            }
            sb.Append("</params></methodCall>");
            return sb.ToString();
        }

        public static void WriteValue(StringBuilder sb, object? v)
        {
            sb.Append("<value>");
            switch (v)
            {
                case null: sb.Append("<string></string>"); break;
                case string s: sb.Append("<string>").Append(Escape(s)).Append("</string>"); break;
                case bool b: sb.Append("<boolean>").Append(b ? '1' : '0').Append("</boolean>"); break;
                case int i: sb.Append("<string>").Append(i.ToString(CultureInfo.InvariantCulture)).Append("</string>"); break;
                case long l: sb.Append("<string>").Append(l.ToString(CultureInfo.InvariantCulture)).Append("</string>"); break;
                case double d: sb.Append("<double>").Append(XapiJson.FormatDouble(d)).Append("</double>"); break;
                case IDictionary<string, object?> map:
                    sb.Append("<struct>");
                    foreach (var kv in map)
                    {
                        sb.Append("<member><name>").Append(Escape(kv.Key)).Append("</name>");
                        WriteValue(sb, kv.Value);
                        sb.Append("</member>");
                    }
                    sb.Append("</struct>");
                    break;
                case IDictionary<string, string> smap:
                    sb.Append("<struct>");
                    foreach (var kv in smap)
                    {
                        sb.Append("<member><name>").Append(Escape(kv.Key)).Append("</name>");
                        WriteValue(sb, kv.Value);
                        sb.Append("</member>");
                    }
                    sb.Append("</struct>");
                    break;
                case IEnumerable list:
                    sb.Append("<array><data>");
                    foreach (var item in list) WriteValue(sb, item);
                    sb.Append("</data></array>");
                    break;
                default:
                    throw new ArgumentException($"A {v.GetType().Name} cannot be sent to XAPI.");
            }
            sb.Append("</value>");
        }

        private static string Escape(string s) =>
            s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        private static readonly XmlReaderSettings s_settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CheckCharacters = false,
        };

        private static XDocument Load(string xml)
        {
            using var r = XmlReader.Create(new StringReader(xml), s_settings);
            return XDocument.Load(r, LoadOptions.PreserveWhitespace);
        }

        /// <summary>
        /// A methodResponse: its one param's value (for XAPI, the Status/Value/ErrorDescription struct), or a
        /// &lt;fault&gt; as a FormatException-free <see cref="XapiFailure"/>.
        /// </summary>
        public static object? ParseResponse(string xml)
        {
            XDocument doc;
            try { doc = Load(xml); }
            catch (XmlException e) { throw new FormatException("Malformed XML-RPC response: " + e.Message, e); }
            var root = doc.Root;
            if (root == null || root.Name.LocalName != "methodResponse")
                throw new FormatException($"An XML-RPC response must be a <methodResponse>, not <{root?.Name.LocalName}>.");
            var fault = root.Element("fault");
            if (fault != null)
            {
                var f = ParseValue(fault.Element("value") ?? throw new FormatException("An XML-RPC <fault> without a <value>.")) as IDictionary<string, object?>;
                string code = f != null && f.TryGetValue("faultString", out var fs) ? fs?.ToString() ?? "XMLRPC_FAULT" : "XMLRPC_FAULT";
                string fc = f != null && f.TryGetValue("faultCode", out var c) ? c?.ToString() ?? "" : "";
                throw new XapiFailure("XMLRPC_FAULT", new[] { fc, code });
            }
            var value = root.Element("params")?.Element("param")?.Element("value")
                        ?? throw new FormatException("An XML-RPC response without <params><param><value>.");
            return ParseValue(value);
        }

        /// <summary>One &lt;value&gt; element, or the text of a task result ("&lt;value&gt;OpaqueRef:...&lt;/value&gt;").</summary>
        public static object? ParseValueText(string xml)
        {
            if (string.IsNullOrWhiteSpace(xml)) return "";
            XDocument doc;
            try { doc = Load(xml); }
            catch (XmlException e) { throw new FormatException("Malformed XML-RPC value: " + e.Message, e); }
            if (doc.Root == null || doc.Root.Name.LocalName != "value") throw new FormatException("An XML-RPC value must be a <value>.");
            return ParseValue(doc.Root);
        }

        public static object? ParseValue(XElement value)
        {
            var typed = value.Elements().FirstOrDefault();
            if (typed == null) return value.Value; // a bare string, as XAPI writes them
            string text = typed.Value;
            switch (typed.Name.LocalName)
            {
                case "string": return text;
                case "i4":
                case "int":
                case "i8":
                    if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                    throw new FormatException($"'{text}' is not an XML-RPC integer.");
                case "double":
                    if (XapiValue.TryParseDouble(text.Trim(), out double d)) return d;
                    throw new FormatException($"'{text}' is not an XML-RPC double.");
                case "boolean":
                    switch (text.Trim())
                    {
                        case "1": case "true": return true;
                        case "0": case "false": return false;
                        default: throw new FormatException($"'{text}' is not an XML-RPC boolean.");
                    }
                case "dateTime.iso8601": return text.Trim();
                case "base64": return text.Trim();
                case "nil": return null;
                case "array":
                    var data = typed.Element("data");
                    return data == null ? new List<object?>() : data.Elements("value").Select(ParseValue).ToList();
                case "struct":
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var m in typed.Elements("member"))
                    {
                        string name = m.Element("name")?.Value ?? throw new FormatException("An XML-RPC struct member without a <name>.");
                        var v = m.Element("value");
                        map[name] = v == null ? null : ParseValue(v); // a repeated name: the last one wins
                    }
                    return map;
                default:
                    throw new FormatException($"<{typed.Name.LocalName}> is not an XML-RPC type.");
            }
        }
    }
}
