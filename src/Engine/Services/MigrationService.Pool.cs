using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>
    /// Moves inside a XenAPI pool (<see cref="IXenPoolMigration"/>: VM.pool_migrate). The pool shares storage and
    /// networks and the master moves the VM itself, so the preflight asks the pool: the member exists, is enabled and
    /// live, is not where the VM already runs, has the memory, and XAPI's own VM.assert_can_boot_here passes (the
    /// VM's SRs and networks reachable from there). The task's progress is relayed; Ctrl+C cancels the task, and a
    /// failed or cancelled move leaves the VM running where it was (XAPI undoes it), so there is nothing to clean up.
    /// </summary>
    public sealed partial class MigrationService
    {
        /// <summary>The preflight of moving <paramref name="t"/> to the pool member <paramref name="member"/> (nothing is changed).</summary>
        /// <param name="addressGiven">-DestinationAddress was given (xl only: a pool member is reached by the pool itself).</param>
        public XenMigrationPreflight PoolPreflight(XenDomainTarget t, string member, MigrateDomainOptions? options, bool addressGiven, CancellationToken ct)
        {
            if (member == null) throw new ArgumentNullException(nameof(member));
            options ??= new MigrateDomainOptions();
            var checks = new List<XenMigrationCheck>();
            var d = t.Domain;
            string address = "";
            void Add(string name, bool ok, string detail, XenErrorReason reason) => checks.Add(new XenMigrationCheck(name, ok, detail, ok ? XenErrorReason.Unspecified : reason));
            XenMigrationPreflight Done() => new XenMigrationPreflight(t, t.Host, address, checks) { DestinationMember = member };

            if (d.IsDomain0)
            {
                Add("NotDomain0", false, "a control domain (Domain-0) cannot be migrated.", XenErrorReason.Domain0Refused);
                return Done();
            }
            Add("NotDomain0", true, $"{d.Name} is a guest.", XenErrorReason.Domain0Refused);
            if (!(t.Host.Backend is IXenPoolMigration pool))
            {
                Add("Supported", false, $"{t.Host.Name} ({t.Host.Backend.BackendName}) is not a pool: '{member}' cannot be one of its members.", XenErrorReason.OperationNotSupported);
                return Done();
            }
            var xlOnly = new List<string>();
            if (options.Paused) xlOnly.Add("-Paused");
            if (options.PreserveDomainId) xlOnly.Add("-PreserveDomainId");
            if (options.ConfigPath != null) xlOnly.Add("-ConfigPath");
            if (options.SshCommand != null && options.SshCommand.Count > 0) xlOnly.Add("-SshCommand");
            if (addressGiven) xlOnly.Add("-DestinationAddress");
            if (xlOnly.Count > 0)
            {
                Add("Arguments", false, $"{string.Join(", ", xlOnly)} {(xlOnly.Count == 1 ? "is" : "are")} for xl migrate between hosts; inside a pool XAPI moves the VM " +
                    "itself (VM.pool_migrate), keeping its configuration, and always leaves it running. Leave them out.", XenErrorReason.InvalidArgument);
                return Done();
            }

            bool running = d.State == XenDomainState.Running;
            Add("DomainRunning", running, running ? $"{d.Name} is running." :
                $"{d.Name} is {d.State.ToString().ToLowerInvariant()}; XAPI live-migrates only a running VM" +
                (d.State == XenDomainState.Paused ? " (resume it first: Resume-XenDomain)." :
                 d.State == XenDomainState.Halted ? " (start it where you want it: Start-XenDomain; the pool picks a member with room)." : "."),
                XenErrorReason.InvalidOperation);

            IReadOnlyList<XenHostInfo> members;
            try { members = pool.GetPoolHostInfo(ct); }
            catch (XenPSException e)
            {
                Add("PoolMember", false, $"the pool's members could not be read: {e.Message}", XenErrorReason.HostCommandFailed);
                return Done();
            }
            string Raw(XenHostInfo h, string key) => h.Raw != null && h.Raw.TryGetValue(key, out var v) ? v : "";
            var to = members.FirstOrDefault(h => string.Equals(h.HostName, member, StringComparison.Ordinal))
                     ?? members.FirstOrDefault(h => string.Equals(h.HostName, member, StringComparison.OrdinalIgnoreCase))
                     ?? members.FirstOrDefault(h => string.Equals(Raw(h, "uuid"), member, StringComparison.OrdinalIgnoreCase));
            string names = string.Join(", ", members.Select(h => h.HostName));
            if (to == null)
            {
                Add("PoolMember", false, $"the pool {t.Host.Name} has no member '{member}' (its members: {names}). Name one of them (Get-XenHostInfo -XenHost {t.Host.Name} lists them).",
                    XenErrorReason.InvalidArgument);
                return Done();
            }
            member = to.HostName;
            address = Raw(to, "address");
            Add("PoolMember", true, $"{member} is a member of the pool {t.Host.Name}" + (address.Length > 0 ? $" ({address})." : "."), XenErrorReason.InvalidArgument);

            bool elsewhere = !string.Equals(d.ResidentOn, member, StringComparison.Ordinal);
            Add("NotOnDestination", elsewhere, elsewhere ? $"{d.Name} runs on {d.ResidentOn ?? "another member"}." : $"{d.Name} already runs on {member}.",
                XenErrorReason.InvalidOperation);

            bool enabled = Raw(to, "enabled") != "false", live = Raw(to, "live") != "false";
            Add("HostEnabled", enabled && live, enabled && live ? $"{member} is enabled and live." :
                !live ? $"{member} is not live (the pool master has not heard from it); XAPI would fail with HOST_OFFLINE." :
                $"{member} is disabled (maintenance mode, or host.disable); XAPI would fail with HOST_DISABLED. Enable it first (xe host-enable, or Xen Orchestra).",
                XenErrorReason.InvalidOperation);

            bool fits = to.FreeMemoryMiB >= d.MemoryMiB;
            Add("DestinationMemory", fits, fits ? $"{member} has {to.FreeMemoryMiB} MiB free for the {d.MemoryMiB} MiB of {d.Name}."
                : $"{member} has {to.FreeMemoryMiB} MiB free, and {d.Name} needs {d.MemoryMiB} MiB there. Free memory on {member}, pick a member with room " +
                  $"(Get-XenHostInfo -XenHost {t.Host.Name} | Sort-Object FreeMemoryMiB), or shrink the VM first (Set-XenDomain -MemoryMiB).",
                XenErrorReason.InsufficientResources);

            if (running && elsewhere)
            {
                XenPSException? refused;
                try { refused = pool.CheckCanRunOn(d, member, ct); }
                catch (XenPSException e) { refused = e; }
                Add("CanRunThere", refused == null, refused == null ? $"XAPI's VM.assert_can_boot_here passed: {member} reaches the VM's storage and networks."
                    : $"XAPI says {d.Name} cannot run on {member}: {refused.Message}",
                    refused?.Reason == XenErrorReason.InsufficientResources ? XenErrorReason.InsufficientResources : XenErrorReason.MigrationGuestNotMigratable);
            }
            return Done();
        }

        /// <summary>Preflight, then VM.pool_migrate, then (with <paramref name="wait"/>) until the VM runs on the member.</summary>
        public XenMigrationResult MigrateInPool(XenDomainTarget t, string member, bool wait, TimeSpan timeout, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            string status = $"{t.Description} to {member}";
            progress?.Report(new XenProgress(Activity, status + ": preflight", 0));
            try
            {
                var pre = PoolPreflight(t, member, null, false, ct);
                if (pre.Error() is XenMigrationException pe) return new XenMigrationResult(t, pre, null, pe, null, watch.Elapsed);
                return RunInPool(pre, wait, timeout, $"{t.Description} to {pre.Destination}", progress, watch, ct);
            }
            finally
            {
                progress?.Report(new XenProgress(Activity, status, 100, completed: true));
            }
        }

        private XenMigrationResult RunInPool(XenMigrationPreflight pre, bool wait, TimeSpan timeout, string status, IProgress<XenProgress>? progress,
            System.Diagnostics.Stopwatch watch, CancellationToken ct)
        {
            var t = pre.Target;
            string member = pre.DestinationMember!;
            var pool = t.Host.Backend.Require<IXenPoolMigration>("migrating VMs inside a pool");
            progress?.Report(new XenProgress(Activity, status + ": VM.pool_migrate", 1));
            try
            {
                RunWithProgress(report => pool.PoolMigrate(t.Domain, member, report, ct), status, progress);
            }
            catch (XenPSException e) when (!(e is XenConnectionException && ct.IsCancellationRequested))
            {
                var now = Find(t, ct, out string? why);
                string where = now?.ResidentOn is string r ? $" The VM is on {r}" + (now.State != XenDomainState.Running ? $", {now.State.ToString().ToLowerInvariant()}." : ", running.")
                    : why != null ? $" Where it is now could not be read ({why}): look with Get-XenDomain." : "";
                if (now != null && now.ResidentOn == member && now.State == XenDomainState.Running)
                    return new XenMigrationResult(t, pre, now, null, $"XAPI reported a failure ({e.Message}), but the VM runs on {member}.", watch.Elapsed);
                return new XenMigrationResult(t, pre, null, new XenMigrationException($"{t.Description} was not migrated to {member}: {e.Message}{where}",
                    e.Reason == XenErrorReason.Unspecified || e.Reason == XenErrorReason.HostCommandFailed ? XenErrorReason.MigrationFailed : e.Reason, null, e), null, watch.Elapsed);
            }
            var moved = Find(t, ct, out _);
            var deadline = DateTime.UtcNow + timeout;
            while (wait && !(moved != null && moved.ResidentOn == member && moved.State == XenDomainState.Running))
            {
                if (DateTime.UtcNow > deadline)
                    return new XenMigrationResult(t, pre, null, new XenTimeoutException(
                        $"{t.Domain.Name} did not come up running on {member} within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s after VM.pool_migrate finished" +
                        (moved == null ? " (the pool no longer lists it)." : $" (it is {moved.State.ToString().ToLowerInvariant()} on {moved.ResidentOn ?? "no member"})."), null),
                        null, watch.Elapsed);
                ct.WaitHandle.WaitOne(WaitInterval);
                ct.ThrowIfCancellationRequested();
                moved = Find(t, ct, out _);
            }
            if (moved == null)
                return new XenMigrationResult(t, pre, null, new XenMigrationException(
                    $"VM.pool_migrate reported success, but the pool no longer lists {t.Domain.Name}.", XenErrorReason.MigrationFailed), null, watch.Elapsed);
            if (moved.ResidentOn != member)
                return new XenMigrationResult(t, pre, null, new XenMigrationException(
                    $"VM.pool_migrate reported success, but {t.Domain.Name} is on {moved.ResidentOn ?? "no member"}, not {member}.", XenErrorReason.MigrationFailed), null, watch.Elapsed);
            return new XenMigrationResult(t, pre, moved, null, null, watch.Elapsed);
        }

        /// <summary>
        /// The VM as the pool lists it now, stamped, by uuid (its domid changes when it moves); null when it is gone or the
        /// listing failed (<paramref name="why"/>).
        /// </summary>
        private static XenDomain? Find(XenDomainTarget t, CancellationToken ct, out string? why)
        {
            why = null;
            try
            {
                var list = t.Host.Backend.ListDomains(ct);
                var d = string.IsNullOrEmpty(t.Domain.Uuid) ? list.FirstOrDefault(x => Same(x, t.Domain))
                    : list.FirstOrDefault(x => string.Equals(x.Uuid, t.Domain.Uuid, StringComparison.OrdinalIgnoreCase));
                return d == null ? null : DomainLifecycleService.Stamp(d, t.Host);
            }
            catch (XenPSException e)
            {
                why = e.Message;
                return null;
            }
        }
    }
}
