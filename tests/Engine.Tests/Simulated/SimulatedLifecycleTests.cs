using System;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using Xunit;

namespace XenPS.Tests
{
    public class SimulatedLifecycleTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        public void Dispose() => _h.Dispose();

        private static XenDomain? Get(IXenBackend b, string name) => b.ListDomains(None).FirstOrDefault(d => d.Name == name);

        [Fact]
        public void Domain0IsListedFirstWithHostFacts()
        {
            using var b = _h.Open(_h.Options(totalMiB: 4096, cpus: 2, dom0MiB: 512));
            var list = b.ListDomains(None);
            var d0 = Assert.Single(list);
            Assert.Equal("Domain-0", d0.Name);
            Assert.Equal(0, d0.Id);
            Assert.Equal("00000000-0000-0000-0000-000000000000", d0.Uuid);
            Assert.Equal("r-----", d0.StateFlags);
            Assert.Equal(512, d0.MemoryMiB);
            Assert.Equal(2, d0.VCpus);
            var info = b.GetHostInfo(None);
            Assert.Equal("4.17.7-sim", info.XenVersion);
            Assert.Equal(4096, info.TotalMemoryMiB);
            Assert.Equal(4096 - 512, info.FreeMemoryMiB);
            Assert.Equal(2, info.CpuCount);
        }

        [Fact]
        public void HostOptionsOnlyApplyWhenTheHostIsFirstCreated()
        {
            using (var b = _h.Open(_h.Options(totalMiB: 4096))) { }
            using var again = _h.Open(_h.Options(totalMiB: 99999));
            Assert.Equal(4096, again.GetHostInfo(None).TotalMemoryMiB);
        }

