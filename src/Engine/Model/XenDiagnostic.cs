using System;
using System.Globalization;

namespace XenPS
{
    /// <summary>How serious a config diagnostic is.</summary>
    public enum DiagnosticSeverity
    {
        Information = 0,
        Warning = 1,
        Error = 2,
    }

    /// <summary>
    /// One finding about a domain configuration: what is wrong, where (file:line:column), and how to fix it.
    /// <see cref="Code"/> is a stable PascalCase identifier (for example <c>UnknownKey</c>) that scripts may test.
    /// </summary>
    public sealed class XenDiagnostic
    {
        public XenDiagnostic(DiagnosticSeverity severity, string code, string message, string? file, int line, int column, string? hint = null)
        {
            Severity = severity;
            Code = code ?? throw new ArgumentNullException(nameof(code));
            Message = Bound(message ?? throw new ArgumentNullException(nameof(message)));
            File = file;
            Line = line;
            Column = column;
            Hint = hint is null ? null : Bound(hint);
        }

        /// <summary>
        /// Longest <see cref="Message"/> or <see cref="Hint"/> kept (a safety net: the readers quote user text as short
        /// excerpts, so a real diagnostic is far shorter; longer text is cut and ends in "…").
        /// </summary>
        public const int MaxTextLength = 1000;

        private static string Bound(string text)
        {
            if (text.Length <= MaxTextLength) return text;
            int cut = MaxTextLength - 1;
            if (char.IsHighSurrogate(text[cut - 1])) cut--;
            return text.Substring(0, cut) + "…";
        }

        public DiagnosticSeverity Severity { get; }
        public string Code { get; }
        public string Message { get; }
        /// <summary>The file the finding is in; "&lt;override&gt;" for a name=value override, null when unknown.</summary>
        public string? File { get; }
        /// <summary>1-based line, 0 when not tied to a line.</summary>
        public int Line { get; }
        /// <summary>1-based column, 0 when not tied to a column.</summary>
        public int Column { get; }
        /// <summary>How to fix it, or null.</summary>
        public string? Hint { get; }

        /// <summary>"file:line:column" (the parts that are known).</summary>
        public string Location
        {
            get
            {
                string f = File ?? "<config>";
                if (Line <= 0) return f;
                return Column > 0
                    ? string.Format(CultureInfo.InvariantCulture, "{0}:{1}:{2}", f, Line, Column)
                    : string.Format(CultureInfo.InvariantCulture, "{0}:{1}", f, Line);
            }
        }

        public override string ToString()
        {
            string sev = Severity switch
            {
                DiagnosticSeverity.Error => "error",
                DiagnosticSeverity.Warning => "warning",
                _ => "info",
            };
            string text = $"{Location}: {sev} {Code}: {Message}";
            return Hint is null ? text : text + " " + Hint;
        }
    }
}
