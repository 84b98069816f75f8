using System.Collections.Generic;
using System.Linq;
using XenPS.Config;
using Xunit;
using static XenPS.Tests.XlTestHelpers;

namespace XenPS.Tests
{
    public class XlParserTests
    {
        // ---- grammar: what libxlu accepts -------------------------------------------------------------

        [Theory]
        [InlineData("memory = 512", "memory=\"512\";")]
        [InlineData("memory = \"512\"", "memory=\"512\";")]                // quoting is not recorded
        [InlineData("x = 0x1f", "x=\"0x1f\";")]
        [InlineData("x = 08", "x=\"08\";")]
        [InlineData("x = 1e5", "x=\"1e5\";")]
        [InlineData("x = 12abc", "x=\"12abc\";")]
        [InlineData("x = 0b101", "x=\"0b101\";")]
        [InlineData("name = 'it\"s'", "name=\"it\\\"s\";")]
        [InlineData("a.b_c9 = 1", "a.b_c9=\"1\";")]
        [InlineData("a=1;b=2", "a=\"1\";b=\"2\";")]
        [InlineData(";;a=1;;\n;\n", "a=\"1\";")]
        [InlineData("a = 1\nb = 2", "a=\"1\";b=\"2\";")]                 // no final newline
        [InlineData("a = 1 # comment\n", "a=\"1\";")]
        [InlineData("  \ta\t=\t1  \n", "a=\"1\";")]
        [InlineData("x = []", "x=[];")]
        [InlineData("x = [[]]", "x=[[]];")]
        [InlineData("x = [ 1, [ 'a', [] ], \"b\" ]", "x=[\"1\",[\"a\",[]],\"b\"];")]
        [InlineData("x = [ 1, 2, ]", "x=[\"1\",\"2\"];")]
        [InlineData("x = [\n  'a', # first\n\n  # a comment line\n  'b'\n  ,\n]\n", "x=[\"a\",\"b\"];")]
        [InlineData("x = [ # open\n]", "x=[];")]
        [InlineData("a = 1\nb = 2\na = [3]", "a=[\"3\"];b=\"2\";")]      // last wins, first-seen order
        [InlineData("a = [1]\na = \"s\"", "a=\"s\";")]
        [InlineData("s = 'ab'\ns += \"cd\"", "s=\"abcd\";")]
        [InlineData("l = [1]\nl += [2, [3]]", "l=[\"1\",\"2\",[\"3\"]];")]
        [InlineData("u += 'x'", "u=\"x\";")]                                 // += on undefined acts like =
        [InlineData("u += [ 'x' ]", "u=[\"x\"];")]
        [InlineData("", "")]
        [InlineData("# only a comment\n", "")]
        public void AcceptsWhatLibxluAccepts(string text, string expected)
        {
            Assert.Equal(expected, ShowSettings(ParseOk(text)));
        }

        [Fact]
        public void ProcessesEveryEscapeInBothQuoteKinds()
        {
            var c = ParseOk("a = \"\\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v\"\nb = '\\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v'\n");
            Assert.Equal("\" ' \\ \a \b \f \n \r \t \v", c.GetString("a"));
            Assert.Equal(c.GetString("a"), c.GetString("b"));
        }

        [Fact]
        public void KeepsPositionsOfEachSetting()
        {
            var c = ParseOk("a = 1\n  b = [\n 1 ]\n\tc = 'x'; d = 2\n");
            Assert.Equal(new SourcePosition("test.cfg", 1, 1).ToString(), c.GetPosition("a").ToString());
            Assert.Equal("test.cfg:2:3", c.GetPosition("b").ToString());
            Assert.Equal("test.cfg:4:2", c.GetPosition("c").ToString());
            Assert.Equal("test.cfg:4:11", c.GetPosition("d").ToString());
        }

        [Fact]
        public void PreservesNonAsciiInsideStrings()
        {
            Assert.Equal("café ☃ 😀", ParseOk("x = \"café ☃ 😀\"").GetString("x"));
        }

        // ---- errors: code, line and column ----------------------------------------------------------

