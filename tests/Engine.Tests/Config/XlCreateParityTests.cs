using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// The checks that make Test-XenDomainConfig agree with `xl -N create` on Xen 4.17 (recorded verdicts:
    /// tests/corpus/parity/xl-verdicts.tsv, checked by tests/Pester/ConfigParity.Tests.ps1 and live in the lab).
    /// </summary>
    public class XlCreateParityTests
    {
        private static XenDomainConfig Cfg(params (string key, object value)[] settings)
        {
            var c = new XenDomainConfig();
            c.Set("name", "p");
            foreach (var (k, v) in settings) c.Set(k, v);
            return c;
        }

        private static List<XenDiagnostic> ForCreate(XenDomainConfig c)
        {
            var d = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, d);
            ConfigValidator.ValidateForCreate(c, d);
            return d;
        }

        [Theory]
        [InlineData(null, null)]        // no type: xl's default is PV
        [InlineData("pv", null)]
        [InlineData("pvh", null)]
        [InlineData(null, "generic")]   // builder=generic is PV
        public void APvOrPvhGuestWithoutKernelOrBootloaderIsRefusedOnlyWhenItIsToBeCreated(string? type, string? builder)
        {
            var c = Cfg();
            if (type != null) c.Set("type", type);
            if (builder != null) c.Set("builder", builder);
            var read = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, read);
            Assert.DoesNotContain(read, d => d.Code == "KernelRequired"); // reading, converting, editing: fine
            var e = Assert.Single(ForCreate(c), d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal("KernelRequired", e.Code);
            Assert.StartsWith("Neither kernel nor bootloader specified", e.Message);
        }

        [Theory]
        [InlineData("kernel", "/boot/vmlinuz")]
        [InlineData("kernel", "")]              // xl counts an empty kernel as given
        [InlineData("bootloader", "pygrub")]
        [InlineData("type", "hvm")]
        public void AKernelABootloaderOrHvmIsEnough(string key, string value)
        {
            Assert.DoesNotContain(ForCreate(Cfg((key, value))), d => d.Severity == DiagnosticSeverity.Error);
        }

        [Theory]
        [InlineData("backend=0,foo=bar", "Unknown string \"foo=bar\" in vdispl spec")]
        [InlineData("backend", "Unknown string \"backend\" in vdispl spec")]
        [InlineData("backend=0, be-alloc=1", "At least one connector should be specified")]
        [InlineData("connectors=id0", "has no resolution")]
        public void VdisplSpecsXlRefusesAreErrors(string spec, string message)
        {
            var e = Assert.Single(ForCreate(Cfg(("kernel", "/k"), ("vdispl", new object[] { spec }))), d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal("VdisplSpecInvalid", e.Code);
            Assert.Contains(message, e.Message);
        }

        [Theory]
        [InlineData("backend=0,be-alloc=1,connectors=id0:1920x1080;id1:800x600", 0)]
        [InlineData("connectors=id0:1920x1080,connectors=id1:640x480", 0)]
        [InlineData("connectors=id0:abc", 1)] // xl: "Can't parse connector resolution", and creates
        public void VdisplSpecsXlAcceptsAreNoErrors(string spec, int warnings)
        {
            var d = ForCreate(Cfg(("kernel", "/k"), ("vdispl", new object[] { spec })));
            Assert.DoesNotContain(d, x => x.Severity == DiagnosticSeverity.Error);
            Assert.Equal(warnings, d.Count(x => x.Code == "VdisplSpecInvalid" && x.Severity == DiagnosticSeverity.Warning));
        }

        [Theory]
        [InlineData("type=netfront,bridge=xenbr0", "type=netfront")]
        [InlineData("mac=zz:zz,bridge=xenbr0", "mac=zz:zz")]
        [InlineData("bridge=xenbr0,colour=blue", "colour=blue")]
        public void AVifTokenXlCannotUseIsAWarningAndTheInterfaceIsBuiltWithoutIt(string spec, string ignored)
        {
            var c = Cfg(("kernel", "/k"), ("vif", new object[] { spec }));
            var d = ForCreate(c);
            Assert.DoesNotContain(d, x => x.Severity == DiagnosticSeverity.Error);
            var w = Assert.Single(d, x => x.Code == "VifSpecInvalid");
            Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
            Assert.Contains("xl ignores '" + ignored + "'", w.Message);
            var vif = Assert.Single(c.Vifs);
            Assert.Equal("xenbr0", vif.Bridge);
            Assert.DoesNotContain(vif.Settings, kv => ignored.StartsWith(kv.Key + "=", StringComparison.Ordinal));
            // network-attach reads the same text strictly, as xl's main_networkattach does
            Assert.False(VifSpec.TryParse(spec, out _, out _));
        }

        [Theory]
        [InlineData("memory", "abc")]
        [InlineData("memory", "0128")]
        [InlineData("vcpus", "0")]
        public void NumbersXlIgnoresAreWarnings(string key, string value)
        {
            var d = ForCreate(Cfg(("kernel", "/k"), (key, value)));
            var w = Assert.Single(d, x => x.Code == "NumberInvalid");
            Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        }

        [Fact]
        public void MemoryAboveMaxmemIsAWarningAndTheSimulatedHostBuildsItAsXlDoes()
        {
            var c = Cfg(("kernel", "/k"), ("memory", "160"), ("maxmem", "128"));
            var w = Assert.Single(ForCreate(c), x => x.Code == "MemoryAboveMaxmem");
            Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
            using var h = new SimTestHost();
            using var b = h.Open();
            var d = b.CreateDomain(c, new CreateDomainOptions(), CancellationToken.None);
            Assert.Equal(160, d.MemoryMiB);   // xl list -l: target_memkb 163840,
            Assert.Equal(128, d.MaxMemoryMiB); //             max_memkb 131072
        }

        [Fact]
        public void TheXlBackendRefusesAKernellessPvConfigBeforeRunningAnything()
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "ssh://lab");
            var c = Cfg(("memory", "128"));
            c.SourcePath = "web.cfg";
            var ex = Assert.Throws<XenConfigException>(() => b.CreateDomain(c, new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal("KernelRequired", Assert.Single(ex.Diagnostics).Code);
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void TheSimulatedHostBuildsAKernellessGuestAndWarnsThatXlWouldNot()
        {
            using var h = new SimTestHost();
            using var b = h.Open();
            var d = b.CreateDomain(Cfg(("memory", "128")), new CreateDomainOptions(), CancellationToken.None);
            Assert.Equal("p", d.Name);
            var note = Assert.Single(((IXenBackendNotes)b).TakeNotes(), n => n.IsWarning);
            Assert.Contains("Neither kernel nor bootloader specified", note.Text);
            Assert.DoesNotContain(((IXenBackendNotes)b).TakeNotes(), n => n.IsWarning); // said once
        }
    }
}
