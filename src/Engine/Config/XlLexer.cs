using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace XenPS.Config
{
    internal enum XlTokenKind : byte
    {
        Eof,
        Newline,
        Semicolon,
        Equals,
        PlusEquals,
        LBracket,
        RBracket,
        Comma,
        /// <summary>A valid xl key / identifier: [a-z][._0-9a-z]*.</summary>
        Ident,
        /// <summary>An xl number token: [0-9][0-9a-fx]*.</summary>
        Number,
        /// <summary>A quoted string (Value holds the text after escape processing).</summary>
        String,
        /// <summary>A Python triple-quoted string (legacy xm); Value holds the raw content.</summary>
        TripleString,
        /// <summary>A run of word characters that is neither a valid key nor a valid number (True, Memory, on-crash, 1.5, 0x1F).</summary>
        Word,
        /// <summary>Any other single printable character (operators, '/', '(' ...): never valid in xl.</summary>
        Op,
        /// <summary>A character no token may hold (control characters, NUL).</summary>
        Invalid,
    }

    internal struct XlToken
    {
        public XlTokenKind Kind;
        public int Start;
        public int Length;
        public int Line;
        public int Column;
        /// <summary>Key, number text, or string value (after escapes).</summary>
        public string? Value;
        /// <summary>Index into <see cref="XlLexer.TokenErrors"/> when the token itself is erroneous, else -1.</summary>
        public int Error;
    }

    /// <summary>
    /// A hand-written lexer for the libxlu grammar, over a string, 1-based line and column (a tab is one column).
    /// It is more permissive than libxlu on purpose so that mistakes can be named precisely: invalid runs become
    /// <see cref="XlTokenKind.Word"/>/<see cref="XlTokenKind.Op"/> tokens that the parser diagnoses.
    /// </summary>
    internal sealed class XlLexer
    {
        private readonly string _s;
        private readonly string _file;
        private readonly List<XenDiagnostic> _warnings;
        private readonly CancellationToken _cancel;
        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private bool _crWarned;

        public XlLexer(string text, string file, List<XenDiagnostic> warnings, CancellationToken cancellationToken = default)
        {
            _s = text;
            _file = file;
            _warnings = warnings;
            _cancel = cancellationToken;
            Tokens = new List<XlToken>(text.Length / 6 + 8);
        }

        /// <summary>Warnings not kept in the list because it already held <see cref="ConfigLimits.MaxDiagnostics"/> (counted only).</summary>
        public int DroppedWarnings { get; private set; }

        public List<XlToken> Tokens { get; }
        public List<XenDiagnostic> TokenErrors { get; } = new List<XenDiagnostic>();

        /// <summary>Line/column of a comment that ends the text without a newline (a libxlu lexical error), else line 0.</summary>
        public int TrailingCommentLine { get; private set; }
        public int TrailingCommentColumn { get; private set; }

        public string Text => _s;

        public void Run()
        {
            string s = _s;
            int n = s.Length;
            if (n > 0 && s[0] == '\uFEFF')
            {
                _warnings.Add(new XenDiagnostic(DiagnosticSeverity.Warning, "ByteOrderMark",
                    "The text starts with a byte order mark; xl 4.17 rejects it with a lexical error. XenPS ignores it.",
                    _file, 1, 1, "Save the file as UTF-8 without a BOM."));
                _pos = 1;
                _lineStart = 1;
            }
            int steps = 0;
            while (_pos < n)
            {
                if (++steps == 16384)
                {
                    steps = 0;
                    _cancel.ThrowIfCancellationRequested();
                }
                char c = s[_pos];
                switch (c)
                {
                    case ' ':
                    case '\t':
                        _pos++;
                        continue;
                    case '\r':
                        WarnCr();
                        _pos++;
                        if (_pos < n && s[_pos] == '\n') continue;
                        // a lone CR (old Mac line ending) ends the line too
                        Add(XlTokenKind.Newline, _pos - 1, 1, null);
                        _line++;
                        _lineStart = _pos;
                        continue;
                    case '\n':
                        Add(XlTokenKind.Newline, _pos, 1, null);
                        _pos++;
                        _line++;
                        _lineStart = _pos;
                        continue;
                    case '#':
                    {
                        int nl = s.IndexOf('\n', _pos);
                        if (nl < 0)
                        {
                            TrailingCommentLine = _line;
                            TrailingCommentColumn = _pos - _lineStart + 1;
                            _pos = n;
                        }
                        else
                        {
                            _pos = nl;
                        }
                        continue;
                    }
                    case '=':
                        Add(XlTokenKind.Equals, _pos, 1, null);
                        _pos++;
                        continue;
                    case '+':
                        if (_pos + 1 < n && s[_pos + 1] == '=')
                        {
                            Add(XlTokenKind.PlusEquals, _pos, 2, null);
                            _pos += 2;
                        }
                        else
                        {
                            Add(XlTokenKind.Op, _pos, 1, null);
                            _pos++;
                        }
                        continue;
                    case '[':
                        Add(XlTokenKind.LBracket, _pos, 1, null);
                        _pos++;
                        continue;
                    case ']':
                        Add(XlTokenKind.RBracket, _pos, 1, null);
                        _pos++;
                        continue;
                    case ',':
                        Add(XlTokenKind.Comma, _pos, 1, null);
                        _pos++;
                        continue;
                    case ';':
                        Add(XlTokenKind.Semicolon, _pos, 1, null);
                        _pos++;
                        continue;
                    case '"':
                    case '\'':
                        LexString(c);
                        continue;
                    case '\0':
                        AddError(XlTokenKind.Invalid, _pos, 1, "NulByte", "The file contains a NUL byte.",
                            "xl aborts on NUL bytes: the file is probably binary or corrupted; remove the NUL.");
                        _pos++;
                        continue;
                }

                if (c >= 'a' && c <= 'z')
                {
                    int start = _pos++;
                    while (_pos < n && IsKeyChar(s[_pos])) _pos++;
                    if (_pos < n && IsWordChar(s[_pos]))
                        LexWordFrom(start);
                    else
                        Add(XlTokenKind.Ident, start, _pos - start, s.Substring(start, _pos - start));
                }
                else if (c >= '0' && c <= '9')
                {
                    int start = _pos++;
                    while (_pos < n && IsNumberChar(s[_pos])) _pos++;
                    if (_pos < n && IsWordChar(s[_pos]) && s[_pos] != '-')
                        LexWordFrom(start);
                    else
                        Add(XlTokenKind.Number, start, _pos - start, _pos - start == 1 ? Digits[c - '0'] : s.Substring(start, _pos - start));
                }
                else if (IsWordChar(c) && c != '-' && c != '.')
                {
                    LexWordFrom(_pos);
                }
                else if (c < ' ' || c == '\u007f')
                {
                    AddError(XlTokenKind.Invalid, _pos, 1, "LexicalError",
                        $"Lexical error near U+{(int)c:X4}: only space and tab may separate tokens.",
                        "Remove the control character (a form feed or similar); xl rejects it.");
                    _pos++;
                }
                else
                {
                    Add(XlTokenKind.Op, _pos, 1, null);
                    _pos++;
                }
            }
            Add(XlTokenKind.Eof, _pos, 0, null);
        }

        private void WarnCr()
        {
            if (_crWarned) return;
            _crWarned = true;
            _warnings.Add(new XenDiagnostic(DiagnosticSeverity.Warning, "CarriageReturn",
                "The text has carriage returns (CRLF or CR line endings); xl 4.17 rejects them with a lexical error. XenPS reads them as line ends.",
                _file, _line, _pos - _lineStart + 1,
                "Convert the file to LF line endings (dos2unix) before handing it to xl."));
        }

        /// <summary>The one-digit numbers (the commonest values: flags, counts), shared instead of one string per token.</summary>
        private static readonly string[] Digits = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

        internal static bool IsKeyChar(char c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';

        internal static bool IsNumberChar(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';

        private static bool IsWordChar(char c)
        {
            if (c < 0x80)
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            return char.IsLetterOrDigit(c);
        }

        private void LexWordFrom(int start)
        {
            string s = _s;
            int n = s.Length;
            if (_pos <= start) _pos = start + 1;
            while (_pos < n && IsWordChar(s[_pos])) _pos++;
            Add(XlTokenKind.Word, start, _pos - start, s.Substring(start, _pos - start));
        }

        private void LexString(char quote)
        {
            string s = _s;
            int n = s.Length;
            int start = _pos;
            int line = _line, col = _pos - _lineStart + 1;
            if (_pos + 2 < n && s[_pos + 1] == quote && s[_pos + 2] == quote)
            {
                LexTripleString(quote);
                return;
            }
            _pos++;
            int seg = _pos;
            StringBuilder? sb = null;
            int error = -1;
            while (true)
            {
                if (_pos >= n || s[_pos] == '\n')
                {
                    var t = new XlToken { Kind = XlTokenKind.String, Start = start, Length = _pos - start, Line = line, Column = col, Error = -1 };
                    t.Error = NewError("UnterminatedString", $"Unterminated string starting with {quote}: a string must end on the line it starts.",
                        line, col, $"Add the closing {quote}; xl strings cannot span lines (use a list for long values).");
                    Tokens.Add(t);
                    return;
                }
                char ch = s[_pos];
                if (ch == quote)
                {
                    string value = sb is null ? s.Substring(seg, _pos - seg) : sb.Append(s, seg, _pos - seg).ToString();
                    _pos++;
                    Tokens.Add(new XlToken { Kind = XlTokenKind.String, Start = start, Length = _pos - start, Line = line, Column = col, Value = value, Error = error });
                    return;
                }
                if (ch == '\\')
                {
                    sb ??= new StringBuilder(_pos - seg + 16);
                    sb.Append(s, seg, _pos - seg);
                    int escCol = _pos - _lineStart + 1;
                    if (_pos + 1 >= n || s[_pos + 1] == '\n')
                    {
                        _pos++;
                        seg = _pos;
                        continue; // reported as unterminated on the next round
                    }
                    char e = s[_pos + 1];
                    char? mapped = e switch
                    {
                        '"' => '"',
                        '\'' => '\'',
                        '\\' => '\\',
                        'a' => '\a',
                        'b' => '\b',
                        'f' => '\f',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'v' => '\v',
                        _ => null,
                    };
                    if (mapped.HasValue)
                    {
                        sb.Append(mapped.Value);
                        _pos += 2;
                    }
                    else if (e >= '0' && e <= '7')
                    {
                        int p = _pos + 1, v = 0, digits = 0;
                        while (p < n && digits < 3 && s[p] >= '0' && s[p] <= '7')
                        {
                            v = v * 8 + (s[p] - '0');
                            p++;
                            digits++;
                        }
                        string esc = s.Substring(_pos, p - _pos);
                        if (v == 0 || v > 0xFF)
                        {
                            if (error < 0)
                                error = NewError("InvalidEscape", $"Invalid escape `{esc}' in a string: it would make a {(v == 0 ? "NUL character" : "character above \\377")}.",
                                    line, escCol, "Remove the escape; xl strings cannot hold NUL and octal escapes stop at \\377.");
                        }
                        else
                        {
                            sb.Append((char)v);
                            Warn(new XenDiagnostic(DiagnosticSeverity.Warning, "OctalEscape",
                                $"Octal escape `{esc}' read as U+{v:X4}; xl 4.17 mishandles octal escapes (a libxlu bug drops them, so \"a\\101b\" reads as \"ab\").",
                                _file, line, escCol, "Write the character itself; XenPS writes it that way when it saves the config."));
                        }
                        _pos = p;
                    }
                    else
                    {
                        if (error < 0)
                        {
                            string esc = e == 'x' ? "\\x" : "\\" + e;
                            string hint = e == 'x'
                                ? "xl 4.17 rejects every \\x escape: write the character itself."
                                : "Valid escapes are \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v; write \\\\ for a literal backslash.";
                            error = NewError("InvalidEscape", $"Invalid escape `{esc}' in a string.", line, escCol, hint);
                        }
                        _pos += 2;
                    }
                    seg = _pos;
                    continue;
                }
                if (ch == '\0' && error < 0)
                {
                    error = NewError("NulByte", "A NUL byte inside a quoted string (xl aborts on it).", _line, _pos - _lineStart + 1,
                        "Remove the NUL byte; the file is probably binary or corrupted.");
                }
                _pos++;
            }
        }

        private void LexTripleString(char quote)
        {
            string s = _s;
            int start = _pos;
            int line = _line, col = _pos - _lineStart + 1;
            string delim = new string(quote, 3);
            int end = s.IndexOf(delim, _pos + 3, System.StringComparison.Ordinal);
            int stop = end < 0 ? s.Length : end + 3;
            for (int p = _pos; p < stop; p++)
            {
                if (s[p] == '\n')
                {
                    _line++;
                    _lineStart = p + 1;
                }
            }
            var t = new XlToken { Kind = XlTokenKind.TripleString, Start = start, Length = stop - start, Line = line, Column = col, Error = -1 };
            if (end < 0)
            {
                t.Error = NewError("UnterminatedString", $"Unterminated triple-quoted string {delim}.", line, col,
                    $"Close it with {delim}; better, write an xl string \"...\" on one line.");
            }
            else
            {
                t.Value = s.Substring(start + 3, end - start - 3);
            }
            _pos = stop;
            Tokens.Add(t);
        }

        private void Warn(XenDiagnostic d)
        {
            if (_warnings.Count < ConfigLimits.MaxDiagnostics) _warnings.Add(d);
            else DroppedWarnings++;
        }

        private int NewError(string code, string message, int line, int col, string hint)
        {
            TokenErrors.Add(new XenDiagnostic(DiagnosticSeverity.Error, code, message, _file, line, col, hint));
            return TokenErrors.Count - 1;
        }

        private void Add(XlTokenKind kind, int start, int length, string? value)
        {
            Tokens.Add(new XlToken { Kind = kind, Start = start, Length = length, Line = _line, Column = start - _lineStart + 1, Value = value, Error = -1 });
        }

        private void AddError(XlTokenKind kind, int start, int length, string code, string message, string hint)
        {
            int col = start - _lineStart + 1;
            int e = NewError(code, message, _line, col, hint);
            Tokens.Add(new XlToken { Kind = kind, Start = start, Length = length, Line = _line, Column = col, Error = e });
        }
    }
}
