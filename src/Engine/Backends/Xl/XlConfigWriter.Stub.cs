// ============================================================================================================
// LOCAL STUB — DELETE THIS FILE when the real XenPS.Config.XlConfigWriter (written by the config engineer,
// same signature: public static string Write(XenDomainConfig config)) is merged. It exists only so the xl
// backend compiles, its tests run and the lab can create guests on this branch. It writes every setting as
// `key = value`: plain xl numbers bare, everything else as a double-quoted string, lists in brackets.
// ============================================================================================================
using System.Collections;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Config
{
    public static class XlConfigWriter
    {
        public static string Write(XenDomainConfig config)
        {
            var sb = new StringBuilder();
            foreach (DictionaryEntry e in config.Settings)
                sb.Append((string)e.Key).Append(" = ").Append(Value(e.Value!)).Append('\n');
            return sb.ToString();
        }

        private static string Value(object v)
        {
            if (v is object[] list)
            {
                var sb = new StringBuilder("[ ");
                for (int i = 0; i < list.Length; i++) sb.Append(i > 0 ? ", " : "").Append(Value(list[i]));
                return sb.Append(" ]").ToString();
            }
            string s = (string)v;
            if (Regex.IsMatch(s, "^[0-9][0-9a-fx]*$")) return s;
            return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\"";
        }
    }
}
