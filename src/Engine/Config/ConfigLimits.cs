using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenPS.Config
{
    /// <summary>
    /// The bounds that keep a hostile or broken config from hanging, crashing or exhausting the reader. Each is far
    /// beyond what a real config reaches (a real xl.cfg is a few KiB, nests lists two deep and has a few dozen keys);
    /// docs/help/about_XenPS.md lists them.
    /// </summary>
    public static class ConfigLimits
    {
        /// <summary>
        /// Largest config file read (1 MiB). xl itself refuses only files over 2 GiB ("file ... is far too large",
        /// libxl_read_file_contents); real configs are a few KiB.
        /// </summary>
        public const long MaxFileBytes = 1024 * 1024;

        /// <summary>
        /// Deepest nesting of lists (xl.cfg), sequences and mappings (YAML) and parentheses or signs (legacy xm
        /// expressions). libxlu 4.17's bison parser gives up at 4,997 nested lists ("memory exhausted", bison's
        /// default YYMAXDEPTH of 10,000 stack entries, two per '['); real configs nest two deep (vnuma).
        /// </summary>
        public const int MaxNestingDepth = 100;

        /// <summary>Most YAML nodes in a document, counting every node an alias repeats (stops "billion laughs").</summary>
        public const int MaxYamlNodes = 100_000;

        /// <summary>Most diagnostics of one severity group (errors; warnings and information) reported for one read;
        /// the rest are counted in one <c>TooManyDiagnostics</c> summary.</summary>
        public const int MaxDiagnostics = 100;

        /// <summary>Most characters of user text a diagnostic quotes; longer text is cut and ends in "…".</summary>
        public const int MaxQuotedChars = 40;

        /// <summary>
        /// User text as a diagnostic quotes it: at most <see cref="MaxQuotedChars"/> characters followed by "…" and
        /// the full length when cut, so a 10-million-character word makes a short message.
        /// </summary>
        public static string Excerpt(string? text) => text is null ? "" : Excerpt(text, 0, text.Length);

        /// <summary>The excerpt of <paramref name="length"/> characters of <paramref name="text"/> from <paramref name="start"/>.</summary>
        public static string Excerpt(string text, int start, int length)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            if (length <= MaxQuotedChars) return text.Substring(start, length);
            int cut = MaxQuotedChars;
            if (char.IsHighSurrogate(text[start + cut - 1])) cut--; // never split a surrogate pair
            return text.Substring(start, cut) + "… (" + length.ToString("N0", CultureInfo.InvariantCulture) + " characters)";
        }

        /// <summary>The excerpt of a value being built (without copying all of it).</summary>
        public static string Excerpt(StringBuilder text)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            if (text.Length <= MaxQuotedChars) return text.ToString();
            int cut = MaxQuotedChars;
            if (char.IsHighSurrogate(text[cut - 1])) cut--;
            return text.ToString(0, cut) + "… (" + N(text.Length) + " characters)";
        }

        /// <summary>A count as messages write it (1,000,000: invariant culture).</summary>
        internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

        /// <summary>Formats a byte count as "1 MiB" / "512 KiB" / "N bytes" for messages.</summary>
        internal static string Bytes(long n)
        {
            if (n >= 1024 * 1024 && n % (1024 * 1024) == 0) return (n / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MiB";
            if (n >= 1024 && n % 1024 == 0) return (n / 1024).ToString(CultureInfo.InvariantCulture) + " KiB";
            return n.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
        }
    }

    /// <summary>
    /// Counts the diagnostics of one read and keeps at most <see cref="ConfigLimits.MaxDiagnostics"/> errors and as many
    /// warnings/information; the rest are only counted, and <see cref="AddSummary"/> reports them as one diagnostic.
    /// Errors are counted whether kept or not, so a read with a dropped error still fails.
    /// </summary>
    internal sealed class DiagnosticBudget
    {
        private readonly int _max;
        private int _keptErrors, _keptOthers;
        private int _droppedErrors, _droppedWarnings, _droppedInfos;
        private XenDiagnostic? _firstDropped;

        public DiagnosticBudget(int max = ConfigLimits.MaxDiagnostics)
        {
            _max = max;
        }

        /// <summary>Every error reported, kept or dropped.</summary>
        public int Errors { get; private set; }

        public int Dropped => _droppedErrors + _droppedWarnings + _droppedInfos;

        /// <summary>True once a dropped diagnostic's position is known (later ones need not say where they are).</summary>
        public bool KnowsFirstDropped => _firstDropped != null;

        /// <summary>True when a diagnostic of this severity would only be counted (callers skip costly hints then).</summary>
        public bool IsFull(DiagnosticSeverity severity) =>
            severity == DiagnosticSeverity.Error ? _keptErrors >= _max : _keptOthers >= _max;

        /// <summary>Adds <paramref name="d"/> to <paramref name="list"/> or only counts it; true when it was added.</summary>
        public bool Add(List<XenDiagnostic> list, XenDiagnostic d)
        {
            if (IsFull(d.Severity))
            {
                CountDropped(d.Severity, d);
                return false;
            }
            if (d.Severity == DiagnosticSeverity.Error)
            {
                Errors++;
                _keptErrors++;
            }
            else
            {
                _keptOthers++;
            }
            list.Add(d);
            return true;
        }

        /// <summary>Counts a diagnostic that is not shown (callers that check <see cref="IsFull"/> first skip building it).</summary>
        public void CountDropped(DiagnosticSeverity severity, XenDiagnostic? where = null)
        {
            switch (severity)
            {
                case DiagnosticSeverity.Error:
                    Errors++;
                    _droppedErrors++;
                    break;
                case DiagnosticSeverity.Warning:
                    _droppedWarnings++;
                    break;
                default:
                    _droppedInfos++;
                    break;
            }
            if (_firstDropped is null && where != null) _firstDropped = where;
        }

        /// <summary>Appends one TooManyDiagnostics summary when anything was dropped (an error when an error was).</summary>
        public void AddSummary(List<XenDiagnostic> list, string? file)
        {
            if (Dropped == 0) return;
            var parts = new List<string>(3);
            if (_droppedErrors > 0) parts.Add(Plural(_droppedErrors, "more error"));
            if (_droppedWarnings > 0) parts.Add(Plural(_droppedWarnings, "more warning"));
            if (_droppedInfos > 0) parts.Add(Plural(_droppedInfos, "more information message"));
            string from = _firstDropped is null || _firstDropped.Line <= 0 ? "" : $", the first at {_firstDropped.Location}";
            list.Add(new XenDiagnostic(_droppedErrors > 0 ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, "TooManyDiagnostics",
                $"… and {string.Join(", ", parts)} (not shown{from}): XenPS reports at most {_max} errors and {_max} warnings per config.",
                _firstDropped?.File ?? file, 0, 0,
                "Fix the findings shown and read the file again; a file with this many findings is probably not a domain config."));
            _droppedErrors = _droppedWarnings = _droppedInfos = 0;
            _firstDropped = null;
        }

        private static string Plural(int n, string what) =>
            n.ToString("N0", CultureInfo.InvariantCulture) + " " + what + (n == 1 ? "" : "s");
    }
}
