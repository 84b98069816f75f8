using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>IXenDomainSettings through xl: the argument vectors, and xl's real refusals (Xl/Fixtures/set-*, 47) mapped to reasons.</summary>
    public class XlSettingsTests
    {
        private static readonly XenDomain Guest = new XenDomain { Name = "xps-set-cap", Id = 2, MemoryMiB = 128, MaxMemoryMiB = 192, VCpus = 1, MaxVCpus = 2 };
        private static readonly XenDomain Dom0 = new XenDomain { Name = "Domain-0", Id = 0 };

        private static (XlBackend, FakeRunner) Backend(string? capture = null)
        {
            var fake = new FakeRunner((a, _) => capture == null ? new CommandResult(0, "", "") : Fixture.Capture(capture));
            return (new XlBackend(fake, "ssh://lab"), fake);
        }

        [Fact]
        public void EachSettingIsOneXlCommandWithItsArgumentVector()
        {
            var (b, fake) = Backend();
            var s = (IXenDomainSettings)b;
            s.SetMemoryTarget(Guest, 96, CancellationToken.None);
            s.SetMaxMemory(Guest, 256, CancellationToken.None);
            s.SetVCpus(Guest, 2, false, CancellationToken.None);
            s.SetVCpus(Guest, 2, true, CancellationToken.None);
            s.RenameDomain(Guest, "web 2;$(touch x)", CancellationToken.None);
            Assert.Equal(new[]
            {
                new[] { "xl", "mem-set", "2", "96m" },
                new[] { "xl", "mem-max", "2", "256m" },
                new[] { "xl", "vcpu-set", "2", "2" },
                new[] { "xl", "vcpu-set", "--ignore-host", "2", "2" },
                new[] { "xl", "rename", "2", "web 2;$(touch x)" },
            }, fake.Calls.Select(c => c.Args.ToArray()).ToArray());
        }

        [Fact]
        public void Domain0sMemoryAndVCpusGoToXlButItIsNeverRenamed()
        {
            var (b, fake) = Backend();
            b.SetMemoryTarget(Dom0, 1024, CancellationToken.None);
            b.SetVCpus(Dom0, 1, false, CancellationToken.None);
            Assert.Equal(new[] { "xl", "mem-set", "0", "1024m" }, fake.Calls[0].Args);
            Assert.Equal(new[] { "xl", "vcpu-set", "0", "1" }, fake.Calls[1].Args);
            var e = Assert.Throws<XenInvalidOperationException>(() => b.RenameDomain(Dom0, "host0", CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, e.Reason);
            Assert.Equal(2, fake.Calls.Count);
        }

        [Theory]
        [InlineData("bad/name")]
        [InlineData("-rf")]
        [InlineData("Domain-0")]
        [InlineData("")]
        public void AnInvalidOrReservedNewNameIsRefusedBeforeXlRuns(string name)
        {
            var (b, fake) = Backend();
            var e = Assert.ThrowsAny<XenPSException>(() => b.RenameDomain(Guest, name, CancellationToken.None));
            Assert.True(e.Reason == XenErrorReason.InvalidArgument || e.Reason == XenErrorReason.DomainExists, e.Reason.ToString());
            Assert.Empty(fake.Calls);
        }

        [Theory]
        [InlineData("47-mem-set-too-big", "mem", XenErrorReason.SettingOutOfRange, "MemoryMiB")]
        [InlineData("set-06-mem-set-above-max", "mem", XenErrorReason.SettingOutOfRange, "MemoryMiB")]
        [InlineData("set-07-mem-max-below-target", "max", XenErrorReason.SettingOutOfRange, "MaxMemoryMiB")]
        [InlineData("set-03-vcpu-set-above-max", "vcpus", XenErrorReason.InsufficientResources, null)]
        [InlineData("set-11-vcpu-set-above-max-ignore-host", "vcpus", XenErrorReason.SettingOutOfRange, "VCpus")]
        [InlineData("set-04-vcpu-set-zero", "vcpus", XenErrorReason.SettingOutOfRange, "VCpus")]
        [InlineData("set-13-rename-existing", "rename", XenErrorReason.DomainExists, null)]
        [InlineData("set-14-rename-dom0-name", "rename", XenErrorReason.DomainExists, null)]
        [InlineData("set-17-rename-nodom", "rename", XenErrorReason.DomainNotFound, null)]
        [InlineData("set-18-mem-set-nodom", "mem", XenErrorReason.DomainNotFound, null)]
        [InlineData("set-19-mem-max-nodom", "max", XenErrorReason.DomainNotFound, null)]
        [InlineData("set-20-vcpu-set-nodom", "vcpus", XenErrorReason.DomainNotFound, null)]
        public void XlsRefusalsAreTypedReasons(string capture, string op, XenErrorReason reason, string? setting)
        {
            var (b, _) = Backend(capture);
            Action act = op switch
            {
                "mem" => () => b.SetMemoryTarget(Guest, 256, CancellationToken.None),
                "max" => () => b.SetMaxMemory(Guest, 64, CancellationToken.None),
                "vcpus" => () => b.SetVCpus(Guest, 3, capture.Contains("ignore-host"), CancellationToken.None),
                _ => () => b.RenameDomain(Guest, "xps-dev-cap", CancellationToken.None),
            };
            var e = Assert.ThrowsAny<XenPSException>(act);
            Assert.Equal(reason, e.Reason);
            if (setting != null) Assert.Equal(setting, Assert.IsType<XenSettingOutOfRangeException>(e).Setting);
            Assert.StartsWith(reason == XenErrorReason.DomainNotFound ? "Domain '2'" : "xps-set-cap", e.Message);
        }

        [Fact]
        public void TheMessagesSayWhatToDo()
        {
            var (b, _) = Backend("set-03-vcpu-set-above-max");
            var e = Assert.ThrowsAny<XenPSException>(() => b.SetVCpus(Guest, 3, false, CancellationToken.None));
            Assert.Contains("-AllowOvercommit", e.Message);
            Assert.Contains("1 physical CPUs", e.Message);
            (b, _) = Backend("47-mem-set-too-big");
            e = Assert.ThrowsAny<XenPSException>(() => b.SetMemoryTarget(Guest, 512, CancellationToken.None));
            Assert.Contains("-MaxMemoryMiB", e.Message);
            Assert.Contains("memory_dynamic_max must be less than or equal to memory_static_max", e.Message);
        }

        [Fact]
        public void TheListingCarriesTheBootTimeMaximumOfVCpus()
        {
            // set-02-list-l: created with vcpus=1 maxvcpus=2 (set-00): b_info.max_vcpus 2, avail_vcpus [0]
            var json = XlOutputParser.ParseListJson(Fixture.Text("set-02-list-l.stdout"));
            var d = XlOutputParser.Join(XlOutputParser.ParseListTable(Fixture.Text("set-01-list.stdout")), json).Single(x => x.Name == "xps-set-cap");
            Assert.Equal(1, d.VCpus);
            Assert.Equal(2, d.MaxVCpus);
            Assert.Equal(192, d.MaxMemoryMiB);
            Assert.Equal("1", d.Config!.GetString("vcpus"));
            Assert.Equal("2", d.Config!.GetString("maxvcpus"));
            // without xl list -l, the online count is all that is known
            var row = XlOutputParser.Join(XlOutputParser.ParseListTable(Fixture.Text("set-01-list.stdout")), new Dictionary<int, XlOutputParser.XlJsonDomain>()).Single(x => x.Name == "xps-set-cap");
            Assert.Equal(1, row.MaxVCpus);
        }

        [Fact]
        public void XlInfoIsParsedIntoEveryField()
        {
            var i = XlOutputParser.ParseInfo(Fixture.Text("02-info.stdout"));
            Assert.Equal("xenlab-dom0", i.HostName);
            Assert.Equal("4.17.7", i.XenVersion);
            Assert.Equal(new[] { "xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64" }, i.Capabilities);
            Assert.Equal(new[] { "pv", "hvm", "hap", "gnttab-v1", "gnttab-v2" }, i.VirtCaps);
            Assert.Equal("credit2", i.Scheduler);
            Assert.Equal(1, i.CpuCount);
            Assert.Equal(1, i.CoresPerSocket);
            Assert.Equal(1, i.ThreadsPerCore);
            Assert.Equal(1, i.NodeCount);
            Assert.Equal(2095.997, i.CpuMhz, 3);
            Assert.Equal(3071, i.TotalMemoryMiB);
            Assert.Equal(2014, i.FreeMemoryMiB);
            Assert.Equal("x86_64", i.Machine);
            Assert.Equal("6.1.0-56-amd64", i.KernelRelease);
            Assert.Equal("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)", i.KernelVersion);
            Assert.StartsWith("console=com1 com1=115200,8n1 dom0_mem=1024M", i.XenCommandLine);
            Assert.Equal(4096, i.PageSize);
            Assert.Equal("151b373fd64b321593bf987fd923cd10dabadac4", i.Raw["build_id"]);
            Assert.Null(i.Dom0MemoryMiB); // xl info does not say; HostInfoService takes it from the listing
        }
    }
}