        [Theory]
        [InlineData("kernel = vmlinuz", "BareWord", 1, 10)]
        [InlineData("kernel = /boot/vmlinuz-2.6", "BareWord", 1, 10)]
        [InlineData("x = true", "BareWord", 1, 5)]
        [InlineData("cpus = 0-3", "BareWord", 1, 8)]                          // a range, not xm's subtraction
        [InlineData("memory = 128 128", "SyntaxError", 1, 14)]
        [InlineData("x = \"a\" \"b\"", "SyntaxError", 1, 9)]
        [InlineData("x = [ 'a' ] 5", "SyntaxError", 1, 13)]
        [InlineData("x = [1 2]", "SyntaxError", 1, 8)]
        [InlineData("= 5", "SyntaxError", 1, 1)]
        [InlineData("x 5", "SyntaxError", 1, 3)]
        [InlineData("x", "SyntaxError", 1, 2)]
        [InlineData("\tx = 1 1", "SyntaxError", 1, 8)]                        // a tab is one column
        [InlineData("memory =\n512", "MissingValue", 1, 9)]               // the stray value line is part of the same error
        [InlineData("memory = ", "MissingValue", 1, 10)]
        [InlineData("x = ;", "MissingValue", 1, 5)]
        [InlineData("x +=\n[1]", "MissingValue", 1, 5)]
        [InlineData("on-crash = 'destroy'", "InvalidKey", 1, 1)]
        [InlineData("_x = 1", "InvalidKey", 1, 1)]
        [InlineData("123 = 4", "InvalidKey", 1, 1)]
        [InlineData("a = 1\n  Memory = 512", "InvalidKey", 2, 3)]
        [InlineData("x = [,]", "EmptyListItem", 1, 6)]
        [InlineData("x = [1,,2]", "EmptyListItem", 1, 8)]
        [InlineData("x = [1,\n,2]", "EmptyListItem", 2, 1)]
        [InlineData("x = [1, 2", "UnterminatedList", 1, 5)]
        [InlineData("x = [1,\n", "UnterminatedList", 1, 5)]
        [InlineData("x = \"a\\xb\"", "InvalidEscape", 1, 7)]
        [InlineData("x = \"a\\x41\"", "InvalidEscape", 1, 7)]
        [InlineData("x = 'a\\qb'", "InvalidEscape", 1, 7)]
        [InlineData("x = \"a\\000\"", "InvalidEscape", 1, 7)]
        [InlineData("x = \"abc", "UnterminatedString", 1, 5)]
        [InlineData("x = \"\"\"abc\ny = 1", "UnterminatedString", 1, 5)]
        [InlineData("x = 'abc\ny = 1", "UnterminatedString", 1, 5)]
        [InlineData("x = \"abc\\\ny = 1", "UnterminatedString", 1, 5)]
        [InlineData("x = \"a\0b\"", "NulByte", 1, 7)]
        [InlineData("x = 1\0", "NulByte", 1, 6)]
        [InlineData("x = 1\f", "LexicalError", 1, 6)]
        [InlineData("x = 1.5", "InvalidNumber", 1, 5)]
        [InlineData("x = 0x1F", "InvalidNumber", 1, 5)]
        [InlineData("x = 0XFF", "InvalidNumber", 1, 5)]
        [InlineData("s = 'a'\ns += [ 1 ]", "AppendTypeMismatch", 2, 1)]
        [InlineData("l = [ 1 ]\nl += 'a'", "AppendTypeMismatch", 2, 1)]
        public void ReportsErrorWithCodeLineAndColumn(string text, string code, int line, int column)
        {
            var (c, d) = Parse(text);
            Assert.Null(c);
            var e = Assert.Single(d.Errors());
            Assert.Equal(code, e.Code);
            Assert.Equal(line, e.Line);
            Assert.Equal(column, e.Column);
            Assert.Equal("test.cfg", e.File);
            Assert.False(string.IsNullOrEmpty(e.Hint));
        }

        [Fact]
        public void ErrorMessagesNameTheTokenLikeXl()
        {
            var (_, d) = Parse("memory = 128 128");
            Assert.Contains("near `128'", d[0].Message);
            (_, d) = Parse("kernel = vmlinuz");
            Assert.Contains("near `vmlinuz'", d[0].Message);
            Assert.Contains("kernel = \"vmlinuz\"", d[0].Hint);
            (_, d) = Parse("on-crash = 'destroy'");
            Assert.Contains("on_crash", d[0].Hint);
            Assert.Contains("never '-'", d[0].Message);
            (_, d) = Parse("Memory = 1");
            Assert.Contains("lower case", d.Errors()[0].Message);
            Assert.Equal("Write memory instead of Memory.", d.Errors()[0].Hint);
        }

