using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;
using XenPS.Backends.Xl;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// Hostile and broken inputs (generated here, never committed as big files): each once crashed pwsh with a stack
    /// overflow, hung, ran out of memory or took minutes. Limits: 100 nesting levels, 100,000 YAML nodes after alias
    /// expansion, 1 MiB files, 100 diagnostics per severity group, 40-character quotes.
    /// </summary>
    public class HostileConfigTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "xenps-hostile-" + Guid.NewGuid().ToString("N"));

        public HostileConfigTests() => Directory.CreateDirectory(_dir);

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>Runs <paramref name="f"/> on a thread with a small stack: proof that reading does not recurse per level.</summary>
        private static T OnSmallStack<T>(Func<T> f)
        {
            T result = default!;
            Exception? error = null;
            var t = new Thread(() =>
            {
                try { result = f(); }
                catch (Exception e) { error = e; }
            }, 256 * 1024);
            t.Start();
            t.Join();
            if (error != null) throw new AggregateException(error);
            return result;
        }

        /// <summary>Runs <paramref name="f"/> and fails (instead of hanging the test run) when it takes more than 20 s.</summary>
        private static T Within20Seconds<T>(Func<T> f)
        {
            var task = Task.Factory.StartNew(f, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "did not finish within 20 s (it hangs, or its work grows faster than its input)");
            return task.Result;
        }

        private static ConfigReadResult Analyze(string text, string file = "test.cfg", ConfigReadOptions? options = null, params string[] overrides) =>
            DomainConfigReader.AnalyzeText(text, file, overrides, options);

        private static XenDiagnostic SingleError(ConfigReadResult r)
        {
            Assert.True(r.HasErrors);
            Assert.Null(r.Config);
            return Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        }

        private static void AllShort(ConfigReadResult r)
        {
            Assert.NotEmpty(r.Diagnostics);
            foreach (var d in r.Diagnostics)
                Assert.True(d.Message.Length + (d.Hint?.Length ?? 0) < 700, $"{d.Code}: {d.Message.Length} + {d.Hint?.Length} characters");
        }

        // ---- 1. nesting ----

        [Theory]
        [InlineData("name: a\nacpi: !!b[]ool 1\n")]            // the fuzzer's finding: a tag that is not a URI
        [InlineData("name: a\nextra: \"\\U92233720\"\n")]   // a \U escape beyond Unicode
        public void YamlDotNetsArgumentExceptionsAreSyntaxErrorsNotCrashes(string yaml)
        {
            var r = Analyze(yaml, "test.yaml");
            var e = SingleError(r);
            Assert.Equal("YamlSyntaxError", e.Code);
            Assert.Equal(2, e.Line);
        }

        [Fact]
        public void XlListsNested17500DeepAreOneErrorAtTheFirstLevelTooMany()
        {
            // The probe: a 35 KB file of 17,500 '[' killed pwsh with a stack overflow (exit 134).
            foreach (string closing in new[] { new string(']', 17_500), "" })
            {
                var r = OnSmallStack(() => Analyze("name = \"a\"\nx = " + new string('[', 17_500) + closing + "\nmemory = 512\n"));
                var e = SingleError(r);
                Assert.Equal("NestingTooDeep", e.Code);
                Assert.Equal(("test.cfg", 2, 105), (e.File, e.Line, e.Column)); // "x = " then the 101st '['
                Assert.Contains("100", e.Message);
                Assert.Contains("4,997", e.Hint);
                Assert.True(DiagnosticCodes.IsSyntax(e.Code));
            }
        }

        [Fact]
        public void XlListsNested100DeepAreRead()
        {
            var r = Analyze("name = \"a\"\nvnuma = " + new string('[', 100) + "\"x\"" + new string(']', 100) + "\n");
            Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
            object v = r.Config!.Get("vnuma")!;
            int depth = 0;
            while (v is object[] a)
            {
                depth++;
                v = Assert.Single(a);
            }
            Assert.Equal(100, depth);
            Assert.Equal("x", v);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void LegacyExpressionsNestedTooDeepAreAnErrorNotACrash(bool legacy)
        {
            var options = new ConfigReadOptions { AllowLegacyXm = legacy };
            foreach (string value in new[] { new string('(', 20_000) + "1" + new string(')', 20_000), new string('-', 20_000) + "1", string.Concat(Enumerable.Repeat("2**", 5_000)) + "1" })
            {
                var r = OnSmallStack(() => Analyze("name = \"a\"\nmemory = " + value + "\n", options: options));
                var e = SingleError(r);
                Assert.Equal("NestingTooDeep", e.Code);
                Assert.Equal((2, 10), (e.Line, e.Column));
            }
            // Within the limit legacy arithmetic still evaluates.
            var ok = Analyze("name = \"a\"\nmemory = " + new string('(', 50) + "256*2" + new string(')', 50) + "\n", options: new ConfigReadOptions { AllowLegacyXm = true });
            Assert.Equal("512", ok.Config!.GetString("memory"));
        }

        [Fact]
        public void YamlNested30000DeepIsAnErrorAtTheFirstLevelTooMany()
        {
            var flow = OnSmallStack(() => Analyze("name: a\nx: " + new string('[', 30_000) + new string(']', 30_000) + "\n", "deep.yaml"));
            var e = SingleError(flow);
            Assert.Equal("YamlTooDeep", e.Code);
            Assert.Equal(("deep.yaml", 2, 104), (e.File, e.Line, e.Column)); // "x: " then the 101st '['
            Assert.True(DiagnosticCodes.IsSyntax(e.Code));

            var sb = new StringBuilder("name: a\nx:\n");
            for (int d = 0; d < 3_000; d++) sb.Append(' ', 2 * d + 2).Append("-\n");
            var block = OnSmallStack(() => Analyze(sb.ToString(), "deep.yaml"));
            var b = SingleError(block);
            Assert.Equal("YamlTooDeep", b.Code);
            Assert.Equal(103, b.Line); // the 101st nested sequence
        }

        [Fact]
        public void YamlNested100DeepIsRead()
        {
            var r = Analyze("name: a\nx: " + new string('[', 100) + "1" + new string(']', 100) + "\n", "ok.yaml");
            Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
            int depth = 0;
            for (object v = r.Config!.Get("x")!; v is object[] a; v = a[0]) depth++;
            Assert.Equal(100, depth);
        }

        [Fact]
        public void YamlAliasesCannotNestPastTheLimit()
        {
            // An alias repeats its node where it stands: 60 levels inside 40 is 100 (read), inside 41 is 101 (refused).
            string a0 = "name: a\na0: &a0 " + new string('[', 60) + "1" + new string(']', 60) + "\n";
            foreach (int outer in new[] { 40, 41 })
            {
                string text = a0 + "a1: " + new string('[', outer) + " *a0 " + new string(']', outer) + "\n";
                var r = OnSmallStack(() => Analyze(text, "alias.yaml"));
                if (outer == 40)
                {
                    Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
                    continue;
                }
                var e = SingleError(r);
                Assert.Equal("YamlTooDeep", e.Code);
                Assert.Equal((3, 47), (e.Line, e.Column)); // the alias
                Assert.Contains("*a0", e.Message);
            }
        }

        // ---- 2. YAML alias expansion ----

        [Fact]
        public void YamlBillionLaughsIsRefusedQuickly()
        {
            // The probe: 338 bytes took 35 s and 6.5 GB.
            var sb = new StringBuilder("name: a\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            string prev = "a";
            foreach (char c in "bcdefghi")
            {
                sb.Append(c).Append(": &").Append(c).Append(" [").Append(string.Join(",", Enumerable.Repeat("*" + prev, 9))).Append("]\n");
                prev = c.ToString();
            }
            var r = Within20Seconds(() => Analyze(sb.ToString(), "lol.yaml"));
            var e = SingleError(r);
            Assert.Equal("YamlTooLarge", e.Code);
            Assert.Equal("lol.yaml", e.File);
            Assert.Equal(7, e.Line); // 'f:' repeats 'e' (66,430 nodes) until the total passes 100,000
            Assert.Contains("100,000", e.Message);
            Assert.Contains("*e", e.Message);
            Assert.True(DiagnosticCodes.IsSyntax(e.Code));
        }

        [Fact]
        public void YamlTooManyPlainNodesAreRefused()
        {
            var sb = new StringBuilder("name: a\nx:\n");
            for (int i = 0; i < 100_001; i++) sb.Append("- 1\n");
            var e = SingleError(Analyze(sb.ToString(), "many.yaml"));
            Assert.Equal("YamlTooLarge", e.Code);
        }

        [Fact]
        public void YamlAliasesWithinTheLimitStillResolve()
        {
            var r = Analyze("name: a\ncpus: &c [1, 2, [3, 4]]\ncpus_soft: *c\nmemory: &m 1024\nmaxmem: *m\n", "ok.yaml");
            Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
            Assert.Equal("1024", r.Config!.GetString("maxmem"));
            Assert.Equal(3, ((object[])r.Config.Get("cpus_soft")!).Length);
        }

        [Fact]
        public void YamlRecursiveAliasIsAnErrorNotAStackOverflow()
        {
            var r = OnSmallStack(() => Analyze("name: a\nx: &a [ 1, *a ]\n", "r.yaml"));
            var e = SingleError(r);
            Assert.Equal("YamlRecursiveAlias", e.Code);
            Assert.Equal(("r.yaml", 2, 12), (e.File, e.Line, e.Column));
            Assert.True(DiagnosticCodes.IsSyntax(e.Code));
        }

        // ---- 3. what a config path may name ----

        [DllImport("libc", SetLastError = true)]
        private static extern int mkfifo(string path, uint mode);

        private static XenConfigException ReadFails(string path) =>
            Within20Seconds(() => Assert.Throws<XenConfigException>(() => DomainConfigReader.Analyze(path, null, null)));

        [Fact]
        public void AFifoIsRefusedWithoutWaitingForAWriter()
        {
            if (OperatingSystem.IsWindows()) return; // no FIFOs there
            string fifo = Path.Combine(_dir, "pipe.cfg");
            Assert.Equal(0, mkfifo(fifo, Convert.ToUInt32("600", 8)));
            try
            {
                var e = Assert.Single(ReadFails(fifo).Diagnostics);
                Assert.Equal("NotARegularFile", e.Code);
                Assert.Equal(fifo, e.File);
                Assert.Equal($"'{fifo}' is a FIFO (named pipe), not a config file: XenPS reads only regular files.", e.Message);
                Assert.Contains("/dev/null", e.Hint);
            }
            finally
            {
                // Release a reader that did block on the FIFO (the code before the fix): a writer that opens and closes.
                var release = Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); });
                release.Wait(TimeSpan.FromMilliseconds(200));
            }
        }

        [Theory]
        [InlineData("/dev/zero")]
        [InlineData("/dev/urandom")]
        public void ADeviceIsRefusedBeforeReading(string device)
        {
            if (!File.Exists(device)) return; // not a Unix
            var e = Assert.Single(ReadFails(device).Diagnostics);
            Assert.Equal("NotARegularFile", e.Code);
            Assert.Equal($"'{device}' is a character device, not a config file: XenPS reads only regular files.", e.Message);
        }

        [Fact]
        public void ADirectoryIsNamedAsOne()
        {
            var e = Assert.Single(ReadFails(_dir).Diagnostics);
            Assert.Equal("NotARegularFile", e.Code);
            Assert.Equal($"'{_dir}' is a directory, not a config file.", e.Message);
            Assert.Equal(_dir, e.File);
        }

        [Fact]
        public void AFileOverOneMiBIsRefusedAndOneMiBIsRead()
        {
            string head = "name = \"big\"\nmemory = 512\n";
            string ok = Path.Combine(_dir, "ok.cfg");
            File.WriteAllText(ok, head + new string('#', 1024 * 1024 - head.Length - 1) + "\n");
            Assert.Equal(1024 * 1024, new FileInfo(ok).Length);
            var r = DomainConfigReader.Analyze(ok, null, null);
            Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
            Assert.Equal("big", r.Config!.Name);

            string big = Path.Combine(_dir, "big.cfg");
            File.WriteAllText(big, head + new string('#', 1024 * 1024 - head.Length) + "\n");
            var e = Assert.Single(ReadFails(big).Diagnostics);
            Assert.Equal("FileTooLarge", e.Code);
            Assert.Equal($"'{big}' is larger than the 1 MiB limit for a config file (1,048,577 bytes).", e.Message);
            Assert.False(DiagnosticCodes.IsSyntax(e.Code));
        }

        [Fact]
        public void ASymbolicLinkToAConfigIsRead()
        {
            // /etc/xen/auto holds symbolic links to the configs.
            string target = Path.Combine(_dir, "web1.cfg");
            File.WriteAllText(target, "name = \"web1\"\n");
            string link = Path.Combine(_dir, "auto-web1.cfg");
            try { File.CreateSymbolicLink(link, target); }
            catch (IOException) { return; } // no symbolic links on this file system
            catch (UnauthorizedAccessException) { return; }
            Assert.Equal("web1", DomainConfigReader.Load(link).Name);
        }

        [Fact]
        public void FilesAreDecodedAsBefore()
        {
            // UTF-8 with a byte order mark: the mark is dropped (as File.ReadAllText did), the text kept.
            string p = Path.Combine(_dir, "bom.cfg");
            File.WriteAllBytes(p, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("name = \"caf\u00e9\"\n")).ToArray());
            var c = DomainConfigReader.Load(p);
            Assert.Equal("caf\u00e9", c.Name);
            Assert.DoesNotContain(c.Diagnostics, d => d.Code == "ByteOrderMark");
            Assert.Equal("FileNotFound", Assert.Single(ReadFails(Path.Combine(_dir, "missing.cfg")).Diagnostics).Code);
            Assert.Equal("x", DomainConfigReader.Analyze(DomainConfigReader.NullDevice, new[] { "name=\"x\"" }, null).Config!.Name);
        }

        // ---- 4. quoting user text ----

        public static IEnumerable<object[]> LongTexts()
        {
            string w = new string('a', 10_000_000);
            yield return new object[] { "name = \"a\"\nkernel = " + w + "\n", "test.cfg", Array.Empty<string>() };               // bare word
            yield return new object[] { "name = \"a\"\n" + w + " = 1\n", "test.cfg", Array.Empty<string>() };                     // unknown key
            yield return new object[] { "name = \"a\"\n" + w.ToUpperInvariant() + " = 1\n", "test.cfg", Array.Empty<string>() };  // invalid key
            yield return new object[] { "name = \"a/" + w + "\"\n", "test.cfg", Array.Empty<string>() };                         // name
            yield return new object[] { "name = \"" + new string('1', 100_000) + "\"\n", "test.cfg", Array.Empty<string>() };     // all digits
            yield return new object[] { "name = \"a\"\ntype = \"" + w + "\"\non_crash = \"" + w + "\"\nmemory = \"" + w + "\"\n", "test.cfg", Array.Empty<string>() };
            yield return new object[] { "name = \"a\"\ndisk = [ \"" + w + "\" ]\nvif = [ \"" + w + "=1\" ]\n", "test.cfg", Array.Empty<string>() };
            yield return new object[] { "name = \"a\"\nmemory = 1 " + w + "\n", "test.cfg", Array.Empty<string>() };              // two values
            yield return new object[] { "name = \"a\"\nmemory = \"" + w, "test.cfg", Array.Empty<string>() };                     // unterminated
            yield return new object[] { "name = \"a\"\n", "test.cfg", new[] { "memory=" + w + "/x" } };                           // override
            yield return new object[] { "name: a\n" + w + "X: 1\n", "test.yaml", Array.Empty<string>() };                         // YAML key
            yield return new object[] { "name: a\nx: ~\n" + w + ": ~\n", "test.yaml", Array.Empty<string>() };
            yield return new object[] { "name: a\ndisk:\n  - { vdev: xvda, " + w + ": 1 }\n", "test.yaml", Array.Empty<string>() };
        }

        [Theory]
        [MemberData(nameof(LongTexts))]
        public void DiagnosticsQuoteAShortExcerptOfLongUserText(string text, string file, string[] overrides)
        {
            var r = Analyze(text, file, null, overrides);
            AllShort(r);
        }

        [Fact]
        public void TheExcerptSaysHowLongTheTextWas()
        {
            var e = SingleError(Analyze("name = \"a\"\nkernel = " + new string('a', 1_000_000) + "\n"));
            Assert.Equal("BareWord", e.Code);
            Assert.Equal("Syntax error near `" + new string('a', 40) + "… (1,000,000 characters)': an unquoted word is not an xl value.", e.Message);
        }

        [Fact]
        public void NoDiagnosticHoldsMoreThanAThousandCharacters()
        {
            var d = new XenDiagnostic(DiagnosticSeverity.Error, "X", new string('m', 5000), "f", 1, 1, new string('h', 5000));
            Assert.Equal(1000, d.Message.Length);
            Assert.EndsWith("…", d.Message);
            Assert.Equal(1000, d.Hint!.Length);
        }

        // ---- 5. at most 100 diagnostics of a kind ----

        [Fact]
        public void AThousandUnknownKeysAreAHundredWarningsAndOneSummary()
        {
            var sb = new StringBuilder("name = \"a\"\n");
            for (int i = 0; i < 1000; i++) sb.Append("unknownkey").Append(i).Append(" = 1\n");
            var r = Analyze(sb.ToString());
            Assert.False(r.HasErrors);
            Assert.Equal(101, r.Diagnostics.Count);
            Assert.Equal(100, r.Diagnostics.Count(d => d.Code == "UnknownKey"));
            var s = r.Diagnostics[^1];
            Assert.Equal("TooManyDiagnostics", s.Code);
            Assert.Equal(DiagnosticSeverity.Warning, s.Severity);
            Assert.Equal("… and 900 more warnings (not shown, the first at test.cfg:102:1): XenPS reports at most 100 errors and 100 warnings per config.", s.Message);
            Assert.Equal(101, r.Config!.Diagnostics.Count);
        }

        [Fact]
        public void AThousandErrorsAreAHundredAndOneSummaryError()
        {
            var sb = new StringBuilder("name = \"a\"\n");
            for (int i = 0; i < 1000; i++) sb.Append("kernel = vmlinuz").Append(i).Append('\n');
            var r = Analyze(sb.ToString());
            Assert.True(r.HasErrors);
            Assert.Null(r.Config);
            Assert.Equal(100, r.Diagnostics.Count(d => d.Code == "BareWord"));
            var s = r.Diagnostics[^1];
            Assert.Equal(("TooManyDiagnostics", DiagnosticSeverity.Error), (s.Code, s.Severity));
            Assert.StartsWith("… and 900 more errors (not shown, the first at test.cfg:102:10)", s.Message);

            var list = new List<XenDiagnostic>();
            Assert.Null(XlConfigParser.Parse(sb.ToString(), "test.cfg", Array.Empty<string>(), new ConfigReadOptions(), list));
            Assert.Equal(101, list.Count);
        }

        [Fact]
        public void WarningsNeverCrowdOutAnError()
        {
            var sb = new StringBuilder("name = \"a\"\n");
            for (int i = 0; i < 300; i++) sb.Append("extra").Append(" += \"\\101\"\n"); // an OctalEscape warning each
            sb.Append("memory = 1 2\n");
            var r = Analyze(sb.ToString());
            Assert.True(r.HasErrors);
            var e = Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal(("SyntaxError", 302), (e.Code, e.Line));
            Assert.Equal(100, r.Diagnostics.Count(d => d.Code == "OctalEscape"));
            Assert.Contains("200 more warnings", r.Diagnostics[^1].Message);
        }

        [Fact]
        public void YamlErrorsAreCappedToo()
        {
            var sb = new StringBuilder("name: a\n");
            for (int i = 0; i < 500; i++) sb.Append('k').Append(i).Append(": ~\n");
            var r = Analyze(sb.ToString(), "n.yaml");
            Assert.Equal(100, r.Diagnostics.Count(d => d.Code == "YamlNullValue"));
            Assert.StartsWith("… and 400 more errors", r.Diagnostics[^1].Message);
        }

        [Fact]
        public void SuggestionsStayRightAndCostNothingForHugeWords()
        {
            Assert.Equal("memory", KnownKeys.SuggestKey("memroy"));
            Assert.Equal("on_crash", KnownKeys.SuggestKey("on_crsh"));
            Assert.Equal("sim.boot_seconds", KnownKeys.SuggestKey("sim.boot_secnds"));
            Assert.Null(KnownKeys.SuggestKey("zzzzzzzz"));
            Assert.Null(KnownKeys.SuggestKey(new string('m', 10_000_000))); // was a 10M x 7 matrix per candidate
            Assert.Null(KnownKeys.Suggest("memory", Array.Empty<string>()));
        }

        // ---- '+=' in a loop ----

        [Fact]
        public void ManyAppendsCostTheirTotalNotItsSquare()
        {
            // 4 MB of 'cpus += [1]' (333,333 appends) and of 'extra += "a"': each append copied the whole value
            // (1 MiB of list appends took 48 s); now the value grows in place and the read takes well under a second.
            var lists = new StringBuilder("name = \"a\"\ncpus = []\n");
            int n = 0;
            for (; lists.Length < 4_000_000; n++) lists.Append("cpus += [1]\n");
            var strings = new StringBuilder("name = \"a\"\n");
            int m = 0;
            for (; strings.Length < 4_000_000; m++) strings.Append("extra += \"a\"\n");
            var (l, t) = Within20Seconds(() => (Analyze(lists.ToString()), Analyze(strings.ToString())));
            Assert.False(l.HasErrors);
            Assert.Equal(n, ((object[])l.Config!.Get("cpus")!).Length);
            Assert.Equal(n + 2, l.Config.GetPosition("cpus")!.Value.Line); // the last +=
            Assert.Equal(new string('a', m), t.Config!.GetString("extra"));
        }

        [Fact]
        public void AppendsKeepLibxluMeaningAcrossOverridesAndTypes()
        {
            var r = Analyze("name = \"a\"\nextra = 1\nextra += 2\nextra += \"g\"\nextra += \"h\"\ncpus = [1]\ncpus += [2]\n", overrides: new[] { "cpus += [3]; extra += \"z\"" });
            Assert.False(r.HasErrors, string.Join("\n", r.Diagnostics));
            Assert.Equal("12ghz", r.Config!.GetString("extra"));
            Assert.Equal(new object[] { "1", "2", "3" }, (object[])r.Config.Get("cpus")!);
            var warnings = r.Diagnostics.Where(d => d.Code == "AppendToNumber").ToList();
            Assert.Equal(new[] { 3, 4 }, warnings.Select(w => w.Line)); // on "1" and on "12", not after "g"
            Assert.Equal("'extra += ...' on the number 12 makes the text \"12g\"; xl refuses += on numbers (\"can't use += with numbers\") when it reads one.", warnings[1].Message);

            var bad = Analyze("name = \"a\"\nextra = \"a\"\nextra += \"b\"\nextra += [1]\n");
            var e = SingleError(bad);
            Assert.Equal(("AppendTypeMismatch", 4), (e.Code, e.Line));
            var replaced = Analyze("name = \"a\"\nextra = \"a\"\nextra += \"b\"\nextra = [1]\nextra += [2]\n");
            Assert.Equal(new object[] { "1", "2" }, (object[])replaced.Config!.Get("extra")!);
        }

        // ---- 6. domain names ----

        [Theory]
        [InlineData("a\nb", "a newline", "a\\u000Ab")]
        [InlineData("a\tb", "the control character U+0009", "a\\u0009b")]
        [InlineData("a/b", "'/'", "a/b")]
        [InlineData("web\u0085", "the control character U+0085", "web\\u0085")]
        [InlineData("\u007f", "the control character U+007F", "\\u007F")]
        public void ANameWithControlCharactersOrSlashIsAnError(string name, string what, string shown)
        {
            var c = new XenDomainConfig { SourcePath = "n.cfg" };
            c.Set("memory", "1", new SourcePosition("n.cfg", 1, 1));
            c.Set("name", name, new SourcePosition("n.cfg", 2, 1));
            var d = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, d);
            var e = Assert.Single(d);
            Assert.Equal(("NameInvalid", DiagnosticSeverity.Error, 2, 1), (e.Code, e.Severity, e.Line, e.Column));
            Assert.Equal($"The domain name '{shown}' contains {what} (at character {name.IndexOfAny(new[] { '\n', '\t', '/', '\u0085', '\u007f' }) + 1}).", e.Message);
        }

        [Theory]
        [InlineData("\u202Eevil", "U+202E", "\\u202Eevil")]
        [InlineData("a\u2066b\u2069", "U+2066", "a\\u2066b\\u2069")]
        [InlineData("x\u202A", "U+202A", "x\\u202A")]
        public void ANameWithBidirectionalControlsIsAWarning(string name, string code, string shown)
        {
            var r = Analyze("name = \"" + name + "\"\n");
            Assert.False(r.HasErrors);
            var w = Assert.Single(r.Diagnostics);
            Assert.Equal(("NameUnusual", DiagnosticSeverity.Warning, 1, 1), (w.Code, w.Severity, w.Line, w.Column));
            Assert.Contains(code, w.Message);
            Assert.Contains("'" + shown + "'", w.Message);
        }

        [Fact]
        public void OrdinaryNamesHaveNoFindings()
        {
            foreach (string n in new[] { "web-1.example_2", "caf\u00e9", "vm42", "\u0645\u062b\u0627\u0644" })
                Assert.Empty(Analyze("name = \"" + n + "\"\n").Diagnostics);
        }

        [Fact]
        public void BackendsRefuseTheSameNamesWithTheSameCodes()
        {
            using var host = new SimTestHost();
            using var sim = host.Open();
            var ex = Assert.Throws<XenConfigException>(() => sim.CreateDomain(SimTestHost.Config("../../etc"), new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("NameInvalid", Assert.Single(ex.Diagnostics).Code);
            ex = Assert.Throws<XenConfigException>(() => sim.CreateDomain(SimTestHost.Config("12"), new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("NameInvalid", Assert.Single(ex.Diagnostics).Code);
            var noName = SimTestHost.Config("x");
            noName.Remove("name");
            ex = Assert.Throws<XenConfigException>(() => sim.CreateDomain(noName, new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("NameRequired", Assert.Single(ex.Diagnostics).Code);

            // xl: refused before anything runs (the name would make the console log path).
            var fake = new FakeRunner((a, _) => new CommandResult(127, "", "must not run"));
            using var xl = new XlBackend(fake, "xl:///");
            ex = Assert.Throws<XenConfigException>(() => xl.CreateDomain(SimTestHost.Config("a\nb"), new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("NameInvalid", Assert.Single(ex.Diagnostics).Code);
            noName = SimTestHost.Config("x");
            noName.Remove("name");
            ex = Assert.Throws<XenConfigException>(() => xl.CreateDomain(noName, new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("NameRequired", Assert.Single(ex.Diagnostics).Code);
        }
    }
}
