using Xunit;

namespace XenPS.Tests
{
    public class DiskSpecTests
    {
        [Theory]
        // The equivalences docs/misc/xl-disk-configuration.txt lists.
        [InlineData("/dev/vg/guest-volume,,hda")]
        [InlineData("/dev/vg/guest-volume,raw,hda,rw")]
        [InlineData("format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume")]
        [InlineData("raw:/dev/vg/guest-volume,hda,w")]
        public void EquivalentFormsOfADisk(string spec)
        {
            var d = DiskSpec.Parse(spec);
            Assert.Equal("/dev/vg/guest-volume", d.Target);
            Assert.Equal("raw", d.Format);
            Assert.Equal("hda", d.Vdev);
            Assert.Equal("rw", d.Access);
            Assert.False(d.IsReadOnly);
            Assert.False(d.IsCdrom);
            Assert.Equal(spec, d.Spec);
            Assert.Equal("format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", d.ToSpecString());
        }

        [Theory]
        [InlineData("/root/image.iso,,hdc,cdrom")]
        [InlineData("/root/image.iso,,hdc,,cdrom")]
        [InlineData("/root/image.iso,raw,hdc,devtype=cdrom")]
        [InlineData("format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso")]
        [InlineData("raw:/root/image.iso,hdc:cdrom,ro")]
        [InlineData("file:/root/image.iso,hdc:cdrom,r")]
        public void EquivalentFormsOfACdrom(string spec)
        {
            var d = DiskSpec.Parse(spec);
            Assert.Equal("/root/image.iso", d.Target);
            Assert.Equal("hdc", d.Vdev);
            Assert.True(d.IsCdrom);
            Assert.Equal("cdrom", d.DevType);
            Assert.True(d.IsReadOnly);
            Assert.Equal("r", d.Access);
            Assert.Equal("raw", d.Format);
        }

        [Fact]
        public void EmptyCdromDriveInXendSyntax()
        {
            var d = DiskSpec.Parse(",hdc:cdrom,r");
            Assert.Equal("", d.Target);
            Assert.Equal("empty", d.Format);
            Assert.True(d.IsCdrom);
            Assert.Equal("hdc", d.Vdev);
            var again = DiskSpec.Parse(d.ToSpecString());
            Assert.Equal(d.ToSpecString(), again.ToSpecString());
        }

        [Theory]
        [InlineData("phy:/dev/vg/x,xvda,w", "/dev/vg/x", "xvda", "rw", "raw")]
        [InlineData("file:/img,hda,w", "/img", "hda", "rw", "raw")]
        [InlineData("tap:aio:/img,xvda,r", "/img", "xvda", "r", "raw")]
        [InlineData("tap:qcow2:/img.qcow2,xvdb,w", "/img.qcow2", "xvdb", "rw", "qcow2")]
        [InlineData("tap2:vhd:/img.vhd,xvdc,w", "/img.vhd", "xvdc", "rw", "vhd")]
        public void LegacyXmPrefixes(string spec, string target, string vdev, string access, string format)
        {
            var d = DiskSpec.Parse(spec);
            Assert.Equal(target, d.Target);
            Assert.Equal(vdev, d.Vdev);
            Assert.Equal(access, d.Access);
            Assert.Equal(format, d.Format);
        }

        [Fact]
        public void ScriptPrefixBecomesBlockScript()
        {
            var d = DiskSpec.Parse("iscsi:iqn.2001-05.com.example:disk1,xvda,w");
            Assert.Equal("block-iscsi", d.Script);
            Assert.Equal("iqn.2001-05.com.example:disk1", d.Target);
        }

        [Fact]
        public void TargetTakesTheRestOfTheStringCommasIncluded()
        {
            var d = DiskSpec.Parse("vdev=xvda, format=qcow2, target=/srv/a,b c,");
            Assert.Equal("/srv/a,b c", d.Target);
            Assert.Equal("qcow2", d.Format);
            Assert.Equal(d.ToSpecString(), DiskSpec.Parse(d.ToSpecString()).ToSpecString());
        }

        [Fact]
        public void TargetEndingWithACommaKeepsIt()
        {
            // libxlu strips one trailing comma from target=..., so the canonical form doubles it.
            var d = DiskSpec.Create("/srv/odd,", "xvda");
            Assert.Equal("format=raw, vdev=xvda, access=rw, target=/srv/odd,,", d.ToSpecString());
            Assert.Equal("/srv/odd,", d.Target);
            Assert.Equal("/srv/odd,", DiskSpec.Parse(d.ToSpecString()).Target);
        }

