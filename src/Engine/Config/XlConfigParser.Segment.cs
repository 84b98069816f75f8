using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace XenPS.Config
{
    public static partial class XlConfigParser
    {
        /// <summary>State shared by the file and its overrides: the config being built and what was seen.</summary>
        private sealed class ParseContext
        {
            private readonly HashSet<string> _names;
            private readonly bool _isFork;
            private bool _pythonSeen;
            private string? _pyFile;
            private int _pyLine, _pyCol;

            public ParseContext(XenDomainConfig config, ConfigReadOptions options, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
                : this(config, options, diagnostics, null, false, budget, cancellationToken)
            {
            }

            private ParseContext(XenDomainConfig config, ConfigReadOptions options, List<XenDiagnostic> diagnostics, HashSet<string>? names, bool fork,
                DiagnosticBudget budget, CancellationToken cancellationToken)
            {
                Config = config;
                Options = options;
                Diagnostics = diagnostics;
                Budget = budget;
                Cancel = cancellationToken;
                _isFork = fork;
                _names = names ?? new HashSet<string>(StringComparer.Ordinal);
            }

            public XenDomainConfig Config { get; }
            public ConfigReadOptions Options { get; }
            public List<XenDiagnostic> Diagnostics { get; }
            /// <summary>Caps what is kept in <see cref="Diagnostics"/> and counts every error (kept or not).</summary>
            public DiagnosticBudget Budget { get; }
            public CancellationToken Cancel { get; }

            /// <summary>Every diagnostic goes through here, so that a file with a million mistakes keeps a hundred.</summary>
            public void Report(XenDiagnostic d) => Budget.Add(Diagnostics, d);

            /// <summary>A throw-away context over a copy of the config (to try a parse without side effects).</summary>
            public ParseContext Fork(List<XenDiagnostic> sink)
            {
                Flush();
                return new ParseContext(Config.Clone(), Options, sink, new HashSet<string>(_names, StringComparer.Ordinal), true, new DiagnosticBudget(), Cancel);
            }

            /// <summary>Remembers a name assigned without becoming a setting (a legacy key spelling, a None value).</summary>
            public void NoteKey(string name) => _names.Add(name);

            /// <summary>Whether a bare word names something assigned earlier (then it is a Python variable, not a bare word).</summary>
            public bool IsKnownName(string name) => Config.Settings.Contains(name) || _names.Contains(name);

            public void MarkPython(string file, int line, int col)
            {
                if (_pythonSeen) return;
                _pythonSeen = true;
                _pyFile = file;
                _pyLine = line;
                _pyCol = col;
            }

            public void Finish()
            {
                Flush();
                if (_isFork || !_pythonSeen) return;
                Report(new XenDiagnostic(DiagnosticSeverity.Information, "PythonDetected",
                    "Config file looks like it contains Python code. Arbitrary Python is no longer supported.",
                    _pyFile, _pyLine, _pyCol,
                    Options.AllowLegacyXm
                        ? "The literal subset was converted (see the warnings); save the config to get a plain xl.cfg."
                        : "Rewrite it as literal key = value lines (see the errors), or read it with the legacy xm option to convert the literal subset (True/False, arithmetic, negative numbers, key spelling)."));
            }

            /// <summary>A value being built by '+=': kept growable so that N appends cost O(total), not O(N²).</summary>
            private sealed class Pending
            {
                public System.Text.StringBuilder? Text;
                public List<object>? Items;
                /// <summary>Whether <see cref="Text"/> matches the number token (for the AppendToNumber warning).</summary>
                public bool Numeric;
                public SourcePosition Position;
            }

            private readonly Dictionary<string, Pending> _pending = new Dictionary<string, Pending>(StringComparer.Ordinal);

            /// <summary>Writes the values '+=' is building into the config (after each source, before a fork, at the end).</summary>
            public void Flush()
            {
                if (_pending.Count == 0) return;
                foreach (var e in _pending)
                {
                    object v = e.Value.Text != null ? e.Value.Text.ToString() : e.Value.Items!.ToArray();
                    Config.Set(e.Key, v, e.Value.Position);
                }
                _pending.Clear();
            }

            private static bool AllNumberChars(string s)
            {
                foreach (char c in s)
                    if (!XlLexer.IsNumberChar(c)) return false;
                return true;
            }

            /// <summary>'=' or '+=' with libxlu's rules; false (and an error) when += mixes a string and a list.</summary>
            public bool Assign(string key, object value, bool append, SourcePosition pos)
            {
                var settings = Config.Settings;
                _pending.TryGetValue(key, out var pending);
                if (!append || (pending is null && !settings.Contains(key)))
                {
                    if (pending != null) _pending.Remove(key);
                    Config.Set(key, value, pos);
                    return true;
                }
                if (pending is null)
                {
                    object existing = settings[key]!;
                    pending = existing is string s
                        ? new Pending { Text = new System.Text.StringBuilder(s), Numeric = IsNumberToken(s) }
                        : new Pending { Items = new List<object>((object[])existing) };
                    pending.Position = GetPositionOrDefault(key);
                    _pending[key] = pending;
                }
                if (pending.Text != null)
                {
                    if (value is string vs)
                    {
                        bool wasEmpty = pending.Text.Length == 0, wasNumeric = pending.Numeric;
                        bool warn = wasNumeric && !Budget.IsFull(DiagnosticSeverity.Warning);
                        string? before = warn ? ConfigLimits.Excerpt(pending.Text) : null;
                        pending.Text.Append(vs);
                        pending.Numeric = wasEmpty ? IsNumberToken(vs) : wasNumeric && AllNumberChars(vs);
                        pending.Position = pos;
                        if (warn)
                        {
                            Report(new XenDiagnostic(DiagnosticSeverity.Warning, "AppendToNumber",
                                $"'{Q(key)} += ...' on the number {before} makes the text \"{ConfigLimits.Excerpt(pending.Text)}\"; xl refuses += on numbers (\"can't use += with numbers\") when it reads one.",
                                pos.File, pos.Line, pos.Column,
                                $"Write the final value with '=' instead, e.g. {Q(key)} = <total>."));
                        }
                        else if (wasNumeric)
                        {
                            Budget.CountDropped(DiagnosticSeverity.Warning);
                        }
                        return true;
                    }
                    Report(new XenDiagnostic(DiagnosticSeverity.Error, "AppendTypeMismatch",
                        $"Cannot append a list to '{Q(key)}', which holds a string.",
                        pos.File, pos.Line, pos.Column,
                        $"Use '=' to replace the value, or append a string: {Q(key)} += \"...\"."));
                    return false;
                }
                if (value is object[] add)
                {
                    pending.Items!.AddRange(add);
                    pending.Position = pos;
                    return true;
                }
                Report(new XenDiagnostic(DiagnosticSeverity.Error, "AppendTypeMismatch",
                    $"Cannot append a string to '{Q(key)}', which holds a list.",
                    pos.File, pos.Line, pos.Column,
                    $"Append a list instead: {Q(key)} += [ \"...\" ]."));
                return false;
            }

            private SourcePosition GetPositionOrDefault(string key) => Config.GetPosition(key) ?? default;
        }

        /// <summary>Recursive descent over one source (the file, or one override), mirroring libxlu_cfg_y.y.</summary>
        private sealed partial class SegmentParser
        {
            private static readonly HashSet<string> PythonKeywords = new HashSet<string>(StringComparer.Ordinal)
            {
                "if", "elif", "else", "for", "while", "def", "class", "return", "try", "except", "finally", "with",
                "print", "pass", "lambda", "global", "assert", "del", "raise", "exec", "not",
            };

            private readonly ParseContext _ctx;
            private readonly XlLexer _lexer;
            private readonly List<XlToken> _t;
            private readonly string _text;
            private readonly string _file;
            private readonly string? _override;
            private readonly int _shift;
            private int _i;
            private int _lastErrorLine = -1;
            private int _errorsAdded;
            /// <summary>How many lists are open around the current value (bounded by <see cref="ConfigLimits.MaxNestingDepth"/>).</summary>
            private int _depth;

            public SegmentParser(ParseContext ctx, XlLexer lexer, string file, string? overrideText, int columnShift)
            {
                _ctx = ctx;
                _lexer = lexer;
                _t = lexer.Tokens;
                _text = lexer.Text;
                _file = file;
                _override = overrideText;
                _shift = columnShift;
            }

            private bool Legacy => _ctx.Options.AllowLegacyXm;

            public void Run()
            {
                while (true)
                {
                    var k = _t[_i].Kind;
                    if (k == XlTokenKind.Eof) return;
                    if (k == XlTokenKind.Newline || k == XlTokenKind.Semicolon)
                    {
                        _i++;
                        continue;
                    }
                    _ctx.Cancel.ThrowIfCancellationRequested();
                    int start = _i;
                    int errorsBefore = _errorsAdded;
                    if (!Statement())
                    {
                        // Safety net: a statement is never dropped without an error on its line.
                        if (_errorsAdded == errorsBefore && _lastErrorLine != _t[start].Line)
                            Error("SyntaxError", $"Syntax error near `{Near(_t[start])}'.", "Write key = value.", _t[start]);
                        Skip(start);
                    }
                }
            }

            /// <summary>Adjusts a diagnostic made by the lexer for this source (override column shift and text).</summary>
            public XenDiagnostic Locate(XenDiagnostic d)
            {
                if (_override is null && _shift == 0) return d;
                int col = d.Line == 1 && d.Column > 0 ? d.Column + _shift : d.Column;
                string msg = _override is null ? d.Message : d.Message + $" (in override `{Q(_override)}')";
                return new XenDiagnostic(d.Severity, d.Code, msg, d.File, d.Line, col, d.Hint);
            }

            private SourcePosition Pos(in XlToken t) =>
                new SourcePosition(_file, t.Line, t.Line == 1 ? t.Column + _shift : t.Column);

            private bool Statement()
            {
                XlToken k = _t[_i];
                if (k.Error >= 0) return TokenError(k);
                XlToken next = _t[_i + 1 < _t.Count ? _i + 1 : _i];
                bool assignNext = next.Kind == XlTokenKind.Equals || next.Kind == XlTokenKind.PlusEquals;
                string key;
                switch (k.Kind)
                {
                    case XlTokenKind.Ident:
                        key = k.Value!;
                        if (!assignNext)
                        {
                            if (IsOp(next, '('))
                            {
                                Python(k);
                                return Error("PythonCall", $"Function call `{Q(key)}(...)': xl.cfg cannot call functions.",
                                    "Remove the call; write the values it produced as literal key = value lines.", k);
                            }
                            if (key == "import" || key == "from")
                            {
                                Python(k);
                                return Error("PythonImport", $"Python `{Q(key)}' statement: xl.cfg cannot import modules.",
                                    "Remove it and write the values it was used for as literals.", k);
                            }
                            if (PythonKeywords.Contains(key))
                            {
                                Python(k);
                                return Error("PythonStatement", $"Python `{Q(key)}' statement: xl.cfg has no control flow or code.",
                                    "Remove it and keep one literal assignment per key (decide the value yourself).", k);
                            }
                            return Error("SyntaxError", $"Syntax error near `{Near(next)}': expected '=' or '+=' after the key '{Q(key)}'.",
                                $"Write {Q(key)} = value.", next);
                        }
                        break;
                    case XlTokenKind.Word:
                    {
                        string w = k.Value!;
                        if (!assignNext)
                        {
                            if (IsOp(next, '('))
                            {
                                Python(k);
                                return Error("PythonCall", $"Function call `{Q(w)}(...)': xl.cfg cannot call functions.",
                                    "Remove the call; write the values it produced as literal key = value lines.", k);
                            }
                            return Error("SyntaxError", $"Syntax error near `{Q(w)}': a statement must start with a key.",
                                "Write key = value, with a lower-case key.", k);
                        }
                        string lower = w.ToLowerInvariant();
                        string conv = lower.Replace('-', '_');
                        if (!string.Equals(lower, w, StringComparison.Ordinal)) Python(k);
                        if (!IsValidKey(conv))
                            return Error("InvalidKey", $"Invalid key `{Q(w)}': xl keys match [a-z][._0-9a-z]* (start with a lower-case letter).",
                                "Rename the key: start it with a lower-case letter and use only a-z, 0-9, '_' and '.'.", k);
                        if (!Legacy)
                        {
                            string why = string.Equals(lower, w, StringComparison.Ordinal)
                                ? "xl keys use '_', never '-'"
                                : "xl keys are lower case";
                            return Error("InvalidKey", $"Invalid key `{Q(w)}': {why}.", $"Write {Q(conv)} instead of {Q(w)}.", k);
                        }
                        Warning("LegacyXmConverted", $"Key `{Q(w)}' read as '{Q(conv)}' (xl keys are lower case, with '_' not '-').",
                            $"Write {Q(conv)} in the file.", k);
                        key = conv;
                        break;
                    }
                    case XlTokenKind.TripleString:
                        Python(k);
                        if (Legacy && k.Error < 0)
                        {
                            Warning("LegacyXmConverted", "Python docstring ignored.", "Turn it into # comments.", k);
                            _i++;
                            return true;
                        }
                        return Error("PythonTripleQuote", "Triple-quoted Python string: xl.cfg has no docstrings.",
                            "Turn it into # comments.", k);
                    case XlTokenKind.Number:
                        if (assignNext)
                            return Error("InvalidKey", $"Invalid key `{Q(k.Value)}': a key must start with a lower-case letter.",
                                "Rename the key: start it with a lower-case letter.", k);
                        return Error("SyntaxError", $"Syntax error near `{Q(k.Value)}': a statement must start with a key.",
                            "Write key = value.", k);
                    default:
                        return Error("SyntaxError", $"Syntax error near `{Near(k)}': a statement must start with a key.",
                            "Write key = value, one per line (or separated by ';').", k);
                }

                XlToken keyTok = k;
                _i++;
                XlToken op = _t[_i];
                bool append = op.Kind == XlTokenKind.PlusEquals;
                string opText = append ? "+=" : "=";
                _i++;
                XlToken v = _t[_i];
                if (v.Kind == XlTokenKind.Newline || v.Kind == XlTokenKind.Eof || v.Kind == XlTokenKind.Semicolon)
                {
                    // The value written on the next line belongs to this mistake: skip that line too.
                    if (v.Kind == XlTokenKind.Newline)
                    {
                        var after = _t[_i + 1].Kind;
                        if (after == XlTokenKind.String || after == XlTokenKind.Number || after == XlTokenKind.LBracket || after == XlTokenKind.TripleString)
                            _i++;
                    }
                    return Error("MissingValue",
                        $"Syntax error near `{Near(v)}': '{Q(key)} {opText}' has no value; the value must start on the same line as '{opText}'.",
                        $"Write {Q(key)} {opText} \"value\" on one line (only a list may continue on the next lines).", v);
                }
                object? value = Value(key, inList: false, out bool omit);
                if (value is null && !omit) return false;
                XlToken end = _t[_i];
                if (end.Kind != XlTokenKind.Newline && end.Kind != XlTokenKind.Semicolon && end.Kind != XlTokenKind.Eof)
                {
                    return Error("SyntaxError", $"Syntax error near `{Near(end)}': unexpected {Describe(end)} after the value of '{Q(key)}'.",
                        "A key takes one value: end the statement with a newline or ';'.", end);
                }
                if (keyTok.Kind == XlTokenKind.Word) _ctx.NoteKey(keyTok.Value!);
                if (omit)
                {
                    _ctx.NoteKey(key);
                    return true;
                }
                if (!_ctx.Assign(key, value!, append, Pos(keyTok))) _lastErrorLine = keyTok.Line;
                return true;
            }

            private object? Value(string key, bool inList, out bool omit)
            {
                omit = false;
                int start = _i;
                XlToken t = _t[_i];
                if (t.Error >= 0)
                {
                    TokenError(t);
                    return null;
                }
                switch (t.Kind)
                {
                    case XlTokenKind.LBracket:
                        if (_depth >= ConfigLimits.MaxNestingDepth)
                            return Fail("NestingTooDeep",
                                $"Lists nested more than {ConfigLimits.MaxNestingDepth} deep in the value of '{Q(key)}': XenPS reads at most {ConfigLimits.MaxNestingDepth} levels.",
                                "Real configs nest lists at most two deep (vnuma = [ [ ... ], [ ... ] ]); xl 4.17 itself gives up at 4,997 levels with \"memory exhausted\". Look for a generated value gone wrong.", t);
                        _depth++;
                        try
                        {
                            return List(key);
                        }
                        finally
                        {
                            _depth--;
                        }
                    case XlTokenKind.String:
                    case XlTokenKind.Number:
                        _i++;
                        if (IsExpressionContinuation(_t[_i].Kind)) return Expression(start, key, inList, out omit);
                        return t.Value;
                    default:
                        return Expression(start, key, inList, out omit);
                }
            }

            private static bool IsExpressionContinuation(XlTokenKind k) =>
                k == XlTokenKind.Op || k == XlTokenKind.Word || k == XlTokenKind.Ident || k == XlTokenKind.Number ||
                k == XlTokenKind.String || k == XlTokenKind.TripleString;

            private object? List(string key)
            {
                XlToken open = _t[_i];
                _i++;
                SkipNewlines();
                if (_t[_i].Kind == XlTokenKind.RBracket)
                {
                    _i++;
                    return Array.Empty<object>();
                }
                var items = new List<object>(4);
                while (true)
                {
                    _ctx.Cancel.ThrowIfCancellationRequested();
                    XlToken t = _t[_i];
                    if (t.Kind == XlTokenKind.Comma)
                        return Fail("EmptyListItem", $"Syntax error near `,': empty item in the list of '{Q(key)}'.",
                            "Remove the extra ',': items are separated by one ',' and only one trailing ',' is allowed.", t);
                    if (t.Kind == XlTokenKind.Eof || StartsAssignment(_i))
                        return Fail("UnterminatedList", $"Unterminated list: the '[' of '{Q(key)}' at line {open.Line}, column {open.Column} is never closed.",
                            "Add the closing ']'.", open);
                    object? item = Value(key, inList: true, out bool omit);
                    if (item is null)
                    {
                        if (omit) return Fail("PythonNone", "`None' cannot be a list item in xl.cfg.", "Remove the item.", t);
                        return null;
                    }
                    items.Add(item);
                    SkipNewlines();
                    t = _t[_i];
                    if (t.Kind == XlTokenKind.Comma)
                    {
                        _i++;
                        SkipNewlines();
                        if (_t[_i].Kind == XlTokenKind.RBracket)
                        {
                            _i++;
                            break;
                        }
                        continue;
                    }
                    if (t.Kind == XlTokenKind.RBracket)
                    {
                        _i++;
                        break;
                    }
                    if (t.Kind == XlTokenKind.Eof || StartsAssignment(_i))
                        return Fail("UnterminatedList", $"Unterminated list: the '[' of '{Q(key)}' at line {open.Line}, column {open.Column} is never closed.",
                            "Add the closing ']'.", open);
                    if (t.Error >= 0)
                    {
                        TokenError(t);
                        return null;
                    }
                    return Fail("SyntaxError", $"Syntax error near `{Near(t)}': expected ',' or ']' in the list of '{Q(key)}'.",
                        $"Separate items with ',' and close the list opened at line {open.Line}, column {open.Column} with ']'.", t);
                }
                return items.ToArray();
            }

            /// <summary>key = / key += at token j (the start of a statement).</summary>
            private bool StartsAssignment(int j)
            {
                var a = _t[j].Kind;
                if (a != XlTokenKind.Ident && a != XlTokenKind.Word) return false;
                var b = _t[j + 1].Kind;
                return b == XlTokenKind.Equals || b == XlTokenKind.PlusEquals;
            }

            private void SkipNewlines()
            {
                while (_t[_i].Kind == XlTokenKind.Newline) _i++;
            }

            /// <summary>After an error: skip to the end of the statement's line (and of any list it opened).</summary>
            private void Skip(int start)
            {
                int depth = 0;
                for (int j = start; j < _i; j++)
                {
                    if (_t[j].Kind == XlTokenKind.LBracket) depth++;
                    else if (_t[j].Kind == XlTokenKind.RBracket) depth--;
                }
                if (_i > start && StartsAssignment(_i)) return;
                int steps = 0;
                while (true)
                {
                    if (++steps == 16384)
                    {
                        steps = 0;
                        _ctx.Cancel.ThrowIfCancellationRequested();
                    }
                    XlToken t = _t[_i];
                    switch (t.Kind)
                    {
                        case XlTokenKind.Eof:
                            return;
                        case XlTokenKind.LBracket:
                            depth++;
                            break;
                        case XlTokenKind.RBracket:
                            depth--;
                            break;
                        case XlTokenKind.Newline:
                        {
                            _i++;
                            if (depth <= 0) return;
                            XlToken a = _t[_i];
                            if ((a.Kind == XlTokenKind.Ident || a.Kind == XlTokenKind.Word) && _i + 1 < _t.Count &&
                                (_t[_i + 1].Kind == XlTokenKind.Equals || _t[_i + 1].Kind == XlTokenKind.PlusEquals))
                                return;
                            continue;
                        }
                    }
                    _i++;
                }
            }

            private bool IsOp(in XlToken t, char c) => t.Kind == XlTokenKind.Op && _text[t.Start] == c;

            private string Near(in XlToken t)
            {
                switch (t.Kind)
                {
                    case XlTokenKind.Newline: return "end of line";
                    case XlTokenKind.Eof: return "end of input";
                }
                return ConfigLimits.Excerpt(_text, t.Start, t.Length);
            }

            private static string Describe(in XlToken t) => t.Kind switch
            {
                XlTokenKind.Number => "number",
                XlTokenKind.String => "string",
                XlTokenKind.Ident => "word",
                XlTokenKind.Word => "word",
                XlTokenKind.LBracket => "'['",
                XlTokenKind.RBracket => "']'",
                XlTokenKind.Comma => "','",
                XlTokenKind.Equals => "'='",
                XlTokenKind.PlusEquals => "'+='",
                _ => "character",
            };

            private void Python(in XlToken t)
            {
                var p = Pos(t);
                _ctx.MarkPython(_file, p.Line, p.Column);
            }

            private bool TokenError(in XlToken t)
            {
                Add(Locate(_lexer.TokenErrors[t.Error]), t.Line);
                return false;
            }

            private object? Fail(string code, string message, string hint, in XlToken at)
            {
                Error(code, message, hint, at);
                return null;
            }

            private bool Error(string code, string message, string hint, in XlToken at)
            {
                if (at.Error >= 0) return TokenError(at); // the token itself is the problem (NUL, control character, bad string)
                Add(Locate(new XenDiagnostic(DiagnosticSeverity.Error, code, message, _file, at.Line, at.Column, hint)), at.Line);
                return false;
            }

            private void Warning(string code, string message, string hint, in XlToken at)
            {
                _ctx.Report(Locate(new XenDiagnostic(DiagnosticSeverity.Warning, code, message, _file, at.Line, at.Column, hint)));
            }

            private void Add(XenDiagnostic d, int line)
            {
                if (d.Severity == DiagnosticSeverity.Error)
                {
                    if (line == _lastErrorLine) return; // libxlu: at most one error per line
                    _lastErrorLine = line;
                    _errorsAdded++;
                }
                _ctx.Report(d);
            }

            private static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);
        }
    }
}
