using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// A backend that counts listings and forwards everything else (the capabilities Restart and Wait use), so a test can
    /// prove "one listing per host per interval".
    /// </summary>
    internal sealed class CountingBackend : IXenBackend, IXenPowerControl, IXenConsoleAccess, IXenReboot
    {
        private readonly IXenBackend _inner;
        public CountingBackend(IXenBackend inner) => _inner = inner;
        public int Listings;
        public string Uri => _inner.Uri;
        public string BackendName => _inner.BackendName;
        public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) { Interlocked.Increment(ref Listings); return _inner.ListDomains(ct); }
        public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => _inner.CreateDomain(c, o, ct);
        public void ShutdownDomain(XenDomain d, bool a, CancellationToken ct) => ((IXenPowerControl)_inner).ShutdownDomain(d, a, ct);
        public void DestroyDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_inner).DestroyDomain(d, ct);
        public void PauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_inner).PauseDomain(d, ct);
        public void UnpauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_inner).UnpauseDomain(d, ct);
        public IXenConsole OpenConsole(XenDomain d, CancellationToken ct) => ((IXenConsoleAccess)_inner).OpenConsole(d, ct);
        public void RebootDomain(XenDomain d, bool a, CancellationToken ct) => ((IXenReboot)_inner).RebootDomain(d, a, ct);
        public void Dispose() => _inner.Dispose();
    }

    /// <summary>
    /// DomainLifecycleService's restart and DomainWaitService's WaitFor on the simulated host, on one fake clock: the
    /// host's clock is the wait's clock, and the wait's sleep moves it, so timeouts take no real time.
    /// </summary>
    public sealed class RestartAndWaitServiceTests : IDisposable
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly SimTestHost _h = new SimTestHost();
        private readonly CountingBackend _b;
        private readonly XenHostConnection _host;
        private readonly DomainWaitService _waits;
        private readonly DomainLifecycleService _life;
        private int _rounds;

        public RestartAndWaitServiceTests()
        {
            _b = new CountingBackend(_h.Open(_h.Options(totalMiB: 1 << 20, cpus: 64)));
            _host = new XenHostConnection("sim", _b.Uri, _b);
            _waits = new DomainWaitService
            {
                Interval = TimeSpan.FromMilliseconds(200),
                Clock = () => _h.Now.UtcDateTime,
                Sleep = (t, ct) => { _rounds++; _h.Now += t; },
            };
            _life = new DomainLifecycleService(_waits);
        }

        public void Dispose()
        {
            _host.Dispose();
            _h.Dispose();
        }

        private XenDomainTarget Create(string name, params (string, string)[] settings)
        {
            var d = _life.Create(_host, SimTestHost.Config(name, settings), new CreateDomainOptions(), None);
            return new XenDomainTarget(_host, d);
        }

        private List<XenDomainResult> Restart(IReadOnlyList<XenDomainTarget> targets, RebootOptions o, List<XenProgress>? progress = null)
        {
            var asked = new List<XenDomainTarget>();
            var results = new List<XenDomainResult>();
            foreach (var t in targets)
            {
                var r = _life.RequestReboot(t, o, None);
                if (r.Succeeded) asked.Add(t); else results.Add(r);
            }
            results.AddRange(_life.WaitForReboot(asked, o, null, null, progress == null ? null : new ListProgress(progress), None));
            return results;
        }

        private sealed class ListProgress : IProgress<XenProgress>
        {
            private readonly List<XenProgress> _list;
            public ListProgress(List<XenProgress> list) => _list = list;
            public void Report(XenProgress value) => _list.Add(value);
        }

        // ------------------------------------------------------------------ restart

        [Fact]
        public void RestartWaitsThroughTheRebuildForTheNewBootAndItsConsole()
        {
            var t = Create("web1");
            _h.Advance(3);
            var states = new List<string>();
            var asked = _life.RequestReboot(t, new RebootOptions(), None);
            Assert.True(asked.Succeeded, asked.Error?.Message);
            var r = Assert.Single(_life.WaitForReboot(new[] { t }, new RebootOptions { Timeout = TimeSpan.FromSeconds(30) }, null, null,
                new Recorder(() => states.Add(_b.ListDomains(None).Single(d => d.Name == "web1") is var d ? $"{d.Id} {d.StateFlags} {d.MemoryMiB}" : "")), None));
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(2, r.Domain!.Id);
            Assert.Equal(t.Domain.Uuid, r.Domain.Uuid);
            Assert.Equal(XenDomainState.Running, r.Domain.State);
            // on the way: the old domain still running (shutdown takes 2 s), then the new one being built (as capture 57), then running
            Assert.Contains("1 -b---- 32", states);
            Assert.Contains("2 --p--- 0", states);
            using var con = ((IXenConsoleAccess)_b).OpenConsole(r.Domain, None);
            string text = con.Read(TimeSpan.Zero, None);
            Assert.StartsWith("[    0.000000] Linux version", text); // the new boot from its start, without the old one
        }

        private sealed class Recorder : IProgress<XenProgress>
        {
            private readonly Action _onRound;
            public Recorder(Action onRound) => _onRound = onRound;
            public void Report(XenProgress value) { if (!value.Completed) _onRound(); }
        }

        [Fact]
        public void AGuestIgnoringTheRequestIsATimeoutNamingTheStateAndIsLeftRunning()
        {
            var t = Create("stubborn", ("sim.ignore_shutdown", "1"));
            var r = Assert.Single(Restart(new[] { t }, new RebootOptions { Timeout = TimeSpan.FromSeconds(5) }));
            var e = Assert.IsType<XenTimeoutException>(r.Error);
            Assert.Equal(XenErrorReason.Timeout, e.Reason);
            Assert.Contains("did not reboot within 5 s", e.Message);
            Assert.Contains("still Running as id 1", e.Message);
            Assert.Contains("-Force", e.Message);
            Assert.Equal(1, _b.ListDomains(None).Single(d => d.Name == "stubborn").Id);
        }

        [Fact]
        public void ForceDestroysAndRecreatesAGuestIgnoringTheRequestWithItsUuid()
        {
            var t = Create("stubborn", ("sim.ignore_shutdown", "1"), ("memory", "64"));
            var warnings = new List<string>();
            var asked = _life.RequestReboot(t, new RebootOptions(), None);
            Assert.True(asked.Succeeded);
            var o = new RebootOptions { Timeout = TimeSpan.FromSeconds(5), EscalateOnTimeout = true };
            var r = Assert.Single(_life.WaitForReboot(new[] { t }, o, null, warnings.Add, null, None));
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Same(t, r.Target);
            Assert.Contains("destroyed and created again", r.Note);
            Assert.NotEqual(t.Domain.Id, r.Domain!.Id);
            Assert.Equal(t.Domain.Uuid, r.Domain.Uuid);
            Assert.Equal(64, r.Domain.MemoryMiB);
            Assert.Contains(warnings, w => w.Contains("stubborn (id 1)") && w.Contains("-Force"));
            Assert.Single(_b.ListDomains(None), d => d.Name == "stubborn");
        }

        /// <summary>A backend that resets domains in place (as XAPI's VM.hard_reboot), counting the resets.</summary>
        private sealed class HardResettingBackend : IXenBackend, IXenPowerControl, IXenConsoleAccess, IXenReboot
        {
            private readonly IXenBackend _inner;
            public HardResettingBackend(IXenBackend inner) => _inner = inner;
            public int Resets;
            public string Uri => _inner.Uri;
            public string BackendName => _inner.BackendName;
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) => _inner.ListDomains(ct);
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => throw new InvalidOperationException("a reset must not re-create");
            public void ShutdownDomain(XenDomain d, bool a, CancellationToken ct) => ((IXenPowerControl)_inner).ShutdownDomain(d, a, ct);
            public void DestroyDomain(XenDomain d, CancellationToken ct) => throw new InvalidOperationException("a reset must not destroy");
            public void PauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_inner).PauseDomain(d, ct);
            public void UnpauseDomain(XenDomain d, CancellationToken ct) => ((IXenPowerControl)_inner).UnpauseDomain(d, ct);
            public IXenConsole OpenConsole(XenDomain d, CancellationToken ct) => ((IXenConsoleAccess)_inner).OpenConsole(d, ct);
            public void RebootDomain(XenDomain d, bool a, CancellationToken ct) => ((IXenReboot)_inner).RebootDomain(d, a, ct);
            public bool CanHardReboot => true;
            public void HardRebootDomain(XenDomain d, CancellationToken ct)
            {
                Resets++;
                var config = d.Config!.Clone();
                config.Set("uuid", d.Uuid!);
                config.Set("sim.ignore_shutdown", "0");
                ((IXenPowerControl)_inner).DestroyDomain(d, ct);
                _inner.CreateDomain(config, new CreateDomainOptions(), ct);
            }
            public void Dispose() => _inner.Dispose();
        }

        [Fact]
        public void ForceResetsInPlaceWhereTheBackendCanHardReboot()
        {
            var t = Create("stubborn", ("sim.ignore_shutdown", "1"), ("memory", "64"));
            var hard = new HardResettingBackend(_b);
            var host = new XenHostConnection("pool-like", hard.Uri, hard);
            var target = new XenDomainTarget(host, t.Domain);
            var warnings = new List<string>();
            Assert.True(_life.RequestReboot(target, new RebootOptions(), None).Succeeded);
            var o = new RebootOptions { Timeout = TimeSpan.FromSeconds(5), EscalateOnTimeout = true };
            var r = Assert.Single(_life.WaitForReboot(new[] { target }, o, null, warnings.Add, null, None));
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(1, hard.Resets);
            Assert.Contains("was reset (hard reboot)", r.Note);
            Assert.Contains(warnings, w => w.Contains("resetting it (hard reboot, -Force)"));
            Assert.NotEqual(t.Domain.Id, r.Domain!.Id);
            Assert.Equal(t.Domain.Uuid, r.Domain.Uuid);
        }

        [Fact]
        public void ForceNotConfirmedLeavesTheGuestAlone()
        {
            var t = Create("stubborn", ("sim.ignore_shutdown", "1"));
            _life.RequestReboot(t, new RebootOptions(), None);
            var o = new RebootOptions { Timeout = TimeSpan.FromSeconds(2), EscalateOnTimeout = true };
            Assert.Empty(_life.WaitForReboot(new[] { t }, o, _ => false, null, null, None));
            Assert.Equal(1, _b.ListDomains(None).Single(d => d.Name == "stubborn").Id);
        }

        [Fact]
        public void AGuestWithoutPvDriversIsPvControlUnavailableUnlessTheAcpiFallbackIsUsed()
        {
            var t = Create("hvm1", ("type", "hvm"), ("sim.pv_drivers", "0"));
            var r = _life.RequestReboot(t, new RebootOptions(), None);
            Assert.Equal(XenErrorReason.PvControlUnavailable, r.Error?.Reason);
            Assert.Contains("-AcpiFallback", r.Error!.Message);
            Assert.Contains("xl reboot -F", r.Error.Message);
            var ok = Restart(new[] { t }, new RebootOptions { AcpiFallback = true, Timeout = TimeSpan.FromSeconds(30) });
            Assert.True(Assert.Single(ok).Succeeded);
        }

        [Fact]
        public void ManyDomainsAreRebootedAndWaitedForWithOneListingPerRound()
        {
            var targets = Enumerable.Range(1, 100).Select(i => Create("m" + i)).ToList();
            _h.Advance(2);
            int before = _b.Listings;
            _rounds = 0;
            var progress = new List<XenProgress>();
            var results = Restart(targets, new RebootOptions { Timeout = TimeSpan.FromSeconds(60) }, progress);
            Assert.Equal(100, results.Count);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
            Assert.Equal(100, results.Select(r => r.Domain!.Id).Distinct().Count(id => id > 100));
            Assert.Equal(_rounds + 1, _b.Listings - before); // one listing per round (the last round ends without a sleep)
            Assert.True(progress.Last().Completed);
        }

        [Fact]
        public void CancellingTheWaitStopsItAndCompletesTheProgress()
        {
            var t = Create("c1", ("sim.ignore_shutdown", "1"));
            _life.RequestReboot(t, new RebootOptions(), None);
            using var cts = new CancellationTokenSource();
            var progress = new List<XenProgress>();
            _waits.Sleep = (d, ct) => { _h.Now += d; cts.Cancel(); };
            Assert.ThrowsAny<OperationCanceledException>(() =>
                _life.WaitForReboot(new[] { t }, new RebootOptions(), null, null, new ListProgress(progress), cts.Token).ToList());
            Assert.True(progress.Last().Completed);
        }

        // ------------------------------------------------------------------ wait for a state or a console pattern

        private List<XenDomainResult> WaitFor(IReadOnlyList<XenDomainTarget> targets, WaitForOptions o) =>
            _waits.WaitFor(targets, o, null, None).ToList();

        [Fact]
        public void WaitForGoneAndHaltedAfterAShutdown()
        {
            var gone = Create("g1");
            var kept = Create("k1", ("on_poweroff", "preserve"));
            foreach (var t in new[] { gone, kept }) ((IXenPowerControl)_b).ShutdownDomain(t.Domain, false, None);
            var g = Assert.Single(WaitFor(new[] { gone }, new WaitForOptions { State = XenWaitState.Gone, Timeout = TimeSpan.FromSeconds(10) }));
            Assert.True(g.Succeeded, g.Error?.Message);
            Assert.Equal("g1", g.Domain!.Name);
            Assert.Equal(XenDomainState.Halted, g.Domain.State);
            var h = Assert.Single(WaitFor(new[] { kept }, new WaitForOptions { State = XenWaitState.Halted, Timeout = TimeSpan.FromSeconds(10) }));
            Assert.True(h.Succeeded, h.Error?.Message);
            Assert.Equal("---s--", h.Domain!.StateFlags);
            // a kept domain is Halted but not Gone: that wait runs out, naming the state reached
            var e = Assert.Single(WaitFor(new[] { kept }, new WaitForOptions { State = XenWaitState.Gone, Timeout = TimeSpan.FromSeconds(3) }));
            var te = Assert.IsType<XenTimeoutException>(e.Error);
            Assert.Contains("did not reach Gone within 3 s: it is Halted", te.Message);
        }

        [Fact]
        public void WaitForManyDomainsListsEachHostOncePerInterval()
        {
            var targets = Enumerable.Range(1, 100).Select(i => Create("w" + i, ("sim.shutdown_seconds", (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();
            foreach (var t in targets) ((IXenPowerControl)_b).ShutdownDomain(t.Domain, false, None);
            int before = _b.Listings;
            _rounds = 0;
            var results = WaitFor(targets, new WaitForOptions { State = XenWaitState.Gone, Timeout = TimeSpan.FromSeconds(30) });
            Assert.Equal(100, results.Count);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
            Assert.Equal(_rounds + 1, _b.Listings - before);
            Assert.InRange(_rounds, 40, 50); // 9 s of shutdowns at 0.2 s a round: ~45 listings for 100 domains, not 100 per round
        }

        [Fact]
        public void AnyEndsAtTheFirstDomainThatGetsThere()
        {
            var slow = Create("slow", ("sim.shutdown_seconds", "8"));
            var fast = Create("fast", ("sim.shutdown_seconds", "1"));
            foreach (var t in new[] { slow, fast }) ((IXenPowerControl)_b).ShutdownDomain(t.Domain, false, None);
            var r = Assert.Single(WaitFor(new[] { slow, fast }, new WaitForOptions { State = XenWaitState.Gone, Any = true, Timeout = TimeSpan.FromSeconds(30) }));
            Assert.Equal("fast", r.Domain!.Name);
            Assert.NotNull(_b.ListDomains(None).SingleOrDefault(d => d.Name == "slow"));
        }

        [Fact]
        public void UntilMatchesTheConsoleOfTheCurrentBoot()
        {
            var t = Create("u1", ("sim.boot_seconds", "4"));
            var r = Assert.Single(WaitFor(new[] { t }, new WaitForOptions { Until = new Regex("login: $"), Timeout = TimeSpan.FromSeconds(30) }));
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal("console: u1 login: ", r.Note);
            Assert.True(_h.Now >= new SimTestHost().Now.AddSeconds(4)); // the prompt comes at the end of the 4 s boot

            var e = Assert.Single(WaitFor(new[] { t }, new WaitForOptions { State = XenWaitState.Running, Until = new Regex("NEVER-PRINTED"), Timeout = TimeSpan.FromSeconds(2) }));
            var te = Assert.IsType<XenTimeoutException>(e.Error);
            Assert.Contains("no line matching 'NEVER-PRINTED'", te.Message);
            Assert.Contains("u1 login: ", te.LastLines);
        }

        [Fact]
        public void WaitForRunningFollowsTheGuestThroughARebootToItsNewDomid()
        {
            var t = Create("r1");
            _h.Advance(2);
            ((IXenReboot)_b).RebootDomain(t.Domain, false, None);
            _h.Advance(2.1); // rebuilt, being built: paused
            var r = Assert.Single(WaitFor(new[] { t }, new WaitForOptions { State = XenWaitState.Running, Timeout = TimeSpan.FromSeconds(10) }));
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(2, r.Domain!.Id);
        }

        [Fact]
        public void AWaitWithNothingToWaitForIsRefused()
        {
            var t = Create("x1");
            Assert.Throws<XenArgumentException>(() => WaitFor(new[] { t }, new WaitForOptions()));
        }
    }
}