        [Fact]
        public void CapturedBadSyntaxConfigGivesBothErrors()
        {
            // shared/xen/captures/configs/bad-syntax.cfg; xl: "bad-syntax.cfg:2: config parsing error near `128': syntax error"
            var (c, d) = Parse("name = \"bad-syntax\"\nmemory = 128 128\nkernel = \"/var/lib/xenlab/vmlinuz\n");
            Assert.Null(c);
            var errors = d.Errors();
            Assert.Equal(2, errors.Count);
            Assert.Equal(("SyntaxError", 2, 14), (errors[0].Code, errors[0].Line, errors[0].Column));
            Assert.Contains("`128'", errors[0].Message);
            Assert.Equal(("UnterminatedString", 3, 10), (errors[1].Code, errors[1].Line, errors[1].Column));
        }

        [Fact]
        public void CollectsSeveralErrorsButAtMostOnePerLine()
        {
            var (c, d) = Parse("a = 1 1 1 \"\\q\"\nb = 2\nc = x\nd = [1,,2] 3\n");
            Assert.Null(c);
            var errors = d.Errors();
            Assert.Equal(new[] { 1, 3, 4 }, errors.Select(e => e.Line));
            Assert.Equal(new[] { "SyntaxError", "BareWord", "EmptyListItem" }, errors.Select(e => e.Code));
        }

        [Fact]
        public void RecoversAfterAnErrorInsideAMultiLineList()
        {
            var (_, d) = Parse("disk = [ 'a' 'b',\n 'c' ]\nmemory = 5 5\n");
            var errors = d.Errors();
            Assert.Equal(2, errors.Count);
            Assert.Equal((1, 14), (errors[0].Line, errors[0].Column));
            Assert.Equal((3, 12), (errors[1].Line, errors[1].Column));
        }

        [Fact]
        public void UnclosedListDoesNotSwallowTheNextStatement()
        {
            var (_, d) = Parse("disk = [ 'a',\nvif = [ 'b' ]\nmemory = 5 5\n");
            var errors = d.Errors();
            Assert.Equal(2, errors.Count);
            Assert.Equal(("UnterminatedList", 1, 8), (errors[0].Code, errors[0].Line, errors[0].Column));
            Assert.Equal(("SyntaxError", 3, 12), (errors[1].Code, errors[1].Line, errors[1].Column));
        }

        // ---- libxlu quirks read with a warning -------------------------------------------------------

        [Fact]
        public void CrLfIsReadWithOneWarning()
        {
            var (c, d) = Parse("a = 1\r\nb = 'x'\r\n");
            Assert.NotNull(c);
            Assert.Equal("a=\"1\";b=\"x\";", ShowSettings(c!));
            var w = Assert.Single(d);
            Assert.Equal(("CarriageReturn", DiagnosticSeverity.Warning, 1, 6), (w.Code, w.Severity, w.Line, w.Column));
        }

        [Fact]
        public void LoneCrEndsALineWithOneWarning()
        {
            var (c, d) = Parse("a = 1\rb = 'x'\r\rc = [\r1 ]");
            Assert.Equal("a=\"1\";b=\"x\";c=[\"1\"];", ShowSettings(c!));
            Assert.Equal("test.cfg:4:1", c!.GetPosition("c").ToString());
            var w = Assert.Single(d);
            Assert.Equal(("CarriageReturn", 1, 6), (w.Code, w.Line, w.Column));
        }

        [Fact]
        public void CrInsideACommentOrStringIsWhatLibxluKeeps()
        {
            var (c, d) = Parse("# dos comment\r\nx = \"a\rb\"\n");
            Assert.Equal("a\rb", c!.GetString("x"));
            Assert.Empty(d);
        }

        [Fact]
        public void ByteOrderMarkIsSkippedWithAWarning()
        {
            var (c, d) = Parse("\uFEFFname = 'x' 1");
            var e = Assert.Single(d.Errors());
            Assert.Equal((1, 12), (e.Line, e.Column)); // columns count from the first real character
            Assert.Contains(d, x => x.Code == "ByteOrderMark");
            (c, d) = Parse("\uFEFFname = 'x'");
            Assert.Equal("x", c!.Name);
        }

