using System.Collections.Generic;
using System.Linq;
using XenPS.Config;
using Xunit;

namespace XenPS.Tests
{
    public class YamlConfigReaderTests
    {
        private static XenDomainConfig? Read(string yaml, out List<XenDiagnostic> diags)
        {
            diags = new List<XenDiagnostic>();
            return YamlConfigReader.Read(yaml, "web1.yaml", diags);
        }

        private static XenDiagnostic SingleError(string yaml)
        {
            var c = Read(yaml, out var diags);
            Assert.Null(c);
            var e = Assert.Single(diags, d => d.Severity == DiagnosticSeverity.Error);
            Assert.Equal("web1.yaml", e.File);
            Assert.False(string.IsNullOrEmpty(e.Hint));
            return e;
        }

        [Fact]
        public void ReadsScalarsListsAndPositions()
        {
            string yaml = "name: web1\nmemory: 512\nvcpus: 0x2\nextra: 'console=hvc0 quiet'\non_crash: preserve\ncpus:\n  - \"2\"\n  - [3, 4]\n";
            var c = Read(yaml, out var diags);
            Assert.NotNull(c);
            Assert.Empty(diags);
            Assert.Equal("web1", c!.Name);
            Assert.Equal("512", c.GetString("memory"));
            Assert.Equal("0x2", c.GetString("vcpus"));
            Assert.Equal(2, c.VCpus);
            Assert.Equal("console=hvc0 quiet", c.Extra);
            Assert.Equal(XenLifecycleAction.Preserve, c.OnCrash);
            var cpus = Assert.IsType<object[]>(c.Get("cpus"));
            Assert.Equal("2", cpus[0]);
            Assert.Equal(new object[] { "3", "4" }, (object[])cpus[1]);
            // YamlDotNet marks are 1-based lines and columns.
            var p = c.GetPosition("memory")!.Value;
            Assert.Equal(("web1.yaml", 2, 1), (p.File, p.Line, p.Column));
            Assert.Equal(6, c.GetPosition("cpus")!.Value.Line);
            Assert.Equal(new[] { "name", "memory", "vcpus", "extra", "on_crash", "cpus" }, c.Settings.Keys.Cast<string>());
        }

        [Theory]
        [InlineData("true", "1")]
        [InlineData("True", "1")]
        [InlineData("false", "0")]
        [InlineData("'true'", "true")]
        [InlineData("yes", "yes")]
        [InlineData("\"0777\"", "0777")]
        [InlineData("0777", "0777")]
        [InlineData("''", "")]
        public void ScalarConversion(string yamlValue, string expected)
        {
            var c = Read("name: a\nacpi: " + yamlValue + "\n", out var diags);
            Assert.Empty(diags);
            Assert.Equal(expected, c!.GetString("acpi"));
        }

        [Fact]
        public void DiskAndVifItemsAsStringsOrMappings()
        {
            string yaml = string.Join("\n",
                "name: web1",
                "disk:",
                "  - phy:/dev/vg/web1,xvda,w",
                "  - target: /srv/iso/debian,12.iso",
                "    vdev: hdc",
                "    cdrom: true",
                "  - { vdev: xvdb, format: qcow2, access: ro, discard: false, target: /srv/data.qcow2 }",
                "vif:",
                "  - ''",
                "  - bridge: xenbr1",
                "    mac: 00:16:3E:00:00:02",
                "    ip: [10.0.0.2, 10.0.0.3]",
                "");
            var c = Read(yaml, out var diags);
            Assert.Empty(diags);
            var disks = (object[])c!.Get("disk")!;
            Assert.Equal("phy:/dev/vg/web1,xvda,w", disks[0]);
            Assert.Equal("format=raw, vdev=hdc, access=r, devtype=cdrom, target=/srv/iso/debian,12.iso", disks[1]);
            Assert.Equal("format=qcow2, vdev=xvdb, access=r, no-discard, target=/srv/data.qcow2", disks[2]);
            var vifs = (object[])c.Get("vif")!;
            Assert.Equal("", vifs[0]);
            Assert.Equal("mac=00:16:3e:00:00:02,bridge=xenbr1,ip=10.0.0.2 10.0.0.3", vifs[1]);
            Assert.Equal(3, c.Disks.Count);
            Assert.Equal("xenbr1", c.Vifs[1].Bridge);
        }

        [Fact]
        public void SyntaxErrorHasPosition()
        {
            var e = SingleError("name: web1\nmemory: [512\nvcpus: 2\n");
            Assert.Equal("YamlSyntaxError", e.Code);
            Assert.True(e.Line >= 2, e.ToString());
            Assert.True(e.Column >= 1, e.ToString());
            Assert.DoesNotContain("Idx:", e.Message);
        }

        [Fact]
        public void TabIndentIsASyntaxError()
        {
            var e = SingleError("name: web1\ndisk:\n\t- /img,,xvda\n");
            Assert.Equal("YamlSyntaxError", e.Code);
            Assert.True(e.Line == 3, e.ToString());
        }

        [Fact]
        public void RootMustBeAMapping()
        {
            var e = SingleError("- name: web1\n");
            Assert.Equal("YamlRootNotMapping", e.Code);
            Assert.Equal((1, 1), (e.Line, e.Column));
        }

        [Fact]
        public void DuplicateKey()
        {
            var e = SingleError("name: web1\nmemory: 512\nmemory: 1024\n");
            Assert.Equal("YamlDuplicateKey", e.Code);
            Assert.Equal((3, 1), (e.Line, e.Column));
            Assert.Contains("line 2", e.Message);
        }

