using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenPS.Config
{
    /// <summary>
    /// Writes canonical xl.cfg text that libxlu (Xen 4.17) reads back to the same <see cref="XenDomainConfig.Settings"/>:
    /// one <c>key = value</c> per line in Settings order; strings double-quoted with xl escapes (a string that is a number
    /// token is written bare, which libxlu stores identically); lists as <c>[ a, b ]</c>, nested, long top-level lists one
    /// item per line. A value xl cannot express (invalid key, NUL or another control character without an xl escape, a lone
    /// surrogate, a non-string value) throws <see cref="XenConfigException"/> with <c>NotRepresentable</c> diagnostics:
    /// the writer never produces text xl would misread.
    /// </summary>
    public static class XlConfigWriter
    {
        private const int WrapWidth = 78;

        public static string Write(XenDomainConfig config)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            var sb = new StringBuilder(256);
            var errors = new List<XenDiagnostic>();
            foreach (DictionaryEntry e in config.Settings)
            {
                string key = (string)e.Key;
                if (!XlConfigParser.IsValidKey(key))
                {
                    errors.Add(NotRepresentable(config, key, $"The key '{key}' cannot be written to xl.cfg: xl keys match [a-z][._0-9a-z]*.",
                        "Rename the key (lower case letters, digits, '_' and '.', starting with a letter)."));
                    continue;
                }
                int lineStart = sb.Length;
                sb.Append(key).Append(" = ");
                string? problem = AppendValue(sb, e.Value, nested: false);
                if (problem != null)
                {
                    sb.Length = lineStart;
                    errors.Add(NotRepresentable(config, key, $"The value of '{key}' cannot be written to xl.cfg: {problem}.",
                        "xl strings can hold any character except NUL and control characters other than \\a \\b \\t \\n \\v \\f \\r; remove them."));
                    continue;
                }
                if (e.Value is object[] list && list.Length > 1 && sb.Length - lineStart > WrapWidth)
                {
                    sb.Length = lineStart;
                    sb.Append(key).Append(" = [\n");
                    foreach (object item in list)
                    {
                        sb.Append("    ");
                        AppendValue(sb, item, nested: true);
                        sb.Append(",\n");
                    }
                    sb.Append(']');
                }
                sb.Append('\n');
            }
            if (errors.Count > 0) throw new XenConfigException(errors);
            return sb.ToString();
        }

        /// <summary>The xl text of one value (string or object[]); throws XenConfigException when xl cannot express it.</summary>
        public static string FormatValue(object value)
        {
            var sb = new StringBuilder();
            string? problem = AppendValue(sb, value, nested: false);
            if (problem != null)
                throw new XenConfigException(new[] { new XenDiagnostic(DiagnosticSeverity.Error, "NotRepresentable", $"The value cannot be written to xl.cfg: {problem}.", null, 0, 0) });
            return sb.ToString();
        }

        private static XenDiagnostic NotRepresentable(XenDomainConfig config, string key, string message, string hint)
        {
            var p = config.GetPosition(key);
            return new XenDiagnostic(DiagnosticSeverity.Error, "NotRepresentable", message, p?.File, p?.Line ?? 0, p?.Column ?? 0, hint);
        }

        private static string? AppendValue(StringBuilder sb, object? value, bool nested)
        {
            switch (value)
            {
                case string s:
                    return AppendString(sb, s);
                case object[] list:
                    if (list.Length == 0)
                    {
                        sb.Append("[]");
                        return null;
                    }
                    sb.Append("[ ");
                    for (int i = 0; i < list.Length; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        string? p = AppendValue(sb, list[i], nested: true);
                        if (p != null) return p;
                    }
                    sb.Append(" ]");
                    return null;
                case null:
                    return "a null value (xl has no null; remove the setting)";
                default:
                    return $"a {value.GetType().Name} (settings hold strings and lists only)";
            }
        }

        private static string? AppendString(StringBuilder sb, string s)
        {
            if (XlConfigParser.IsNumberToken(s))
            {
                sb.Append(s);
                return null;
            }
            sb.Append('"');
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '"': sb.Append("\\\""); continue;
                    case '\\': sb.Append("\\\\"); continue;
                    case '\a': sb.Append("\\a"); continue;
                    case '\b': sb.Append("\\b"); continue;
                    case '\f': sb.Append("\\f"); continue;
                    case '\n': sb.Append("\\n"); continue;
                    case '\r': sb.Append("\\r"); continue;
                    case '\t': sb.Append("\\t"); continue;
                    case '\v': sb.Append("\\v"); continue;
                }
                if (c < ' ')
                    return string.Format(CultureInfo.InvariantCulture, "the character U+{0:X4} at offset {1} has no xl escape (xl 4.17 rejects \\x escapes)", (int)c, i);
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[i + 1]);
                        i++;
                        continue;
                    }
                    return string.Format(CultureInfo.InvariantCulture, "a lone UTF-16 surrogate at offset {0} cannot be encoded in UTF-8", i);
                }
                if (char.IsLowSurrogate(c))
                    return string.Format(CultureInfo.InvariantCulture, "a lone UTF-16 surrogate at offset {0} cannot be encoded in UTF-8", i);
                sb.Append(c);
            }
            sb.Append('"');
            return null;
        }
    }
}
