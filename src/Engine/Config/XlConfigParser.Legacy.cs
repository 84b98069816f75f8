using System;
using System.Globalization;

namespace XenPS.Config
{
    public static partial class XlConfigParser
    {
        // The error path: a value that is not a plain string, number or list. Classifies what the user wrote
        // (bare word, legacy xm Python, invalid number, two values) and, with AllowLegacyXm, converts the literal
        // subset. Nothing here runs on a valid file, so it favours clarity over speed.
        private sealed partial class SegmentParser
        {
            private object? Expression(int start, string key, bool inList, out bool omit)
            {
                omit = false;
                int end = start, depth = 0;
                while (true)
                {
                    XlToken t = _t[end];
                    if (t.Kind == XlTokenKind.Eof || t.Kind == XlTokenKind.Newline || t.Kind == XlTokenKind.Semicolon) break;
                    if (IsOp(t, '(')) depth++;
                    else if (IsOp(t, ')')) depth--;
                    if (inList && depth <= 0 && (t.Kind == XlTokenKind.Comma || t.Kind == XlTokenKind.RBracket)) break;
                    end++;
                }
                // A broken token (bad string, NUL, control character) ends the expression: what comes before it is
                // classified (libxlu would hit a syntax error there first); right at the start, it is the error itself.
                for (int j = start; j < end; j++)
                {
                    if (_t[j].Error >= 0)
                    {
                        if (j <= start + 1)
                        {
                            _i = end;
                            TokenError(_t[j]);
                            return null;
                        }
                        end = j;
                        break;
                    }
                }
                XlToken first = _t[start];
                _i = end;
                if (end == start)
                    return Fail("SyntaxError", $"Syntax error near `{Near(first)}': expected a value for '{Q(key)}'.",
                        "Write a quoted string, a number or a list [ ... ].", first);

                if (end - start == 1 && first.Kind != XlTokenKind.Op)
                    return SingleToken(first, key, inList, out omit);

                XlToken last = _t[end - 1];
                string raw = _text.Substring(first.Start, last.Start + last.Length - first.Start);

                for (int j = start; j + 1 < end; j++)
                {
                    XlToken a = _t[j];
                    if ((a.Kind == XlTokenKind.Ident || a.Kind == XlTokenKind.Word) && IsOp(_t[j + 1], '('))
                    {
                        Python(a);
                        return Fail("PythonCall", $"Function call `{Q(a.Value)}(...)' in the value of '{Q(key)}': xl.cfg cannot call functions.",
                            $"Write the value the call produced as a literal: {Q(key)} = \"...\".", a);
                    }
                }
                for (int j = start; j + 1 < end; j++)
                {
                    XlToken a = _t[j];
                    if ((a.Kind == XlTokenKind.String || a.Kind == XlTokenKind.TripleString) && IsOp(_t[j + 1], '%'))
                    {
                        Python(_t[j + 1]);
                        return Fail("PythonFormat", $"Python % string formatting in the value of '{Q(key)}': xl.cfg strings are literal.",
                            $"Write the finished string: {Q(key)} = \"...\".", _t[j + 1]);
                    }
                }

                // N-M without spaces (cpus = 0-3) is a range written without quotes, not a subtraction
                // (xm computed -3 from it, a classic mistake): a bare word in both modes.
                if (end - start == 3 && _t[start].Kind == XlTokenKind.Number && IsOp(_t[start + 1], '-') &&
                    _t[start + 2].Kind == XlTokenKind.Number && _t[start + 1].Start == first.Start + first.Length &&
                    _t[start + 2].Start == _t[start + 1].Start + 1)
                    return Fail("BareWord", $"Syntax error near `{Q(raw)}': an unquoted range is not an xl value.",
                        $"Quote it: {Q(key)} = \"{Q(raw)}\" (xm would have computed {Q(raw)} as a subtraction).", first);

                var ev = new Evaluator(this, start, end);
                bool evaluated = ev.TryEvaluate(out object? result);
                if (ev.TooDeep)
                    return Fail("NestingTooDeep",
                        $"The value of '{Q(key)}' nests parentheses or signs more than {ConfigLimits.MaxNestingDepth} deep.",
                        $"Write the value itself as a literal: {Q(key)} = \"...\" (xl.cfg has no expressions).", first);
                if (evaluated)
                {
                    Python(first);
                    bool negative = end - start == 2 && IsOp(first, '-') && _t[start + 1].Kind == XlTokenKind.Number;
                    string text = result is long l ? Invariant(l) : (string)result!;
                    string shown = result is long ? text : "\"" + text + "\"";
                    if (Legacy)
                    {
                        Warning("LegacyXmConverted", $"Python expression `{Q(raw)}' for '{Q(key)}' evaluated to {Q(shown)}.",
                            $"Write {Q(key)} = {Q(result is long && IsNumberToken(text) ? text : "\"" + text + "\"")} in the file.", first);
                        return text;
                    }
                    if (negative)
                        return Fail("NegativeNumber", $"Negative number `{Q(raw)}' for '{Q(key)}': xl numbers have no sign.",
                            $"If the setting takes a negative value, quote it: {Q(key)} = \"{Q(raw)}\".", first);
                    return Fail("PythonArithmetic", $"Python expression `{Q(raw)}' for '{Q(key)}': xl.cfg has no arithmetic.",
                        $"Write the result: {Q(key)} = {Q(result is long && IsNumberToken(text) ? text : "\"" + text + "\"")}.", first);
                }

