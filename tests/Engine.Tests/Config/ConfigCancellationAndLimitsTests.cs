using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>The cancellation token reaches every long loop of reading; the documented limits; the bounded edit distance.</summary>
    public class ConfigCancellationAndLimitsTests
    {
        private static string UnknownKeys(int megabytes)
        {
            var sb = new StringBuilder("name = \"a\"\n", megabytes * 1_000_000 + 64);
            for (int i = 0; sb.Length < megabytes * 1_000_000; i++) sb.Append("unknownkey").Append(i).Append(" = 1\n");
            return sb.ToString();
        }

        [Fact]
        public void ACancelledTokenStopsEveryReader()
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var t = cts.Token;
            Assert.ThrowsAny<OperationCanceledException>(() => DomainConfigReader.AnalyzeText("name = \"a\"\n", "a.cfg", null, null, t));
            Assert.ThrowsAny<OperationCanceledException>(() => DomainConfigReader.LoadText("name: a\n", "a.yaml", null, null, t));
            Assert.ThrowsAny<OperationCanceledException>(() => XlConfigParser.Parse("name = \"a\"\n", "a.cfg", Array.Empty<string>(), new ConfigReadOptions(), new List<XenDiagnostic>(), t));
            Assert.ThrowsAny<OperationCanceledException>(() => YamlConfigReader.Read("name: a\n", "a.yaml", new List<XenDiagnostic>(), t));
            var c = DomainConfigReader.LoadText("name = \"a\"\n", "a.cfg");
            Assert.ThrowsAny<OperationCanceledException>(() => ConfigValidator.Validate(c, new List<XenDiagnostic>(), t));
            Assert.ThrowsAny<OperationCanceledException>(() => DomainConfigReader.ApplyOverrides(c, new[] { "memory=1" }, null, t));
        }

        [Fact]
        public void CancellingStopsALongReadPartWay()
        {
            // 20 MB of unknown keys: lexing alone takes far longer than 50 ms; the read must stop when asked, not finish.
            string text = UnknownKeys(20);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            Assert.ThrowsAny<OperationCanceledException>(() => DomainConfigReader.AnalyzeText(text, "big.cfg", null, null, cts.Token));
        }

        [Fact]
        public void TheDocumentedLimits()
        {
            Assert.Equal(1024 * 1024, ConfigLimits.MaxFileBytes);
            Assert.Equal(100, ConfigLimits.MaxNestingDepth);
            Assert.Equal(100_000, ConfigLimits.MaxYamlNodes);
            Assert.Equal(100, ConfigLimits.MaxDiagnostics);
            Assert.Equal(40, ConfigLimits.MaxQuotedChars);
            Assert.Equal("short", ConfigLimits.Excerpt("short"));
            Assert.Equal(new string('x', 40), ConfigLimits.Excerpt(new string('x', 40)));
            Assert.Equal(new string('x', 40) + "… (41 characters)", ConfigLimits.Excerpt(new string('x', 41)));
            // never half a surrogate pair
            string emoji = new string('x', 39) + "\U0001F600" + "tail";
            Assert.Equal(new string('x', 39) + "… (45 characters)", ConfigLimits.Excerpt(emoji));
            foreach (string code in new[] { "NestingTooDeep", "YamlTooDeep", "YamlTooLarge", "YamlRecursiveAlias" })
                Assert.True(DiagnosticCodes.IsSyntax(code), code);
            foreach (string code in new[] { "NotARegularFile", "FileTooLarge", "TooManyDiagnostics", "NameInvalid", "NameUnusual" })
                Assert.False(DiagnosticCodes.IsSyntax(code), code);
        }

        [Fact]
        public void BoundedDistanceAgreesWithTheFullDistance()
        {
            var rng = new Random(4711);
            const string alphabet = "abcde_.";
            string Word() => new string(Enumerable.Range(0, rng.Next(0, 9)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
            for (int n = 0; n < 20_000; n++)
            {
                string a = Word(), b = Word();
                int max = rng.Next(0, 5);
                int full = KnownKeys.Distance(a, b);
                Assert.Equal(full <= max ? full : max + 1, KnownKeys.BoundedDistance(a, b, max));
            }
            Assert.Equal(4, KnownKeys.BoundedDistance(new string('a', 10_000_000), "memory", 3));
            Assert.Equal(1, KnownKeys.BoundedDistance("memroy", "memory", 3));
        }

        [Fact]
        public void SuggestionsMatchTheUnboundedSearch()
        {
            // The old Suggest: the nearest by the full distance, within a third of the word's length (1..3).
            foreach (string w in new[] { "memroy", "memor", "vcpu", "on_poweof", "kernal", "ramdsk", "on-crash", "maxvcpu", "bootlaoder", "x", "nx", "cpus_sfot", "sim.boot_secnds" })
            {
                var candidates = w.StartsWith("sim.", StringComparison.Ordinal) ? KnownKeys.Simulator : KnownKeys.Xl;
                int limit = Math.Min(3, Math.Max(1, w.Length / 3));
                var best = candidates.Select(c => (c, d: KnownKeys.Distance(w, c))).OrderBy(x => x.d).First();
                string? expected = best.d > 0 && best.d <= limit ? best.c : null;
                Assert.Equal(expected, KnownKeys.SuggestKey(w));
            }
        }
    }
}
