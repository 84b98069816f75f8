using System.Text.RegularExpressions;
using Xunit;

namespace XenPS.Tests
{
    public class VifSpecTests
    {
        [Fact]
        public void EmptySpecIsAllDefaults()
        {
            var v = VifSpec.Parse("");
            Assert.Null(v.Mac);
            Assert.Equal("xenbr0", v.Bridge);
            Assert.Null(v.Ip);
            Assert.Equal("", v.ToSpecString());
        }

        [Fact]
        public void ParsesEveryCommonKey()
        {
            var v = VifSpec.Parse("mac=00:16:3E:00:00:02, bridge=xenbr1,ip=10.0.0.2 10.0.0.3,vifname=web1-eth0,script=vif-bridge,type=ioemu,model=e1000,rate=10Mb/s,mtu=9000,backend=netdom,gatewaydev=eth0,,");
            Assert.Equal("00:16:3e:00:00:02", v.Mac);
            Assert.Equal("xenbr1", v.Bridge);
            Assert.Equal(new[] { "10.0.0.2", "10.0.0.3" }, v.IpAddresses);
            Assert.Equal("web1-eth0", v.VifName);
            Assert.Equal("vif-bridge", v.Script);
            Assert.Equal("ioemu", v.Type);
            Assert.Equal("e1000", v.Model);
            Assert.Equal("10Mb/s", v.Rate);
            Assert.Equal(9000, v.Mtu);
            Assert.Equal("netdom", v.Backend);
            Assert.Equal("eth0", v.GatewayDev);
            var back = VifSpec.Parse(v.ToSpecString());
            Assert.Equal(v.ToSpecString(), back.ToSpecString());
        }

        [Fact]
        public void DeprecatedNetdevIsGatewaydev()
        {
            Assert.Equal("eth1", VifSpec.Parse("netdev=eth1").GatewayDev);
        }

        [Fact]
        public void LastDuplicateWins()
        {
            Assert.Equal("xenbr2", VifSpec.Parse("bridge=xenbr1,bridge=xenbr2").Bridge);
        }

        [Theory]
        [InlineData("mac=00:16:3e:00:00", "'mac'")]
        [InlineData("mac=00:16:3e:00:00:zz", "'mac'")]
        [InlineData("mac=00:16:3e:00:00:100", "'mac'")]
        [InlineData("type=virtio", "'type'")]
        [InlineData("bridge=xenbr0,colour=blue", "unrecognized argument 'colour=blue'")]
        [InlineData("xenbr0", "unrecognized argument 'xenbr0'")]
        [InlineData("mtu=big", "mtu")]
        public void ErrorsSayWhatIsWrong(string spec, string fragment)
        {
            Assert.False(VifSpec.TryParse(spec, out _, out var error));
            Assert.Contains(fragment, error);
            var ex = Assert.Throws<XenConfigException>(() => VifSpec.Parse(spec));
            var diag = Assert.Single(ex.Diagnostics);
            Assert.Equal("VifSpecInvalid", diag.Code);
            Assert.False(string.IsNullOrEmpty(diag.Hint));
        }

        [Fact]
        public void TypoGetsASuggestion()
        {
            Assert.False(VifSpec.TryParse("brige=xenbr0", out _, out _, out var hint));
            Assert.Contains("Did you mean 'bridge='?", hint);
        }

        [Fact]
        public void GeneratedMacsAreInTheXenOui()
        {
            var re = new Regex("^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$");
            Assert.Matches(re, VifSpec.GenerateMac());
            Assert.Matches(re, VifSpec.GenerateMac(new System.Random(7)));
            Assert.Equal(VifSpec.GenerateMac("web1/0"), VifSpec.GenerateMac("web1/0"));
            Assert.NotEqual(VifSpec.GenerateMac("web1/0"), VifSpec.GenerateMac("web1/1"));
            Assert.Matches(re, VifSpec.GenerateMac("web1/0"));
            Assert.True(VifSpec.TryNormaliseMac(VifSpec.GenerateMac("x"), out _));
        }

        [Fact]
        public void CreateFromParts()
        {
            var v = VifSpec.Create(new[] { new System.Collections.Generic.KeyValuePair<string, string>("bridge", "xenbr0"), new("mac", "00:16:3e:00:00:02") });
            Assert.Equal("mac=00:16:3e:00:00:02,bridge=xenbr0", v.ToSpecString());
        }
    }
}
