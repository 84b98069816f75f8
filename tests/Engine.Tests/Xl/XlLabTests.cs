using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Tests
{
    /// <summary>A [Fact] that runs only against a live lab host: eval "$(tests/XenLab/start.sh)" first.</summary>
    public sealed class LabFactAttribute : FactAttribute
    {
        public LabFactAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XENPS_LAB_URI")))
                Skip = "No lab host: run tests/XenLab/start.sh and export the XENPS_LAB_* variables it prints.";
        }
    }

    public sealed class LabFactTests
    {
        // Without a lab the lab tests must report as skipped (build.ps1 counts them), never pass vacuously.
        [Fact]
        public void LabFactSkipsExactlyWhenNoLabIsNamed()
        {
            bool noLab = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XENPS_LAB_URI"));
            var fact = new LabFactAttribute();
            Assert.Equal(noLab, fact.Skip != null);
        }
    }

    /// <summary>The xl backend against a real Xen 4.17 host (tests/XenLab). The guest image paths are the lab's.</summary>
    public sealed class XlLabTests
    {
        private readonly ITestOutputHelper _out;
        public XlLabTests(ITestOutputHelper output) => _out = output;

        private static IXenBackend Open() => XenBackendFactory.Open(Environment.GetEnvironmentVariable("XENPS_LAB_URI")!, new SshHostOptions
        {
            KeyFile = Environment.GetEnvironmentVariable("XENPS_LAB_IDENTITY"),
            KnownHostsFile = Environment.GetEnvironmentVariable("XENPS_LAB_KNOWN_HOSTS"),
        });

        private static XenDomainConfig Guest(string name)
        {
            var c = new XenDomainConfig();
            c.Set("name", name);
            c.Set("type", "pv");
            c.Set("kernel", "/var/lib/xenlab/vmlinux.gz");
            c.Set("ramdisk", "/var/lib/xenlab/domu-initrd.gz");
            c.Set("extra", "console=hvc0 quiet");
            c.Set("memory", "128");
            c.Set("vcpus", "1");
            c.Set("on_crash", "preserve");
            return c;
        }

        private static string ReadUntil(IXenConsole con, string marker, TimeSpan bound)
        {
            var sb = new StringBuilder();
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < bound && !sb.ToString().Contains(marker))
                sb.Append(con.Read(TimeSpan.FromSeconds(2), default));
            Assert.Contains(marker, sb.ToString());
            return sb.ToString();
        }

        [LabFact]
        public void ListInfoAndErrorsOnTheRealHost()
        {
            using var b = Open();
            var sw = Stopwatch.StartNew();
            var list = b.ListDomains(default);
            _out.WriteLine($"first ListDomains {sw.ElapsedMilliseconds} ms");
            sw.Restart();
            list = b.ListDomains(default);
            _out.WriteLine($"second ListDomains (reused connection) {sw.ElapsedMilliseconds} ms");
            Assert.Equal("Domain-0", list[0].Name);
            Assert.Equal(XenDomainState.Running, list[0].State & XenDomainState.Running);
            var info = b.GetHostInfo(default);
            Assert.StartsWith("4.17.", info.XenVersion);
            Assert.True(info.TotalMemoryMiB > 2000);
            Assert.Throws<XenDomainNotFoundException>(() => b.DestroyDomain("a;touch /tmp/pwned", default));
            Assert.Throws<XenDomainNotFoundException>(() => b.PauseDomain("$(touch /tmp/pwned)", default));
            Assert.Throws<XenInvalidOperationException>(() => b.DestroyDomain("0", default));
        }

        [LabFact]
        public void GuestLifecycleAndConsole()
        {
            using var b = Open();
            string name = "xenps-lab-" + Guid.NewGuid().ToString("N").Substring(0, 6);
            var sw = Stopwatch.StartNew();
            var d = b.CreateDomain(Guest(name), new CreateDomainOptions(), default);
            _out.WriteLine($"CreateDomain {sw.ElapsedMilliseconds} ms -> id {d.Id} {d.StateFlags}");
            try
            {
                Assert.Equal(name, d.Name);
                Assert.Equal(128, d.MemoryMiB);
                Assert.Equal("/var/lib/xenlab/vmlinux.gz", d.Config!.Kernel);
                Assert.Equal(XenLifecycleAction.Preserve, d.Config.OnCrash);
                Assert.Throws<XenResourceExistsException>(() => b.CreateDomain(Guest(name), new CreateDomainOptions(), default));

                using var con = b.OpenConsole(name, default);
                sw.Restart();
                ReadUntil(con, "XENPS-GUEST-UP", TimeSpan.FromSeconds(90));
                _out.WriteLine($"console marker after {sw.ElapsedMilliseconds} ms");
                sw.Restart();
                con.Write("echo XENPS-ROUNDTRIP-$((6*7))\n", default);
                ReadUntil(con, "XENPS-ROUNDTRIP-42", TimeSpan.FromSeconds(30));
                _out.WriteLine($"console write round trip {sw.ElapsedMilliseconds} ms");

                b.PauseDomain(name, default);
                Assert.Equal(XenDomainStateFlags.Paused, b.ListDomains(default).Single(x => x.Name == name).Flags & XenDomainStateFlags.Paused);
                b.UnpauseDomain(name, default);
                Assert.Equal(XenDomainStateFlags.None, b.ListDomains(default).Single(x => x.Name == name).Flags & XenDomainStateFlags.Paused);

                sw.Restart();
                b.ShutdownDomain(name, false, default);
                while (sw.Elapsed < TimeSpan.FromSeconds(60) && b.ListDomains(default).Any(x => x.Name == name)) Thread.Sleep(500);
                _out.WriteLine($"shutdown until gone {sw.ElapsedMilliseconds} ms");
                Assert.DoesNotContain(b.ListDomains(default), x => x.Name == name);
                Assert.Throws<XenDomainNotFoundException>(() => con.Read(TimeSpan.Zero, default));
            }
            finally
            {
                try { b.DestroyDomain(name, default); } catch (XenDomainNotFoundException) { }
            }
        }

        [LabFact]
        public void CreatePausedThenDestroyAndMemoryErrors()
        {
            using var b = Open();
            string name = "xenps-lab-p" + Guid.NewGuid().ToString("N").Substring(0, 6);
            var d = b.CreateDomain(Guest(name), new CreateDomainOptions { Paused = true }, default);
            try
            {
                Assert.Equal(XenDomainState.Paused, d.State & XenDomainState.Paused);
            }
            finally
            {
                b.DestroyDomain(name, default);
            }
            Assert.DoesNotContain(b.ListDomains(default), x => x.Name == name);

            var big = Guest(name);
            big.Set("memory", "100000");
            Assert.Throws<XenResourceUnavailableException>(() => b.CreateDomain(big, new CreateDomainOptions(), default));
            var small = Guest(name);
            small.Set("memory", "64");
            var ex = Assert.Throws<XenConfigException>(() => b.CreateDomain(small, new CreateDomainOptions(), default));
            Assert.Equal("MemoryTooSmall", ex.Diagnostics[0].Code);
            Assert.DoesNotContain(b.ListDomains(default), x => x.Name == name);
        }
    }
}
