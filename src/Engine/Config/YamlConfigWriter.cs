using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Config
{
    /// <summary>
    /// Writes a config as YAML with the XenPS schema, so that <see cref="YamlConfigReader.Read"/> gives back the same
    /// Settings. A scalar is written plain only when every YAML reader takes it as that same string: a decimal
    /// integer without leading zeros, or a word/path of letters, digits and _ . / + - that is not a YAML keyword
    /// (yes, no, on, off, true, false, null, y, n, ...); everything else is double-quoted.
    /// Lists are block sequences; an empty list is [].
    /// </summary>
    public static class YamlConfigWriter
    {
        private static readonly Regex PlainWord = new Regex(@"^[A-Za-z_/][A-Za-z0-9_./+-]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex PlainInteger = new Regex(@"^(?:0|[1-9][0-9]*)\z", RegexOptions.CultureInvariant);

        private static readonly HashSet<string> Keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf",
        };

        public static string Write(XenDomainConfig config)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            var sb = new StringBuilder();
            foreach (DictionaryEntry e in config.Settings)
            {
                string key = (string)e.Key;
                sb.Append(Scalar(key)).Append(':');
                WriteValue(sb, e.Value!, 0);
            }
            return sb.ToString();
        }

        private static void WriteValue(StringBuilder sb, object value, int indent)
        {
            if (value is string s)
            {
                sb.Append(' ').Append(Scalar(s)).Append('\n');
                return;
            }
            var list = (object[])value;
            if (list.Length == 0)
            {
                sb.Append(" []\n");
                return;
            }
            sb.Append('\n');
            WriteSequence(sb, list, indent + 2);
        }

        private static void WriteSequence(StringBuilder sb, object[] items, int indent)
        {
            foreach (object item in items)
            {
                sb.Append(' ', indent).Append('-');
                if (item is object[] nested && nested.Length > 0)
                {
                    sb.Append('\n');
                    WriteSequence(sb, nested, indent + 2);
                }
                else
                {
                    WriteValue(sb, item, indent);
                }
            }
        }

        /// <summary>The YAML text of one scalar: plain when that is unambiguous, else double-quoted.</summary>
        public static string Scalar(string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if (PlainInteger.IsMatch(value)) return value;
            if (PlainWord.IsMatch(value) && !Keywords.Contains(value)) return value;
            return Quote(value);
        }

        private static string Quote(string value)
        {
            var sb = new StringBuilder(value.Length + 2);
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\0': sb.Append("\\0"); break;
                    default:
                        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029' || c == '\ufeff' || c == '\ufffe' || c == '\uffff')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
            return sb.ToString();
        }
    }
}
