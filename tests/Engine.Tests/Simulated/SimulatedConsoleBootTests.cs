using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Simulated;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>Console logs: one per boot, named safely, bounded, and a console shows only the boot it is attached to.</summary>
    public class SimulatedConsoleBootTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private XenDomain Create(IXenBackend b, string name, params (string, string)[] settings) =>
            b.CreateDomain(SimTestHost.Config(name, settings), new CreateDomainOptions(), None);

        private string ConsoleFolder => Path.Combine(_h.Folder, "console");

        [Theory]
        [InlineData("域", 28)]   // 84 UTF-8 bytes, 252 once percent-encoded
        [InlineData("a", 300)]
        public void ALongNameDoesNotBreakTheHost(string ch, int count)
        {
            string name = string.Concat(Enumerable.Repeat(ch, count));
            using var a = _h.Open();
            using var other = _h.Open();
            Create(a, name);
            _h.Advance(2);
            using (var con = a.OpenConsole(name, None))
            {
                Assert.EndsWith(name + " login: ", con.Read(TimeSpan.Zero, None));
                con.Write("hostname\n", None);
                Assert.Contains("\n" + name + "\n", con.Read(TimeSpan.Zero, None));
            }
            Assert.Equal(2, other.ListDomains(None).Count);
            a.DestroyDomain(name, None);
            Assert.Single(other.ListDomains(None));
            Create(other, "after");
            foreach (var f in Directory.GetFiles(ConsoleFolder))
                Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(f)) <= 16, f);
        }

        [Fact]
        public void AConsoleOnADomainCreatedAgainUnderTheSameNameShowsOnlyTheNewBoot()
        {
            using var a = _h.Open();
            using var b = _h.Open();
            Create(a, "web1");
            _h.Advance(2);
            using (var c = a.OpenConsole("web1", None))
            {
                Assert.EndsWith("web1 login: ", c.Read(TimeSpan.Zero, None));
                c.Write("echo first-life\n", None);
            }
            a.DestroyDomain("web1", None);
            Create(b, "web1", ("sim.boot_seconds", "10")); // by another session
            foreach (var be in new[] { a, b })
            {
                using var con = be.OpenConsole("web1", None);
                string s = con.Read(TimeSpan.Zero, None);
                Assert.Contains("Linux version", s);
                Assert.DoesNotContain("first-life", s);
                Assert.DoesNotContain("login:", s); // what Connect-XenConsole -Until 'login:' would have stopped at
            }
        }

        [Fact]
        public void AConsoleOpenedAfterAGuestRebootShowsOnlyTheCurrentBoot()
        {
            using var b = _h.Open();
            var first = Create(b, "r1");
            _h.Advance(2);
            using (var c = b.OpenConsole("r1", None))
            {
                c.Read(TimeSpan.Zero, None);
                c.Write("reboot\n", None); // on_reboot defaults to restart
            }
            _h.Advance(2.55); // down at 4 s, rebuilt (0.5 s of building): 0.05 s into the new boot
            using var other = _h.Open();
            foreach (var be in new[] { b, other })
            {
                Assert.True(be.ListDomains(None).Single(d => d.Name == "r1").Id > first.Id);
                using var con = be.OpenConsole("r1", None);
                string s = con.Read(TimeSpan.Zero, None);
                Assert.StartsWith("[    0.000000] Linux version", s);
                Assert.DoesNotContain("Restarting system", s);
                Assert.DoesNotContain("login:", s);
            }
            using var late = b.OpenConsole("r1", None);
            late.Read(TimeSpan.Zero, None);
            _h.Advance(1);
            Assert.EndsWith("r1 login: ", late.Read(TimeSpan.Zero, None));
        }

        [Fact]
        public void AConsoleOpenedAfterACrashRestartShowsOnlyTheCurrentBoot()
        {
            using var b = _h.Open();
            Create(b, "c", ("sim.boot_seconds", "2"), ("sim.crash_after_seconds", "1"), ("on_crash", "restart"));
            _h.Advance(3.5); // crashed at 3 s, 0.5 s into boot 2
            using var con = b.OpenConsole("c", None);
            string s = con.Read(TimeSpan.Zero, None);
            Assert.Contains("Linux version", s);
            Assert.DoesNotContain("Kernel panic", s);
            Assert.DoesNotContain("login:", s);
        }

        [Fact]
        public void AnAttachedConsoleReadsTheEndOfItsBootThenTheNextBoot()
        {
            using var b = _h.Open();
            Create(b, "web1", ("on_poweroff", "restart"));
            using var con = b.OpenConsole("web1", None);
            _h.Advance(2);
            Assert.EndsWith("web1 login: ", con.Read(TimeSpan.Zero, None));
            b.ShutdownDomain("web1", false, None);
            _h.Advance(2.5);
            string s = con.Read(TimeSpan.Zero, None);
            int down = s.IndexOf("reboot: Power down", StringComparison.Ordinal);
            Assert.True(down > 0, s);
            Assert.StartsWith("[    0.000000] Linux version", s.Substring(s.IndexOf('\n', down) + 1));
            Assert.Equal(1, CountOf(s, "Linux version"));
        }

        private static int CountOf(string s, string what)
        {
            int n = 0;
            for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
            return n;
        }

        [Fact]
        public void ConsoleLogsOfDestroyedDomainsAreRemoved()
        {
            using var b = _h.Open();
            for (int i = 0; i < 100; i++) Create(b, "d" + i, ("sim.boot_seconds", "0"));
            _h.Advance(1);
            for (int i = 0; i < 100; i++) b.DestroyDomain("d" + i, None);
            var logs = Directory.GetFiles(ConsoleFolder).Select(Path.GetFileName).ToList();
            Assert.Equal(SimStore.KeptEndedLogs, logs.Count);
            // the most recently ended boots are kept, for a console still reading their last lines
            Assert.Contains("100.log", logs);
            Assert.DoesNotContain("1.log", logs);
            using var again = _h.Open();
            Assert.Single(again.ListDomains(None));
        }

        [Fact]
        public void ACrashLoopingGuestsConsoleLogsStayBounded()
        {
            using var b = _h.Open();
            Create(b, "loop", ("sim.boot_seconds", "0.1"), ("sim.crash_after_seconds", "0.1"), ("on_crash", "restart"));
            for (int i = 0; i < 15; i++)
            {
                _h.Advance(20);
                Assert.Equal(2, b.ListDomains(None).Count);
            }
            Assert.True(b.ListDomains(None)[1].Id > 400); // a cycle is 0.2 s of uptime plus 0.5 s of rebuilding
            var files = Directory.GetFiles(ConsoleFolder);
            Assert.True(files.Length <= SimStore.KeptEndedLogs + 1, files.Length.ToString());
            long bytes = files.Sum(f => new FileInfo(f).Length);
            Assert.True(bytes < (SimStore.KeptEndedLogs + 1) * 4096L, bytes.ToString());
        }
    }
}
