using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    public class XlListParsingTests
    {
        private static XlBackend Backend(CommandResult list, out FakeRunner fake)
        {
            fake = new FakeRunner((a, _) => FakeRunner.IsList(a) ? list : new CommandResult(127, "", "unexpected"));
            return new XlBackend(fake, "ssh://root@lab");
        }

        /// <summary>A row exactly as xl prints it: "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f" (synthetic, for uncaptured states).</summary>
        private static string Row(string name, int id, long mem, int vcpus, string state, double time) =>
            string.Format(CultureInfo.InvariantCulture, "{0,-40} {1,5} {2,5} {3,5}     {4}  {5,8:F1}\n", name, id, mem, vcpus, state, time);

        private const string Header = "Name                                        ID   Mem VCPUs\tState\tTime(s)\n";

        [Fact]
        public void Dom0OnlyHostHasTheStubConfig()
        {
            using var b = Backend(Fixture.ListCapture("04-list-dom0", "05-list-l-dom0"), out var fake);
            var d = Assert.Single(b.ListDomains(CancellationToken.None));
            Assert.Equal("Domain-0", d.Name);
            Assert.Equal(0, d.Id);
            Assert.True(d.IsDomain0);
            Assert.Equal(XenDomainType.PV, d.Type);
            Assert.Equal(1024, d.MemoryMiB);
            Assert.Equal(1024, d.MaxMemoryMiB);
            Assert.Equal(1, d.VCpus);
            Assert.Equal("r-----", d.StateFlags);
            Assert.Equal("00000000-0000-0000-0000-000000000000", d.Uuid); // capture 06-list-v-dom0
            Assert.Equal(XenDomainStateFlags.Running, d.Flags);
            Assert.Equal(33.4, d.CpuTime, 3);
            Assert.NotNull(d.Config);
            Assert.Equal("Domain-0", d.Config!.Name);
            Assert.Equal(1024, d.Config.MemoryMiB);
            Assert.Equal(1, d.Config.VCpus);
            Assert.Null(d.Config.Kernel);
            // one round trip, a constant script, no user input in it
            var call = Assert.Single(fake.Calls);
            Assert.Equal(new[] { "sh", "-c", XlBackend.ListScript, "sh", "xl" }, call.Args);
        }

        [Fact]
        public void RunningGuestJoinsTableAndJsonOnTopLevelDomid()
        {
            using var b = Backend(Fixture.ListCapture("15-list", "16-list-l"), out _);
            var list = b.ListDomains(CancellationToken.None);
            Assert.Equal(new[] { "Domain-0", "test1" }, list.Select(d => d.Name));
            var t = list[1];
            Assert.Equal(1, t.Id); // c_info.domid is 4294967295: the top-level domid is the real one
            Assert.Equal("6b3b2a41-2cbc-40aa-8fe5-c3ab315b890b", t.Uuid);
            Assert.Equal(XenDomainType.PV, t.Type);
            Assert.Equal(128, t.MemoryMiB);
            Assert.Equal(128, t.MaxMemoryMiB);
            Assert.Equal(1, t.VCpus);
            Assert.Equal(XenDomainStateFlags.Blocked, t.Flags);
            Assert.Equal(6.5, t.CpuTime, 3);
            var c = t.Config!;
            Assert.Equal("test1", c.Name);
            Assert.Equal(XenDomainType.PV, c.Type);
            Assert.Equal(128, c.MemoryMiB);
            Assert.Null(c.MaxMemoryMiB);
            Assert.Equal(1, c.VCpus);
            Assert.Equal("/var/lib/xenlab/vmlinux.gz", c.Kernel);
            Assert.Equal("/var/lib/xenlab/domu-initrd.gz", c.Ramdisk);
            Assert.Equal("console=hvc0 quiet", c.Cmdline);
            Assert.Equal(XenLifecycleAction.Restart, c.OnReboot);
            Assert.Equal(XenLifecycleAction.Destroy, c.OnPoweroff); // omitted in JSON = default
            Assert.Equal(XenLifecycleAction.Destroy, c.OnCrash);
            Assert.Equal(XenLifecycleAction.SoftReset, c.OnSoftReset); // JSON "soft_reset"
            Assert.Equal("soft-reset", c.GetString("on_soft_reset")); // stored in xl.cfg spelling
        }

        [Fact]
        public void PausedGuest()
        {
            using var b = Backend(Fixture.ListCapture("36-list-paused", "16-list-l"), out _);
            var d = Assert.Single(b.ListDomains(CancellationToken.None));
            Assert.Equal("--p---", d.StateFlags);
            Assert.Equal(XenDomainStateFlags.Paused, d.Flags);
        }

        [Fact]
        public void DomainsWithoutJsonStillListAndAreOrderedByDomid()
        {
            // 63: test3 (6) and a paused test1 (7); JSON only for Domain-0.
            using var b = Backend(Fixture.ListCapture("63-list-created-p", "05-list-l-dom0"), out _);
            var list = b.ListDomains(CancellationToken.None);
            Assert.Equal(new int?[] { 0, 6, 7 }, list.Select(d => d.Id));
            Assert.Equal(160, list[1].MemoryMiB);
            Assert.Null(list[1].Config);
            Assert.Equal(XenDomainStateFlags.Paused, list[2].Flags);
            Assert.Equal(0.0, list[2].CpuTime);
        }

        [Fact]
        public void PvhGuestTypeComesFromCInfo()
        {
            using var b = Backend(Fixture.ListCapture("99-list-pvh", "100-list-l-pvh"), out _);
            var d = b.ListDomains(CancellationToken.None).Single(x => x.Name == "testpvh");
            Assert.Equal(13, d.Id);
            Assert.Equal(XenDomainType.PVH, d.Type);
            Assert.Equal(XenDomainType.PVH, d.Config!.Type);
        }

        [Fact]
        public void GuestWithVifAndDiskJson()
        {
            var json = XlOutputParser.ParseListJson(Fixture.Text("69-list-l-test2.stdout"));
            var d = Assert.Single(json.Values);
            Assert.True(d.DomId > 0);
            Assert.Equal("test2", d.Config.Name);
            // Devices become xl specs, so a running domain's config can be exported and created again.
            var disk = Assert.Single(d.Config.Disks);
            Assert.Equal("/var/lib/xenlab/disk1.img", disk.Target);
            Assert.Equal("xvda", disk.Vdev);
            Assert.Equal("raw", disk.Format);
            Assert.Equal("rw", disk.Access);
            var vif = Assert.Single(d.Config.Vifs);
            Assert.Equal("00:16:3e:00:00:02", vif.Mac);
            Assert.Equal("xenbr0", vif.Bridge);
            string text = XenPS.Config.XlConfigWriter.Write(d.Config);
            var back = XenPS.Config.DomainConfigReader.LoadText(text, "exported.cfg");
            Assert.Equal(disk.ToSpecString(), Assert.Single(back.Disks).ToSpecString());
            Assert.Equal("00:16:3e:00:00:02", Assert.Single(back.Vifs).Mac);
        }

        [Theory]
        [InlineData("---sc-", XenDomainStateFlags.Shutdown | XenDomainStateFlags.Crashed, XenShutdownReason.Crash)]
        [InlineData("---s--", XenDomainStateFlags.Shutdown, XenShutdownReason.Poweroff)]
        [InlineData("---sr-", XenDomainStateFlags.Shutdown, XenShutdownReason.Reboot)]
        [InlineData("--ps--", XenDomainStateFlags.Paused | XenDomainStateFlags.Shutdown, XenShutdownReason.Poweroff)]
        [InlineData("-b---d", XenDomainStateFlags.Blocked | XenDomainStateFlags.Dying, XenShutdownReason.None)]
        [InlineData("------", XenDomainStateFlags.None, XenShutdownReason.None)]
        public void SyntheticStateRows(string flags, XenDomainStateFlags state, XenShutdownReason reason)
        {
            string table = Header + Row("Domain-0", 0, 1024, 1, "r-----", 65.8) + Row("victim", 4, 128, 1, flags, 12.3);
            using var b = Backend(Fixture.List(table, Fixture.Text("05-list-l-dom0.stdout")), out _);
            var d = b.ListDomains(CancellationToken.None).Single(x => x.Id == 4);
            Assert.Equal(flags, d.StateFlags);
            Assert.Equal(state, d.Flags);
            Assert.Equal(reason, d.ShutdownReason);
        }

        [Fact]
        public void NamesWithSpacesDigitsAndMoreThan40CharactersParseFromTheRight()
        {
            string longName = "a-very-long-domain-name-that-is-more-than-forty-chars";
            string table = Header
                + Row("Domain-0", 0, 1024, 1, "r-----", 65.8)
                + Row("web server 12 3", 2, 256, 2, "-b----", 1.5)
                + Row(longName, 3, 128, 1, "--p---", 0.0)
                + Row("x 1 2 3 4 ------ 5", 17, 12345, 4, "r-----", 1234567.8);
            var rows = XlOutputParser.ParseListTable(table);
            Assert.Equal(new[] { "Domain-0", "web server 12 3", longName, "x 1 2 3 4 ------ 5" }, rows.Select(r => r.Name));
            Assert.Equal(new[] { 0, 2, 3, 17 }, rows.Select(r => r.Id));
            Assert.Equal(256, rows[1].MemoryMiB);
            Assert.Equal(2, rows[1].VCpus);
            Assert.Equal("--p---", rows[2].State);
            Assert.Equal(12345, rows[3].MemoryMiB);
            Assert.Equal(1234567.8, rows[3].CpuTime, 3);
        }

        [Fact]
        public void HostInfoFromXlInfo()
        {
            var fake = new FakeRunner((a, _) => a.SequenceEqual(new[] { "xl", "info" }) ? Fixture.Capture("02-info") : new CommandResult(127, "", ""));
            using var b = new XlBackend(fake, "xl:///");
            var i = b.GetHostInfo(CancellationToken.None);
            Assert.Equal("xenlab-dom0", i.HostName);
            Assert.Equal("4.17.7", i.XenVersion);
            Assert.Equal(1, i.CpuCount);
            Assert.Equal(3071, i.TotalMemoryMiB);
            Assert.Equal(2014, i.FreeMemoryMiB);
        }
    }
}