        [Fact]
        public void CommentAtEndWithoutNewlineIsReadWithAWarning()
        {
            var (c, d) = Parse("a = 1\n  # end");
            Assert.NotNull(c);
            var w = Assert.Single(d);
            Assert.Equal(("CommentAtEndOfFile", DiagnosticSeverity.Warning, 2, 3), (w.Code, w.Severity, w.Line, w.Column));
            // xl appends a newline itself when overrides follow: no warning then
            (c, d) = Parse("a = 1\n# end", null, "b=2");
            Assert.NotNull(c);
            Assert.Empty(d);
        }

        [Fact]
        public void OctalEscapeStoresTheCharacterAndWarns()
        {
            var (c, d) = Parse("x = \"a\\101b\"");
            Assert.Equal("aAb", c!.GetString("x"));
            var w = Assert.Single(d);
            Assert.Equal(("OctalEscape", DiagnosticSeverity.Warning, 1, 7), (w.Code, w.Severity, w.Line, w.Column));
        }

        [Fact]
        public void AppendOnANumberConcatenatesTextAndWarns()
        {
            var (c, d) = Parse("memory = 1024\nmemory += 512\n");
            Assert.Equal("1024512", c!.GetString("memory"));
            var w = Assert.Single(d);
            Assert.Equal(("AppendToNumber", DiagnosticSeverity.Warning, 2, 1), (w.Code, w.Severity, w.Line, w.Column));
        }

        // ---- legacy xm (Python) ----------------------------------------------------------------------

        [Theory]
        [InlineData("memory = True", "PythonBoolean", 1, 10)]
        [InlineData("acpi = False", "PythonBoolean", 1, 8)]
        [InlineData("x = None", "PythonNone", 1, 5)]
        [InlineData("memory = 256 * 2", "PythonArithmetic", 1, 10)]
        [InlineData("memory = (1 + 1) * 256", "PythonArithmetic", 1, 10)]
        [InlineData("name = \"vm%d\" % 3", "PythonFormat", 1, 15)]
        [InlineData("disk = [ 'phy:%s,xvda,w' % vol ]", "PythonFormat", 1, 26)]
        [InlineData("import os", "PythonImport", 1, 1)]
        [InlineData("from os import path", "PythonImport", 1, 1)]
        [InlineData("base = \"/srv\"\ndisk = base", "PythonVariable", 2, 8)]
        [InlineData("base = \"/srv\"\ndisk = [ base + \"/d.img\" ]", "PythonVariable", 2, 10)]
        [InlineData("memory = -1", "NegativeNumber", 1, 10)]
        [InlineData("name = os.getenv(\"X\")", "PythonCall", 1, 8)]
        [InlineData("print(\"hello\")", "PythonCall", 1, 1)]
        [InlineData("if memory > 512:", "PythonStatement", 1, 1)]
        [InlineData("def f():", "PythonStatement", 1, 1)]
        [InlineData("Memory = 512", "InvalidKey", 1, 1)]
        [InlineData("extra = \"\"\"abc\"\"\"", "PythonTripleQuote", 1, 9)]
        [InlineData("\"\"\"doc\nstring\"\"\"\nname = 'x'", "PythonTripleQuote", 1, 1)]
        public void DiagnosesPythonAndSaysWhatXlSays(string text, string code, int line, int column)
        {
            var (c, d) = Parse(text);
            Assert.Null(c);
            var e = Assert.Single(d.Errors());
            Assert.Equal((code, line, column), (e.Code, e.Line, e.Column));
            Assert.False(string.IsNullOrEmpty(e.Hint));
            var info = Assert.Single(d, x => x.Code == "PythonDetected");
            Assert.Equal(DiagnosticSeverity.Information, info.Severity);
            Assert.Equal("Config file looks like it contains Python code. Arbitrary Python is no longer supported.", info.Message);
        }

        [Fact]
        public void HyphenatedKeyIsNotPython()
        {
            var (_, d) = Parse("on-crash = 'destroy'");
            Assert.DoesNotContain(d, x => x.Code == "PythonDetected");
        }

        [Fact]
        public void TrueHintSaysWrite1()
        {
            var (_, d) = Parse("acpi = True");
            Assert.Equal("True is not valid in xl.cfg; write 1.", d.Errors()[0].Message);
        }

