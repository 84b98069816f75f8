using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Config
{
    /// <summary>
    /// Reads xl.cfg text exactly as Xen 4.17's libxlu does (see XL-FACTS.md), with 1-based line and column for
    /// every diagnostic, and diagnoses legacy xm (Python) files precisely.
    /// </summary>
    /// <remarks>
    /// <para>Decisions where libxlu is buggy or unfriendly (XenPS hands xl its own canonical text, never the user's bytes):</para>
    /// <list type="bullet">
    /// <item>CR / CRLF line endings: read as line ends, one <c>CarriageReturn</c> warning (libxlu: lexical error).</item>
    /// <item>A comment on the last line without a newline: read, <c>CommentAtEndOfFile</c> warning (libxlu: lexical error).
    /// Not reported when overrides follow, because xl then appends a newline itself.</item>
    /// <item>Octal escapes <c>\ooo</c> (1–3 digits, value 1..255): stored as the character they name (C meaning),
    /// with an <c>OctalEscape</c> warning (libxlu 4.17 silently drops them). <c>\0</c> and values above 255 are errors.</item>
    /// <item>A NUL byte anywhere is an error (<c>NulByte</c>): libxlu aborts.</item>
    /// <item>Lists nest at most <see cref="ConfigLimits.MaxNestingDepth"/> deep (<c>NestingTooDeep</c> at the first '[' too
    /// many; libxlu's bison stack gives up at 4,997 with "memory exhausted"); recursion is bounded by that depth.</item>
    /// <item><c>+=</c> onto a value that looks like a number concatenates the text as libxlu does and warns
    /// (<c>AppendToNumber</c>): xl refuses it when it reads the number.</item>
    /// <item>Error recovery: after an error the rest of the statement is skipped up to the end of its line (including the
    /// lines of a list it opened); at most one error is reported per line, as libxlu does. libxlu reports an error at a
    /// newline one line early; XenPS reports the real line.</item>
    /// <item>Overrides (<c>xl create FILE key=value ...</c>) are parsed after the file, as xl does, but each is its own
    /// source: diagnostics name File "&lt;override&gt;" with line and column inside the override. An override that is not
    /// valid xl but has the shape <c>key=value</c> takes everything after the first '=' as a literal string, spaces and
    /// '=' included, as xm did (<c>OverrideLiteral</c> information), so <c>kernel=/boot/vmlinuz</c> and
    /// <c>extra=console=hvc0 quiet</c> work on the command line; a value that starts with a quote or '[' is xl syntax
    /// and its errors are reported.</item>
    /// <item>Legacy xm with <see cref="ConfigReadOptions.AllowLegacyXm"/>: True/False become "1"/"0"; a value of None omits
    /// the setting; integer arithmetic on literals (+ - * / // % ** and parentheses, Python 2 floor division) and string
    /// concatenation are evaluated, negative results kept as decimal text ("-1"); upper-case or hyphenated keys are
    /// lower-cased and '-' becomes '_'; triple-quoted strings are taken literally. Each conversion is a
    /// <c>LegacyXmConverted</c> warning. Imports, variables, calls, % formatting and statements stay errors.</item>
    /// </list>
    /// </remarks>
    public static partial class XlConfigParser
    {
        /// <summary>File name used in diagnostics and positions for name=value overrides.</summary>
        public const string OverrideSource = "<override>";

        /// <summary>Parses xl.cfg text followed by overrides; null when there was any error (diagnostics say why).</summary>
        public static XenDomainConfig? Parse(string text, string fileName, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics) =>
            Parse(text, fileName, overrides, options, diagnostics, CancellationToken.None);

        /// <summary>Parses xl.cfg text followed by overrides, honouring <paramref name="cancellationToken"/>; null when there was any error.</summary>
        public static XenDomainConfig? Parse(string text, string fileName, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics,
            CancellationToken cancellationToken)
        {
            var budget = new DiagnosticBudget();
            var config = Parse(text, fileName, overrides, options, diagnostics, budget, cancellationToken);
            budget.AddSummary(diagnostics, fileName);
            return config;
        }

        internal static XenDomainConfig? Parse(string text, string fileName, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics,
            DiagnosticBudget budget, CancellationToken cancellationToken)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            options ??= new ConfigReadOptions();
            overrides ??= Array.Empty<string>();
            cancellationToken.ThrowIfCancellationRequested();
            var config = new XenDomainConfig();
            var ctx = new ParseContext(config, options, diagnostics, budget, cancellationToken);
            int before = budget.Errors;
            ParseSegment(ctx, text, fileName ?? "<config>", overrideText: null, warnTrailingComment: overrides.Count == 0);
            foreach (string o in overrides) ApplyOverride(ctx, o);
            ctx.Finish();
            return budget.Errors > before ? null : config;
        }

        /// <summary>Applies name=value overrides (xl syntax, several per string separated by ';') onto a config already read.</summary>
        public static void ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics) =>
            ApplyOverrides(config, overrides, options, diagnostics, CancellationToken.None);

        /// <summary>Applies name=value overrides onto a config already read, honouring <paramref name="cancellationToken"/>.</summary>
        public static void ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics,
            CancellationToken cancellationToken)
        {
            var budget = new DiagnosticBudget();
            ApplyOverrides(config, overrides, options, diagnostics, budget, cancellationToken);
            budget.AddSummary(diagnostics, OverrideSource);
        }

        internal static void ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics,
            DiagnosticBudget budget, CancellationToken cancellationToken)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            if (overrides is null) return;
            var ctx = new ParseContext(config, options ?? new ConfigReadOptions(), diagnostics, budget, cancellationToken);
            foreach (string o in overrides) ApplyOverride(ctx, o);
            ctx.Finish();
        }

        /// <summary>User text as messages quote it (see <see cref="ConfigLimits.Excerpt(string?)"/>).</summary>
        private static string Q(string? text) => ConfigLimits.Excerpt(text);

        private static int CountErrors(List<XenDiagnostic> diagnostics)
        {
            int n = 0;
            foreach (var d in diagnostics) if (d.Severity == DiagnosticSeverity.Error) n++;
            return n;
        }

        private static void ApplyOverride(ParseContext ctx, string? text)
        {
            if (string.IsNullOrEmpty(text)) return;
            var attempt = new List<XenDiagnostic>();
            var probe = ctx.Fork(attempt);
            ParseSegment(probe, text!, OverrideSource, text, warnTrailingComment: false);
            if (CountErrors(attempt) == 0)
            {
                ParseSegment(ctx, text!, OverrideSource, text, warnTrailingComment: false);
                return;
            }

            // Not valid xl. xm took `name=value` with everything after the first '=' as the value (spaces and '='
            // included: extra=console=hvc0 quiet): take such pieces literally. First piece by piece (';' separates
            // assignments, as in xl), else the whole override as one assignment, as xm read one argument.
            var pieces = new List<(string piece, int column)>();
            int col = 1;
            foreach (string piece in text!.Split(';'))
            {
                pieces.Add((piece, col));
                col += piece.Length + 1;
            }
            var plan = new List<(string piece, int column, string? key, string? literal)>();
            foreach (var (piece, column) in pieces)
            {
                var pd = new List<XenDiagnostic>();
                ParseSegment(ctx.Fork(pd), piece, OverrideSource, text, warnTrailingComment: false);
                if (CountErrors(pd) == 0) { plan.Add((piece, column, null, null)); continue; }
                if (TrySplitLiteral(piece, out string key, out string literal)) { plan.Add((piece, column, key, literal)); continue; }
                plan = null;
                break;
            }
            if (plan == null && pieces.Count > 1 && TrySplitLiteral(text, out string wholeKey, out string wholeLiteral))
                plan = new List<(string, int, string?, string?)> { (text, 1, wholeKey, wholeLiteral) };
            if (plan != null)
            {
                foreach (var (piece, column, key, literal) in plan)
                {
                    if (key is null)
                    {
                        ParseSegment(ctx, piece, OverrideSource, text, warnTrailingComment: false, column - 1);
                        continue;
                    }
                    int kcol = column + piece.IndexOf(key, StringComparison.Ordinal);
                    var pos = new SourcePosition(OverrideSource, 1, kcol);
                    ctx.Report(new XenDiagnostic(DiagnosticSeverity.Information, "OverrideLiteral",
                        $"Override `{Q(text)}': the value of '{Q(key)}' is not quoted; XenPS takes everything after the first '=' as the string \"{Q(literal)}\" (as xm did; xl would report a syntax error).",
                        OverrideSource, 1, kcol, $"Quote it for xl: {Q(key)}={Q(QuoteForXl(literal!))}."));
                    ctx.Assign(key, literal!, append: false, pos);
                }
                return;
            }
            // Report the real errors, positioned inside the override.
            ParseSegment(ctx, text, OverrideSource, text, warnTrailingComment: false);
        }

        /// <summary>
        /// key=value where key is a valid xl key and value, everything after the first '=' (trimmed, as xm did), is not
        /// empty, holds no control character, and does not start like an xl string or list (a quote or '[': then the
        /// override meant xl syntax, and its real error is reported).
        /// </summary>
        private static bool TrySplitLiteral(string piece, out string key, out string literal)
        {
            key = literal = "";
            int eq = piece.IndexOf('=');
            if (eq <= 0) return false;
            string k = piece.Substring(0, eq).Trim(' ', '\t');
            string v = piece.Substring(eq + 1).Trim(' ', '\t');
            if (k.EndsWith("+", StringComparison.Ordinal)) return false;
            if (!IsValidKey(k) || v.Length == 0) return false;
            if (v[0] == '"' || v[0] == '\'' || v[0] == '[') return false;
            foreach (char c in v)
                if ((c < ' ' && c != '\t') || c == '\u007f') return false;
            key = k;
            literal = v;
            return true;
        }

        private static string QuoteForXl(string value) =>
            "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        /// <summary>True when <paramref name="key"/> matches libxlu's key token [a-z][._0-9a-z]*.</summary>
        public static bool IsValidKey(string? key)
        {
            if (string.IsNullOrEmpty(key)) return false;
            if (key![0] < 'a' || key[0] > 'z') return false;
            for (int i = 1; i < key.Length; i++)
                if (!XlLexer.IsKeyChar(key[i])) return false;
            return true;
        }

        /// <summary>True when <paramref name="text"/> matches libxlu's number token [0-9][0-9a-fx]*.</summary>
        public static bool IsNumberToken(string? text)
        {
            if (string.IsNullOrEmpty(text)) return false;
            if (text![0] < '0' || text[0] > '9') return false;
            for (int i = 1; i < text.Length; i++)
                if (!XlLexer.IsNumberChar(text[i])) return false;
            return true;
        }

        private static void ParseSegment(ParseContext ctx, string text, string file, string? overrideText, bool warnTrailingComment,
            int columnShift = 0)
        {
            var lexWarnings = new List<XenDiagnostic>();
            var lexer = new XlLexer(text, file, lexWarnings, ctx.Cancel);
            lexer.Run();
            var parser = new SegmentParser(ctx, lexer, file, overrideText, columnShift);
            foreach (var w in lexWarnings) ctx.Report(parser.Locate(w));
            for (int i = 0; i < lexer.DroppedWarnings; i++) ctx.Budget.CountDropped(DiagnosticSeverity.Warning);
            parser.Run();
            ctx.Flush();
            if (warnTrailingComment && lexer.TrailingCommentLine > 0)
            {
                ctx.Report(new XenDiagnostic(DiagnosticSeverity.Warning, "CommentAtEndOfFile",
                    "The last line is a comment without a newline; xl 4.17 rejects that with a lexical error.",
                    file, lexer.TrailingCommentLine, lexer.TrailingCommentColumn,
                    "End the file with a newline."));
            }
        }
    }
}
