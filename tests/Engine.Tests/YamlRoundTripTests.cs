using System.Collections;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    public class YamlRoundTripTests
    {
        // Strings YAML would reinterpret if written plain, plus characters that need escapes.
        private static readonly string[] Tricky =
        {
            "yes", "no", "on", "off", "y", "N", "~", "null", "Null", "true", "FALSE", "", " ", "010", "08", "0x1f", "1e3", "1.5",
            "-1", "+1", ".inf", ".NaN", "- a", "a: b", "a #b", "#c", "[x]", "{y}", "*ref", "&anchor", "!tag", "%x", "@x", "`x",
            "|", ">", "'q'", "\"d\"", "back\\slash", "tab\there", "line\nbreak", "cr\rlf", "nul\0", "\u0085", "\u2028", "é ü ☃",
            "/dev/vg/guest", "console=hvc0 root=/dev/xvda1", "phy:/dev/vg/x,xvda,w", "  lead", "trail  ", "xenbr0", "512",
        };

        private static Gen<string> StringValue()
        {
            var chars = Gen.Elements("abcXYZ019 _-./:,#'\"\\\t\n{}[]&*!|>%@`~é☃\u0085".ToCharArray());
            var random = Gen.ArrayOf(chars).Select(a => new string(a));
            return Gen.Frequency((3, random), (2, Gen.Elements(Tricky)));
        }

        private static Gen<object> Value(int depth)
        {
            var scalar = StringValue().Select(s => (object)s);
            if (depth <= 0) return scalar;
            var list = Gen.ListOf(Value(depth - 1), 4).Select(l => (object)l.ToArray());
            return Gen.Frequency((3, scalar), (1, list));
        }

        private static Gen<XenDomainConfig> Config()
        {
            var keyChars = Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789_.".ToCharArray());
            var key = Gen.Elements("abcdefghijklmnopqrstuvwxyz".ToCharArray())
                .SelectMany(first => Gen.ListOf(keyChars, 8).Select(rest => first + new string(rest.ToArray())))
                .Where(k => k != "disk" && k != "vif");
            var entry = key.SelectMany(k => Value(2).Select(v => new KeyValuePair<string, object>(k, v)));
            return Gen.ListOf(entry, 10).Select(entries =>
            {
                var c = new XenDomainConfig();
                foreach (var e in entries) c.Set(e.Key, e.Value);
                return c;
            });
        }

        private static bool SameValue(object a, object b)
        {
            if (a is string sa) return b is string sb && sa == sb;
            var la = (object[])a;
            return b is object[] lb && la.Length == lb.Length && la.Zip(lb).All(p => SameValue(p.First, p.Second));
        }

        private static bool SameSettings(XenDomainConfig a, XenDomainConfig b)
        {
            var ka = a.Settings.Keys.Cast<string>().ToList();
            var kb = b.Settings.Keys.Cast<string>().ToList();
            return ka.SequenceEqual(kb) && ka.All(k => SameValue(a.Settings[k]!, b.Settings[k]!));
        }

        private static string Show(object? v) => v is string s ? string.Join(",", s.Select(ch => ((int)ch).ToString("x"))) : v is object[] a ? "[" + string.Join(" | ", a.Select(Show)) + "]" : "<null>";

        private static string Diff(XenDomainConfig a, XenDomainConfig? b)
        {
            if (b == null) return "not read back";
            var ka = a.Settings.Keys.Cast<string>().ToList();
            var kb = b.Settings.Keys.Cast<string>().ToList();
            if (!ka.SequenceEqual(kb)) return "keys differ: " + string.Join(",", ka) + " vs " + string.Join(",", kb);
            foreach (var k in ka)
                if (!SameValue(a.Settings[k]!, b.Settings[k]!)) return $"{k}: {Show(a.Settings[k])} vs {Show(b.Settings[k])}";
            return "";
        }

        [Property(MaxTest = 400)]
        public Property WriteThenReadGivesTheSameSettings()
        {
            return Prop.ForAll(Arb.From(Config()), config =>
            {
                string yaml = YamlConfigWriter.Write(config);
                var diags = new List<XenDiagnostic>();
                var back = YamlConfigReader.Read(yaml, "rt.yaml", diags);
                Assert.True(back != null && diags.Count == 0 && SameSettings(config, back),
                    Diff(config, back) + "\nYAML:\n" + yaml + "\ndiagnostics: " + string.Join("; ", diags) +
                    (back == null ? "" : "\nread back as:\n" + YamlConfigWriter.Write(back)));
                return true;
            });
        }

        [Theory]
        [InlineData("yes")]
        [InlineData("no")]
        [InlineData("on")]
        [InlineData("off")]
        [InlineData("~")]
        [InlineData("null")]
        [InlineData("true")]
        [InlineData("010")]
        [InlineData("0x10")]
        [InlineData("")]
        [InlineData("a: b")]
        public void ScalarsYamlWouldReinterpretAreQuoted(string value)
        {
            Assert.StartsWith("\"", YamlConfigWriter.Scalar(value));
        }

        [Theory]
        [InlineData("512")]
        [InlineData("0")]
        [InlineData("web1")]
        [InlineData("/var/lib/xen/disk.img")]
        [InlineData("rename-restart")]
        public void PlainWhenUnambiguous(string value)
        {
            Assert.Equal(value, YamlConfigWriter.Scalar(value));
        }

        [Fact]
        public void DevicesAndNestedListsRoundTrip()
        {
            var c = new XenDomainConfig();
            c.Set("name", "web1");
            c.Set("memory", "512");
            c.Set("disk", new object[] { "format=raw, vdev=xvda, access=rw, target=/srv/a,b.img", ",hdc:cdrom,r" });
            c.Set("vif", new object[] { "", "mac=00:16:3e:00:00:02,bridge=xenbr0" });
            c.Set("cpus", new object[] { new object[] { "1", new object[0] }, new object[0], "2" });
            c.Set("acpi", "1");
            string yaml = YamlConfigWriter.Write(c);
            var diags = new List<XenDiagnostic>();
            var back = YamlConfigReader.Read(yaml, "rt.yaml", diags);
            Assert.Empty(diags);
            Assert.True(SameSettings(c, back!), yaml);
            Assert.Contains("memory: 512\n", yaml);
        }
    }
}
