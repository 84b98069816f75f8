using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;

namespace XenPS
{
    /// <summary>Where a config came from.</summary>
    public enum ConfigFormat
    {
        /// <summary>Decide from the file extension, then the content.</summary>
        Auto = 0,
        /// <summary>xl.cfg (libxlu grammar).</summary>
        Xl = 1,
        /// <summary>YAML with the XenPS schema.</summary>
        Yaml = 2,
    }

    /// <summary>Position of a setting in its source, for diagnostics.</summary>
    public readonly struct SourcePosition
    {
        public SourcePosition(string? file, int line, int column)
        {
            File = file;
            Line = line;
            Column = column;
        }

        public string? File { get; }
        public int Line { get; }
        public int Column { get; }
        public override string ToString() => $"{File ?? "<config>"}:{Line}:{Column}";
    }

    /// <summary>
    /// One domain configuration, whatever it was read from (xl.cfg, a legacy xm file, YAML, overrides).
    /// <see cref="Settings"/> holds every key exactly as xl would read it (after += and last-duplicate-wins,
    /// in first-seen order): each value is a <see cref="string"/> (numbers as written, strings after escape
    /// processing) or an <c>object[]</c> of such values (lists nest). The typed properties are views over
    /// <see cref="Settings"/>, so nothing unmodelled is ever lost.
    /// </summary>
    public sealed partial class XenDomainConfig
    {
        private readonly Dictionary<string, SourcePosition> _positions = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);

        public XenDomainConfig()
        {
            Settings = new OrderedDictionary(StringComparer.Ordinal);
            Diagnostics = new List<XenDiagnostic>();
        }

        /// <summary>Every setting: key to string or object[] (nested).</summary>
        public OrderedDictionary Settings { get; }

        /// <summary>The file this config was read from (null when built in memory; "/dev/null" for overrides only).</summary>
        public string? SourcePath { get; set; }

        /// <summary>The format it was read from.</summary>
        public ConfigFormat SourceFormat { get; set; }

        /// <summary>Warnings and information found while reading (errors make reading fail instead).</summary>
        public List<XenDiagnostic> Diagnostics { get; }

        /// <summary>Sets a value (string or object[]), recording where it came from.</summary>
        public void Set(string key, object value, SourcePosition position = default)
        {
            if (key is null) throw new ArgumentNullException(nameof(key));
            if (!(value is string) && !(value is object[]))
                throw new ArgumentException("A setting is a string or an object[] of settings values.", nameof(value));
            Settings[key] = value;
            _positions[key] = position;
        }

        /// <summary>Removes a key; true when it was there.</summary>
        public bool Remove(string key)
        {
            bool had = Settings.Contains(key);
            Settings.Remove(key);
            _positions.Remove(key);
            return had;
        }

        /// <summary>The value of a key (string or object[]) or null.</summary>
        public object? Get(string key) => Settings.Contains(key) ? Settings[key] : null;

        /// <summary>The value of a key when it is a string, else null.</summary>
        public string? GetString(string key) => Get(key) as string;

        /// <summary>Where the key was (last) set, when known.</summary>
        public SourcePosition? GetPosition(string key) => _positions.TryGetValue(key, out var p) ? p : (SourcePosition?)null;

        /// <summary>A deep copy (settings, positions, source, diagnostics).</summary>
        public XenDomainConfig Clone()
        {
            var copy = new XenDomainConfig { SourcePath = SourcePath, SourceFormat = SourceFormat };
            foreach (DictionaryEntry e in Settings)
            {
                string k = (string)e.Key;
                copy.Settings[k] = DeepCopy(e.Value!);
                if (_positions.TryGetValue(k, out var p)) copy._positions[k] = p;
            }
            copy.Diagnostics.AddRange(Diagnostics);
            return copy;
        }

        private static object DeepCopy(object v)
        {
            if (v is object[] arr)
            {
                var r = new object[arr.Length];
                for (int i = 0; i < arr.Length; i++) r[i] = DeepCopy(arr[i]);
                return r;
            }
            return v;
        }

        /// <summary>Parses an xl integer the way xl does (strtol base 0: decimal, 0-octal, 0x-hex); null when absent or not a number.</summary>
        public static long? ParseXlInteger(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            string s = text!;
            try
            {
                if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && s.Length > 2)
                    return long.Parse(s.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                if (s.Length > 1 && s[0] == '0')
                    return Convert.ToInt64(s.Substring(1), 8);
                return long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            catch (FormatException) { return null; }
            catch (OverflowException) { return null; }
            catch (ArgumentException) { return null; }
        }

        public override string ToString() => Name ?? "<unnamed config>";
    }
}
