using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.Conformance
{
    /// <summary>
    /// What every backend does, said once, in backend-neutral terms: through <see cref="IXenBackend"/>, its capability
    /// interfaces and the engine services, never through a backend's own text. A backend joins by subclassing this
    /// (one instance per test: a fresh host each time) and passes every test it does not skip; a skip says which
    /// capture or capability is missing.
    ///
    /// The test guest is the lab's test1 (shared/xen/captures/configs/test1.cfg: a PV guest, 128 MiB, 1 vCPU,
    /// on_poweroff destroy), the only guest whose every state the xl captures cover. Time on the host passes only
    /// through <see cref="Elapse"/>, so nothing here waits for real.
    /// </summary>
    public abstract partial class BackendConformance : IDisposable
    {
        public const string GuestName = "test1";
        public const string SecondGuestName = "test3";
        public const string UnknownName = "nosuchdom";
        public const long GuestMemoryMiB = 128;

        /// <summary>The capability interfaces this suite has tests for (a new one must get tests here first).</summary>
        public static readonly Type[] KnownCapabilities =
            { typeof(IXenHostFacts), typeof(IXenPowerControl), typeof(IXenConsoleAccess), typeof(IXenTerminalConsole), typeof(IXenBackendNotes),
              typeof(IXenDomainSettings), typeof(IXenCheckpoint), typeof(IXenReboot), typeof(IXenStoredConfigs), typeof(IXenDevices), typeof(IXenHostRestart),
              typeof(IXenConnectionHealthSource),
              typeof(IXenDomainEvents), typeof(IXenTemplates), typeof(IXenPoolHosts), typeof(IXenAutoStart), typeof(IXenDomainStart), typeof(IXenCapabilityAdvice),
              typeof(IXenMigration), typeof(IXenPoolMigration) };

        private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);
        private const int MaxSteps = 120; // host seconds any lifecycle change may take here

        private XenHostConnection? _host;
        protected readonly DomainLifecycleService Lifecycle =
            new DomainLifecycleService(new DomainWaitService { Interval = TimeSpan.FromMilliseconds(1) });
        protected readonly ConsoleService Consoles = new ConsoleService();

        // ------------------------------------------------------------------ what a backend's subclass provides

        /// <summary>A fresh, empty host: only the control domain.</summary>
        protected abstract IXenBackend OpenBackend();

        /// <summary>Lets time pass on the host.</summary>
        protected abstract void Elapse(TimeSpan time);

        /// <summary>The capability interfaces the backend implements.</summary>
        protected abstract IReadOnlyCollection<Type> Capabilities { get; }

        /// <summary>Anything that changes whenever a request reached the host (a command count, the state files).</summary>
        protected abstract string HostFootprint();

        /// <summary>The console line (or prompt) that ends the test guest's boot output.</summary>
        protected abstract Regex BootFinished { get; }

        // ------------------------------------------------------------------ helpers

        protected XenHostConnection Host
        {
            get
            {
                if (_host == null)
                {
                    var b = OpenBackend();
                    _host = new XenHostConnection("conformance", b.Uri, b);
                }
                return _host;
            }
        }

        protected IXenBackend Backend => Host.Backend;
        protected IXenPowerControl Power => Backend.Require<IXenPowerControl>("power actions");
        protected IXenConsoleAccess ConsoleAccess => Backend.Require<IXenConsoleAccess>("guest consoles");

        /// <summary>configs/test1.cfg as a config object.</summary>
        public static XenDomainConfig GuestConfig(string name = GuestName)
        {
            var c = new XenDomainConfig();
            c.Set("name", name);
            c.Set("type", "pv");
            c.Set("kernel", "/var/lib/xenlab/vmlinux.gz");
            c.Set("ramdisk", "/var/lib/xenlab/domu-initrd.gz");
            c.Set("extra", "console=hvc0 quiet");
            c.Set("memory", GuestMemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
            c.Set("vcpus", "1");
            c.Set("on_poweroff", "destroy");
            c.Set("on_reboot", "restart");
            c.Set("on_crash", "destroy");
            return c;
        }

        /// <summary>configs/bad-toomuchmem.cfg: 64 GiB, more than any test host has.</summary>
        public static XenDomainConfig TooBigConfig()
        {
            var c = new XenDomainConfig();
            c.Set("name", "bad-mem");
            c.Set("type", "pv");
            c.Set("kernel", "/var/lib/xenlab/vmlinuz");
            c.Set("ramdisk", "/var/lib/xenlab/domu-initrd.gz");
            c.Set("extra", "console=hvc0 quiet");
            c.Set("memory", "65536");
            return c;
        }

        protected virtual XenDomain CreateGuest(string name = GuestName, bool paused = false) =>
            Lifecycle.Create(Host, GuestConfig(name), new CreateDomainOptions { Paused = paused }, CancellationToken.None);

        protected XenDomainTarget Target(XenDomain d) => new XenDomainTarget(Host, d);

        protected IReadOnlyList<XenDomain> List() => Backend.ListDomains(CancellationToken.None);

        /// <summary>The domain as listed now (by uuid: a reboot changes the domid), or null when it is gone.</summary>
        protected XenDomain? Listed(XenDomain d) =>
            List().SingleOrDefault(x => string.Equals(x.Uuid, d.Uuid, StringComparison.OrdinalIgnoreCase));

        protected XenDomain Domain0() => List()[0];

        /// <summary>A domain no host ever had, named as a user would type it.</summary>
        protected static XenDomain Unknown() => new XenDomain { Name = UnknownName };

        /// <summary>Lets host time pass, a second at a time, until <paramref name="done"/> holds of the listed domain (null: gone).</summary>
        protected XenDomain? ElapseUntil(XenDomain d, Func<XenDomain?, bool> done, string what)
        {
            var now = Listed(d);
            for (int i = 0; i < MaxSteps && !done(now); i++)
            {
                Elapse(Step);
                now = Listed(d);
            }
            Assert.True(done(now), $"{what} within {MaxSteps} s of host time; last listed: {now?.StateFlags ?? "gone"}");
            return now;
        }

        /// <summary>Progress of a wait: each round the service reports, a second passes on the host.</summary>
        private sealed class HostClockProgress : IProgress<XenProgress>
        {
            private readonly Action<TimeSpan> _elapse;
            public HostClockProgress(Action<TimeSpan> elapse) => _elapse = elapse;
            public int Rounds { get; private set; }
            public void Report(XenProgress value)
            {
                if (value.Completed) return;
                Rounds++;
                _elapse(Step);
            }
        }

        /// <summary>Stop-XenDomain's flow: ask each target, then wait for those asked; every target's result.</summary>
        protected Dictionary<XenDomainTarget, XenDomainResult> StopAndWait(IReadOnlyList<XenDomainTarget> targets, StopOptions o)
        {
            var results = new Dictionary<XenDomainTarget, XenDomainResult>();
            var asked = new List<XenDomainTarget>();
            foreach (var t in targets)
            {
                var r = Lifecycle.RequestStop(t, o, CancellationToken.None);
                if (r.Succeeded && !o.Destroy) asked.Add(t); else results.Add(t, r);
            }
            var progress = new HostClockProgress(Elapse);
            foreach (var r in Lifecycle.WaitForStop(asked, o, null, null, progress, CancellationToken.None))
                results.Add(r.Target, r);
            return results;
        }

        private static void PowerAction(IXenPowerControl p, string action, XenDomain d)
        {
            switch (action)
            {
                case "shutdown": p.ShutdownDomain(d, false, CancellationToken.None); break;
                case "destroy": p.DestroyDomain(d, CancellationToken.None); break;
                case "pause": p.PauseDomain(d, CancellationToken.None); break;
                case "unpause": p.UnpauseDomain(d, CancellationToken.None); break;
                default: throw new ArgumentOutOfRangeException(nameof(action), action, null);
            }
        }

        private XenDomainResult ServiceAction(string action, XenDomain d) => action switch
        {
            "shutdown" => Lifecycle.RequestStop(Target(d), new StopOptions(), CancellationToken.None),
            "destroy" => Lifecycle.RequestStop(Target(d), new StopOptions { Destroy = true }, CancellationToken.None),
            "pause" => Lifecycle.SetPaused(Target(d), true, CancellationToken.None),
            "unpause" => Lifecycle.SetPaused(Target(d), false, CancellationToken.None),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };

        private static readonly string[] PowerActions = { "shutdown", "destroy", "pause", "unpause" };

        /// <summary>Reads the console until the boot has finished; the lines up to there.</summary>
        protected IReadOnlyList<string> ReadBoot(IXenConsole con, XenDomain d) =>
            Consoles.ReadUntil(con, d.Name, BootFinished, null, TimeSpan.FromSeconds(30), CancellationToken.None);

        public virtual void Dispose() => _host?.Dispose();

        // ================================================================== listing

        [Fact]
        public virtual void ListingPutsTheControlDomainFirst()
        {
            var list = List();
            Assert.NotEmpty(list);
            var dom0 = list[0];
            Assert.True(dom0.IsDomain0);
            Assert.Equal("Domain-0", dom0.Name);
            Assert.Equal(0, dom0.Id);
            Assert.Equal(XenDomainState.Running, dom0.State);
            Assert.True(dom0.MemoryMiB > 0, "Domain-0 has memory");
            Assert.True(dom0.VCpus >= 1, "Domain-0 has vCPUs");
            Assert.Single(list, d => d.IsDomain0);

            CreateGuest();
            list = List();
            Assert.True(list[0].IsDomain0, "the control domain stays first with guests");
            Assert.Single(list, d => d.IsDomain0);
        }

        [Fact]
        public virtual void ListedGuestsCarryUuidNameIdMemoryVcpusAndState()
        {
            CreateGuest();
            var list = List();
            var g = Assert.Single(list, d => d.Name == GuestName);
            Assert.True(Guid.TryParse(g.Uuid, out _), $"a guest has a uuid, not '{g.Uuid}'");
            Assert.NotNull(g.Id);
            Assert.True(g.Id > 0, "a guest's domid is not 0");
            Assert.False(g.IsDomain0);
            Assert.Equal(GuestMemoryMiB, g.MemoryMiB);
            Assert.Equal(1, g.VCpus);
            Assert.Equal(XenDomainState.Running, g.State);
            Assert.Equal(list.Count, list.Select(d => d.Id).Distinct().Count());
        }

        [Fact]
        public virtual void TheControlDomainHasAUuid()
        {
            Assert.True(Guid.TryParse(Domain0().Uuid, out _), $"Domain-0 has a uuid, not '{Domain0().Uuid}'");
        }

        // ================================================================== create

        [Fact]
        public virtual void CreateReturnsTheDomainAsItIsListed()
        {
            var d = CreateGuest();
            Assert.Equal(GuestName, d.Name);
            Assert.NotNull(d.Id);
            Assert.True(Guid.TryParse(d.Uuid, out _));
            Assert.Equal(GuestMemoryMiB, d.MemoryMiB);
            Assert.Equal(1, d.VCpus);
            Assert.Equal(XenDomainState.Running, d.State);
            Assert.Equal(Host.Name, d.Host);
            Assert.Equal(Host.Uri, d.HostUri);

            var listed = Listed(d);
            Assert.NotNull(listed);
            Assert.Equal(d.Id, listed!.Id);
            Assert.Equal(d.Name, listed.Name);
            Assert.Equal(d.MemoryMiB, listed.MemoryMiB);
            Assert.Equal(d.VCpus, listed.VCpus);
        }

        [Fact]
        public virtual void CreatePausedGivesAPausedDomain()
        {
            var d = CreateGuest(paused: true);
            Assert.Equal(XenDomainState.Paused, d.State);
            Assert.Equal(XenDomainState.Paused, Listed(d)!.State);
        }

        [Fact]
        public virtual void ADuplicateNameIsDomainExistsAndChangesNothing()
        {
            var d = CreateGuest();
            var before = List().Select(x => (x.Uuid, x.Id, x.Name)).ToList();
            var e = Assert.Throws<XenResourceExistsException>(() => CreateGuest());
            Assert.Equal(XenErrorReason.DomainExists, e.Reason);
            Assert.Equal("DomainExists", e.ErrorId);
            Assert.Equal(before, List().Select(x => (x.Uuid, x.Id, x.Name)).ToList());
            Assert.Equal(XenDomainState.Running, Listed(d)!.State);
        }

        [Fact]
        public virtual void TooMuchMemoryIsInsufficientResourcesAndCreatesNothing()
        {
            var before = List().Select(x => x.Name).ToList();
            var e = Assert.Throws<XenResourceUnavailableException>(() =>
                Lifecycle.Create(Host, TooBigConfig(), new CreateDomainOptions(), CancellationToken.None));
            Assert.Equal(XenErrorReason.InsufficientResources, e.Reason);
            Assert.Equal(before, List().Select(x => x.Name).ToList());
        }

        // ================================================================== stop

        [Fact]
        public virtual void ShutdownEndsWithTheDomainGoneOrKeptHalted()
        {
            var d = CreateGuest();
            var r = Lifecycle.RequestStop(Target(d), new StopOptions(), CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            ElapseUntil(d, now => now == null || now.State == XenDomainState.Halted, "the guest shut down");
        }

        [Fact]
        public virtual void ShutdownOfAGuestThatPreservesItKeepsItHalted()
        {
            var c = GuestConfig();
            c.Set("on_poweroff", "preserve");
            var d = Lifecycle.Create(Host, c, new CreateDomainOptions(), CancellationToken.None);
            Assert.True(Lifecycle.RequestStop(Target(d), new StopOptions(), CancellationToken.None).Succeeded);
            var kept = ElapseUntil(d, now => now != null && now.State == XenDomainState.Halted, "the guest was kept halted");
            Assert.Equal(XenShutdownReason.Poweroff, kept!.ShutdownReason);
        }

        [Fact]
        public virtual void DestroyRemovesTheDomainAtOnce()
        {
            var d = CreateGuest();
            var r = Lifecycle.RequestStop(Target(d), new StopOptions { Destroy = true }, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(XenDomainState.Dying, r.Domain!.State); // its last known state: torn down, not running
            Assert.Null(Listed(d));
        }

        [Fact]
        public virtual void Domain0IsRefusedBeforeAnythingReachesTheHost()
        {
            var dom0 = Domain0();
            string before = HostFootprint();
            foreach (string action in PowerActions)
            {
                var e = Assert.Throws<XenInvalidOperationException>(() => PowerAction(Power, action, dom0));
                Assert.True(e.Reason == XenErrorReason.Domain0Refused, $"{action} of Domain-0: {e.Reason}");
                var r = ServiceAction(action, dom0);
                Assert.True(r.Error?.Reason == XenErrorReason.Domain0Refused, $"{action} of Domain-0 through the service: {r.Error?.Reason}");
            }
            var c = Assert.Throws<XenInvalidOperationException>(() => ConsoleAccess.OpenConsole(dom0, CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, c.Reason);
            Assert.Equal(before, HostFootprint());
            Assert.Equal(XenDomainState.Running, Domain0().State);
        }

        [Fact]
        public virtual void StopWithWaitGivesAResultPerTarget()
        {
            var g = CreateGuest();
            var guest = Target(g);
            var unknown = Target(Unknown());
            var dom0 = Target(Domain0());
            var results = StopAndWait(new[] { guest, unknown, dom0 }, new StopOptions { Timeout = TimeSpan.FromSeconds(60) });

            Assert.Equal(3, results.Count);
            Assert.True(results[guest].Succeeded, results[guest].Error?.Message);
            Assert.Equal(XenDomainState.Halted, results[guest].Domain!.State);
            Assert.Equal(XenErrorReason.DomainNotFound, results[unknown].Error?.Reason);
            Assert.Equal(XenErrorReason.Domain0Refused, results[dom0].Error?.Reason);
            var now = Listed(g);
            Assert.True(now == null || now.State == XenDomainState.Halted);
        }

        [Fact]
        public virtual void StopWithWaitStopsSeveralGuests()
        {
            var a = Target(CreateGuest(GuestName));
            var b = Target(CreateGuest(SecondGuestName));
            var results = StopAndWait(new[] { a, b }, new StopOptions { Timeout = TimeSpan.FromSeconds(60) });
            Assert.Equal(2, results.Count);
            foreach (var t in new[] { a, b })
            {
                Assert.True(results[t].Succeeded, results[t].Error?.Message);
                Assert.Equal(XenDomainState.Halted, results[t].Domain!.State);
            }
            Assert.Equal(new[] { "Domain-0" }, List().Where(d => d.State != XenDomainState.Halted).Select(d => d.Name));
        }

        // ================================================================== pause

        [Fact]
        public virtual void PauseThenUnpause()
        {
            var d = CreateGuest();
            var p = Lifecycle.SetPaused(Target(d), true, CancellationToken.None);
            Assert.True(p.Succeeded, p.Error?.Message);
            Assert.Equal(XenDomainState.Paused, p.Domain!.State);
            Assert.Equal(XenDomainState.Paused, Listed(d)!.State);

            var u = Lifecycle.SetPaused(Target(d), false, CancellationToken.None);
            Assert.True(u.Succeeded, u.Error?.Message);
            Assert.Equal(XenDomainState.Running, u.Domain!.State);
            Assert.Equal(XenDomainState.Running, Listed(d)!.State);
        }

        // ================================================================== console

        [Fact]
        public virtual void TheConsoleShowsTheBootOfTheDomain()
        {
            var d = CreateGuest();
            using var con = Consoles.Open(Target(d), CancellationToken.None);
            var lines = ReadBoot(con, d);
            Assert.Single(lines, l => l.Contains(d.Uuid!, StringComparison.OrdinalIgnoreCase)); // this guest's boot, once
        }

        [Fact]
        public virtual void ReadingTheConsoleOfADomainThatHasGoneIsNotFound()
        {
            var d = CreateGuest();
            using var con = Consoles.Open(Target(d), CancellationToken.None);
            ReadBoot(con, d);
            Assert.True(Lifecycle.RequestStop(Target(d), new StopOptions { Destroy = true }, CancellationToken.None).Succeeded);
            var e = Assert.Throws<XenDomainNotFoundException>(() =>
            {
                for (int i = 0; i < 10; i++) con.Read(TimeSpan.Zero, CancellationToken.None); // the last output may come first
            });
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
        }

        [Fact]
        public virtual void OpeningTheConsoleOfAnUnknownDomainIsNotFound()
        {
            var e = Assert.Throws<XenDomainNotFoundException>(() => Consoles.Open(Target(Unknown()), CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
        }

        [Fact]
        public virtual void OpeningTheConsoleOfADomainThatHasGoneIsNotFound()
        {
            var d = CreateGuest();
            Assert.True(Lifecycle.RequestStop(Target(d), new StopOptions { Destroy = true }, CancellationToken.None).Succeeded);
            var e = Assert.Throws<XenDomainNotFoundException>(() => Consoles.Open(Target(d), CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
        }

        [Fact]
        public virtual void TheConsoleOfARecreatedDomainShowsOnlyItsOwnBoot()
        {
            var old = CreateGuest();
            Elapse(TimeSpan.FromSeconds(5));
            Assert.True(Lifecycle.RequestStop(Target(old), new StopOptions { Destroy = true }, CancellationToken.None).Succeeded);
            var d = CreateGuest();
            Assert.NotEqual(old.Uuid, d.Uuid);
            using var con = Consoles.Open(Target(d), CancellationToken.None);
            var lines = ReadBoot(con, d);
            Assert.DoesNotContain(lines, l => l.Contains(old.Uuid!, StringComparison.OrdinalIgnoreCase));
            Assert.Single(lines, l => l.Contains(d.Uuid!, StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public virtual void TheConsoleOpenedAfterARebootShowsOnlyTheNewBoot()
        {
            var d = CreateGuest();
            using (var con = Consoles.Open(Target(d), CancellationToken.None))
            {
                ReadBoot(con, d);
                con.Write("reboot\r", CancellationToken.None);
            }
            var rebooted = ElapseUntil(d, now => now != null && now.Id != d.Id && now.State == XenDomainState.Running, "the guest rebooted");
            Elapse(TimeSpan.FromSeconds(5));
            using var after = Consoles.Open(Target(rebooted!), CancellationToken.None);
            var lines = ReadBoot(after, rebooted!);
            Assert.Single(lines, l => l.Contains(d.Uuid!, StringComparison.OrdinalIgnoreCase)); // one boot, not two
        }

        // ================================================================== unknown and gone domains

        [Theory]
        [InlineData("shutdown")]
        [InlineData("destroy")]
        [InlineData("pause")]
        [InlineData("unpause")]
        public virtual void AnUnknownDomainIsNotFound(string action)
        {
            var e = Assert.Throws<XenDomainNotFoundException>(() => PowerAction(Power, action, Unknown()));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
            Assert.Equal(UnknownName, e.Domain);
            var r = ServiceAction(action, Unknown());
            Assert.Equal(XenErrorReason.DomainNotFound, r.Error?.Reason);
        }

        [Fact]
        public virtual void ADomainThatHasGoneIsNotFoundForEveryPowerAction()
        {
            var d = CreateGuest();
            Assert.True(Lifecycle.RequestStop(Target(d), new StopOptions { Destroy = true }, CancellationToken.None).Succeeded);
            foreach (string action in PowerActions)
            {
                var e = Assert.Throws<XenDomainNotFoundException>(() => PowerAction(Power, action, d));
                Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
                Assert.Equal(XenErrorReason.DomainNotFound, ServiceAction(action, d).Error?.Reason);
            }
        }

        // ================================================================== capabilities

        [Fact]
        public virtual void CapabilitiesAreDiscoveredAtRunTime()
        {
            var supports = typeof(XenCapabilities).GetMethod(nameof(XenCapabilities.Supports))!;
            var require = typeof(XenCapabilities).GetMethod(nameof(XenCapabilities.Require))!;
            foreach (var cap in KnownCapabilities)
            {
                bool expected = Capabilities.Contains(cap);
                Assert.True(expected == (bool)supports.MakeGenericMethod(cap).Invoke(null, new object[] { Backend })!,
                    $"{Backend.BackendName}: Supports<{cap.Name}>() should be {expected}");
                object? got;
                try
                {
                    got = require.MakeGenericMethod(cap).Invoke(null, new object[] { Backend, "the conformance check" });
                }
                catch (TargetInvocationException t) when (t.InnerException is XenOperationNotSupportedException e)
                {
                    Assert.False(expected, $"{Backend.BackendName} implements {cap.Name} but Require refused it");
                    Assert.Equal(XenErrorReason.OperationNotSupported, e.Reason);
                    Assert.Equal(Backend.BackendName, e.Backend);
                    Assert.Equal("the conformance check", e.Operation);
                    continue;
                }
                Assert.True(expected, $"{Backend.BackendName}: Require<{cap.Name}>() should have refused");
                Assert.Same(Backend, got);
            }
            Assert.True(Capabilities.All(c => KnownCapabilities.Contains(c)), "a capability this suite does not know");
        }

        /// <summary>
        /// A capability added to the engine (an interface an engine backend implements besides the core) must be added
        /// to <see cref="KnownCapabilities"/> with its tests here, so every backend is held to it.
        /// </summary>
        /// <summary>Notes (what a backend did on its own) are each handed out once, and an ordinary session makes none that warn.</summary>
        [Fact]
        public virtual void BackendNotesAreTakenOnceAndOrdinaryWorkWarnsOfNothing()
        {
            if (Backend is not IXenBackendNotes notes) return; // the capability test holds the backend to its declaration
            var d = CreateGuest();
            Backend.ListDomains(CancellationToken.None);
            var first = notes.TakeNotes();
            Assert.DoesNotContain(first, n => n.IsWarning);
            Assert.Empty(notes.TakeNotes());
            Assert.NotNull(d);
        }

        [Fact]
        public virtual void TheSuiteCoversEveryCapabilityOfTheEngine()
        {
            var engine = typeof(IXenBackend).Assembly;
            var implemented = engine.GetTypes()
                .Where(t => t.IsClass && !t.IsAbstract && typeof(IXenBackend).IsAssignableFrom(t))
                .SelectMany(t => t.GetInterfaces())
                .Where(i => i != typeof(IXenBackend) && i != typeof(IDisposable) && i.Assembly == engine)
                .Distinct()
                .ToList();
            Assert.NotEmpty(implemented);
            Assert.Empty(implemented.Except(KnownCapabilities).Select(t => t.FullName));
        }

        // ================================================================== connection health

        [Fact]
        public virtual void TheConnectionRecordsItsHealthThroughTheFanOut()
        {
            Assert.Null(Host.LastContact);
            var got = HostFanOut.Stream(new[] { Host }, (h, ct) => h.Backend.ListDomains(ct), 4, CancellationToken.None).ToList();
            Assert.Single(got);
            Assert.Null(got[0].Error);
            Assert.NotNull(Host.LastContact);
            Assert.True(Host.LatencyMs >= 0);
            Assert.Equal(XenConnectionState.Open, Host.State);
            Host.Dispose();
            Assert.Equal(XenConnectionState.Closed, Host.State);
        }

        // ================================================================== a closed backend

        [Fact]
        public virtual void AClosedBackendIsConnectionClosedForEveryCall()
        {
            var d = CreateGuest();
            var con = Consoles.Open(Target(d), CancellationToken.None);
            Host.Dispose();

            var calls = new List<(string what, Action call)>
            {
                ("list", () => Backend.ListDomains(CancellationToken.None)),
                ("create", () => Backend.CreateDomain(GuestConfig(SecondGuestName), new CreateDomainOptions(), CancellationToken.None)),
                ("console read", () => con.Read(TimeSpan.Zero, CancellationToken.None)),
                ("console open", () => ConsoleAccess.OpenConsole(d, CancellationToken.None)),
            };
            calls.AddRange(PowerActions.Select(a => (a, (Action)(() => PowerAction(Power, a, d)))));
            if (Backend is IXenHostFacts facts) calls.Add(("host facts", () => facts.GetHostInfo(CancellationToken.None)));
            if (Backend is IXenTerminalConsole term) calls.Add(("terminal console", () => term.TerminalConsoleCommand(d, CancellationToken.None)));
            if (Backend is IXenCheckpoint cp)
            {
                calls.Add(("save", () => cp.SaveDomain(d, CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None)));
                calls.Add(("restore", () => cp.RestoreDomain(CheckpointFile, new RestoreDomainOptions(), CancellationToken.None)));
            }

            foreach (var (what, call) in calls)
            {
                var e = Record.Exception(call);
                var ce = Assert.IsType<XenConnectionException>(e);
                Assert.True(ce.Reason == XenErrorReason.ConnectionClosed, $"{what} on a closed backend: {ce.Reason}");
            }
        }

        // ================================================================== host facts

        [Fact]
        public virtual void HostFactsAccountForAGuestsMemory()
        {
            var facts = Backend.Require<IXenHostFacts>("host facts");
            var before = facts.GetHostInfo(CancellationToken.None);
            Assert.False(string.IsNullOrEmpty(before.XenVersion));
            Assert.True(before.CpuCount >= 1);
            Assert.True(before.TotalMemoryMiB >= before.FreeMemoryMiB && before.FreeMemoryMiB > 0);
            CreateGuest();
            var after = facts.GetHostInfo(CancellationToken.None);
            Assert.True(before.FreeMemoryMiB - after.FreeMemoryMiB >= GuestMemoryMiB,
                $"free memory went from {before.FreeMemoryMiB} to {after.FreeMemoryMiB} MiB for a {GuestMemoryMiB} MiB guest");
            Assert.Equal(before.TotalMemoryMiB, after.TotalMemoryMiB);
        }

        // ================================================================== domain settings (Set-XenDomain)

        protected IXenDomainSettings Settings => Backend.Require<IXenDomainSettings>("changing domain settings");

        /// <summary>The test guest (128 MiB, maxmem 128, 1 vCPU, maxvcpus 1) lists its boot-time maximum of vCPUs.</summary>
        [Fact]
        public virtual void AGuestListsItsMaximumOfVCpus()
        {
            var d = CreateGuest();
            var l = Listed(d)!;
            Assert.Equal(1, l.VCpus);
            Assert.Equal(1, l.MaxVCpus);
            Assert.Equal(GuestMemoryMiB, l.MaxMemoryMiB);
        }

        [Fact]
        public virtual void LoweringTheMemoryTargetIsListed()
        {
            var d = CreateGuest();
            Settings.SetMemoryTarget(d, 96, CancellationToken.None);
            var l = Listed(d)!;
            Assert.Equal(96, l.MemoryMiB);
            Assert.Equal(GuestMemoryMiB, l.MaxMemoryMiB);
        }

        [Fact]
        public virtual void AMemoryTargetAboveTheMaximumIsRefusedAndNothingChanges()
        {
            var d = CreateGuest();
            var e = Assert.Throws<XenSettingOutOfRangeException>(() => Settings.SetMemoryTarget(d, 512, CancellationToken.None));
            Assert.Equal(XenErrorReason.SettingOutOfRange, e.Reason);
            Assert.Equal("MemoryMiB", e.Setting);
            Assert.Contains("memory_dynamic_max must be less than or equal to memory_static_max", e.Message);
            Assert.Equal(GuestMemoryMiB, Listed(d)!.MemoryMiB);
        }

        [Fact]
        public virtual void RaisingTheMaximumMemoryIsListed()
        {
            var d = CreateGuest();
            Settings.SetMaxMemory(d, 200, CancellationToken.None);
            var l = Listed(d)!;
            Assert.Equal(200, l.MaxMemoryMiB);
            Assert.Equal(GuestMemoryMiB, l.MemoryMiB);
        }

        [Fact]
        public virtual void VCpusAboveTheBootTimeMaximumAreRefused()
        {
            var d = CreateGuest();
            var e = Assert.Throws<XenSettingOutOfRangeException>(() => Settings.SetVCpus(d, 3, true, CancellationToken.None));
            Assert.Equal("VCpus", e.Setting);
            Assert.Contains("Requested 3 VCPUs, however maxcpus is", e.Message);
            Assert.Equal(1, Listed(d)!.VCpus);
        }

        [Fact]
        public virtual void ARenameIsListedUnderTheSameUuid()
        {
            var d = CreateGuest();
            Settings.RenameDomain(d, GuestName + "-renamed", CancellationToken.None);
            var l = Listed(d)!;
            Assert.Equal(GuestName + "-renamed", l.Name);
            Assert.Equal(d.Id, l.Id);
            Assert.DoesNotContain(List(), x => x.Name == GuestName);
        }

        [Fact]
        public virtual void NoDomainTakesTheNameDomain0AndDomain0IsNeverRenamed()
        {
            var d = CreateGuest();
            var dom0 = Domain0();
            string before = HostFootprint();
            var e = Assert.Throws<XenResourceExistsException>(() => Settings.RenameDomain(d, "Domain-0", CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainExists, e.Reason);
            var z = Assert.Throws<XenInvalidOperationException>(() => Settings.RenameDomain(dom0, "host0", CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, z.Reason);
            Assert.Equal(before, HostFootprint());
            Assert.Equal(GuestName, Listed(d)!.Name);
            Assert.Equal("Domain-0", Domain0().Name);
        }

        [Fact]
        public virtual void HostInfoNamesTheConnectionAndDomain0sMemory()
        {
            var r = Assert.Single(new HostInfoService().Get(new[] { Host }, CancellationToken.None));
            Assert.Null(r.Error);
            Assert.Equal("conformance", r.Info!.Host);
            Assert.Equal(Domain0().MemoryMiB, r.Info.Dom0MemoryMiB);
            Assert.True(r.Info.CpuCount > 0 && r.Info.TotalMemoryMiB > 0 && r.Info.Scheduler.Length > 0 && r.Info.Capabilities.Length > 0);
        }

        [Fact]
        public virtual void SettingsOfAnUnknownDomainAreNotFound()
        {
            CreateGuest();
            Assert.Equal(XenErrorReason.DomainNotFound,
                Assert.ThrowsAny<XenPSException>(() => Settings.SetMemoryTarget(Unknown(), 96, CancellationToken.None)).Reason);
        }

        // ================================================================== terminal console

        [Fact]
        public virtual void TheTerminalConsoleAttachesToTheGuest()
        {
            var term = Backend.Require<IXenTerminalConsole>("terminal consoles");
            var d = CreateGuest();
            var argv = term.TerminalConsoleCommand(d, CancellationToken.None);
            Assert.NotEmpty(argv);
            Assert.Contains(d.Name, argv);
            var e = Assert.Throws<XenDomainNotFoundException>(() => term.TerminalConsoleCommand(Unknown(), CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
            var z = Assert.Throws<XenInvalidOperationException>(() => term.TerminalConsoleCommand(Domain0(), CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, z.Reason);
        }
    
        // ================================================================== checkpoints

        /// <summary>A checkpoint path in a folder every test host has (the lab's /var/lib/xenlab).</summary>
        protected const string CheckpointFile = "/var/lib/xenlab/conformance.save";

        protected IXenCheckpoint? Checkpoints => Backend as IXenCheckpoint; // the capability test holds the backend to its declaration

        protected readonly CheckpointService CheckpointSvc = new CheckpointService();

        private sealed class ListProgress : IProgress<XenProgress>
        {
            public List<XenProgress> Seen { get; } = new List<XenProgress>();
            public void Report(XenProgress value) => Seen.Add(value);
        }

        [Fact]
        public virtual void SavingADomainRemovesItAndReportsCompletedProgress()
        {
            if (Checkpoints == null) return;
            var d = CreateGuest();
            var progress = new ListProgress();
            var r = CheckpointSvc.Save(Target(d), CheckpointFile, new SaveDomainOptions(), progress, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(CheckpointFile, r.Checkpoint!.Path);
            Assert.Equal(d.Uuid, r.Checkpoint.DomainUuid);
            Assert.Equal(Host.Name, r.Checkpoint.Host);
            Assert.True(r.Checkpoint.SizeBytes > 0);
            Assert.Null(r.Checkpoint.Domain);
            Assert.Null(Listed(d));
            Assert.True(progress.Seen.Count >= 3, "a start, xl's frames, and the end");
            Assert.True(progress.Seen[^1].Completed);
            Assert.Single(progress.Seen, p => p.Completed);
            var pct = progress.Seen.Select(p => p.PercentComplete).ToList();
            Assert.All(pct, p => Assert.InRange(p, 0, 100));
            Assert.Contains(progress.Seen, p => !p.Completed && p.PercentComplete == 100);
        }

        [Fact]
        public virtual void AnExistingCheckpointIsNotOverwrittenWithoutOverwrite()
        {
            if (Checkpoints == null) return;
            var first = CreateGuest();
            Checkpoints.SaveDomain(first, CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None);
            var d = CreateGuest();
            var e = Assert.Throws<XenCheckpointException>(() => Checkpoints.SaveDomain(d, CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.CheckpointExists, e.Reason);
            Assert.Equal("CheckpointExists", e.ErrorId);
            Assert.Equal(CheckpointFile, e.Path);
            Assert.Equal(XenDomainState.Running, Listed(d)!.State);
        }

        [Fact]
        public virtual void SaveAndRestoreKeepNameAndUuidWithANewDomid()
        {
            if (Checkpoints == null) return;
            var d = CreateGuest();
            Checkpoints.SaveDomain(d, CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None);
            Assert.Null(Listed(d));
            var r = CheckpointSvc.Restore(Host, CheckpointFile, new RestoreDomainOptions(), CancellationToken.None);
            Assert.Equal(d.Name, r.Name);
            Assert.Equal(d.Uuid, r.Uuid);
            Assert.NotEqual(d.Id, r.Id);
            Assert.Equal(Host.Name, r.Host);
            Assert.Equal(XenDomainState.Running, r.State);
            Assert.Equal(r.Id, Listed(r)!.Id);
        }

        [Fact]
        public virtual void KeepRunningLeavesTheDomainAndRestoringItsNameIsDomainExists()
        {
            if (Checkpoints == null) return;
            var d = CreateGuest();
            var r = CheckpointSvc.Save(Target(d), CheckpointFile, new SaveDomainOptions { KeepRunning = true }, null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(d.Id, r.Checkpoint!.Domain!.Id);
            Assert.Equal(XenDomainState.Running, Listed(d)!.State);
            var e = Assert.Throws<XenResourceExistsException>(() => Checkpoints.RestoreDomain(CheckpointFile, new RestoreDomainOptions(), CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainExists, e.Reason);
            Assert.Single(List(), x => x.Name == d.Name);
        }

        [Fact]
        public virtual void RestoringAMissingFileIsCheckpointNotFound()
        {
            if (Checkpoints == null) return;
            var e = Assert.Throws<XenCheckpointException>(() => Checkpoints.RestoreDomain("/var/lib/xenlab/no-such.save", new RestoreDomainOptions(), CancellationToken.None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, e.Reason);
            Assert.Equal("CheckpointNotFound", e.ErrorId);
            Assert.Contains("/var/lib/xenlab/no-such.save", e.Message);
        }

        [Fact]
        public virtual void SavingAnUnknownDomainIsNotFound()
        {
            if (Checkpoints == null) return;
            var e = Assert.Throws<XenDomainNotFoundException>(() => Checkpoints.SaveDomain(Unknown(), CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
        }

        [Fact]
        public virtual void Domain0AndRelativePathsAreRefusedBeforeAnythingReachesTheHost()
        {
            if (Checkpoints == null) return;
            var d = CreateGuest();
            var dom0 = Domain0();
            string before = HostFootprint();
            var z = Assert.Throws<XenInvalidOperationException>(() => Checkpoints.SaveDomain(dom0, CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, z.Reason);
            var r = CheckpointSvc.Save(Target(dom0), CheckpointFile, new SaveDomainOptions(), null, CancellationToken.None);
            Assert.Equal(XenErrorReason.Domain0Refused, r.Error!.Reason);
            foreach (string bad in new[] { "relative.save", "../x.save", "" })
            {
                Assert.Equal("CheckpointPathInvalid", Assert.Throws<XenCheckpointException>(() =>
                    Checkpoints.SaveDomain(d, bad, new SaveDomainOptions(), null, CancellationToken.None)).ErrorId);
                Assert.Equal("CheckpointPathInvalid", Assert.Throws<XenCheckpointException>(() =>
                    Checkpoints.RestoreDomain(bad, new RestoreDomainOptions(), CancellationToken.None)).ErrorId);
            }
            Assert.Equal(before, HostFootprint());
        }
    

        // ================================================================== reboot (IXenReboot)

        protected IXenReboot Reboot => Backend.Require<IXenReboot>("rebooting domains");

        /// <summary>Restart-XenDomain's flow: ask each target to reboot, then wait for the new boots; every target's result.</summary>
        protected Dictionary<XenDomainTarget, XenDomainResult> RebootAndWait(IReadOnlyList<XenDomainTarget> targets, RebootOptions o)
        {
            var results = new Dictionary<XenDomainTarget, XenDomainResult>();
            var asked = new List<XenDomainTarget>();
            foreach (var t in targets)
            {
                var r = Lifecycle.RequestReboot(t, o, CancellationToken.None);
                if (r.Succeeded) asked.Add(t); else results.Add(t, r);
            }
            foreach (var r in Lifecycle.WaitForReboot(asked, o, null, null, new HostClockProgress(Elapse), CancellationToken.None))
                results.Add(r.Target, r);
            return results;
        }

        [Fact]
        public virtual void RebootBuildsTheGuestAgainWithANewDomidAndTheSameUuid()
        {
            var d = CreateGuest();
            Elapse(TimeSpan.FromSeconds(5));
            Reboot.RebootDomain(d, false, CancellationToken.None);
            var again = ElapseUntil(d, now => now != null && now.Id != d.Id && now.State == XenDomainState.Running, "the guest was built again");
            Assert.Equal(d.Name, again!.Name);
            Assert.True(again.Id > d.Id, $"new domid {again.Id} after {d.Id}");
            Assert.Single(List(), x => x.Name == d.Name);
        }

        [Fact]
        public virtual void RestartWithWaitReturnsOnceTheNewBootHasReachedTheConsole()
        {
            var d = CreateGuest();
            Elapse(TimeSpan.FromSeconds(5));
            var guest = Target(d);
            var unknown = Target(Unknown());
            var dom0 = Target(Domain0());
            var results = RebootAndWait(new[] { guest, unknown, dom0 }, new RebootOptions { Timeout = TimeSpan.FromSeconds(60) });

            Assert.Equal(3, results.Count);
            Assert.True(results[guest].Succeeded, results[guest].Error?.Message);
            var now = results[guest].Domain!;
            Assert.NotEqual(d.Id, now.Id);
            Assert.Equal(d.Uuid, now.Uuid);
            Assert.Equal(XenDomainState.Running, now.State);
            Assert.Equal(XenErrorReason.DomainNotFound, results[unknown].Error?.Reason);
            Assert.Equal(XenErrorReason.Domain0Refused, results[dom0].Error?.Reason);
            using var con = Consoles.Open(Target(now), CancellationToken.None);
            var lines = ReadBoot(con, now);
            Assert.Single(lines, l => l.Contains(d.Uuid!, StringComparison.OrdinalIgnoreCase)); // the new boot alone
        }

        [Fact]
        public virtual void RebootOfDomain0IsRefusedBeforeAnythingReachesTheHost()
        {
            var dom0 = Domain0();
            string before = HostFootprint();
            var e = Assert.Throws<XenInvalidOperationException>(() => Reboot.RebootDomain(dom0, false, CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, e.Reason);
            Assert.Equal(XenErrorReason.Domain0Refused, Lifecycle.RequestReboot(Target(dom0), new RebootOptions(), CancellationToken.None).Error?.Reason);
            Assert.Equal(before, HostFootprint());
        }

        [Fact]
        public virtual void RebootOfAnUnknownDomainIsNotFound()
        {
            var e = Assert.Throws<XenDomainNotFoundException>(() => Reboot.RebootDomain(Unknown(), false, CancellationToken.None));
            Assert.Equal(XenErrorReason.DomainNotFound, e.Reason);
            Assert.Equal(UnknownName, e.Domain);
        }

        [Fact]
        public virtual void RestartOfAGuestItsOnRebootDestroysIsNotFoundAndLeavesNothing()
        {
            var c = GuestConfig();
            c.Set("on_reboot", "destroy");
            var d = Lifecycle.Create(Host, c, new CreateDomainOptions(), CancellationToken.None);
            Elapse(TimeSpan.FromSeconds(5));
            var t = Target(d);
            var r = RebootAndWait(new[] { t }, new RebootOptions { Timeout = TimeSpan.FromSeconds(60) })[t];
            Assert.Equal(XenErrorReason.DomainNotFound, r.Error?.Reason);
            Assert.Contains("on_reboot", r.Error!.Message);
            Assert.Null(Listed(d));
        }

        [Fact]
        public virtual void RestartOfAGuestItsOnRebootPreservesIsInvalidOperationAndKeepsIt()
        {
            var c = GuestConfig();
            c.Set("on_reboot", "preserve");
            var d = Lifecycle.Create(Host, c, new CreateDomainOptions(), CancellationToken.None);
            Elapse(TimeSpan.FromSeconds(5));
            var t = Target(d);
            var r = RebootAndWait(new[] { t }, new RebootOptions { Timeout = TimeSpan.FromSeconds(60) })[t];
            Assert.Equal(XenErrorReason.InvalidOperation, r.Error?.Reason);
            var kept = Listed(d)!;
            Assert.Equal(XenDomainState.Halted, kept.State);
            Assert.Equal(XenShutdownReason.Reboot, kept.ShutdownReason);
            Assert.Equal(d.Id, kept.Id);
        }
    

        // ================================================================== stored configs (/etc/xen) and autostart

        private IXenStoredConfigs Stored => Backend.Require<IXenStoredConfigs>("stored configs");

        [Fact]
        public virtual void StoredConfigsAreWrittenListedAndRemovedWithTheirAutostartLinks()
        {
            var s = Stored;
            Assert.False(string.IsNullOrEmpty(s.ConfigDirectory));
            Assert.DoesNotContain(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg");
            s.WriteStoredConfig("web.cfg", "name = \"web\"\nmemory = 128\n", overwrite: false, CancellationToken.None);
            var web = Assert.Single(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg");
            Assert.Equal("name = \"web\"\nmemory = 128\n", web.Text);
            Assert.Equal(s.ConfigDirectory + "/web.cfg", web.Path);
            Assert.False(web.AutoStart);

            var ex = Assert.Throws<XenConfigFileException>(() => s.WriteStoredConfig("web.cfg", "name = \"x\"\n", false, CancellationToken.None));
            Assert.Equal(ConfigFileProblem.Exists, ex.Problem);
            Assert.Equal("ConfigFileExists", ex.ErrorId);
            s.WriteStoredConfig("web.cfg", "name = \"web\"\nmemory = 256\n", overwrite: true, CancellationToken.None);
            Assert.Contains("256", Assert.Single(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg").Text);

            Assert.True(s.SetAutoStart("web.cfg", true, CancellationToken.None));
            Assert.False(s.SetAutoStart("web.cfg", true, CancellationToken.None));
            Assert.True(Assert.Single(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg").AutoStart);
            Assert.True(s.SetAutoStart("web.cfg", false, CancellationToken.None));
            Assert.False(s.SetAutoStart("web.cfg", false, CancellationToken.None));
            Assert.False(Assert.Single(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg").AutoStart);

            s.SetAutoStart("web.cfg", true, CancellationToken.None);
            s.RemoveStoredConfig("web.cfg", CancellationToken.None);
            Assert.DoesNotContain(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg");
            Assert.Equal(ConfigFileProblem.NotFound, Assert.Throws<XenConfigFileException>(() => s.RemoveStoredConfig("web.cfg", CancellationToken.None)).Problem);
            Assert.Equal(ConfigFileProblem.NotFound, Assert.Throws<XenConfigFileException>(() => s.SetAutoStart("web.cfg", true, CancellationToken.None)).Problem);
            // the removed file's autostart link went with it: storing it again does not start it at boot
            s.WriteStoredConfig("web.cfg", "name = \"web\"\n", false, CancellationToken.None);
            Assert.False(Assert.Single(s.ListStoredConfigs(CancellationToken.None), f => f.FileName == "web.cfg").AutoStart);
        }

        [Theory]
        [InlineData("../evil.cfg")]
        [InlineData("a/b.cfg")]
        [InlineData("-rf.cfg")]
        [InlineData(".hidden.cfg")]
        [InlineData("..")]
        [InlineData("x\n.cfg")]
        [InlineData("notes.txt")]
        [InlineData("xl.conf")]
        [InlineData("")]
        public virtual void AStoredConfigNameThatCouldLeaveEtcXenIsRefusedBeforeTheHostIsAsked(string name)
        {
            var s = Stored;
            string before = HostFootprint();
            Assert.Throws<XenArgumentException>(() => s.WriteStoredConfig(name, "name = \"x\"\n", false, CancellationToken.None));
            Assert.Throws<XenArgumentException>(() => s.RemoveStoredConfig(name, CancellationToken.None));
            Assert.Throws<XenArgumentException>(() => s.SetAutoStart(name, true, CancellationToken.None));
            Assert.Equal(before, HostFootprint());
        }

        [Fact]
        public virtual void OddButHarmlessNamesAreStoredLiterally()
        {
            var s = Stored;
            string[] odd = { "a;b.cfg", "$(x).cfg", "sp ace.cfg", "q'uo\"te.cfg", "legacy" };
            foreach (string n in odd)
            {
                s.WriteStoredConfig(n, "name = \"odd\"\n", false, CancellationToken.None);
                Assert.True(s.SetAutoStart(n, true, CancellationToken.None));
            }
            var list = s.ListStoredConfigs(CancellationToken.None);
            Assert.Equal(odd.OrderBy(x => x, StringComparer.Ordinal), list.Select(f => f.FileName));
            Assert.All(list, f => Assert.True(f.AutoStart, f.FileName));
        }
    

        // ================================================================== host restart (the simulated host's boot)

        [Fact]
        public virtual void ARestartedHostStartsExactlyItsAutostartDomains()
        {
            if (Backend is not IXenHostRestart restart) return; // the capability test holds the backend to its declaration
            var s = Stored;
            string Cfg(string n) => $"name = \"{n}\"\nkernel = \"/var/lib/xenlab/guest-kernel\"\nmemory = {GuestMemoryMiB}\n";
            s.WriteStoredConfig("auto1.cfg", Cfg("auto1"), false, CancellationToken.None);
            s.WriteStoredConfig("manual.cfg", Cfg("manual"), false, CancellationToken.None);
            s.SetAutoStart("auto1.cfg", true, CancellationToken.None);
            var adhoc = CreateGuest();
            var outcomes = restart.RestartHost(CancellationToken.None);
            var o = Assert.Single(outcomes);
            Assert.Equal("auto1.cfg", o.Entry);
            Assert.Null(o.Error);
            Assert.Equal("auto1", o.Started!.Name);
            var names = Backend.ListDomains(CancellationToken.None).Select(d => d.Name).ToList();
            Assert.Equal(new[] { "Domain-0", "auto1" }, names);
            Assert.Null(Listed(adhoc));
            // a second boot finds nothing running and starts it again; the manual one never
            restart.RestartHost(CancellationToken.None);
            Assert.Equal(new[] { "Domain-0", "auto1" }, Backend.ListDomains(CancellationToken.None).Select(d => d.Name).ToList());
        }
    }
}