        [Fact]
        public void KeywordsAndFlags()
        {
            var d = DiskSpec.Parse("vdev=xvdb, access=r, backendtype=qdisk, backend=driverdom, script=block-drbd, direct-io-safe, no-discard, untrusted, target=/dev/drbd0");
            Assert.Equal("qdisk", d.BackendType);
            Assert.Equal("driverdom", d.Backend);
            Assert.Equal("block-drbd", d.Script);
            Assert.True(d.DirectIoSafe);
            Assert.False(d.Discard);
            Assert.False(d.Trusted);
            Assert.True(d.IsReadOnly);
            var back = DiskSpec.Parse(d.ToSpecString());
            Assert.Equal(d.ToSpecString(), back.ToSpecString());
            Assert.Equal("qdisk", back.BackendType);
            Assert.True(back.DirectIoSafe);
        }

        [Fact]
        public void CreateFromParts()
        {
            var d = DiskSpec.Create("/var/lib/xenlab/disk1.img", "xvda", format: "raw", access: "w");
            Assert.Equal("format=raw, vdev=xvda, access=rw, target=/var/lib/xenlab/disk1.img", d.ToSpecString());
            var c = DiskSpec.Create("", "hdc", devType: "cdrom");
            Assert.True(c.IsCdrom);
            Assert.Equal("empty", c.Format);
            Assert.Throws<XenConfigException>(() => DiskSpec.Create("/x", "xvda", format: "raw,qcow2"));
        }

        [Theory]
        [InlineData("/img,qcow3,xvda", "unknown value for format")]
        [InlineData("/img,xvda", "unknown value for format")]
        [InlineData("/img,raw,xvda,rx", "unknown value for access")]
        [InlineData("/img,raw,xvda,rw,extra", "too many positional parameters")]
        [InlineData("/img,raw", "no vdev specified")]
        [InlineData("vdev=xvda", "no target specified")]
        [InlineData("vdev=xvda, devtype=floppy, target=/img", "unknown value for devtype")]
        [InlineData("vdev=xvda, backendtype=nfs, target=/img", "unknown value for backendtype")]
        [InlineData("vdev=xvda, colour=red, target=/img", "unknown parameter 'colour'")]
        [InlineData("foo:/img,xvda,w", "unknown deprecated disk prefix 'foo:'")]
        [InlineData(",hdc:floppy,r", "unknown deprecated type")]
        [InlineData("/img,raw,xvda,rw,vdev=xvdb", "vdev respecified")]
        [InlineData("/img,raw,xvda,format=qcow2", "format respecified")]
        [InlineData("/img,,floppy0", "not a virtual disk name")]
        public void ErrorsSayWhatIsWrong(string spec, string fragment)
        {
            Assert.False(DiskSpec.TryParse(spec, out var d, out var error));
            Assert.Null(d);
            Assert.Contains(fragment, error);
            Assert.Contains(spec, error);
            var ex = Assert.Throws<XenConfigException>(() => DiskSpec.Parse(spec));
            var diag = Assert.Single(ex.Diagnostics);
            Assert.Equal("DiskSpecInvalid", diag.Code);
            Assert.Equal(DiagnosticSeverity.Error, diag.Severity);
            Assert.False(string.IsNullOrEmpty(diag.Hint));
        }

        [Fact]
        public void UnknownKeywordGetsASuggestion()
        {
            Assert.False(DiskSpec.TryParse("vdev=xvda, acess=r, target=/img", out _, out _, out var hint));
            Assert.Contains("Did you mean 'access'?", hint);
        }

        [Fact]
        public void CapturedLibxlDiskReadsTheSame()
        {
            // /work/shared/xen/captures/69-list-l-test2.stdout: pdev_path /var/lib/xenlab/disk1.img, vdev xvda, raw, readwrite 1.
            var d = DiskSpec.Parse("file:/var/lib/xenlab/disk1.img,xvda,w");
            Assert.Equal("/var/lib/xenlab/disk1.img", d.Target);
            Assert.Equal("xvda", d.Vdev);
            Assert.Equal("raw", d.Format);
            Assert.False(d.IsReadOnly);
        }
    }
}
