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

        private static CommandResult RebootAnswer(long logSize) =>
            // the script's console-log size line, then what xl printed (56-reboot: rc 0, "Rebooting domain 4" on stderr)
            new CommandResult(Fixture.Capture("56-reboot").ExitCode, XlBackend.ConsoleOffsetMarker + " " + logSize + "\n", Fixture.Capture("56-reboot").StandardError);

        [Fact]
        public void RebootSendsExactlyTheXlArgumentsAsAVector()
        {
            var fake = new FakeRunner((a, _) => RebootAnswer(0));
            using var b = new XlBackend(fake, "xl:///", new XlBackendOptions { XlPath = "/usr/sbin/xl" });
            ((IXenReboot)b).RebootDomain(new XenDomain { Name = "test1", Id = 4 }, false, default);
            ((IXenReboot)b).RebootDomain(new XenDomain { Name = "web 1; rm -rf x", Id = 7 }, true, default);
            Assert.Equal(new[] { "sh", "-c", XlBackend.RebootScript, "sh", "/usr/sbin/xl", "/var/log/xen/console/guest-test1.log", "4" }, fake.Calls[0].Args);
            Assert.Equal(new[] { "sh", "-c", XlBackend.RebootScript, "sh", "/usr/sbin/xl", "/var/log/xen/console/guest-web 1; rm -rf x.log", "-F", "7" }, fake.Calls[1].Args);
            Assert.All(fake.Calls, c => Assert.Null(c.Stdin));
            Assert.EndsWith("exec \"$xl\" reboot \"$@\"", XlBackend.RebootScript); // the arguments reach xl reboot as they are
        }

        [Fact]
        public void TheConsoleOfTheRebootedGuestStartsAtTheFirstBootMarkerAfterTheReboot()
        {
            var fake = new FakeRunner((a, _) =>
                a[0] == "sh" && a[2] == XlBackend.RebootScript ? RebootAnswer(4321)
                : a[0] == "/usr/sbin/xl" && a[1] == "domname" ? new CommandResult(0, "test1\n", "")
                : a[0] == "sh" && a[2] == XlConsole.ReadScript ? new CommandResult(0, "5000 -1\n", "")
                : new CommandResult(1, "", "unexpected"));
            using var b = new XlBackend(fake, "xl:///", new XlBackendOptions { XlPath = "/usr/sbin/xl" });
            ((IXenReboot)b).RebootDomain(new XenDomain { Name = "test1", Id = 4 }, false, default);
            using (var old = ((IXenConsoleAccess)b).OpenConsole(new XenDomain { Name = "test1", Id = 4 }, default))
                old.Read(System.TimeSpan.Zero, default);
            Assert.Equal(8, fake.Calls.Last().Args.Count); // the old boot: no floor
            using var con = ((IXenConsoleAccess)b).OpenConsole(new XenDomain { Name = "test1", Id = 5 }, default);
            Assert.Equal("", con.Read(System.TimeSpan.Zero, default)); // "-1": the new boot has not opened the log yet
            Assert.Equal(new[] { "sh", "-c", XlConsole.ReadScript, "sh", "/usr/sbin/xl", "test1", "/var/log/xen/console/guest-test1.log", "-1", "4321" },
                fake.Calls.Last().Args);
            con.Read(System.TimeSpan.Zero, default);
            Assert.Equal("-1", fake.Calls.Last().Args[7]); // still looking for the new boot's start
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
            var gone = Fixture.Capture("53-shutdown-gone"); // xl's find_domain: "invalid domain identifier"
            var fake = new FakeRunner((a, _) => new CommandResult(gone.ExitCode, XlBackend.ConsoleOffsetMarker + " 0\n", gone.StandardError));
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

        [Fact]
        public void TheRealScriptsReadTheRebootedGuestsConsoleFromTheMarkerItsNewBootWrote()
        {
            if (System.OperatingSystem.IsWindows()) return;
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xenps-rb-" + System.Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                string xl = System.IO.Path.Combine(dir, "xl");
                System.IO.File.WriteAllText(xl, "#!/bin/sh\ncase \"$1\" in domname) echo web;; domid) echo 8;; reboot) echo \"Rebooting domain 7\" >&2;; esac\nexit 0\n");
                System.IO.File.SetUnixFileMode(xl, System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.UserExecute);
                string log = System.IO.Path.Combine(dir, "guest-web.log");
                System.IO.File.WriteAllText(log, "Logfile Opened\n[2026-12-01 23:14:49] XENPS-GUEST-UP first\n[2026-12-01 23:14:50] / # ");
                using var b = new XlBackend(new LocalCommandRunner(), "xl:///", new XlBackendOptions { XlPath = xl, ConsoleLogDirectory = dir });
                ((IXenReboot)b).RebootDomain(new XenDomain { Name = "web", Id = 7 }, false, default);
                // as the lab wrote it (23:15): the old boot's shutdown after the request, the new marker much later
                System.IO.File.AppendAllText(log, "XENPS-GUEST-SHUTDOWN\n");
                using var con = ((IXenConsoleAccess)b).OpenConsole(new XenDomain { Name = "web", Id = 8 }, default);
                Assert.Equal("", con.Read(System.TimeSpan.Zero, default)); // the new boot has not opened the log yet: nothing of the old one
                System.IO.File.AppendAllText(log, "[2026-12-01 23:15:51] Logfile Opened\n[2026-12-01 23:16:19] XENPS-GUEST-UP second\n");
                Assert.Equal("XENPS-GUEST-UP second\n", con.Read(System.TimeSpan.Zero, default));
            }
            finally
            {
                System.IO.Directory.Delete(dir, true);
            }
        }
    }
}