        [Fact]
        public void LegacyOptInConvertsTheLiteralSubset()
        {
            var text = "\"\"\"An xm config.\"\"\"\nMemory = 256 * 2\nacpi = True\npae = False\non-crash = 'restart'\nfoo = None\nbar = -1\n" +
                       "baz = \"a\" + 'b'\nextra = '''x y'''\nhalf = 7 / 2\nneg = -7 / 2\npow = 2 ** 10\noct = 010 + 1\nmod = -7 % 3\n" +
                       "disk = [ 'a', -2, True ]\n";
            var (c, d) = Parse(text, new ConfigReadOptions { AllowLegacyXm = true });
            Assert.True(c != null, string.Join("\n", d));
            Assert.Equal("memory=\"512\";acpi=\"1\";pae=\"0\";on_crash=\"restart\";bar=\"-1\";baz=\"ab\";extra=\"x y\";half=\"3\";neg=\"-4\";" +
                         "pow=\"1024\";oct=\"9\";mod=\"2\";disk=[\"a\",\"-2\",\"1\"];", ShowSettings(c!));
            Assert.Equal(17, d.Count(x => x.Code == "LegacyXmConverted" && x.Severity == DiagnosticSeverity.Warning));
            Assert.Contains(d, x => x.Code == "PythonDetected" && x.Severity == DiagnosticSeverity.Information);
            var memory = d.First(x => x.Code == "LegacyXmConverted" && x.Line == 2 && x.Message.Contains("evaluated to 512"));
            Assert.Equal(10, memory.Column);
        }

        [Theory]
        [InlineData("import os", "PythonImport")]
        [InlineData("base = '/srv'\ndisk = base", "PythonVariable")]
        [InlineData("name = os.getenv('X')", "PythonCall")]
        [InlineData("name = 'vm%d' % 3", "PythonFormat")]
        [InlineData("if 1:\n  memory = 5", "PythonStatement")]
        [InlineData("x = [ None ]", "PythonNone")]
        [InlineData("x = 1 / 0", "SyntaxError")]
        [InlineData("_x = 1", "InvalidKey")]
        [InlineData("cpus = 0-3", "BareWord")]
        [InlineData("x = '''abc\ny = 1", "UnterminatedString")]
        [InlineData("'''doc\nname = 'x'", "UnterminatedString")]
        public void LegacyOptInNeverExecutesCode(string text, string code)
        {
            var (c, d) = Parse(text, new ConfigReadOptions { AllowLegacyXm = true });
            Assert.Null(c);
            Assert.Equal(code, d.Errors()[0].Code);
        }

        // ---- overrides (xl create FILE key=value ...) ------------------------------------------------

        [Fact]
        public void SeedCommandWorksWithUnquotedOverrides()
        {
            var overrides = new[] { "ramdisk=initrd.img", "kernel=/boot/vmlinuz-2.6.12.6-xenU", "name=ramdisk", "nics=0", "vcpus=1", "memory=64", "root=/dev/ram0" };
            var c = DomainConfigReader.LoadText("", DomainConfigReader.NullDevice, overrides);
            Assert.Equal("ramdisk=\"initrd.img\";kernel=\"/boot/vmlinuz-2.6.12.6-xenU\";name=\"ramdisk\";nics=\"0\";vcpus=\"1\";memory=\"64\";root=\"/dev/ram0\";",
                ShowSettings(c));
            var infos = c.Diagnostics.Where(x => x.Code == "OverrideLiteral").ToList();
            Assert.Equal(4, infos.Count);
            Assert.All(infos, i => Assert.Equal((DiagnosticSeverity.Information, XlConfigParser.OverrideSource, 1, 1), (i.Severity, i.File, i.Line, i.Column)));
            Assert.Equal(XlConfigParser.OverrideSource, c.GetPosition("kernel")!.Value.File);
        }

        [Fact]
        public void OverridesWinAndKeepFileOrder()
        {
            // captures/60-create-override: xl create test1.cfg "name=\"test3\"" "memory=160"
            var file = "name = \"test1\"\nmemory = 128\nvcpus = 1\n";
            var c = ParseOk(file, null, "name=\"test3\"", "memory=160");
            Assert.Equal("name=\"test3\";memory=\"160\";vcpus=\"1\";", ShowSettings(c));
            Assert.Equal("<override>:1:1", c.GetPosition("memory").ToString());
        }

        [Fact]
        public void OneOverrideMayHoldSeveralAssignments()
        {
            var c = ParseOk("extra = 'a'", null, "memory=64; vcpus=2", "extra+=\" b\"");
            Assert.Equal("extra=\"a b\";memory=\"64\";vcpus=\"2\";", ShowSettings(c));
            Assert.Equal("<override>:1:12", c.GetPosition("vcpus").ToString());
        }

