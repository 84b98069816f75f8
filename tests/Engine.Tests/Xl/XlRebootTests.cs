using System.Linq;
using XenPS.Backends;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>xl reboot through the xl backend: the exact argument vector, xl's answers (captures 56/57) and refusals.</summary>
    public class XlRebootTests
    {
        private static void Reboot(IXenBackend b, string domain, bool acpi) =>
            ((IXenReboot)b).RebootDomain(b.Resolve(domain), acpi, default);

        [Fact]
        public void RebootSendsExactlyTheXlArgumentsAndAcceptsXlsAnswer()
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture("56-reboot")); // rc 0, "Rebooting domain 4"
            using var b = new XlBackend(fake, "xl:///", new XlBackendOptions { XlPath = "/usr/sbin/xl" });
            Reboot(b, "4", false);
            Reboot(b, "7", true);
            Reboot(b, "test1", false);
            Assert.Equal(new[] { "/usr/sbin/xl reboot 4", "/usr/sbin/xl reboot -F 7", "/usr/sbin/xl reboot test1" },
                fake.Calls.Select(c => string.Join(" ", c.Args)));
            Assert.All(fake.Calls, c => Assert.Null(c.Stdin));
        }

        [Theory]
        [InlineData("Domain-0")]
        [InlineData("0")]
        [InlineData("00")]
        public void RebootOfDomain0IsRefusedBeforeAnyCommandIsSent(string dom0)
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "xl:///");
            var e = Assert.Throws<XenInvalidOperationException>(() => Reboot(b, dom0, false));
            Assert.Equal(XenErrorReason.Domain0Refused, e.Reason);
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void AGuestWithoutPvDriversIsPvControlUnavailableSuggestingTheAcpiFallback()
        {
            // Not captured (the lab has no HVM guest): xl_vmcontrol.c prints this for a guest without PV drivers, as for xl shutdown (SeamsTests).
            var fake = new FakeRunner((a, _) => new CommandResult(1, "",
                "PV control interface not available: external graceful reboot not possible.\nUse \"-F\" to fallback to ACPI power event.\n"));
            using var b = new XlBackend(fake, "xl:///");
            var e = Assert.Throws<XenInvalidOperationException>(() => Reboot(b, "9", false));
            Assert.Equal(XenErrorReason.PvControlUnavailable, e.Reason);
            Assert.Contains("reboot", e.Message);
            Assert.Contains("-AcpiFallback", e.Message);
        }

        [Fact]
        public void AGoneDomainIsNotFound()
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture("53-shutdown-gone")); // xl's find_domain: "invalid domain identifier"
            using var b = new XlBackend(fake, "xl:///");
            var e = Assert.Throws<XenDomainNotFoundException>(() => Reboot(b, "test1", false));
            Assert.Equal("test1", e.Domain);
        }

        [Fact]
        public void TheRebuiltGuestIsListedWithANewDomidPausedWithoutMemoryWhileItIsBuilt()
        {
            // 57-wait-reboot: `xl list test1` right after the reboot of domain 4.
            string stdout = Fixture.Capture("57-wait-reboot").StandardOutput;
            string table = stdout.Substring(stdout.IndexOf("Name ", System.StringComparison.Ordinal));
            var row = Assert.Single(XlOutputParser.ParseListTable(table));
            Assert.Equal(5, row.Id);
            Assert.Equal("--p---", row.State);
            Assert.Equal(0, row.MemoryMiB);
        }
    }
}
