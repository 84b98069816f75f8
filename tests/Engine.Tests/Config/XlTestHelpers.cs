using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    internal static class XlTestHelpers
    {
        public static (XenDomainConfig? Config, List<XenDiagnostic> Diagnostics) Parse(string text, ConfigReadOptions? options = null, params string[] overrides)
        {
            var d = new List<XenDiagnostic>();
            var c = XlConfigParser.Parse(text, "test.cfg", overrides, options ?? new ConfigReadOptions(), d);
            return (c, d);
        }

        public static XenDomainConfig ParseOk(string text, ConfigReadOptions? options = null, params string[] overrides)
        {
            var (c, d) = Parse(text, options, overrides);
            Assert.True(c != null, "expected no errors, got: " + string.Join("\n", d));
            Assert.DoesNotContain(d, x => x.Severity == DiagnosticSeverity.Error);
            return c!;
        }

        public static List<XenDiagnostic> Errors(this List<XenDiagnostic> d) => d.Where(x => x.Severity == DiagnosticSeverity.Error).ToList();

        /// <summary>Renders a value compactly for equality assertions: strings quoted, lists bracketed.</summary>
        public static string Show(object? v)
        {
            if (v is string s) return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            if (v is object[] a) return "[" + string.Join(",", a.Select(Show)) + "]";
            return v is null ? "null" : "?" + v.GetType().Name;
        }

        public static string ShowSettings(XenDomainConfig c)
        {
            var sb = new StringBuilder();
            foreach (DictionaryEntry e in c.Settings) sb.Append((string)e.Key).Append('=').Append(Show(e.Value)).Append(';');
            return sb.ToString();
        }
    }
}
