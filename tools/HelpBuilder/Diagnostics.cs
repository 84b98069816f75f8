using System;
using System.Collections.Generic;

namespace XenPS.HelpBuilder
{
    public enum Severity { Warning, Error }

    /// <summary>One finding, printed as <c>file:line: error: message Fix: ...</c>.</summary>
    public sealed record HelpDiagnostic(Severity Severity, string File, int Line, string Message, string? Fix = null)
    {
        public override string ToString()
        {
            string where = Line > 0 ? $"{File}:{Line}" : File;
            string kind = Severity == Severity.Error ? "error" : "warning";
            return Fix == null ? $"{where}: {kind}: {Message}" : $"{where}: {kind}: {Message} Fix: {Fix}";
        }
    }

    /// <summary>A page that cannot be read at all (malformed front matter or yaml block).</summary>
    public sealed class HelpFormatException : Exception
    {
        public HelpFormatException(string file, int line, string message, string? fix = null)
            : base(message)
        {
            Diagnostic = new HelpDiagnostic(Severity.Error, file, line, message, fix);
        }

        public HelpDiagnostic Diagnostic { get; }
    }

    /// <summary>Collects findings; the build fails when any is an error.</summary>
    public sealed class DiagnosticBag
    {
        private readonly List<HelpDiagnostic> _items = new();

        public IReadOnlyList<HelpDiagnostic> Items => _items;

        public bool HasErrors => _items.Exists(d => d.Severity == Severity.Error);

        public void Error(string file, int line, string message, string? fix = null) =>
            _items.Add(new HelpDiagnostic(Severity.Error, file, line, message, fix));

        public void Warn(string file, int line, string message, string? fix = null) =>
            _items.Add(new HelpDiagnostic(Severity.Warning, file, line, message, fix));

        public void Add(HelpDiagnostic d) => _items.Add(d);
    }
}