                if (first.Kind == XlTokenKind.Op && (IsOp(first, '/') || IsOp(first, '.') || IsOp(first, '~')))
                    return Fail("BareWord", $"Syntax error near `{Q(raw)}': an unquoted path is not an xl value.",
                        $"Quote it: {Q(key)} = \"{Q(raw)}\".", first);

                bool contiguous = true;
                for (int j = start; j < end; j++)
                {
                    XlToken a = _t[j];
                    if (a.Kind == XlTokenKind.String || a.Kind == XlTokenKind.TripleString) contiguous = false;
                    if (j + 1 < end && _t[j + 1].Start != a.Start + a.Length) contiguous = false;
                }
                if (contiguous)
                    return Fail("BareWord", $"Syntax error near `{Q(raw)}': an unquoted word is not an xl value.",
                        $"Quote it: {Q(key)} = \"{Q(raw)}\".", first);

                for (int j = start; j < end; j++)
                {
                    XlToken a = _t[j];
                    if ((a.Kind == XlTokenKind.Ident || a.Kind == XlTokenKind.Word) && a.Value != "True" && a.Value != "False" && a.Value != "None")
                    {
                        Python(a);
                        return Fail("PythonVariable", $"`{Q(a.Value)}' in the value of '{Q(key)}' looks like a Python variable: xl.cfg has no variables or expressions.",
                            $"Write the value itself as a literal: {Q(key)} = \"...\".", a);
                    }
                }

                XlToken second = _t[start + 1];
                return Fail("SyntaxError", $"Syntax error near `{Near(second)}': unexpected {Describe(second)} after the value of '{Q(key)}'.",
                    "A key takes one value: quote text that contains spaces, or use a list [ a, b ].", second);
            }

            private object? SingleToken(in XlToken t, string key, bool inList, out bool omit)
            {
                omit = false;
                string w = t.Value ?? _text.Substring(t.Start, t.Length);
                switch (t.Kind)
                {
                    case XlTokenKind.TripleString:
                        Python(t);
                        if (Legacy)
                        {
                            Warning("LegacyXmConverted", $"Triple-quoted string for '{Q(key)}' read as a plain string.",
                                $"Write {Q(key)} = \"...\" on one line, with \\n for line breaks.", t);
                            return t.Value;
                        }
                        return Fail("PythonTripleQuote", $"Triple-quoted Python string for '{Q(key)}': xl strings are \"...\" or '...' on one line.",
                            "Write it as one quoted string, with \\n for line breaks.", t);
                    case XlTokenKind.Word:
                        if (w == "True" || w == "False")
                        {
                            string b = w == "True" ? "1" : "0";
                            Python(t);
                            if (Legacy)
                            {
                                Warning("LegacyXmConverted", $"{Q(w)} for '{Q(key)}' converted to {b}.", $"Write {Q(key)} = {b} in the file.", t);
                                return b;
                            }
                            return Fail("PythonBoolean", $"{Q(w)} is not valid in xl.cfg; write {b}.",
                                $"xl booleans are numbers: {Q(key)} = {b}.", t);
                        }
                        if (w == "None")
                        {
                            Python(t);
                            if (Legacy && !inList)
                            {
                                Warning("LegacyXmConverted", $"'{Q(key)} = None' dropped: an absent key keeps xl's default.",
                                    $"Delete the '{Q(key)}' line.", t);
                                omit = true;
                                return null;
                            }
                            return Fail("PythonNone", "None is not valid in xl.cfg.",
                                $"Delete the '{Q(key)}' line to leave it at its default.", t);
                        }
                        if (w[0] >= '0' && w[0] <= '9')
                        {
                            string hint = w.IndexOf('.') >= 0
                                ? $"xl numbers are whole; if the setting takes text, quote it: {Q(key)} = \"{Q(w)}\"."
                                : IsNumberToken(w.ToLowerInvariant())
                                    ? $"Hex digits must be lower case: {Q(key)} = {Q(w.ToLowerInvariant())}."
                                    : $"Write a decimal, 0-octal or 0x-hex integer, or quote text: {Q(key)} = \"{Q(w)}\".";
                            return Fail("InvalidNumber", $"Invalid number `{Q(w)}' for '{Q(key)}': xl numbers match [0-9][0-9a-fx]*.", hint, t);
                        }
                        goto case XlTokenKind.Ident;
                    case XlTokenKind.Ident:
                        if (_ctx.IsKnownName(w))
                        {
                            Python(t);
                            return Fail("PythonVariable", $"`{Q(w)}' for '{Q(key)}' looks like a Python variable: xl.cfg has no variables.",
                                $"Write the value itself: {Q(key)} = \"...\".", t);
                        }
                        if (w == "true" || w == "false" || w == "yes" || w == "no" || w == "on" || w == "off")
                            return Fail("BareWord", $"Syntax error near `{Q(w)}': xl has no boolean words.",
                                $"Write {Q(key)} = {(w == "true" || w == "yes" || w == "on" ? "1" : "0")}.", t);
                        return Fail("BareWord", $"Syntax error near `{Q(w)}': an unquoted word is not an xl value.",
                            $"Quote it: {Q(key)} = \"{Q(w)}\".", t);
                    default:
                        return Fail("SyntaxError", $"Syntax error near `{Near(t)}': expected a value for '{Q(key)}'.",
                            "Write a quoted string, a number or a list [ ... ].", t);
                }
            }

