using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>One preflight check of a migration: its name, whether it passed, and what was found.</summary>
    public sealed class XenMigrationCheck
    {
        public XenMigrationCheck(string name, bool passed, string detail, XenErrorReason reason = XenErrorReason.Unspecified)
        {
            Name = name;
            Passed = passed;
            Detail = detail;
            Reason = reason;
        }

        /// <summary>NotDomain0, DomainRunning, DestinationReachable, XenVersion, GuestType, DestinationMemory, NameFree, PathsPresent.</summary>
        public string Name { get; }
        public bool Passed { get; }
        public string Detail { get; }
        /// <summary>The reason a failure is reported with.</summary>
        public XenErrorReason Reason { get; }

        public override string ToString() => $"{Name}: {(Passed ? "passed" : "FAILED")} ({Detail})";
    }

    /// <summary>The preflight of one domain's migration: every check, in order; it passed when all did.</summary>
    public sealed class XenMigrationPreflight
    {
        internal XenMigrationPreflight(XenDomainTarget target, XenHostConnection destination, string address, IReadOnlyList<XenMigrationCheck> checks)
        {
            Target = target;
            DestinationConnection = destination;
            Checks = checks;
            DestinationAddress = address;
        }

        public string DomainName => Target.Domain.Name;
        public int? DomainId => Target.Domain.Id;
        /// <summary>The source host connection's name.</summary>
        public string Source => Target.Host.Name;
        /// <summary>The destination host connection's name; for a move inside a pool, the pool member's.</summary>
        public string Destination => DestinationMember ?? DestinationConnection.Name;
        /// <summary>For a move inside a pool (VM.pool_migrate): the pool member the VM goes to; null for xl migrate.</summary>
        public string? DestinationMember { get; internal set; }
        /// <summary>For a move inside a pool: the member the VM runs on now.</summary>
        public string? SourceMember => DestinationMember == null ? null : Target.Domain.ResidentOn;
        /// <summary>The address the source dom0 reaches the destination at (xl migrate's &lt;host&gt;); inside a pool, the member's management address.</summary>
        public string DestinationAddress { get; }
        public IReadOnlyList<XenMigrationCheck> Checks { get; }
        public bool Passed => Checks.All(c => c.Passed);
        /// <summary>The names of the checks that failed.</summary>
        public IReadOnlyList<string> Failed => Checks.Where(c => !c.Passed).Select(c => c.Name).ToList();

        internal XenDomainTarget Target { get; }
        internal XenHostConnection DestinationConnection { get; }
        /// <summary>The source dom0's ssh login to the destination that the reachability check left open for xl migrate.</summary>
        internal string? SharedConnection { get => Volatile.Read(ref _shared); set => Volatile.Write(ref _shared, value); }
        private string? _shared;
        /// <summary>Takes the shared login (once: whoever takes it releases it).</summary>
        internal string? TakeSharedConnection() => Interlocked.Exchange(ref _shared, null);
        /// <summary>A release of the shared login running in the background (after xl migrate, beside the wait).</summary>
        internal Task? Releasing { get; set; }

        /// <summary>The first failure as the error to report, or null when every check passed.</summary>
        public XenMigrationException? Error()
        {
            var f = Checks.FirstOrDefault(c => !c.Passed);
            if (f == null) return null;
            int more = Checks.Count(c => !c.Passed) - 1;
            return new XenMigrationException(
                $"{Target.Description} was not migrated to {Destination}: preflight check {f.Name} failed: {f.Detail}" +
                (more > 0 ? $" ({more} more check(s) failed: {string.Join(", ", Failed.Skip(1))})." : "") + " Nothing was changed on either host.",
                f.Reason, f.Name);
        }

        public override string ToString() => $"{DomainName} {Source} -> {Destination}: {(Passed ? "ready" : "not ready: " + string.Join(", ", Failed))}";
    }

    /// <summary>How one migration came out: the domain on the destination, or the error (then it is on the source).</summary>
    public sealed class XenMigrationResult
    {
        internal XenMigrationResult(XenDomainTarget target, XenMigrationPreflight? preflight, XenDomain? domain, XenPSException? error, string? note, TimeSpan elapsed)
        {
            Target = target;
            Preflight = preflight;
            Domain = domain;
            Error = error;
            Note = note;
            Elapsed = elapsed;
        }

        public XenDomainTarget Target { get; }
        public XenMigrationPreflight? Preflight { get; }
        /// <summary>The domain as the destination lists it, stamped with the destination connection; null on error.</summary>
        public XenDomain? Domain { get; }
        public XenPSException? Error { get; }
        /// <summary>What was done after a failure (the copy on the destination destroyed, the source copy unpaused), for the message.</summary>
        public string? Note { get; }
        public TimeSpan Elapsed { get; }
        public bool Succeeded => Error == null;
    }

    /// <summary>
    /// Live migration of domains between hosts through the backends' <see cref="IXenMigration"/> (xl migrate): a
    /// preflight of facts from both hosts before anything is touched (a result per target), then the migration with
    /// xl's progress relayed to the enumerating thread, an optional wait until the domain runs on the destination, and
    /// after a failure or cancellation a cleanup of both hosts (a half-received copy on the destination destroyed, the
    /// source copy given its name back and unpaused), so no paused or duplicated domain is left behind.
    /// </summary>
    public sealed partial class MigrationService
    {
        public const string Activity = "Migrating Xen domains";

        /// <summary>How often -Wait looks at the destination.</summary>
        public TimeSpan WaitInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>The preflight of each target (no host is changed).</summary>
        public IEnumerable<XenMigrationPreflight> Preflight(IEnumerable<XenDomainTarget> targets, XenHostConnection destination, string? address,
            MigrateDomainOptions options, CancellationToken ct)
        {
            foreach (var t in targets) yield return Preflight(t, destination, address, options, ct);
        }

        /// <summary>Checks everything that can be known before xl migrate runs; facts of the two hosts are gathered in parallel.</summary>
        public XenMigrationPreflight Preflight(XenDomainTarget t, XenHostConnection destination, string? address, MigrateDomainOptions options, CancellationToken ct) =>
            Preflight(t, destination, address, options, ct, null);

        /// <summary>
        /// The preflight, with the source's facts from <paramref name="headStart"/> when it was begun for this source,
        /// destination and options and no other preflight took it (then only the domain's paths are asked of the source).
        /// </summary>
        public XenMigrationPreflight Preflight(XenDomainTarget t, XenHostConnection destination, string? address, MigrateDomainOptions options, CancellationToken ct,
            XenMigrationHeadStart? headStart)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            options ??= new MigrateDomainOptions();
            var checks = new List<XenMigrationCheck>();
            var d = t.Domain;
            string addr = address ?? "";
            void Add(string name, bool ok, string detail, XenErrorReason reason) => checks.Add(new XenMigrationCheck(name, ok, detail, ok ? XenErrorReason.Unspecified : reason));

            if (d.IsDomain0)
            {
                Add("NotDomain0", false, "Domain-0 is the host's control domain; it cannot be migrated.", XenErrorReason.Domain0Refused);
                return new XenMigrationPreflight(t, destination, addr, checks);
            }
            Add("NotDomain0", true, $"{d.Name} is a guest.", XenErrorReason.Domain0Refused);

            var src = t.Host.Backend as IXenMigration;
            var dst = destination.Backend as IXenMigration;
            if (src == null || dst == null)
            {
                var which = src == null ? t.Host : destination;
                Add("Supported", false, $"{which.Name} ({which.Backend.BackendName}) cannot migrate domains.", XenErrorReason.OperationNotSupported);
                return new XenMigrationPreflight(t, destination, addr, checks);
            }
            try
            {
                addr = MigrationRules.CheckAddress(string.IsNullOrEmpty(address) ? dst.DefaultMigrationAddress(ct) : address);
                MigrationRules.CheckSshCommand(options.SshCommand);
                if (options.ConfigPath != null) CheckpointPath.Check(options.ConfigPath);
                // xl migrate -C sends the file's settings, which carry no domid: xl 4.17 then ignores -D (measured in the lab)
                if (options.ConfigPath != null && options.PreserveDomainId)
                    throw new XenPSException("-PreserveDomainId has no effect together with -ConfigPath: xl migrate -C sends the settings of that file, which carry " +
                        "no domain id, so xl gives the domain a new one (xl migrate -C ... -D does so on Xen 4.17). Leave out one of the two.", null, XenErrorReason.InvalidArgument);
            }
            catch (XenPSException e)
            {
                Add("Arguments", false, e.Message, XenErrorReason.InvalidArgument);
                return new XenMigrationPreflight(t, destination, addr, checks);
            }
            bool sameHost = ReferenceEquals(t.Host, destination) || ReferenceEquals(t.Host.Backend, destination.Backend);

            var state = d.State;
            bool running = state == XenDomainState.Running || state == XenDomainState.Paused;
            Add("DomainRunning", running, running ? $"{d.Name} is {state.ToString().ToLowerInvariant()}." :
                $"{d.Name} is {state.ToString().ToLowerInvariant()}; only a running (or paused) domain can be migrated.", XenErrorReason.InvalidOperation);

            // the facts, the two hosts in parallel: each gathers its part in as few round trips as its backend can (xl: one ssh
            // command each; the source's includes its dom0's login to the destination, which dominates)
            var paths = UsedPaths(d);
            var dest = new MigrationDestination(destination.Backend, addr);
            Task<MigrationHostFacts> Go(Func<MigrationHostFacts> f) => Task.Run(() => Guarded(f), ct);
            IReadOnlyList<string> srcPaths = sameHost ? Array.Empty<string>() : paths;
            // begun while the source was listed: what is left to ask the source is which of the domain's paths it has
            var early = headStart?.Take(t.Host, destination, addr, options);
            Task<MigrationHostFacts> srcTask;
            if (early == null) srcTask = Go(() => src.GatherSourceFacts(dest, srcPaths, options, ct));
            else
            {
                srcTask = Task.Run(() =>
                {
                    var f = early.GetAwaiter().GetResult();
                    if (f == null) return Guarded(() => src.GatherSourceFacts(dest, srcPaths, options, ct)); // it could not be used: ask now
                    // which paths the source has is asked below, and only when the destination lacks one (the check then tells a
                    // path the domain no longer has on the source either from one the destination must get)
                    f.PathsExist = null;
                    f.PathsError = null;
                    return f;
                }, ct);
            }
            var dstTask = sameHost ? null : Go(() => dst.GatherDestinationFacts(paths, ct));
            // cancelled: a login the source's facts opened (here or in the head start) and nobody will use is closed
            void ReleaseOnCancel()
            {
                var opened = srcTask.IsCompletedSuccessfully ? srcTask.Result : early is { IsCompletedSuccessfully: true } ? early.Result : null;
                if (opened?.Path?.SharedConnection is string shared) src.ReleaseSharedConnection(dest, shared, CancellationToken.None);
            }
            try { Task.WaitAll(dstTask == null ? new Task[] { srcTask } : new Task[] { srcTask, dstTask }, ct); }
            catch (OperationCanceledException) { ReleaseOnCancel(); throw; }
            catch (AggregateException e) when (e.InnerExceptions.Any(x => x is OperationCanceledException)) { ReleaseOnCancel(); throw new OperationCanceledException(ct); }
            if (ct.IsCancellationRequested) { ReleaseOnCancel(); ct.ThrowIfCancellationRequested(); }
            var sf = srcTask.Result;
            if (early != null && sf.PathsExist == null && sf.PathsError == null)
            {
                var dpx = dstTask?.Result.PathsExist;
                if (srcPaths.Count == 0) sf.PathsExist = Array.Empty<bool>();
                else if (dpx != null && dpx.Count == srcPaths.Count && dpx.All(x => x)) sf.PathsExist = srcPaths.Select(_ => true).ToList(); // all there: no need to ask
                else
                {
                    MigrationHostFacts p;
                    try
                    {
                        p = Guarded(() => new MigrationHostFacts { PathsExist = src.PathsExist(srcPaths, ct) });
                        ct.ThrowIfCancellationRequested();
                    }
                    catch (OperationCanceledException) { ReleaseOnCancel(); throw; }
                    sf.PathsExist = p.PathsExist;
                    sf.PathsError = p.PathsExist == null ? p.PathsError : null;
                }
            }
            var df = dstTask?.Result ?? sf;

            var si = sf.Info; string? siWhy = sf.InfoError;
            var di = df.Info; string? diWhy = df.InfoError;
            var pc = sf.Path; string? pcWhy = sf.PathError;
            var ident = df.Identity; string? idWhy = df.IdentityError;

            // reachable, and what answers there is the destination connection's host
            if (pc == null) Add("DestinationReachable", false, $"the check from {t.Host.Name}'s dom0 could not run: {pcWhy}", XenErrorReason.MigrationDestinationUnreachable);
            else if (!pc.Reachable) Add("DestinationReachable", false, pc.Detail, XenErrorReason.MigrationDestinationUnreachable);
            else if (ident == null)
                Add("DestinationReachable", false, $"{destination.Name} could not say who it is: {idWhy}", XenErrorReason.MigrationDestinationUnreachable);
            else if (!string.Equals(pc.RemoteIdentity, ident, StringComparison.Ordinal))
                Add("DestinationReachable", false,
                    $"'{addr}' from {t.Host.Name}'s dom0 reaches a host ('{pc.RemoteHostName}') that is not the destination connection {destination.Name}" +
                    (di != null ? $" ('{di.HostName}')" : "") + (sameHost ? "" : pc.RemoteIdentity == sf.Identity ? ": it is the source host itself" : "") +
                    ". Give the address at which the source dom0 reaches the destination (-DestinationAddress, or the destination connection's MigrationAddress option).",
                    XenErrorReason.MigrationDestinationUnreachable);
            else Add("DestinationReachable", true, pc.Detail, XenErrorReason.MigrationDestinationUnreachable);

            if (si == null || di == null)
            {
                string why = si == null ? $"{t.Host.Name}: {siWhy}" : $"{destination.Name}: {diWhy}";
                Add("XenVersion", false, "the host facts (xl info) could not be read: " + why, XenErrorReason.MigrationVersionMismatch);
            }
            else
            {
                string sv = Major(si.XenVersion), dv = Major(di.XenVersion);
                bool same = sv.Length > 0 && sv == dv;
                Add("XenVersion", same, same ? $"both hosts run Xen {sv} ({si.XenVersion}, {di.XenVersion})."
                    : $"{t.Host.Name} runs Xen {si.XenVersion} and {destination.Name} Xen {di.XenVersion}; xl migrates only between hosts of the same Xen version.",
                    XenErrorReason.MigrationVersionMismatch);

                // live migration tracks dirty pages: a PV guest needs shadow paging for that, PVH/HVM need hap or shadow
                bool Has(XenHostInfo h, string cap) => h.VirtCaps.Any(c => string.Equals(c, cap, StringComparison.OrdinalIgnoreCase));
                string Caps(XenHostInfo h) => h.VirtCaps.Length == 0 ? "none" : string.Join(" ", h.VirtCaps);
                if (d.Type == XenDomainType.PV)
                {
                    bool ok = Has(si, "shadow") && Has(di, "pv");
                    Add("GuestType", ok, ok ? $"PV guest; {t.Host.Name} has shadow paging for log-dirty tracking."
                        : $"{d.Name} is a PV guest, and live migration of a PV guest needs log-dirty tracking through shadow paging, which {t.Host.Name} does not have " +
                          $"(virt_caps: {Caps(si)}; xl would fail with 'Failed to enable logdirty'). Shut it down and start it on {destination.Name}, use Save-XenDomain/Restore-XenDomain, " +
                          "or run it as a PVH guest (type = \"pvh\").", XenErrorReason.MigrationGuestNotMigratable);
                }
                else
                {
                    bool ok = (Has(si, "hap") || Has(si, "shadow")) && (Has(di, "hap") || Has(di, "shadow")) && Has(di, "hvm");
                    Add("GuestType", ok, ok ? $"{d.Type} guest; both hosts have hardware-assisted paging."
                        : $"{d.Name} is a {d.Type} guest, which needs hap or shadow paging on both hosts (virt_caps of {t.Host.Name}: {Caps(si)}; of {destination.Name}: {Caps(di)}).",
                        XenErrorReason.MigrationGuestNotMigratable);
                }

                bool fits = di.FreeMemoryMiB >= d.MemoryMiB;
                Add("DestinationMemory", fits, fits ? $"{destination.Name} has {di.FreeMemoryMiB} MiB free for the {d.MemoryMiB} MiB of {d.Name}."
                    : $"{destination.Name} has {di.FreeMemoryMiB} MiB free, and {d.Name} needs {d.MemoryMiB} MiB there" +
                      (sameHost ? " (a migration on one host needs room for a second copy while it runs)." : ".") +
                      " Free memory on the destination (stop or shrink domains there), or shrink the domain first (Set-XenDomain -MemoryMiB).",
                    XenErrorReason.InsufficientResources);
            }

            var listed = df.Domains; string? dlWhy = df.DomainsError;
            if (sameHost) Add("NameFree", true, "the same host: xl receives the domain as " + d.Name + MigrationRules.IncomingSuffix + " and renames it.", XenErrorReason.DomainExists);
            else if (listed == null) Add("NameFree", false, $"{destination.Name}'s domains could not be listed: {dlWhy}", XenErrorReason.DomainExists);
            else
            {
                var clash = listed.FirstOrDefault(x => x.Name == d.Name || x.Name == d.Name + MigrationRules.IncomingSuffix);
                Add("NameFree", clash == null, clash == null ? $"no domain is named {d.Name} on {destination.Name}."
                    : $"{destination.Name} already has a domain named {clash.Name}" + (clash.Id is int cid ? $" (id {cid})" : "") +
                      "; xl would refuse to receive a second one. Remove or rename it first.", XenErrorReason.DomainExists);
                if (options.PreserveDomainId && d.Id is int id)
                {
                    var holder = listed.FirstOrDefault(x => x.Id == id);
                    if (holder != null)
                        Add("DomainIdFree", false, $"-PreserveDomainId: domid {id} is in use on {destination.Name} (by {holder.Name}). Leave out -PreserveDomainId, or stop that domain first.",
                            XenErrorReason.DomainExists);
                    else if (df.RecentDomainIds is { } recent && recent.TryGetValue(id, out int left))
                        Add("DomainIdFree", false, $"-PreserveDomainId: domid {id} was used on {destination.Name} less than a minute ago, and Xen's toolstack gives no domid " +
                            $"out again within 60 s of its domain's end (libxl: \"domain id recently used\"). Try again in {left} s, or leave out -PreserveDomainId.",
                            XenErrorReason.DomainExists);
                    else
                        Add("DomainIdFree", true, $"domid {id} is free on {destination.Name}" + (df.RecentDomainIds == null ? " (whether it was used in the last minute could not be read)." : "."),
                            XenErrorReason.DomainExists);
                }
            }

            if (paths.Count == 0) Add("PathsPresent", true, $"{d.Name} uses no kernel, ramdisk or disk files.", XenErrorReason.MigrationPathMissing);
            else if (sameHost) Add("PathsPresent", true, $"the same host: {string.Join(", ", paths)}.", XenErrorReason.MigrationPathMissing);
            else
            {
                var sp = sf.PathsExist; string? spWhy = sf.PathsError;
                var dp = df.PathsExist; string? dpWhy = df.PathsError;
                if (sp == null || dp == null)
                    Add("PathsPresent", false, "the files could not be checked: " + (sp == null ? $"{t.Host.Name}: {spWhy}" : $"{destination.Name}: {dpWhy}"), XenErrorReason.MigrationPathMissing);
                else
                {
                    var missing = paths.Where((p, i) => sp[i] && !dp[i]).ToList();
                    var nowhere = paths.Where((p, i) => !sp[i]).ToList();
                    string also = nowhere.Count > 0 ? $" (not on {t.Host.Name} either, so not checked: {string.Join(", ", nowhere)})" : "";
                    Add("PathsPresent", missing.Count == 0, missing.Count == 0
                            ? $"on {destination.Name}: {string.Join(", ", paths.Except(nowhere))}{also}."
                            : $"{destination.Name} does not have {string.Join(", ", missing)}, which {d.Name} uses on {t.Host.Name}. Both hosts need the same kernel, " +
                              "ramdisk and disk paths (shared storage or copies): copy them there first.",
                        XenErrorReason.MigrationPathMissing);
                }
            }
            var result = new XenMigrationPreflight(t, destination, addr, checks) { SharedConnection = pc?.SharedConnection };
            if (!result.Passed) Release(result);
            return result;
        }

        /// <summary>Closes the ssh login a preflight kept open for xl migrate (Test-XenDomainMigration, -WhatIf); idempotent.</summary>
        public void Release(XenMigrationPreflight pre)
        {
            ReleaseNow(pre);
            pre.Releasing?.GetAwaiter().GetResult(); // a release started in the background is done before the result goes out
        }

        private static void ReleaseNow(XenMigrationPreflight pre)
        {
            string? shared = pre.TakeSharedConnection();
            if (shared != null && pre.Target.Host.Backend is IXenMigration src)
                src.ReleaseSharedConnection(new MigrationDestination(pre.DestinationConnection.Backend, pre.DestinationAddress), shared, CancellationToken.None);
        }

        /// <summary>
        /// Preflight, then xl migrate, then (with <paramref name="wait"/>) until the domain runs on the destination. A
        /// failed preflight touches nothing; a failed migration is cleaned up on both hosts (see the class). Cancellation
        /// is honoured at once: the hosts are cleaned up, then OperationCanceledException is thrown.
        /// </summary>
        public XenMigrationResult Migrate(XenDomainTarget t, XenHostConnection destination, string? address, MigrateDomainOptions options, bool wait, TimeSpan timeout,
            IProgress<XenProgress>? progress, CancellationToken ct)
        {
            options ??= new MigrateDomainOptions();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            string status = $"{t.Description} to {destination.Name}";
            progress?.Report(new XenProgress(Activity, status + ": preflight", 0));
            try
            {
                var pre = Preflight(t, destination, address, options, ct);
                try
                {
                    if (pre.Error() is XenMigrationException pe) return new XenMigrationResult(t, pre, null, pe, null, watch.Elapsed);
                    return Run(t, pre, options, wait, timeout, status, progress, watch, ct);
                }
                finally { Release(pre); }
            }
            finally
            {
                progress?.Report(new XenProgress(Activity, status, 100, completed: true));
            }
        }

        /// <summary>The migration of a target whose preflight passed.</summary>
        public XenMigrationResult Migrate(XenMigrationPreflight pre, MigrateDomainOptions options, bool wait, TimeSpan timeout, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            string status = $"{pre.Target.Description} to {pre.Destination}";
            try
            {
                if (pre.Error() is XenMigrationException pe) return new XenMigrationResult(pre.Target, pre, null, pe, null, watch.Elapsed);
                if (pre.DestinationMember != null) return RunInPool(pre, wait, timeout, status, progress, watch, ct);
                return Run(pre.Target, pre, options ?? new MigrateDomainOptions(), wait, timeout, status, progress, watch, ct);
            }
            finally
            {
                Release(pre);
                progress?.Report(new XenProgress(Activity, status, 100, completed: true));
            }
        }

        private XenMigrationResult Run(XenDomainTarget t, XenMigrationPreflight pre, MigrateDomainOptions options, bool wait, TimeSpan timeout, string status,
            IProgress<XenProgress>? progress, System.Diagnostics.Stopwatch watch, CancellationToken ct)
        {
            var destination = pre.DestinationConnection;
            var src = t.Host.Backend.Require<IXenMigration>("migrating domains");
            var dest = new MigrationDestination(destination.Backend, pre.DestinationAddress);
            progress?.Report(new XenProgress(Activity, status + ": starting xl migrate", 1));
            var run = new MigrateDomainOptions
            {
                Paused = options.Paused, PreserveDomainId = options.PreserveDomainId, ConfigPath = options.ConfigPath, SshCommand = options.SshCommand,
                ConnectTimeout = options.ConnectTimeout, SharedConnection = pre.SharedConnection,
            };
            // once xl says the destination runs the domain under its name, the first look there begins: the sender still
            // destroys its copy before it exits, and the look has then (mostly) been answered
            Task<XenDomain?>? early = null;
            void Seen(MigrationProgress p)
            {
                if (early == null && MigrationRules.SaysTargetStarted(p.Message)) // a thread of its own: a busy thread pool does not hold it back
                    early = Task.Factory.StartNew(() => Arrived(t, destination, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            try
            {
                RunWithProgress(report => src.MigrateDomain(t.Domain, dest, run, report, ct), status, progress, Seen);
            }
            catch (OperationCanceledException)
            {
                Cleanup(t, destination, CancellationToken.None);
                throw;
            }
            catch (XenPSException e)
            {
                string? note = Cleanup(t, destination, CancellationToken.None, out var arrived);
                if (arrived != null) // it got there after all (the sender failed after the destination took over)
                    return new XenMigrationResult(t, pre, arrived, null, note, watch.Elapsed);
                string msg = $"{t.Description} was not migrated to {destination.Name}: {e.Message}" +
                             $" The domain is still on {t.Host.Name}." + (note != null ? " " + note : "");
                return new XenMigrationResult(t, pre, null, new XenMigrationException(msg, e.Reason == XenErrorReason.Unspecified || e.Reason == XenErrorReason.HostCommandFailed
                    ? XenErrorReason.MigrationFailed : e.Reason, null, e), note, watch.Elapsed);
            }
            // xl migrate no longer needs the shared login: it is closed while the hosts are asked where the domain is
            if (pre.SharedConnection != null) pre.Releasing = Task.Run(() => ReleaseNow(pre));
            // where it is now: the destination's listing, and (with -Wait, after the first look) the source's, in parallel. The
            // first look skips the source: xl migrate reports success only after it has destroyed the source's copy
            // ("Target reports successful startup", then the destroy, then "Migration successful."), and that listing is the
            // slowest call of the migration's end (the source dom0 is busy tearing the copy down: 1.2-1.9 s on the lab)
            bool first = true;
            (XenDomain? Moved, bool OnSource) Look()
            {
                bool firstLook = first;
                first = false;
                if (firstLook && early != null)
                {
                    XenDomain? got = null;
                    try { got = early.GetAwaiter().GetResult(); }
                    catch (XenPSException) { } // looked at again now
                    if (got != null) return (got, false);
                }
                var there = Task.Run(() => Arrived(t, destination, ct), ct);
                bool onSource = wait && !firstLook && StillOnSource(t, ct);
                return (there.GetAwaiter().GetResult(), onSource);
            }
            // a host that cannot be listed now fails this target (the migration itself succeeded), not the whole command
            XenMigrationResult LookFailed(XenPSException e) => new XenMigrationResult(t, pre, null, new XenMigrationException(
                $"xl migrate reported success for {t.Domain.Name} to {destination.Name}, but the hosts could not be asked where it is now: {e.Message}" +
                $" Look with Get-XenDomain {t.Domain.Name} -XenHost {destination.Name}.", e.Reason == XenErrorReason.Unspecified ? XenErrorReason.MigrationFailed : e.Reason, null, e),
                null, watch.Elapsed);
            XenDomain? moved; bool onSource;
            try { (moved, onSource) = Look(); }
            catch (XenPSException e) { return LookFailed(e); }
            if (wait)
            {
                var deadline = DateTime.UtcNow + timeout;
                while (moved == null || !(moved.State == XenDomainState.Running || (options.Paused && moved.State == XenDomainState.Paused)) || onSource)
                {
                    if (DateTime.UtcNow > deadline)
                        return new XenMigrationResult(t, pre, null, new XenTimeoutException(
                            $"{t.Domain.Name} did not come up running on {destination.Name} within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s after xl migrate finished" +
                            (moved == null ? " (it is not listed there)." : $" (it is {moved.State.ToString().ToLowerInvariant()} there)."),
                            null), null, watch.Elapsed);
                    ct.WaitHandle.WaitOne(WaitInterval);
                    ct.ThrowIfCancellationRequested();
                    try { (moved, onSource) = Look(); }
                    catch (XenPSException e) { return LookFailed(e); }
                }
            }
            if (moved == null)
                return new XenMigrationResult(t, pre, null, new XenMigrationException(
                    $"xl migrate reported success, but {t.Domain.Name} is not listed on {destination.Name} (it may have stopped at once).", XenErrorReason.MigrationFailed), null, watch.Elapsed);
            return new XenMigrationResult(t, pre, moved, null, null, watch.Elapsed);
        }

        // The backend call on a worker thread; its progress queued and delivered here, on the calling thread (and shown to <paramref name="seen"/>).
        private static void RunWithProgress(Action<Action<MigrationProgress>> call, string status, IProgress<XenProgress>? progress, Action<MigrationProgress>? seen = null)
        {
            using var queue = new BlockingCollection<MigrationProgress>();
            var work = Task.Run(() =>
            {
                try { call(p => { if (!queue.IsAddingCompleted) queue.TryAdd(p); }); }
                finally { queue.CompleteAdding(); }
            });
            int last = 1;
            foreach (var p in queue.GetConsumingEnumerable())
            {
                seen?.Invoke(p);
                if (p.Message != null) progress?.Report(new XenProgress(Activity, $"{status}: {p.Message}", last));
                else if (p.Phase == MigrationProgress.TaskPhase)
                {
                    last = Math.Clamp(p.PercentComplete, 1, 99);
                    progress?.Report(new XenProgress(Activity, $"{status}: XAPI task {p.PercentComplete}%", last));
                }
                else if (p.Total > 0)
                {
                    last = Math.Clamp(p.PercentComplete, 1, 99);
                    progress?.Report(new XenProgress(Activity, $"{status}: {p.Phase.ToLowerInvariant()} {p.Done}/{p.Total}", last));
                }
            }
            work.GetAwaiter().GetResult();
        }

        /// <summary>The migrated domain as the destination lists it (stamped), or null.</summary>
        private static XenDomain? Arrived(XenDomainTarget t, XenHostConnection destination, CancellationToken ct)
        {
            bool sameHost = ReferenceEquals(t.Host.Backend, destination.Backend);
            var d = destination.Backend.ListDomains(ct).FirstOrDefault(x => x.Name == t.Domain.Name && !(sameHost && x.Id == t.Domain.Id && x.Id != null));
            return d == null ? null : DomainLifecycleService.Stamp(d, destination);
        }

        /// <summary>Is the source's copy (by domid, or its uuid on a backend without domids) still there?</summary>
        private static bool StillOnSource(XenDomainTarget t, CancellationToken ct) =>
            t.Host.Backend.ListDomains(ct).Any(x => Same(x, t.Domain));

        private static bool Same(XenDomain listed, XenDomain original) =>
            original.Id is int id ? listed.Id == id : (original.Uuid != null && string.Equals(listed.Uuid, original.Uuid, StringComparison.OrdinalIgnoreCase));

        private string? Cleanup(XenDomainTarget t, XenHostConnection destination, CancellationToken ct) => Cleanup(t, destination, ct, out _);

        /// <summary>
        /// After a failed or cancelled xl migrate: where is the domain? When it runs on the destination, the source's copy
        /// ("--migratedaway") is destroyed; otherwise a half-received copy on the destination is destroyed and the source's
        /// copy gets its name back and runs again (unless it was paused before). Returns what was done, or null.
        /// </summary>
        private string? Cleanup(XenDomainTarget t, XenHostConnection destination, CancellationToken ct, out XenDomain? arrived)
        {
            arrived = null;
            var notes = new List<string>();
            string name = t.Domain.Name;
            bool sameHost = ReferenceEquals(t.Host.Backend, destination.Backend);
            try
            {
                var src = t.Host.Backend.Require<IXenMigration>("migrating domains");
                var dst = destination.Backend.Require<IXenMigration>("migrating domains");
                var onSource = t.Host.Backend.ListDomains(ct).FirstOrDefault(x => Same(x, t.Domain));
                var there = destination.Backend.ListDomains(ct).FirstOrDefault(x => x.Name == name && !(sameHost && onSource != null && x.Id == onSource.Id));
                if (there != null && (onSource == null || onSource.Name == name + MigrationRules.MigratedAwaySuffix))
                {
                    arrived = DomainLifecycleService.Stamp(there, destination);
                    if (onSource != null)
                    {
                        t.Host.Backend.Require<IXenPowerControl>("destroying domains").DestroyDomain(onSource, ct);
                        notes.Add($"The domain runs on {destination.Name}; its old copy {onSource.Name} on {t.Host.Name} was destroyed.");
                    }
                    return notes.Count > 0 ? string.Join(" ", notes) : null;
                }
                if (dst.DiscardIncoming(name, ct) is string gone) notes.Add(gone);
                if (onSource != null)
                {
                    bool unpause = onSource.State == XenDomainState.Paused && t.Domain.State != XenDomainState.Paused;
                    if (src.RecoverDomain(onSource, name, unpause, ct) is string fixedUp) notes.Add(fixedUp);
                }
                else notes.Add($"{name} is no longer listed on {t.Host.Name} or {destination.Name}.");
            }
            catch (XenPSException e)
            {
                notes.Add($"Checking the two hosts afterwards failed ({e.Message}): look at both with Get-XenDomain.");
            }
            return notes.Count > 0 ? string.Join(" ", notes) : null;
        }

        private static XenHostInfo Facts(XenHostConnection h, CancellationToken ct) =>
            h.Backend.Require<IXenHostFacts>("reading host facts").GetHostInfo(ct);

        /// <summary>"4.17" of "4.17.7" or "4.17.7-sim".</summary>
        internal static string Major(string version)
        {
            var parts = (version ?? "").Split('.');
            return parts.Length >= 2 ? parts[0] + "." + new string(parts[1].TakeWhile(char.IsDigit).ToArray()) : "";
        }

        /// <summary>The dom0 files a domain uses: kernel, ramdisk, and the disks' targets that are paths.</summary>
        internal static IReadOnlyList<string> UsedPaths(XenDomain d)
        {
            var list = new List<string>();
            var c = d.Config;
            if (c == null) return list;
            void Add(string? p)
            {
                if (!string.IsNullOrEmpty(p) && p[0] == '/' && p.IndexOf('\0') < 0 && p.IndexOf('\n') < 0 && !list.Contains(p)) list.Add(p);
            }
            Add(c.Kernel);
            Add(c.Ramdisk);
            try
            {
                foreach (var disk in c.Disks) Add(disk.Target);
            }
            catch (Exception e) when (e is FormatException || e is ArgumentException || e is XenPSException) { } // a disk spec xl would not have taken
            return list;
        }
    }
}
