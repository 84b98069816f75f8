using System;
using System.Threading;
using XenPS.Backends;
using Xunit;

namespace XenPS.Tests
{
    public class SimulatedConsoleTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        [Fact]
        public void BootLogIsRevealedProgressivelyAndEndsWithALoginPrompt()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1", ("sim.boot_seconds", "10")), new CreateDomainOptions(), None);
            using var con = b.OpenConsole("web1", None);
            string first = con.Read(TimeSpan.Zero, None);
            Assert.Contains("Linux version", first);
            Assert.Contains("Command line: console=hvc0 quiet", first);
            Assert.Contains("/boot/vmlinuz-sim", first);
            Assert.DoesNotContain("login:", first);
            Assert.Equal("", con.Read(TimeSpan.Zero, None));
            _h.Advance(3);
            string more = con.Read(TimeSpan.Zero, None);
            Assert.Contains("Xen version: 4.17.7-sim", first + more);
            Assert.DoesNotContain("login:", more);
            _h.Advance(7);
            string rest = con.Read(TimeSpan.Zero, None);
            Assert.EndsWith("web1 login: ", rest);
            Assert.Contains("Debian GNU/Linux 12 web1 hvc0", rest);
        }

        [Fact]
        public void ReadWaitsForOutput()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1", ("sim.boot_seconds", "5")), new CreateDomainOptions(), None);
            using var con = b.OpenConsole("web1", None);
            string all = con.Read(TimeSpan.Zero, None);
            // the test clock moves forward while Read "sleeps"
            while (!all.EndsWith("login: ", StringComparison.Ordinal))
            {
                string s = con.Read(TimeSpan.FromSeconds(10), None);
                Assert.NotEqual("", s);
                all += s;
            }
            Assert.True(_h.Now >= new DateTimeOffset(2026, 11, 27, 12, 0, 5, TimeSpan.Zero));
        }

        [Fact]
        public void HistoryIsKeptForANewReader()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(2);
            using (var c1 = b.OpenConsole("web1", None))
            {
                c1.Read(TimeSpan.Zero, None);
                c1.Write("echo hello world\n", None);
            }
            using var c2 = b.OpenConsole("web1", None);
            string history = c2.Read(TimeSpan.Zero, None);
            Assert.Contains("web1 login: echo hello world\nhello world\nroot@web1:~# ", history);
        }

        [Fact]
        public void ShellAnswersCommands()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(2);
            using var con = b.OpenConsole("web1", None);
            con.Read(TimeSpan.Zero, None);
            con.Write("hostname\r", None);
            Assert.Equal("hostname\nweb1\nroot@web1:~# ", con.Read(TimeSpan.Zero, None));
            con.Write("uname -a\n", None);
            Assert.Contains("Linux web1 ", con.Read(TimeSpan.Zero, None));
            con.Write("fro", None);
            con.Write("b\n", None);
            Assert.Equal("frob\nsh: frob: not found\nroot@web1:~# ", con.Read(TimeSpan.Zero, None));
            con.Write("echo 'A  B'\n", None);
            Assert.Contains("\nA  B\n", con.Read(TimeSpan.Zero, None));
        }

        [Fact]
        public void CtrlCAbandonsTheTypedLineAndPromptsAgain()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(2);
            using var con = b.OpenConsole("web1", None);
            con.Read(TimeSpan.Zero, None);
            con.Write("poweroff\x03", None);
            Assert.Equal("poweroff^C\nroot@web1:~# ", con.Read(TimeSpan.Zero, None));
            con.Write("hostname\r", None);
            Assert.Equal("hostname\nweb1\nroot@web1:~# ", con.Read(TimeSpan.Zero, None));
            Assert.Contains(b.ListDomains(None), d => d.Name == "web1");
        }

        [Fact]
        public void PoweroffShutsDownAndTheConsoleReportsTheDomainGone()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(2);
            using var con = b.OpenConsole("web1", None);
            con.Read(TimeSpan.Zero, None);
            con.Write("poweroff\n", None);
            _h.Advance(2.5);
            string last = con.Read(TimeSpan.Zero, None);
            Assert.Contains("The system is going down NOW!", last);
            Assert.Contains("reboot: Power down", last);
            var ex = Assert.Throws<XenDomainNotFoundException>(() => con.Read(TimeSpan.Zero, None));
            Assert.Equal("web1 is an invalid domain identifier (rc=-6)", ex.Message);
            Assert.Throws<XenDomainNotFoundException>(() => con.Write("x\n", None));
        }

        [Fact]
        public void ShutdownLinesAreAppendedToTheLog()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            using var con = b.OpenConsole("web1", None);
            _h.Advance(3);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(3);
            string all = con.Read(TimeSpan.Zero, None);
            Assert.Contains("web1 login: ", all);
            Assert.True(all.IndexOf("login: ", StringComparison.Ordinal) < all.IndexOf("Requesting system poweroff", StringComparison.Ordinal));
        }

        [Fact]
        public void ConsoleFollowsARestartedDomain()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1", ("on_poweroff", "restart")), new CreateDomainOptions(), None);
            using var con = b.OpenConsole("web1", None);
            _h.Advance(2);
            con.Read(TimeSpan.Zero, None);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(5);
            string s = con.Read(TimeSpan.Zero, None);
            Assert.Contains("reboot: Power down", s);
            Assert.Contains("Linux version", s.Substring(s.IndexOf("Power down", StringComparison.Ordinal)));
        }

        [Fact]
        public void ReadHonoursCancellation()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            using var con = b.OpenConsole("web1", None);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => con.Read(TimeSpan.FromSeconds(5), cts.Token));
        }

        [Fact]
        public void Domain0HasNoGuestConsole()
        {
            using var b = _h.Open();
            Assert.Throws<XenInvalidOperationException>(() => b.OpenConsole("0", None));
        }
    }
}