            /// <summary>Evaluates literal Python 2 arithmetic (ints, strings, True/False); never names or calls.</summary>
            private struct Evaluator
            {
                private readonly SegmentParser _p;
                private readonly int _end;
                private int _j;
                private int _depth;

                public Evaluator(SegmentParser p, int start, int end)
                {
                    _p = p;
                    _j = start;
                    _end = end;
                    _depth = 0;
                    TooDeep = false;
                }

                /// <summary>Parentheses or signs nest deeper than <see cref="ConfigLimits.MaxNestingDepth"/> (evaluation stopped).</summary>
                public bool TooDeep { get; private set; }

                public bool TryEvaluate(out object? value)
                {
                    try
                    {
                        value = Sum();
                        return value != null && _j == _end;
                    }
                    catch (OverflowException)
                    {
                        value = null;
                        return false;
                    }
                }

                private bool AtOp(char c) => _j < _end && _p.IsOp(_p._t[_j], c);

                private bool AtOp2(char c) => AtOp(c) && _j + 1 < _end && _p.IsOp(_p._t[_j + 1], c) && _p._t[_j + 1].Start == _p._t[_j].Start + 1;

                private object? Sum()
                {
                    object? l = Product();
                    while (l != null && (AtOp('+') || AtOp('-')))
                    {
                        bool plus = AtOp('+');
                        _j++;
                        object? r = Product();
                        if (r is null) return null;
                        if (l is long a && r is long b) l = plus ? checked(a + b) : checked(a - b);
                        else if (plus && l is string s && r is string t) l = s + t;
                        else return null;
                    }
                    return l;
                }

                private object? Product()
                {
                    object? l = Unary();
                    while (l != null && !AtOp2('*') && (AtOp('*') || AtOp('/') || AtOp('%')))
                    {
                        char op = _p._text[_p._t[_j].Start];
                        if (op == '/' && AtOp2('/')) _j++;
                        _j++;
                        object? r = Unary();
                        if (!(l is long a) || !(r is long b)) return null;
                        if (op == '*') l = checked(a * b);
                        else
                        {
                            if (b == 0) return null;
                            long q = a / b, m = a % b;
                            if (m != 0 && ((m < 0) != (b < 0)))
                            {
                                q--;
                                m += b;
                            }
                            l = op == '/' ? q : m;
                        }
                    }
                    return l;
                }

                private object? Unary()
                {
                    // Every recursion (parentheses, signs, powers) passes through here: bound it.
                    if (TooDeep) return null;
                    if (_depth >= ConfigLimits.MaxNestingDepth)
                    {
                        TooDeep = true;
                        return null;
                    }
                    _depth++;
                    try
                    {
                        return UnaryAt();
                    }
                    finally
                    {
                        _depth--;
                    }
                }

                private object? UnaryAt()
                {
                    if (AtOp('-') || AtOp('+'))
                    {
                        bool neg = AtOp('-');
                        _j++;
                        object? v = Unary();
                        if (!(v is long a)) return null;
                        return neg ? checked(-a) : a;
                    }
                    return Power();
                }

                private object? Power()
                {
                    object? b = Atom();
                    if (b != null && AtOp2('*'))
                    {
                        _j += 2;
                        object? e = Unary();
                        if (!(b is long x) || !(e is long y) || y < 0 || y > 64) return null;
                        long r = 1;
                        for (long k = 0; k < y; k++) r = checked(r * x);
                        return r;
                    }
                    return b;
                }

                private object? Atom()
                {
                    if (_j >= _end) return null;
                    XlToken t = _p._t[_j];
                    switch (t.Kind)
                    {
                        case XlTokenKind.Number:
                            _j++;
                            return XenDomainConfig.ParseXlInteger(t.Value);
                        case XlTokenKind.String:
                        case XlTokenKind.TripleString:
                            _j++;
                            return t.Value;
                        case XlTokenKind.Word when t.Value == "True":
                            _j++;
                            return 1L;
                        case XlTokenKind.Word when t.Value == "False":
                            _j++;
                            return 0L;
                        case XlTokenKind.Op when _p._text[t.Start] == '(':
                        {
                            _j++;
                            object? v = Sum();
                            if (v is null || !AtOp(')')) return null;
                            _j++;
                            return v;
                        }
                        default:
                            return null;
                    }
                }
            }
        }
    }
}