        [Fact]
        public void NewDomainBootsThenIdlesAndUsesCpu()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("web1", ("memory", "256"), ("vcpus", "2")), new CreateDomainOptions(), None);
            Assert.Equal(1, d.Id);
            Assert.Equal("r-----", d.StateFlags);
            Assert.Equal(256, d.MemoryMiB);
            Assert.Equal(256, d.MaxMemoryMiB);
            Assert.Equal(2, d.VCpus);
            Assert.NotNull(d.Config);
            Assert.Equal("web1", d.Config!.Name);
            _h.Advance(0.5);
            Assert.Equal("r-----", Get(b, "web1")!.StateFlags);
            _h.Advance(0.6);
            var idle = Get(b, "web1")!;
            Assert.Equal("-b----", idle.StateFlags);
            _h.Advance(100);
            Assert.True(Get(b, "web1")!.CpuTime > idle.CpuTime);
        }

        [Fact]
        public void DefaultsAreXlDefaults()
        {
            using var b = _h.Open();
            var c = new XenDomainConfig();
            c.Set("name", "tiny");
            var d = b.CreateDomain(c, new CreateDomainOptions(), None);
            Assert.Equal(32, d.MemoryMiB);
            Assert.Equal(32, d.MaxMemoryMiB);
            Assert.Equal(1, d.VCpus);
            Assert.Equal(XenDomainType.PV, d.Type);
            Assert.True(Guid.TryParse(d.Uuid, out _));
        }

        [Fact]
        public void UuidComesFromConfig()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("u", ("uuid", "6B3B2A41-2CBC-40AA-8FE5-C3AB315B890B")), new CreateDomainOptions(), None);
            Assert.Equal("6b3b2a41-2cbc-40aa-8fe5-c3ab315b890b", d.Uuid);
        }

        [Fact]
        public void NameIsRequired()
        {
            using var b = _h.Open();
            var c = new XenDomainConfig();
            c.Set("memory", "128");
            var ex = Assert.Throws<XenConfigException>(() => b.CreateDomain(c, new CreateDomainOptions(), None));
            Assert.Contains("Domain name must be specified.", ex.Message);
        }

        [Fact]
        public void DuplicateNameIsRefusedWithXlText()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("test1"), new CreateDomainOptions(), None);
            var ex = Assert.Throws<XenResourceExistsException>(() => b.CreateDomain(SimTestHost.Config("test1"), new CreateDomainOptions(), None));
            Assert.Equal("Domain with name \"test1\" already exists.", ex.Message);
            Assert.Throws<XenResourceExistsException>(() => b.CreateDomain(SimTestHost.Config("Domain-0"), new CreateDomainOptions(), None));
        }

        [Fact]
        public void AdmissionControlRefusesTooMuchMemory()
        {
            using var b = _h.Open(_h.Options(totalMiB: 2048, dom0MiB: 1024));
            b.CreateDomain(SimTestHost.Config("a", ("memory", "512")), new CreateDomainOptions(), None);
            var ex = Assert.Throws<XenResourceUnavailableException>(() =>
                b.CreateDomain(SimTestHost.Config("b", ("memory", "513")), new CreateDomainOptions(), None));
            Assert.Contains("xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory", ex.Message);
            Assert.Equal(512, b.GetHostInfo(None).FreeMemoryMiB);
            var fits = b.CreateDomain(SimTestHost.Config("b", ("memory", "512")), new CreateDomainOptions(), None);
            Assert.Equal(0, b.GetHostInfo(None).FreeMemoryMiB);
            Assert.True(fits.Id > 2, "a failed build uses up a domid, as in xl");
        }

        [Fact]
        public void Domain0CannotBeStopped()
        {
            using var b = _h.Open();
            var ex = Assert.Throws<XenInvalidOperationException>(() => b.DestroyDomain("0", None));
            Assert.StartsWith("Not destroying domain 0; use -f to force.", ex.Message);
            Assert.Throws<XenInvalidOperationException>(() => b.DestroyDomain("Domain-0", None));
            Assert.Throws<XenInvalidOperationException>(() => b.ShutdownDomain("0", false, None));
            Assert.Throws<XenInvalidOperationException>(() => b.PauseDomain("Domain-0", None));
            Assert.Equal(XenErrorReason.Domain0Refused, Assert.Throws<XenInvalidOperationException>(() => b.UnpauseDomain("0", None)).Reason);
            Assert.Equal("r-----", b.ListDomains(None)[0].StateFlags);
        }

        [Theory]
        [InlineData("nosuchdom")]
        [InlineData("42")]
        public void UnknownDomainIsATypedNotFound(string dom)
        {
            using var b = _h.Open();
            foreach (var ex in new[]
                     {
                         Assert.Throws<XenDomainNotFoundException>(() => b.ShutdownDomain(dom, false, None)),
                         Assert.Throws<XenDomainNotFoundException>(() => b.DestroyDomain(dom, None)),
                         Assert.Throws<XenDomainNotFoundException>(() => b.PauseDomain(dom, None)),
                         Assert.Throws<XenDomainNotFoundException>(() => b.UnpauseDomain(dom, None)),
                         Assert.Throws<XenDomainNotFoundException>(() => b.OpenConsole(dom, None)),
                     })
            {
                Assert.Equal(XenErrorReason.DomainNotFound, ex.Reason);
                Assert.Equal("DomainNotFound", ex.ErrorId);
                Assert.Contains(dom, ex.Message);
            }
        }

        [Fact]
        public void AllDigitArgumentIsADomid()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("x"), new CreateDomainOptions(), None);
            b.PauseDomain(d.Id.ToString(), None);
            Assert.Equal("--p---", Get(b, "x")!.StateFlags);
        }

        [Fact]
        public void ShutdownDestroysAfterTheDelay()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1"), new CreateDomainOptions(), None);
            _h.Advance(5);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(1.9);
            Assert.NotNull(Get(b, "web1"));
            _h.Advance(0.2);
            Assert.Null(Get(b, "web1"));
            Assert.Throws<XenDomainNotFoundException>(() => b.ShutdownDomain("web1", false, None));
        }

        [Fact]
        public void ZeroShutdownSecondsIsImmediate()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1", ("sim.shutdown_seconds", "0")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("web1", false, None);
            Assert.Null(Get(b, "web1"));
        }

        [Fact]
        public void PreserveKeepsAShutDomain()
        {
            using var b = _h.Open(_h.Options(totalMiB: 2048, dom0MiB: 1024));
            b.CreateDomain(SimTestHost.Config("keep", ("on_poweroff", "preserve"), ("memory", "1024")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("keep", false, None);
            _h.Advance(2);
            var d = Get(b, "keep")!;
            Assert.Equal("---s--", d.StateFlags);
            Assert.Equal(XenShutdownReason.Poweroff, d.ShutdownReason);
            double cpu = d.CpuTime;
            _h.Advance(100);
            Assert.Equal(cpu, Get(b, "keep")!.CpuTime);
            // a preserved domain still holds its memory
            Assert.Throws<XenResourceUnavailableException>(() => b.CreateDomain(SimTestHost.Config("more"), new CreateDomainOptions(), None));
            b.DestroyDomain("keep", None);
            Assert.Null(Get(b, "keep"));
        }

        [Fact]
        public void RestartRebuildsWithANewDomid()
        {
            using var b = _h.Open();
            var first = b.CreateDomain(SimTestHost.Config("web1", ("on_poweroff", "restart")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(2.5);
            var again = Get(b, "web1")!;
            Assert.True(again.Id > first.Id);
            Assert.Equal(first.Uuid, again.Uuid);
            Assert.Equal("r-----", again.StateFlags); // rebuilt 0.5 s ago: still booting
        }

        [Fact]
        public void RestartedDomainBootsAgain()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("web1", ("on_poweroff", "restart")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(2.5);
            Assert.Equal("r-----", Get(b, "web1")!.StateFlags);
            _h.Advance(1);
            Assert.Equal("-b----", Get(b, "web1")!.StateFlags);
        }

        [Fact]
        public void RenameRestartKeepsTheOldOneRenamed()
        {
            using var b = _h.Open();
            var first = b.CreateDomain(SimTestHost.Config("web1", ("on_poweroff", "rename-restart")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("web1", false, None);
            _h.Advance(2);
            var all = b.ListDomains(None);
            var old = Assert.Single(all, d => d.Id == first.Id);
            Assert.StartsWith("web1-", old.Name);
            Assert.Equal("---s--", old.StateFlags);
            Assert.NotEqual(first.Uuid, old.Uuid);
            var fresh = Assert.Single(all, d => d.Name == "web1");
            Assert.True(fresh.Id > first.Id);
            Assert.Equal(first.Uuid, fresh.Uuid);
        }

        [Fact]
        public void RenameRestartFailsWhenTheKeptDomainLeavesNoRoom()
        {
            using var b = _h.Open(_h.Options(totalMiB: 2048, dom0MiB: 1024));
            var first = b.CreateDomain(SimTestHost.Config("big", ("memory", "1024"), ("on_poweroff", "rename-restart")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("big", false, None);
            _h.Advance(2);
            var all = b.ListDomains(None);
            Assert.Equal(2, all.Count);
            Assert.StartsWith("big-", all[1].Name);
            Assert.Equal(first.Id, all[1].Id);
        }

        [Fact]
        public void PausedCreateAndShutdownWaitsForUnpause()
        {
            using var b = _h.Open();
            var d = b.CreateDomain(SimTestHost.Config("p1"), new CreateDomainOptions { Paused = true }, None);
            Assert.Equal("--p---", d.StateFlags);
            Assert.Equal(0.0, d.CpuTime);
            _h.Advance(10);
            Assert.Equal("--p---", Get(b, "p1")!.StateFlags);
            Assert.Equal(0.0, Get(b, "p1")!.CpuTime);
            b.ShutdownDomain("p1", false, None);
            _h.Advance(60);
            Assert.Equal("--p---", Get(b, "p1")!.StateFlags);
            b.UnpauseDomain("p1", None);
            Assert.Equal("r-----", Get(b, "p1")!.StateFlags);
            _h.Advance(1.9);
            Assert.NotNull(Get(b, "p1"));
            _h.Advance(0.2);
            Assert.Null(Get(b, "p1"));
        }

        [Fact]
        public void PauseIsIdempotentAndFreezesCpu()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("p"), new CreateDomainOptions(), None);
            _h.Advance(5);
            b.PauseDomain("p", None);
            b.PauseDomain("p", None);
            double cpu = Get(b, "p")!.CpuTime;
            _h.Advance(50);
            Assert.Equal(cpu, Get(b, "p")!.CpuTime);
            b.UnpauseDomain("p", None);
            b.UnpauseDomain("p", None);
            Assert.Equal("-b----", Get(b, "p")!.StateFlags);
        }

        [Fact]
        public void IgnoreShutdownIgnoresTheRequest()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("stubborn", ("sim.ignore_shutdown", "1")), new CreateDomainOptions(), None);
            _h.Advance(2);
            b.ShutdownDomain("stubborn", false, None);
            _h.Advance(100);
            Assert.Equal("-b----", Get(b, "stubborn")!.StateFlags);
            b.DestroyDomain("stubborn", None);
            Assert.Null(Get(b, "stubborn"));
        }

        [Fact]
        public void HvmWithoutPvDriversNeedsTheAcpiFallback()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("win", ("type", "hvm"), ("sim.pv_drivers", "0")), new CreateDomainOptions(), None);
            _h.Advance(2);
            var ex = Assert.Throws<XenInvalidOperationException>(() => b.ShutdownDomain("win", false, None));
            Assert.Equal(XenErrorReason.PvControlUnavailable, ex.Reason); // the same typed reason the xl mapper gives
            Assert.Contains("PV control interface not available", ex.Message);
            b.ShutdownDomain("win", true, None);
            _h.Advance(2);
            Assert.Null(Get(b, "win"));
        }

        [Fact]
        public void ACrashLoopWithZeroTimingsStaysBounded()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("loop", ("sim.boot_seconds", "0"), ("sim.crash_after_seconds", "0"), ("on_crash", "restart")), new CreateDomainOptions(), None);
            _h.Advance(1);
            var d = Get(b, "loop")!;
            Assert.True(d.Id > 1);
            Assert.True(d.Id <= 1 + 2 * 100 + 1);
        }

        [Fact]
        public void CrashAfterDestroysByDefault()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("c", ("sim.crash_after_seconds", "5")), new CreateDomainOptions(), None);
            _h.Advance(5.9);
            Assert.NotNull(Get(b, "c"));
            _h.Advance(0.2);
            Assert.Null(Get(b, "c"));
        }

        [Fact]
        public void CrashWithPreserveShowsCrashFlags()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("c", ("sim.crash_after_seconds", "3"), ("on_crash", "preserve")), new CreateDomainOptions(), None);
            _h.Advance(10);
            var d = Get(b, "c")!;
            Assert.Equal("---sc-", d.StateFlags);
            Assert.Equal(XenShutdownReason.Crash, d.ShutdownReason);
        }

        [Fact]
        public void CrashWithRestartLoopsWithNewDomids()
        {
            using var b = _h.Open();
            var first = b.CreateDomain(SimTestHost.Config("c", ("sim.crash_after_seconds", "3"), ("on_crash", "restart")), new CreateDomainOptions(), None);
            _h.Advance(4.2); // crashed at 4 s, being rebuilt for 0.5 s (listed --p--- with 0 MiB, as capture 57 shows xl doing)
            var building = Get(b, "c")!;
            Assert.Equal(first.Id + 1, building.Id);
            Assert.Equal("--p---", building.StateFlags);
            Assert.Equal(0, building.MemoryMiB);
            Assert.Equal(0, building.VCpus);
            _h.Advance(0.5); // runs from 4.5 s
            var second = Get(b, "c")!;
            Assert.Equal(first.Id + 1, second.Id);
            Assert.Equal("r-----", second.StateFlags);
            Assert.Equal(32, second.MemoryMiB);
            _h.Advance(8.5); // two more crashes: at 8.5 and 13 (each boot runs 4 s, after 0.5 s of building)
            Assert.Equal(first.Id + 3, Get(b, "c")!.Id);
        }

        [Fact]
        public void RebootFromTheGuestUsesOnReboot()
        {
            using var b = _h.Open();
            var first = b.CreateDomain(SimTestHost.Config("r1"), new CreateDomainOptions(), None);
            _h.Advance(2);
            using (var con = b.OpenConsole("r1", None)) con.Write("reboot\n", None);
            _h.Advance(2.1);
            var d = Get(b, "r1")!;
            Assert.True(d.Id > first.Id); // on_reboot defaults to restart
        }

        [Fact]
        public void DestroyIsImmediate()
        {
            using var b = _h.Open();
            b.CreateDomain(SimTestHost.Config("gone"), new CreateDomainOptions(), None);
            b.DestroyDomain("gone", None);
            Assert.Null(Get(b, "gone"));
            Assert.Single(b.ListDomains(None));
        }

        [Fact]
        public void DomidsAreNeverReusedEvenAcrossReopen()
        {
            int last;
            using (var b = _h.Open())
            {
                var a = b.CreateDomain(SimTestHost.Config("a"), new CreateDomainOptions(), None);
                var c = b.CreateDomain(SimTestHost.Config("c"), new CreateDomainOptions(), None);
                b.DestroyDomain("a", None);
                b.DestroyDomain("c", None);
                last = c.Id!.Value;
            }
            using var b2 = _h.Open();
            var d = b2.CreateDomain(SimTestHost.Config("a"), new CreateDomainOptions(), None);
            Assert.Equal(last + 1, d.Id);
        }

        [Fact]
        public void DomidsAreNeverReusedAfterCompaction()
        {
            using (var b = _h.Open(_h.Options(compactAfter: 5)))
            {
                for (int i = 0; i < 20; i++)
                {
                    b.CreateDomain(SimTestHost.Config("d" + i), new CreateDomainOptions(), None);
                    b.DestroyDomain("d" + i, None);
                }
            }
            using var b2 = _h.Open();
            Assert.Single(b2.ListDomains(None));
            Assert.Equal(21, b2.CreateDomain(SimTestHost.Config("z"), new CreateDomainOptions(), None).Id);
        }
    }
}
