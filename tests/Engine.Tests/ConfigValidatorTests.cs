using System.Collections.Generic;
using System.Linq;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    public class ConfigValidatorTests
    {
        // Each setting on its own line (line = index + 2, column 1) so positions can be checked; name on line 1.
        private static List<XenDiagnostic> Validate(params (string Key, object Value)[] settings)
        {
            var c = new XenDomainConfig { SourcePath = "web1.cfg" };
            int line = 1;
            foreach (var (k, v) in settings) c.Set(k, v, new SourcePosition("web1.cfg", line++, 1));
            var d = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, d);
            return d;
        }

        private static XenDiagnostic One(List<XenDiagnostic> diags, string code)
        {
            var d = Assert.Single(diags, x => x.Code == code);
            Assert.False(string.IsNullOrEmpty(d.Hint));
            Assert.Equal("web1.cfg", d.File);
            return d;
        }

        [Fact]
        public void AGoodConfigHasNoFindings()
        {
            var d = Validate(("name", "web1"), ("type", "pvh"), ("memory", "512"), ("maxmem", "1024"), ("vcpus", "2"), ("maxvcpus", "4"),
                ("kernel", "/boot/vmlinuz"), ("root", "/dev/xvda1 ro"), ("on_crash", "preserve"), ("uuid", "4fa3c6d2-1b0e-4d5a-9c3e-0a1b2c3d4e5f"),
                ("disk", new object[] { "phy:/dev/vg/web1,xvda,w" }), ("vif", new object[] { "", "bridge=xenbr1" }),
                ("sim.boot_seconds", "3"));
            Assert.Empty(d);
        }

        [Fact]
        public void NameRequiredAsXlSaysIt()
        {
            var d = Validate(("memory", "512"));
            var e = One(d, "NameRequired");
            Assert.Equal("Domain name must be specified.", e.Message);
            Assert.Equal(DiagnosticSeverity.Error, e.Severity);
            Assert.Equal((0, 0), (e.Line, e.Column));
        }

        [Theory]
        [InlineData("", "NameRequired")]
        [InlineData("  ", "NameRequired")]
        [InlineData("42", "NameInvalid")]
        public void NamesXlCannotUse(string name, string code)
        {
            var e = One(Validate(("memory", "1"), ("name", name)), code);
            Assert.Equal(DiagnosticSeverity.Error, e.Severity);
            Assert.Equal((2, 1), (e.Line, e.Column));
        }

        [Fact]
        public void NameWithSlashIsAnError()
        {
            // '/' would put xl's console log guest-<name>.log in another folder (see HostileConfigTests for the rest).
            var e = One(Validate(("name", "a/b")), "NameInvalid");
            Assert.Equal(DiagnosticSeverity.Error, e.Severity);
        }

        [Theory]
        [InlineData("type", "kvm", "TypeInvalid", DiagnosticSeverity.Error)]
        [InlineData("type", "PV", "TypeInvalid", DiagnosticSeverity.Error)]
        [InlineData("type", "", "TypeInvalid", DiagnosticSeverity.Error)]
        [InlineData("type", "p", "TypeAbbreviated", DiagnosticSeverity.Warning)]
        [InlineData("type", "hv", "TypeAbbreviated", DiagnosticSeverity.Warning)]
        [InlineData("builder", "linux", "TypeInvalid", DiagnosticSeverity.Error)]
        [InlineData("builder", "hvm", "BuilderDeprecated", DiagnosticSeverity.Information)]
        public void TypeAndBuilder(string key, string value, string code, DiagnosticSeverity severity)
        {
            var e = One(Validate(("name", "web1"), (key, value)), code);
            Assert.Equal(severity, e.Severity);
            Assert.Equal((2, 1), (e.Line, e.Column));
        }

        [Fact]
        public void TypeTypoGetsSuggestion()
        {
            Assert.Contains("'pvh'", One(Validate(("name", "web1"), ("type", "pvhh")), "TypeInvalid").Hint);
        }

        [Theory]
        [InlineData("on_poweroff")]
        [InlineData("on_reboot")]
        [InlineData("on_watchdog")]
        [InlineData("on_crash")]
        [InlineData("on_soft_reset")]
        public void ActionsMustBeXlSpellings(string key)
        {
            var e = One(Validate(("name", "web1"), (key, "rename_restart")), "ActionInvalid");
            Assert.Equal(DiagnosticSeverity.Error, e.Severity);
            Assert.Equal(2, e.Line);
            Assert.Contains("Did you mean 'rename-restart'?", e.Hint);
            Assert.Contains("coredump-destroy", e.Hint);
        }

        [Theory]
        [InlineData("memory", "08", "octal")]
        [InlineData("memory", "512M", "whole number")]
        [InlineData("maxmem", "-1", "whole number")]
        [InlineData("vcpus", "1.5", "whole number")]
        [InlineData("maxvcpus", "", "whole number")]
        [InlineData("sim.boot_seconds", "soon", "whole number")]
        public void NumbersAreStrtolBase0(string key, string value, string hintFragment)
        {
            var e = One(Validate(("name", "web1"), (key, value)), "NumberInvalid");
            Assert.Equal((2, 1), (e.Line, e.Column));
            Assert.Contains(hintFragment, e.Hint);
        }

        [Fact]
        public void OctalAndHexAreValidNumbers()
        {
            Assert.Empty(Validate(("name", "web1"), ("memory", "0x200"), ("maxmem", "01000")));
        }

        [Fact]
        public void NumberThatIsAList()
        {
            One(Validate(("name", "web1"), ("memory", new object[] { "512" })), "NumberInvalid");
        }

        [Fact]
        public void MaxmemBelowMemory()
        {
            var e = One(Validate(("name", "web1"), ("memory", "2048"), ("maxmem", "1024")), "MemoryAboveMaxmem");
            Assert.Equal((3, 1), (e.Line, e.Column));
            Assert.Contains("2048", e.Message);
        }

        [Fact]
        public void VcpusAboveMaxvcpus()
        {
            var e = One(Validate(("name", "web1"), ("vcpus", "4"), ("maxvcpus", "2")), "VcpusAboveMaxvcpus");
            Assert.Equal(2, e.Line);
        }

        [Fact]
        public void DiskEntryErrorsNameTheEntry()
        {
            var e = One(Validate(("name", "web1"), ("disk", new object[] { "/img,,xvda", "/img2,qcow3,xvdb" })), "DiskSpecInvalid");
            Assert.StartsWith("disk[1]:", e.Message);
            Assert.Equal((2, 1), (e.Line, e.Column));
        }

        [Fact]
        public void VifEntryErrors()
        {
            var e = One(Validate(("name", "web1"), ("vif", new object[] { "mac=zz" })), "VifSpecInvalid");
            Assert.StartsWith("vif[0]:", e.Message);
        }

        [Fact]
        public void DiskAsSingleStringIsIgnoredByXl()
        {
            var e = One(Validate(("name", "web1"), ("disk", "/img,,xvda")), "ListExpected");
            Assert.Equal(DiagnosticSeverity.Warning, e.Severity);
            Assert.Contains("xl ignores it, and so does XenPS", e.Message);
        }

        [Theory]
        [InlineData("disk", "phy:/dev/vg/x,xvda,w")]
        [InlineData("vif", "bridge=xenbr0")]
        public void ASingleStringIsNoDeviceAsInXl(string key, string spec)
        {
            // xl create cfg disk=phy:... : xlu_cfg_get_list refuses a string, the domain is built without it.
            var c = DomainConfigReader.LoadText("name = 'web1'\n", "web1.cfg", new[] { key + "=" + spec });
            Assert.Contains(c.Diagnostics, d => d.Code == "ListExpected");
            Assert.Empty(c.Disks);
            Assert.Empty(c.Vifs);
        }

        [Fact]
        public void AnIgnoredSingleStringIsNotCheckedAsASpec()
        {
            var d = Validate(("name", "web1"), ("disk", "not a disk spec at all"));
            Assert.DoesNotContain(d, x => x.Severity == DiagnosticSeverity.Error);
        }

        [Theory]
        [InlineData("not-a-uuid")]
        [InlineData("4fa3c6d21b0e4d5a9c3e0a1b2c3d4e5f")]
        [InlineData("4fa3c6d2-1b0e-4d5a-9c3e-0a1b2c3d4e5f\n")]
        public void UuidFormat(string uuid)
        {
            One(Validate(("name", "web1"), ("uuid", uuid)), "UuidInvalid");
        }

        [Fact]
        public void CmdlineWithRootAndExtraWarnsLikeXl()
        {
            var d = Validate(("name", "web1"), ("root", "/dev/xvda1"), ("extra", "quiet"), ("cmdline", "root=/dev/xvda2"));
            var w = d.Where(x => x.Code == "CmdlineOverrides").ToList();
            Assert.Equal(2, w.Count);
            Assert.All(w, x => Assert.Equal(DiagnosticSeverity.Warning, x.Severity));
            Assert.Equal(new[] { 2, 3 }, w.Select(x => x.Line));
        }

        [Fact]
        public void UnknownKeyIsAWarningWithSuggestion()
        {
            var e = One(Validate(("name", "web1"), ("memroy", "512")), "UnknownKey");
            Assert.Equal(DiagnosticSeverity.Warning, e.Severity);
            Assert.Equal((2, 1), (e.Line, e.Column));
            Assert.Equal("Did you mean 'memory'?", e.Hint);
        }

        [Theory]
        [InlineData("vpcus", "vcpus")]
        [InlineData("on_carsh", "on_crash")]
        [InlineData("ramdsik", "ramdisk")]
        [InlineData("bootlaoder", "bootloader")]
        public void TyposOfKnownKeys(string typo, string suggestion)
        {
            Assert.Equal($"Did you mean '{suggestion}'?", One(Validate(("name", "web1"), (typo, "1")), "UnknownKey").Hint);
        }

        [Fact]
        public void FarOffKeyHasNoSuggestion()
        {
            Assert.DoesNotContain("Did you mean", One(Validate(("name", "web1"), ("frobnicate", "1")), "UnknownKey").Hint);
        }

        [Fact]
        public void SimulatorKeys()
        {
            Assert.Empty(Validate(("name", "web1"), ("sim.shutdown_seconds", "2"), ("sim.ignore_shutdown", "1"), ("sim.crash_after_seconds", "9"), ("sim.boot_seconds", "1"), ("sim.pv_drivers", "0")));
            var e = One(Validate(("name", "web1"), ("sim.boot_second", "1")), "UnknownSimulatorKey");
            Assert.Equal(DiagnosticSeverity.Warning, e.Severity);
            Assert.Contains("'sim.boot_seconds'", e.Hint);
        }

        [Fact]
        public void DistanceIsDamerauLevenshtein()
        {
            Assert.Equal(1, KnownKeys.Distance("memroy", "memory"));
            Assert.Equal(1, KnownKeys.Distance("memor", "memory"));
            Assert.Equal(2, KnownKeys.Distance("mmeroy", "memory"));
            Assert.Equal(0, KnownKeys.Distance("", ""));
            Assert.Equal(3, KnownKeys.Distance("abc", ""));
        }

        [Fact]
        public void KnownKeysCoverTheManPage()
        {
            foreach (var k in new[] { "name", "memory", "maxmem", "vcpus", "disk", "vif", "on_soft_reset", "pvshim", "device_model_args_hvm", "msr_relaxed", "viridian" })
                Assert.True(KnownKeys.IsXlKey(k), k);
            Assert.Equal(KnownKeys.Xl.Count, KnownKeys.Xl.Distinct().Count());
        }

        [Fact]
        public void ValidationThroughYamlUsesYamlPositions()
        {
            var diags = new List<XenDiagnostic>();
            var c = YamlConfigReader.Read("name: web1\nmemory: 512\nmaxmem: 256\nmemroy: 3\n", "web1.yaml", diags);
            ConfigValidator.Validate(c!, diags);
            var e = Assert.Single(diags, x => x.Code == "MemoryAboveMaxmem");
            Assert.Equal(("web1.yaml", 3, 1), (e.File, e.Line, e.Column));
            var w = Assert.Single(diags, x => x.Code == "UnknownKey");
            Assert.Equal(4, w.Line);
        }

        [Fact]
        public void DomainConfigReaderReadsAndValidatesYaml()
        {
            var r = DomainConfigReader.AnalyzeText("name: web1\nmemory: 512\nmemroy: 1\n", "web1.yaml", null, null);
            Assert.False(r.HasErrors);
            Assert.Equal(ConfigFormat.Yaml, r.Config!.SourceFormat);
            Assert.Equal("UnknownKey", Assert.Single(r.Config.Diagnostics).Code);

            var bad = DomainConfigReader.AnalyzeText("memory: 512\n", "web1.yaml", null, null);
            Assert.True(bad.HasErrors);
            Assert.Null(bad.Config);
            Assert.Equal("NameRequired", bad.Diagnostics[0].Code);
            var ex = Assert.Throws<XenConfigException>(() => DomainConfigReader.LoadText("name: [a\n", "x.yaml"));
            Assert.Equal("YamlSyntaxError", ex.Diagnostics[0].Code);
        }

        [Theory]
        [InlineData("h", XenDomainType.HVM)]
        [InlineData("p", XenDomainType.PV)]
        [InlineData("pv", XenDomainType.PV)]
        [InlineData("pvh", XenDomainType.PVH)]
        public void TypePrefixesReadAsXlReadsThem(string type, XenDomainType expected)
        {
            var c = new XenDomainConfig();
            c.Set("type", type);
            Assert.Equal(expected, c.Type);
        }

        [Fact]
        public void BuilderContradictingType()
        {
            var e = One(Validate(("name", "web1"), ("type", "pv"), ("builder", "hvm")), "TypeInvalid");
            Assert.Equal("Contradicting \"builder\" and \"type\" options specified.", e.Message);
            Assert.Equal(3, e.Line);
        }

        [Fact]
        public void UpperCaseTypeSuggestsLowerCase()
        {
            Assert.Contains("'hvm'", One(Validate(("name", "web1"), ("type", "HVM")), "TypeInvalid").Hint);
        }
    }
}
