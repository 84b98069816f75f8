using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.Simulated
{
    /// <summary>
    /// Live migration between two simulated hosts (two state folders): what moves, what the destination admits, the
    /// console, the preflight's refusals, cancellation, and a process killed at each step losing nothing.
    /// </summary>
    public sealed class SimulatedMigrationTests : IDisposable
    {
        private readonly SimTestHost _a = new SimTestHost();
        private readonly SimTestHost _b = new SimTestHost();
        private readonly XenHostConnection _src;
        private readonly XenHostConnection _dst;
        private readonly MigrationService _svc = new MigrationService { WaitInterval = TimeSpan.FromMilliseconds(1) };

        public SimulatedMigrationTests()
        {
            _b.Now = _a.Now;
            _src = new XenHostConnection("a", _a.Uri, _a.Open());
            _dst = new XenHostConnection("b", _b.Uri, _b.Open(_b.Options(totalMiB: 2048)));
        }

        public void Dispose()
        {
            _src.Dispose();
            _dst.Dispose();
            _a.Dispose();
            _b.Dispose();
        }

        private XenDomain Create(XenHostConnection h, string name, string type = "pvh", long memory = 256, params (string, string)[] more)
        {
            var settings = new List<(string, string)> { ("type", type), ("memory", memory.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            settings.AddRange(more);
            var d = h.Backend.CreateDomain(SimTestHost.Config(name, settings.ToArray()), new CreateDomainOptions(), CancellationToken.None);
            _a.Advance(5);
            _b.Now = _a.Now;
            return DomainLifecycleService.Stamp(d, h);
        }

        private static IReadOnlyList<XenDomain> List(XenHostConnection h) => h.Backend.ListDomains(CancellationToken.None);
        private static XenDomain? Named(XenHostConnection h, string n) => List(h).SingleOrDefault(x => x.Name == n);
        private static long Free(XenHostConnection h) => ((IXenHostFacts)h.Backend).GetHostInfo(CancellationToken.None).FreeMemoryMiB;

        private string ReadConsole(XenHostConnection h, XenDomain d)
        {
            using var c = ((IXenConsoleAccess)h.Backend).OpenConsole(d, CancellationToken.None);
            return c.Read(TimeSpan.Zero, CancellationToken.None);
        }

        [Fact]
        public void AGuestMovesToTheOtherFolderWithANewDomidItsNameUuidUptimeAndConsoleAndTheMemoryMovesWithIt()
        {
            Create(_dst, "other", memory: 128); // the destination's next domid is not the source's
            var d = Create(_src, "web1");
            string consoleBefore = ReadConsole(_src, d);
            long srcFree = Free(_src), dstFree = Free(_dst);
            var r = _svc.Migrate(new XenDomainTarget(_src, d), _dst, null, new MigrateDomainOptions(), wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            var moved = r.Domain!;
            Assert.Equal("b", moved.Host);
            Assert.Equal(_b.Uri, moved.HostUri);
            Assert.Equal(d.Uuid, moved.Uuid);
            Assert.Equal("web1", moved.Name);
            Assert.NotEqual(d.Id, moved.Id);
            Assert.Equal(XenDomainState.Running, moved.State);
            Assert.Null(Named(_src, "web1"));
            Assert.Equal(srcFree + 256, Free(_src));
            Assert.Equal(dstFree - 256, Free(_dst));
            string after = ReadConsole(_dst, moved);
            Assert.StartsWith(consoleBefore.TrimEnd(), after, StringComparison.Ordinal); // the console carries on
            Assert.Contains("Restarting tasks", after, StringComparison.Ordinal);

            // it persists: new sessions of both folders see it where it is now
            using var a2 = _a.Open();
            using var b2 = _b.Open();
            Assert.DoesNotContain(a2.ListDomains(CancellationToken.None), x => x.Name.StartsWith("web1", StringComparison.Ordinal));
            var there = b2.ListDomains(CancellationToken.None).Single(x => x.Name == "web1");
            Assert.Equal(moved.Id, there.Id);
            Assert.True(there.CpuTime >= 0);
        }

        [Fact]
        public void APausedMigrationLeavesItPausedOnTheDestinationAndPreserveDomainIdKeepsTheDomid()
        {
            var d = Create(_src, "web2");
            var r = _svc.Migrate(new XenDomainTarget(_src, d), _dst, null, new MigrateDomainOptions { Paused = true, PreserveDomainId = true },
                wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(XenDomainState.Paused, r.Domain!.State);
            Assert.Equal(d.Id, r.Domain.Id);
        }

        [Fact]
        public void PreserveDomainIdWaitsOutLibxlsDomidHistoryOnTheDestinationAndIsRefusedWithConfigPath()
        {
            // the destination ran a domain with id 1 a moment ago: libxl keeps that id from reuse for 60 s
            var gone = Create(_dst, "gone");
            ((IXenPowerControl)_dst.Backend).DestroyDomain(gone, CancellationToken.None);
            string history = File.ReadAllText(Path.Combine(_b.Folder, "fs", "var", "run", "xen", "domid-history"));
            Assert.Equal($"{_b.Now.ToUnixTimeMilliseconds() / 1000} {gone.Id}\n", history); // Xen's format: "<seconds> <domid>"
            _a.Advance(10);
            _b.Now = _a.Now;
            var d = Create(_src, "keepid");
            Assert.Equal(gone.Id, d.Id);
            var keep = new MigrateDomainOptions { PreserveDomainId = true };

            var pre = _svc.Preflight(new XenDomainTarget(_src, d), _dst, null, keep, CancellationToken.None);
            Assert.Equal(new[] { "DomainIdFree" }, pre.Failed);
            string detail = pre.Checks.Single(c => c.Name == "DomainIdFree").Detail;
            Assert.Contains("less than a minute ago", detail, StringComparison.Ordinal);
            Assert.Contains("Try again in 46 s", detail, StringComparison.Ordinal); // destroyed at t, now t+15: reusable at t+61
            // sent anyway (no preflight), the destination refuses it as libxl does, and the guest runs on at the source
            var e = Assert.ThrowsAny<XenPSException>(() => ((IXenMigration)_src.Backend).MigrateDomain(d, new MigrationDestination(_dst.Backend, "b"), keep, null, CancellationToken.None));
            Assert.Contains("domain id recently used", e.Message, StringComparison.Ordinal);
            Assert.Equal(XenDomainState.Running, Named(_src, "keepid")!.State);
            Assert.Null(Named(_dst, "keepid--incoming"));

            // with -ConfigPath, xl would give it a new domid anyway: refused before anything is asked
            var both = _svc.Preflight(new XenDomainTarget(_src, d), _dst, null, new MigrateDomainOptions { PreserveDomainId = true, ConfigPath = "/etc/xen/keepid.cfg" }, CancellationToken.None);
            Assert.Equal(new[] { "Arguments" }, both.Failed);
            Assert.Contains("no effect together with -ConfigPath", both.Checks.Single(c => c.Name == "Arguments").Detail, StringComparison.Ordinal);

            // a minute on, the id may be used again: it passes, and the guest keeps its domid there
            _a.Advance(61);
            _b.Now = _a.Now;
            var later = _svc.Preflight(new XenDomainTarget(_src, Named(_src, "keepid")!), _dst, null, keep, CancellationToken.None);
            Assert.True(later.Passed, string.Join("; ", later.Checks.Where(c => !c.Passed).Select(c => c.Detail)));
            Assert.Contains($"domid {d.Id} is free", later.Checks.Single(c => c.Name == "DomainIdFree").Detail, StringComparison.Ordinal);
            var r = _svc.Migrate(later, keep, true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(d.Id, r.Domain!.Id);
        }

        [Fact]
        public void ThePreflightRefusesTooLittleMemoryAMissingKernelAndATakenNameEachWithItsOwnReasonAndChangesNothing()
        {
            var big = Create(_src, "big", memory: 1536); // the destination has 2048 - 1024 for guests
            Create(_dst, "dup", memory: 128);
            var dup = Create(_src, "dup", memory: 128);
            Directory.CreateDirectory(Path.Combine(_a.Folder, "fs", "boot"));
            File.WriteAllText(Path.Combine(_a.Folder, "fs", "boot", "vmlinuz-sim"), "kernel"); // the source has the kernel, the destination not
            string stateB = Footprint(_b.Folder);

            var pres = _svc.Preflight(new[] { new XenDomainTarget(_src, big), new XenDomainTarget(_src, dup) }, _dst, null, new MigrateDomainOptions(), CancellationToken.None).ToList();
            Assert.Equal(2, pres.Count);
            var mem = pres[0];
            Assert.Contains("DestinationMemory", mem.Failed);
            Assert.Contains("PathsPresent", mem.Failed);
            Assert.Equal(XenErrorReason.MigrationPathMissing, mem.Checks.Single(c => c.Name == "PathsPresent").Reason);
            Assert.Contains("/boot/vmlinuz-sim", mem.Checks.Single(c => c.Name == "PathsPresent").Detail, StringComparison.Ordinal);
            Assert.Equal("MigrationInsufficientMemory", new XenMigrationException("x", XenErrorReason.InsufficientResources).ErrorId);
            Assert.Contains("NameFree", pres[1].Failed);
            Assert.Equal("MigrationDomainExists", Error(pres[1], "NameFree").ErrorId);
            foreach (var p in pres)
            {
                Assert.True(p.Checks.Single(c => c.Name == "XenVersion").Passed);
                Assert.True(p.Checks.Single(c => c.Name == "DestinationReachable").Passed);
                Assert.True(p.Checks.Single(c => c.Name == "GuestType").Passed);
            }

            // the cmdlet path: the failed preflight is the result, nothing moved
            var r = _svc.Migrate(new XenDomainTarget(_src, big), _dst, null, new MigrateDomainOptions(), true, TimeSpan.FromSeconds(5), null, CancellationToken.None);
            Assert.False(r.Succeeded);
            Assert.Equal(XenErrorReason.InsufficientResources, r.Error!.Reason);
            Assert.Contains("Nothing was changed", r.Error.Message, StringComparison.Ordinal);
            Assert.Equal(stateB, Footprint(_b.Folder));
            Assert.Equal(big.Id, Named(_src, "big")!.Id);
        }

        private static XenMigrationException Error(XenMigrationPreflight p, string check) =>
            new XenMigrationException("x", p.Checks.Single(c => c.Name == check).Reason, check);

        /// <summary>
        /// A simulated host whose source-side calls can be made to fail the way a backend bug or an I/O fault would: the
        /// preflight's facts with an exception that is not a XenPSException, or the destination closed once xl migrate has finished.
        /// </summary>
        private sealed class FaultySource : IXenBackend, IXenHostFacts, IXenMigration, IXenPowerControl
        {
            private readonly IXenBackend _inner;
            public bool FactsThrowIo;
            /// <summary>Closed once the destination runs the domain (xl's "Domain started" line): it cannot be listed any more.</summary>
            public IXenBackend? DestinationGoesAfterMigrate;
            /// <summary>How often this host was listed after xl migrate returned.</summary>
            public int ListingsAfterMigrate;
            private volatile bool _migrated;
            /// <summary>When set: the login the source's facts report left open (as xl's path check does with ShareConnection).</summary>
            public string? SharedLogin;
            public int SourceFactsCalls;
            public readonly List<int> SourceFactsPathCounts = new List<int>();
            public int PathsCalls;
            public readonly List<string> Released = new List<string>();
            public string? MigratedWithLogin;
            /// <summary>As a destination: set when it is listed while <see cref="WatchedSource"/> is inside MigrateDomain.</summary>
            public FaultySource? WatchedSource;
            public readonly ManualResetEventSlim ListedWhileSourceMigrates = new ManualResetEventSlim();
            public int Listings;
            /// <summary>As a source: after xl's "Domain started" line, MigrateDomain waits (up to 30 s) until this destination is listed.</summary>
            public FaultySource? HoldAfterStartedUntilListed;
            private volatile bool _inMigrate;
            public FaultySource(IXenBackend inner) { _inner = inner; }
            private IXenMigration M => (IXenMigration)_inner;
            private IXenPowerControl P => (IXenPowerControl)_inner;
            public string Uri => _inner.Uri;
            public string BackendName => _inner.BackendName;
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct)
            {
                if (_migrated) Interlocked.Increment(ref ListingsAfterMigrate);
                Interlocked.Increment(ref Listings);
                var l = _inner.ListDomains(ct);
                if (WatchedSource is { _inMigrate: true }) ListedWhileSourceMigrates.Set();
                return l;
            }
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => _inner.CreateDomain(c, o, ct);
            public XenHostInfo GetHostInfo(CancellationToken ct) => ((IXenHostFacts)_inner).GetHostInfo(ct);
            public string DefaultMigrationAddress(CancellationToken ct) => M.DefaultMigrationAddress(ct);
            public string HostIdentity(CancellationToken ct) => M.HostIdentity(ct);
            public MigrationPathCheck CheckMigrationPath(MigrationDestination d, MigrateDomainOptions o, CancellationToken ct) => M.CheckMigrationPath(Unwrap(d), o, ct);
            /// <summary>The simulated host migrates only to another simulated host: a wrapped destination is given as what it wraps.</summary>
            private static MigrationDestination Unwrap(MigrationDestination d) => d.Backend is FaultySource f ? new MigrationDestination(f._inner, d.Address) : d;
            public void ReleaseSharedConnection(MigrationDestination d, string s, CancellationToken ct)
            {
                lock (Released) Released.Add(s);
                M.ReleaseSharedConnection(Unwrap(d), s, ct);
            }
            public IReadOnlyList<bool> PathsExist(IReadOnlyList<string> paths, CancellationToken ct)
            {
                Interlocked.Increment(ref PathsCalls);
                return M.PathsExist(paths, ct);
            }
            public void MigrateDomain(XenDomain d, MigrationDestination dest, MigrateDomainOptions o, Action<MigrationProgress>? p, CancellationToken ct)
            {
                MigratedWithLogin = o.SharedConnection;
                _inMigrate = true;
                try
                {
                    M.MigrateDomain(d, Unwrap(dest), o, x =>
                    {
                        // gone as soon as it runs the domain: before the first look, which begins at this line
                        if (x.Message == MigrationRules.TargetStartedMessage) DestinationGoesAfterMigrate?.Dispose();
                        p?.Invoke(x);
                        if (HoldAfterStartedUntilListed != null && x.Message == MigrationRules.TargetStartedMessage)
                            HoldAfterStartedUntilListed.ListedWhileSourceMigrates.Wait(TimeSpan.FromSeconds(30));
                    }, ct);
                }
                finally { _inMigrate = false; }
                _migrated = true;
                DestinationGoesAfterMigrate?.Dispose();
            }
            public string? RecoverDomain(XenDomain c, string n, bool u, CancellationToken ct) => M.RecoverDomain(c, n, u, ct);
            public string? DiscardIncoming(string n, CancellationToken ct) => M.DiscardIncoming(n, ct);
            public MigrationHostFacts GatherSourceFacts(MigrationDestination d, IReadOnlyList<string> paths, MigrateDomainOptions o, CancellationToken ct)
            {
                if (FactsThrowIo) throw new IOException("Broken pipe");
                int n = Interlocked.Increment(ref SourceFactsCalls);
                lock (SourceFactsPathCounts) SourceFactsPathCounts.Add(paths.Count);
                var f = M.GatherSourceFacts(Unwrap(d), paths, o, ct);
                if (SharedLogin != null && f.Path is { Reachable: true } pc)
                    f.Path = new MigrationPathCheck(true, pc.RemoteHostName, pc.RemoteIdentity, pc.Detail, SharedLogin + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return f;
            }
            public MigrationHostFacts GatherDestinationFacts(IReadOnlyList<string> paths, CancellationToken ct) => M.GatherDestinationFacts(paths, ct);
            public void ShutdownDomain(XenDomain d, bool a, CancellationToken ct) => P.ShutdownDomain(d, a, ct);
            public void DestroyDomain(XenDomain d, CancellationToken ct) => P.DestroyDomain(d, ct);
            public void PauseDomain(XenDomain d, CancellationToken ct) => P.PauseDomain(d, ct);
            public void UnpauseDomain(XenDomain d, CancellationToken ct) => P.UnpauseDomain(d, ct);
            public void Dispose() { }
        }

        [Fact]
        public void AFaultOtherThanAXenPSExceptionWhileGatheringTheFactsFailsThatTargetsPreflightAndNotTheCommand()
        {
            var d = Create(_src, "io1");
            var faulty = new FaultySource(_src.Backend) { FactsThrowIo = true };
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var pre = _svc.Preflight(new XenDomainTarget(src, d), _dst, "b", new MigrateDomainOptions(), CancellationToken.None);
            Assert.False(pre.Passed);
            Assert.Contains("DestinationReachable", pre.Failed);
            Assert.Contains("IOException: Broken pipe", pre.Error()!.Message, StringComparison.Ordinal);
            Assert.Equal(XenDomainState.Running, Named(_src, "io1")!.State);
            Assert.Null(Named(_dst, "io1"));
        }

        [Fact]
        public void WaitAsksOnlyTheDestinationOnceTheMigrationHasReportedSuccess()
        {
            // xl destroys the source's copy before it reports success: -Wait's first look does not list the source
            var d = Create(_src, "quick1");
            var faulty = new FaultySource(_src.Backend);
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var r = _svc.Migrate(new XenDomainTarget(src, d), _dst, null, new MigrateDomainOptions(), wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(XenDomainState.Running, r.Domain!.State);
            Assert.Equal(0, faulty.ListingsAfterMigrate);
            Assert.Null(Named(_src, "quick1"));
        }

        [Fact]
        public void AHeadStartsFactsAreTakenByTheFirstPreflightItsLoginGoesToXlMigrateAndTheSourceIsAskedOnlyForPathsTheDestinationLacks()
        {
            foreach (var h in new[] { _a, _b }) Directory.CreateDirectory(Path.Combine(h.Folder, "fs", "boot"));
            File.WriteAllText(Path.Combine(_a.Folder, "fs", "boot", "k-both"), "kernel");
            File.WriteAllText(Path.Combine(_b.Folder, "fs", "boot", "k-both"), "kernel");
            File.WriteAllText(Path.Combine(_a.Folder, "fs", "boot", "k-src"), "kernel"); // not on the destination
            var both = Create(_src, "head1", more: ("kernel", "/boot/k-both"));
            var srcOnly = Create(_src, "head1b", more: ("kernel", "/boot/k-src"));
            var gone = Create(_src, "head1c", more: ("kernel", "/boot/k-gone")); // deleted since it booted: on neither host
            var faulty = new FaultySource(_src.Backend) { SharedLogin = "/tmp/xenps-mig.test/cm" };
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var options = new MigrateDomainOptions { ShareConnection = true };
            XenMigrationPreflight pre;
            using (var head = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!)
            {
                pre = _svc.Preflight(new XenDomainTarget(src, both), _dst, "b", options, CancellationToken.None, head);
                Assert.True(head.Taken);
                Assert.True(pre.Passed, pre.Error()?.Message);
                // the head start asked the source once, without paths; the destination has the kernel, so the source was not asked again
                Assert.Equal(1, faulty.SourceFactsCalls);
                Assert.Equal(new[] { 0 }, faulty.SourceFactsPathCounts);
                Assert.Equal(0, faulty.PathsCalls);
                Assert.Contains(pre.Checks, c => c.Name == "PathsPresent" && c.Passed && c.Detail == "on b: /boot/k-both.");
                var r = _svc.Migrate(pre, options, wait: false, TimeSpan.FromSeconds(30), null, CancellationToken.None);
                Assert.True(r.Succeeded, r.Error?.Message);
                Assert.Equal("b", r.Domain!.Host);
            }
            Assert.Equal("/tmp/xenps-mig.test/cm-1", faulty.MigratedWithLogin);
            Assert.Equal(new[] { "/tmp/xenps-mig.test/cm-1" }, faulty.Released); // once, after xl migrate; the head start has nothing left

            // a kernel the destination lacks: the source is asked, and the check fails as without a head start
            using (var head = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!)
            {
                pre = _svc.Preflight(new XenDomainTarget(src, srcOnly), _dst, "b", options, CancellationToken.None, head);
                Assert.Equal(1, faulty.PathsCalls);
                Assert.Equal(new[] { "PathsPresent" }, pre.Failed);
                Assert.Contains("b does not have /boot/k-src", pre.Error()!.Message, StringComparison.Ordinal);
                Assert.Contains("/tmp/xenps-mig.test/cm-2", faulty.Released); // a failed preflight closes its login
            }
            // one on neither host: asked, and not held against the destination
            using (var head = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!)
            {
                pre = _svc.Preflight(new XenDomainTarget(src, gone), _dst, "b", options, CancellationToken.None, head);
                Assert.Equal(2, faulty.PathsCalls);
                Assert.True(pre.Passed, pre.Error()?.Message);
                Assert.Contains("not on a either, so not checked: /boot/k-gone", pre.Checks.Single(c => c.Name == "PathsPresent").Detail, StringComparison.Ordinal);
                _svc.Release(pre);
            }
            Assert.Equal(3, faulty.SourceFactsCalls);
            Assert.Equal(new[] { 0, 0, 0 }, faulty.SourceFactsPathCounts);
            Assert.Equal(3, faulty.Released.Distinct().Count());
        }

        [Fact]
        public void AHeadStartNoPreflightTookIsReleasedAndOneForAnotherAddressOrOptionsIsNotUsed()
        {
            var d = Create(_src, "head2");
            var faulty = new FaultySource(_src.Backend) { SharedLogin = "/tmp/xenps-mig.test/cm" };
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var options = new MigrateDomainOptions { ShareConnection = true };

            // nobody takes it (the selection found no domain): disposing it closes its login
            var unused = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!;
            unused.Dispose();
            Assert.False(unused.Taken && faulty.Released.Count == 0);
            Assert.Equal(new[] { "/tmp/xenps-mig.test/cm-1" }, faulty.Released);

            // other options: the preflight gathers its own facts (with the paths), and the head start is released on disposal
            using (var head = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!)
            {
                var pre = _svc.Preflight(new XenDomainTarget(src, d), _dst, "b", new MigrateDomainOptions { ShareConnection = true }, CancellationToken.None, head);
                Assert.False(head.Taken);
                Assert.True(pre.Passed, pre.Error()?.Message);
                _svc.Release(pre);
            }
            Assert.Equal(3, faulty.SourceFactsCalls);
            Assert.Equal(new[] { "/tmp/xenps-mig.test/cm-1", "/tmp/xenps-mig.test/cm-3", "/tmp/xenps-mig.test/cm-2" }.OrderBy(x => x), faulty.Released.OrderBy(x => x));

            // another address than the head start's: its login is released at once and the preflight asks for itself
            using (var head = _svc.BeginPreflight(src, _dst, "b", options, CancellationToken.None)!)
            {
                var pre = _svc.Preflight(new XenDomainTarget(src, d), _dst, "b.example", options, CancellationToken.None, head);
                Assert.True(pre.Passed, pre.Error()?.Message);
                Assert.Equal("/tmp/xenps-mig.test/cm-5", pre.SharedConnection);
                Assert.Contains("/tmp/xenps-mig.test/cm-4", faulty.Released);
                _svc.Release(pre);
            }
            Assert.Equal(5, faulty.Released.Count);
            Assert.Equal(XenDomainState.Running, Named(_src, "head2")!.State); // nothing was moved
        }

        [Fact]
        public void AHeadStartsLoginIsClosedWhenThePreflightIsCancelled()
        {
            var d = Create(_src, "head3");
            var faulty = new FaultySource(_src.Backend) { SharedLogin = "/tmp/xenps-mig.test/cm" };
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var options = new MigrateDomainOptions { ShareConnection = true };
            using var cts = new CancellationTokenSource();
            using var head = _svc.BeginPreflight(src, _dst, "b", options, cts.Token)!;
            SpinWait.SpinUntil(() => faulty.SourceFactsCalls == 1, TimeSpan.FromSeconds(10));
            Thread.Sleep(50); // its facts are in
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => _svc.Preflight(new XenDomainTarget(src, d), _dst, "b", options, cts.Token, head));
            Assert.Equal(new[] { "/tmp/xenps-mig.test/cm-1" }, faulty.Released);
        }

        [Fact]
        public void TheFirstLookAtTheDestinationBeginsOnceXlSaysTheDomainStartedThereAndIsTheOnlyOne()
        {
            // xl prints "migration target: Domain started successsfully." once the destination runs the domain under its name;
            // the sender then still destroys its copy. The look at the destination begins then, not after xl has exited.
            var d = Create(_src, "early1");
            var dst = new FaultySource(_dst.Backend);
            using var dstConn = new XenHostConnection("b", _b.Uri, dst);
            var faulty = new FaultySource(_src.Backend) { HoldAfterStartedUntilListed = dst };
            dst.WatchedSource = faulty;
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var r = _svc.Migrate(new XenDomainTarget(src, d), dstConn, "b", new MigrateDomainOptions(), wait: false, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.True(dst.ListedWhileSourceMigrates.IsSet, "the destination was not listed before xl migrate returned");
            Assert.Equal("early1", r.Domain!.Name);
            Assert.Equal(XenDomainState.Running, r.Domain.State);
            Assert.Equal("b", r.Domain.Host);
        }

        [Fact]
        public void AHostThatCannotBeListedOnceTheMigrationIsDoneIsAnErrorOfThatTargetThatSaysWhereToLook()
        {
            var d = Create(_src, "gone1");
            var faulty = new FaultySource(_src.Backend) { DestinationGoesAfterMigrate = _dst.Backend };
            using var src = new XenHostConnection("a", _a.Uri, faulty);
            var r = _svc.Migrate(new XenDomainTarget(src, d), _dst, null, new MigrateDomainOptions(), wait: true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.False(r.Succeeded);
            var e = Assert.IsType<XenMigrationException>(r.Error);
            Assert.Equal(XenErrorReason.ConnectionClosed, e.Reason);
            Assert.Contains("reported success", e.Message, StringComparison.Ordinal);
            Assert.Contains("Get-XenDomain gone1 -XenHost b", e.Message, StringComparison.Ordinal);
            using var b2 = _b.Open();
            Assert.Equal(XenDomainState.Running, b2.ListDomains(CancellationToken.None).Single(x => x.Name == "gone1").State); // it did move
        }

        [Fact]
        public void AClosedDestinationIsUnreachableInThePreflight()
        {
            var d = Create(_src, "web3");
            _dst.Backend.Dispose();
            var pre = _svc.Preflight(new XenDomainTarget(_src, d), _dst, "b", new MigrateDomainOptions(), CancellationToken.None);
            Assert.Contains("DestinationReachable", pre.Failed);
            Assert.Equal(XenErrorReason.MigrationDestinationUnreachable, pre.Error()!.Reason);
            Assert.Equal("MigrationDestinationUnreachable", pre.Error()!.ErrorId);
        }

        [Fact]
        public void APvGuestSentWithoutThePreflightFailsLikeXlAndCarriesOnOnTheSourceWithNothingLeftOnTheDestination()
        {
            var d = Create(_src, "pv1", type: "pv");
            var cap = (IXenMigration)_src.Backend;
            var e = Assert.Throws<XenMigrationException>(() => cap.MigrateDomain(d, new MigrationDestination(_dst.Backend, "b"), new MigrateDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.MigrationGuestNotMigratable, e.Reason);
            Assert.Contains("Failed to enable logdirty", e.Message, StringComparison.Ordinal);
            var still = Named(_src, "pv1")!;
            Assert.Equal(d.Id, still.Id);
            Assert.Equal(XenDomainState.Running, still.State);
            Assert.DoesNotContain(List(_dst), x => x.Name.StartsWith("pv1", StringComparison.Ordinal));
        }

        [Fact]
        public void CancellingWhileTheMemoryIsSentLeavesTheGuestRunningOnTheSourceAndNothingOnTheDestination()
        {
            // this source waits for real while the memory goes (8 steps of 0.25 s), so the cancel lands mid-transfer
            var o = _a.Options();
            o.Sleep = (t, ct) => { if (ct.WaitHandle.WaitOne(t)) ct.ThrowIfCancellationRequested(); };
            using var src = new XenHostConnection("a-real-time", _a.Uri, _a.Open(o));
            var d = Create(src, "web4", more: ("sim.migrate_seconds", "2"));
            using var cts = new CancellationTokenSource();
            var progress = new CallbackProgress(p => { if (p.Status.Contains("frames", StringComparison.Ordinal)) cts.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() =>
                _svc.Migrate(new XenDomainTarget(src, d), _dst, null, new MigrateDomainOptions(), true, TimeSpan.FromSeconds(30), progress, cts.Token));
            var still = Named(_src, "web4")!;
            Assert.Equal(d.Id, still.Id);
            Assert.Equal(XenDomainState.Running, still.State);
            Assert.DoesNotContain(List(_dst), x => x.Name.StartsWith("web4", StringComparison.Ordinal));
            Assert.True(progress.Seen.Last().Completed);
        }

        private sealed class CallbackProgress : IProgress<XenProgress>
        {
            private readonly Action<XenProgress> _a;
            public CallbackProgress(Action<XenProgress> a) => _a = a;
            public List<XenProgress> Seen { get; } = new List<XenProgress>();
            public void Report(XenProgress value) { Seen.Add(value); _a(value); }
        }

        /// <summary>The process dies (an exception no code catches) after the given xl message: nothing is lost, and the repair calls put it right.</summary>
        [Theory]
        [InlineData("migration target: Ready to receive domain.", false)]
        [InlineData("migration sender: Giving target permission to start.", true)]
        public void AProcessKilledMidMigrationLosesNothingAndTheRepairRestoresOneRunningGuest(string killedAfter, bool suspended)
        {
            var d = Create(_src, "web5");
            var cap = (IXenMigration)_src.Backend;
            Assert.Throws<ProcessKilled>(() => cap.MigrateDomain(d, new MigrationDestination(_dst.Backend, "b"), new MigrateDomainOptions(),
                p => { if (p.Message == killedAfter) throw new ProcessKilled(); }, CancellationToken.None));

            // what a new session of each folder finds: the guest is whole on the source, a paused incoming copy on the destination
            using var a2 = _a.Open();
            using var b2 = _b.Open();
            var src = a2.ListDomains(CancellationToken.None).Single(x => x.Uuid == d.Uuid);
            Assert.Equal(d.Id, src.Id);
            Assert.Equal(suspended ? "web5" + MigrationRules.MigratedAwaySuffix : "web5", src.Name);
            var inc = b2.ListDomains(CancellationToken.None).Single(x => x.Name == "web5" + MigrationRules.IncomingSuffix);
            Assert.Equal(XenDomainState.Paused, inc.State);

            // the repair MigrationService runs after a failure
            Assert.NotNull(((IXenMigration)b2).DiscardIncoming("web5", CancellationToken.None));
            Assert.Null(((IXenMigration)b2).DiscardIncoming("web5", CancellationToken.None));
            ((IXenMigration)a2).RecoverDomain(src, "web5", unpause: false, CancellationToken.None);
            var back = a2.ListDomains(CancellationToken.None).Single(x => x.Uuid == d.Uuid);
            Assert.Equal("web5", back.Name);
            Assert.Equal(XenDomainState.Running, back.State);
            Assert.DoesNotContain(b2.ListDomains(CancellationToken.None), x => x.Name.StartsWith("web5", StringComparison.Ordinal));
            // and it migrates afterwards
            var r = _svc.Migrate(new XenDomainTarget(_src, DomainLifecycleService.Stamp(back, _src)), _dst, null, new MigrateDomainOptions(), true, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
        }

        private sealed class ProcessKilled : Exception { }

        [Fact]
        public void ASimulatedHostMigratesOnlyToAnotherSimulatedHost()
        {
            var d = Create(_src, "web6");
            using var xl = new XenPS.Backends.Xl.XlBackend(new NoRunner(), "ssh://root@elsewhere");
            var path = ((IXenMigration)_src.Backend).CheckMigrationPath(new MigrationDestination(xl, "elsewhere"), new MigrateDomainOptions(), CancellationToken.None);
            Assert.False(path.Reachable);
            Assert.Contains("only to another simulated host", path.Detail, StringComparison.Ordinal);
        }

        private sealed class NoRunner : XenPS.Backends.Xl.ICommandRunner
        {
            public string Description => "nowhere";
            public XenPS.Backends.Xl.CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken) =>
                throw new InvalidOperationException("nothing may run");
            public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => arguments;
            public void Dispose() { }
        }

        private static string Footprint(string folder) => string.Join("\n", Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".lock").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => f + " " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))));
    }
}