        [Fact]
        public void UnquotedPiecesAfterSemicolonsAreLiteralToo()
        {
            var (c, d) = Parse("", null, "name=web;kernel=/boot/x");
            Assert.Equal("name=\"web\";kernel=\"/boot/x\";", ShowSettings(c!));
            Assert.Equal(new[] { 1, 10 }, d.Where(x => x.Code == "OverrideLiteral").Select(x => x.Column));
        }

        [Fact]
        public void EverythingAfterTheFirstEqualsOfAnUnquotedOverrideIsTheValueAsInXm()
        {
            var (c, d) = Parse("name = 'x'\n", null, "extra=console=hvc0 quiet", "root = /dev/xvda1 ro ");
            Assert.Equal("name=\"x\";extra=\"console=hvc0 quiet\";root=\"/dev/xvda1 ro\";", ShowSettings(c!));
            var info = d.First(x => x.Code == "OverrideLiteral");
            Assert.Contains("\"console=hvc0 quiet\"", info.Message);
            Assert.Equal("Quote it for xl: extra=\"console=hvc0 quiet\".", info.Hint);
        }

        [Fact]
        public void AnUnquotedValueMayHoldQuotesAfterItsStart()
        {
            var (c, d) = Parse("", null, "extra=init=\"/bin/sh\" quiet");
            Assert.Equal("extra=\"init=\\\"/bin/sh\\\" quiet\";", ShowSettings(c!));
            Assert.Equal("Quote it for xl: extra=\"init=\\\"/bin/sh\\\" quiet\".", d.Single(x => x.Code == "OverrideLiteral").Hint);
        }

        [Fact]
        public void SemicolonsStillSeparateAssignmentsUnlessOnlyTheWholeOverrideMakesSense()
        {
            var (c, _) = Parse("", null, "extra=console=hvc0 quiet; memory=128", "name=\"web\";kernel=/boot/x y");
            Assert.Equal("extra=\"console=hvc0 quiet\";memory=\"128\";name=\"web\";kernel=\"/boot/x y\";", ShowSettings(c!));
            // "b c" alone is no assignment: the override is one xm variable, ';' and all.
            var (c2, _) = Parse("", null, "extra=a;b c");
            Assert.Equal("extra=\"a;b c\";", ShowSettings(c2!));
        }

        [Theory]
        [InlineData("memory=[1,,2]", "EmptyListItem", 11)]
        [InlineData("name=\"abc", "UnterminatedString", 6)]
        [InlineData("Memory=64", "InvalidKey", 1)]
        [InlineData("memory=", "MissingValue", 8)]
        [InlineData("kernel=\"/boot/a\" b", "PythonVariable", 18)]
        [InlineData("extra=[console=hvc0", "UnterminatedList", 7)]
        public void OverrideErrorsArePositionedInsideTheOverride(string ov, string code, int column)
        {
            var (c, d) = Parse("name = 'x'\nmemory = 5\n", null, ov);
            Assert.Null(c);
            var e = Assert.Single(d.Errors());
            Assert.Equal((code, XlConfigParser.OverrideSource, 1, column), (e.Code, e.File, e.Line, e.Column));
            Assert.Contains(ov, e.Message);
        }

        [Fact]
        public void ApplyOverridesBuildsOnAConfigReadElsewhere()
        {
            var config = new XenDomainConfig();
            config.Set("name", "web");
            config.Set("disk", new object[] { "a" });
            var d = new List<XenDiagnostic>();
            XlConfigParser.ApplyOverrides(config, new[] { "disk += [ 'b' ]", "name += '2'; memory = 256" }, new ConfigReadOptions(), d);
            Assert.Empty(d);
            Assert.Equal("name=\"web2\";disk=[\"a\",\"b\"];memory=\"256\";", ShowSettings(config));
        }

        [Fact]
        public void ApplyOverridesReportsTypeMismatch()
        {
            var config = new XenDomainConfig();
            config.Set("disk", new object[] { "a" });
            var d = new List<XenDiagnostic>();
            XlConfigParser.ApplyOverrides(config, new[] { "disk += 'b'" }, new ConfigReadOptions(), d);
            var e = Assert.Single(d.Errors());
            Assert.Equal(("AppendTypeMismatch", "<override>", 1, 1), (e.Code, e.File, e.Line, e.Column));
        }
    }
}