        [Fact]
        public void NullValue()
        {
            var e = SingleError("name: web1\nkernel:\n");
            Assert.Equal("YamlNullValue", e.Code);
            Assert.Equal(2, e.Line);
            Assert.Contains("''", e.Hint);
            Assert.Equal("YamlNullValue", SingleError("name: ~\n").Code);
        }

        [Fact]
        public void MappingWhereAScalarIsExpected()
        {
            var e = SingleError("name: web1\nkernel:\n  path: /boot/vmlinuz\n");
            Assert.Equal("YamlWrongNodeType", e.Code);
            Assert.Equal((3, 3), (e.Line, e.Column));
        }

        [Fact]
        public void InvalidKey()
        {
            var e = SingleError("name: web1\nMemory: 512\n");
            Assert.Equal("YamlInvalidKey", e.Code);
            Assert.Equal((2, 1), (e.Line, e.Column));
            Assert.Contains("'memory'", e.Hint);
        }

        [Fact]
        public void UnknownDiskItemKey()
        {
            var e = SingleError("name: web1\ndisk:\n  - vdev: xvda\n    taget: /img\n");
            Assert.Equal("YamlUnknownItemKey", e.Code);
            Assert.Equal((4, 5), (e.Line, e.Column));
            Assert.Contains("Did you mean 'target'?", e.Hint);
        }

        [Fact]
        public void UnknownVifItemKey()
        {
            var e = SingleError("name: web1\nvif:\n  - bridge: xenbr0\n    mca: 00:16:3e:00:00:01\n");
            Assert.Equal("YamlUnknownItemKey", e.Code);
            Assert.Equal((4, 5), (e.Line, e.Column));
            Assert.Contains("'mac'", e.Hint);
        }

        [Fact]
        public void InvalidDiskStringHasTheItemPosition()
        {
            var e = SingleError("name: web1\ndisk:\n  - /img,raw,xvda\n  - /img2,qcow3,xvdb\n");
            Assert.Equal("DiskSpecInvalid", e.Code);
            Assert.Equal((4, 5), (e.Line, e.Column));
        }

        [Fact]
        public void InvalidDiskMappingHasTheItemPosition()
        {
            var e = SingleError("name: web1\ndisk:\n  - target: /img\n    format: raw\n");
            Assert.Equal("DiskSpecInvalid", e.Code);
            Assert.Contains("no vdev", e.Message);
            Assert.Equal((3, 5), (e.Line, e.Column));
        }

        [Fact]
        public void InvalidVifHasTheItemPosition()
        {
            var e = SingleError("name: web1\nvif: [ 'mac=00:16:3e:00:00' ]\n");
            Assert.Equal("VifSpecInvalid", e.Code);
            Assert.Equal((2, 8), (e.Line, e.Column));
        }

        [Fact]
        public void CommaInANonTargetDiskValue()
        {
            var e = SingleError("name: web1\ndisk:\n  - { vdev: 'xvda,xvdb', target: /img }\n");
            Assert.Equal("DiskSpecInvalid", e.Code);
            Assert.Contains("comma", e.Message);
        }

        [Fact]
        public void FlagMustBeBoolean()
        {
            var e = SingleError("name: web1\ndisk:\n  - { vdev: xvda, cdrom: maybe }\n");
            Assert.Equal("DiskSpecInvalid", e.Code);
            Assert.Equal(3, e.Line);
        }

        [Fact]
        public void AliasesAreResolved()
        {
            var c = Read("name: web1\nmemory: &m 1024\nmaxmem: *m\n", out var diags);
            Assert.Empty(diags);
            Assert.Equal("1024", c!.GetString("maxmem"));
        }

        [Fact]
        public void MoreThanOneDocument()
        {
            var e = SingleError("name: a\n---\nname: b\n");
            Assert.Equal("YamlMultipleDocuments", e.Code);
            Assert.Equal(2, e.Line);
        }

        [Fact]
        public void EmptyFileIsAnEmptyConfig()
        {
            var c = Read("# nothing yet\n", out var diags);
            Assert.NotNull(c);
            Assert.Empty(diags);
            Assert.Empty(c!.Settings);
        }

        [Fact]
        public void SeveralErrorsAreAllReported()
        {
            var c = Read("name: web1\nmemory:\nMemory: 2\ndisk:\n  - { vdev: xvda, colour: red }\n", out var diags);
            Assert.Null(c);
            Assert.Equal(new[] { "YamlNullValue", "YamlInvalidKey", "YamlUnknownItemKey" }, diags.Select(d => d.Code));
        }

        [Fact]
        public void TheSchemaHelpExampleReads()
        {
            // The example in docs/help/about_XenPS_YamlSchema.md.
            var c = Read("name: web1\ntype: pvh\nmemory: 512\nmaxmem: 1024\nvcpus: 2\nkernel: /boot/vmlinuz-6.1\nextra: console=hvc0 quiet\non_crash: preserve\nacpi: true                 # becomes \"1\"\ndisk:\n  - phy:/dev/vg/web1,xvda,w                     # any xl disk spec string\n  - target: /srv/iso/debian-12.iso              # or a mapping\n    vdev: hdc\n    cdrom: true\nvif:\n  - ''                                          # a vif with every default\n  - { bridge: xenbr1, mac: '00:16:3e:00:00:02', ip: [10.0.0.2, 10.0.0.3] }\n", out var diags);
            Assert.Empty(diags);
            Assert.Equal("1", c!.GetString("acpi"));
            Assert.Equal("format=raw, vdev=hdc, access=r, devtype=cdrom, target=/srv/iso/debian-12.iso", c.Disks[1].Spec);
            Assert.Equal(new[] { "10.0.0.2", "10.0.0.3" }, c.Vifs[1].IpAddresses);
            var all = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, all);
            Assert.Empty(all);
        }
    }
}
