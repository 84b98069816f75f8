using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// Live migration between simulated hosts (two sim:// connections, each its own state folder, or one host to itself
    /// as `xl migrate d localhost`), with xl 4.17's rules and texts (captures m01-m15 of the lab). The simulated host's
    /// virt_caps are Debian's Xen 4.17 ones (pv hvm hap, no shadow), so, as on the lab, a PV guest cannot be migrated
    /// live ("Failed to enable logdirty") and PVH/HVM guests can.
    ///
    /// The domain's record moves between the two folders in steps that each commit on their own, so a process killed at
    /// any point loses nothing: (1) the destination admits the memory and holds a paused "&lt;name&gt;--incoming" copy;
    /// (2) the memory is sent (sim.migrate_seconds, default 1 s, with xl's "Frames" progress) while the guest runs on;
    /// (3) the source suspends the guest and renames it "&lt;name&gt;--migratedaway"; (4) the destination takes over the full
    /// record (name, uuid, config, uptime, console so far) under a new domid and runs it; (5) the source copy goes.
    /// A failure or cancellation before (4) destroys the incoming copy and resumes the source copy under its name.
    /// </summary>
    public sealed partial class SimulatedXenBackend : IXenMigration
    {
        private const int MigrateSteps = 8;

        public string DefaultMigrationAddress(CancellationToken cancellationToken) => _host.Name;

        /// <summary>The state folder: one simulated host per folder.</summary>
        public string HostIdentity(CancellationToken cancellationToken) => "sim:" + System.IO.Path.GetFullPath(StateFolder);

        public MigrationPathCheck CheckMigrationPath(MigrationDestination destination, MigrateDomainOptions options, CancellationToken cancellationToken)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            MigrationRules.CheckAddress(destination.Address);
            if (destination.Backend is not SimulatedXenBackend target)
                return new MigrationPathCheck(false, null, null,
                    $"a simulated host migrates domains only to another simulated host; the destination is a {destination.Backend.BackendName}.");
            string name = target.Locked(cancellationToken, now => target._host.Name);
            return new MigrationPathCheck(true, name, target.HostIdentity(cancellationToken), $"the simulated host {name} answers (its state folder {target.StateFolder}).");
        }

        /// <summary>A simulated host keeps no login open.</summary>
        public void ReleaseSharedConnection(MigrationDestination destination, string sharedConnection, CancellationToken cancellationToken) { }

        public IReadOnlyList<bool> PathsExist(IReadOnlyList<string> paths, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var result = new List<bool>(paths.Count);
            foreach (string p in paths)
            {
                bool found;
                try { found = Files.Exists(p); }
                catch (XenCheckpointException) { found = false; } // a path the host could not hold is not there
                result.Add(found);
            }
            return (IReadOnlyList<bool>)result;
        });

        public void MigrateDomain(XenDomain domain, MigrationDestination destination, MigrateDomainOptions options, Action<MigrationProgress>? progress,
            CancellationToken cancellationToken)
        {
            if (domain is null) throw new ArgumentNullException(nameof(domain));
            if (destination is null) throw new ArgumentNullException(nameof(destination));
            options ??= new MigrateDomainOptions();
            MigrationRules.CheckAddress(destination.Address);
            MigrationRules.CheckSshCommand(options.SshCommand);
            var target = destination.Backend as SimulatedXenBackend ?? throw new XenMigrationException(
                $"A simulated host migrates domains only to another simulated host; the destination is a {destination.Backend.BackendName}.",
                XenErrorReason.MigrationVersionMismatch);

            // 0. what goes
            var (uuid, name, seconds, frames, id, proto) = Locked(cancellationToken, now =>
            {
                var d = Find(domain, "Domain-0 cannot be migrated: it is the host's control domain.");
                if (d.Shut)
                    throw new XenInvalidOperationException($"{d.Name} (id {d.Id.ToString(CultureInfo.InvariantCulture)}) has shut down and is kept only for inspection; there is nothing to migrate.");
                if (d.SavingSinceMs != null)
                    throw new XenInvalidOperationException($"{d.Name} (id {d.Id.ToString(CultureInfo.InvariantCulture)}) is being saved or migrated already.");
                return (d.Uuid, d.Name, MigrateSeconds(d), d.MemoryMiB * 256, d.Id, d.Copy());
            });
            string incomingName = name + MigrationRules.IncomingSuffix;

            // 1. the destination admits the memory and holds a paused copy
            int newId = target.Locked(cancellationToken, now =>
            {
                if (target._store.ByName(incomingName) != null || (!ReferenceEquals(target._store, _store) && target.StateFolder != StateFolder && target._store.ByName(name) != null))
                    throw new XenResourceExistsException($"migration target: Domain with name \"{name}\" already exists on {target._host.Name}.");
                long free = target._host.TotalMemoryMiB - target._host.Dom0MemoryMiB - target._store.MemorySum;
                if (proto.MemoryMiB > free)
                    throw new XenResourceUnavailableException(
                        $"migration target: Domain creation failed: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory " +
                        $"('{name}' needs {proto.MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB, {target._host.Name} has {free.ToString(CultureInfo.InvariantCulture)} MiB free)");
                int nid;
                if (options.PreserveDomainId)
                {
                    if (target._store.ById(id) != null)
                        throw new XenResourceExistsException($"migration target: Domain creation failed: domid {id.ToString(CultureInfo.InvariantCulture)} is in use on {target._host.Name} (-D).");
                    if (target.RecentDomids(now, cancellationToken).ContainsKey(id))
                        throw new XenResourceExistsException($"libxl: error: libxl_create.c:732:libxl__domain_make: Domain {id.ToString(CultureInfo.InvariantCulture)}:domain id recently used: Success; " +
                            $"migration target: Domain creation failed (code -3) on {target._host.Name}.");
                    nid = id;
                    if (nid >= target._store.NextDomid) target._store.ConsumeDomid(nid);
                }
                else nid = target._store.AllocateDomid();
                var inc = proto.Copy();
                inc.Name = incomingName;
                inc.Uuid = Guid.NewGuid().ToString("D"); // the uuid is the guest's only once it has arrived (one folder may hold both copies)
                inc.Id = nid;
                inc.CreatedMs = now;
                inc.ActiveSinceMs = null;
                inc.UptimeAccum = 0;
                inc.SavingSinceMs = null;
                inc.SavingWasPaused = false;
                inc.ConsoleLines = 0;
                inc.CpuBase = 0;
                target._store.ResetConsole(nid);
                target._store.Put(inc);
                target._store.Commit(cancellationToken);
                return nid;
            });
            progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, "migration target: Ready to receive domain."));

            bool handedOver = false;
            try
            {
                // 2. the memory goes while the guest runs on (log-dirty tracking: PV guests need shadow paging, which this host lacks)
                if (proto.Type == XenDomainType.PV)
                    throw new XenMigrationException(
                        $"xc: error: Failed to enable logdirty: 95 (Operation not supported): {name} is a PV guest, and this host has no shadow paging " +
                        "(virt_caps: pv hvm hap gnttab-v1 gnttab-v2) for its log-dirty tracking; migration sender: resuming domain.",
                        XenErrorReason.MigrationGuestNotMigratable);
                progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, "Saving to migration stream new xl format (info 0x3/0x0/1232)"));
                for (int i = 1; i <= MigrateSteps; i++)
                {
                    Sleep(TimeSpan.FromSeconds(seconds / MigrateSteps), cancellationToken);
                    cancellationToken.ThrowIfCancellationRequested();
                    long done = frames * i / MigrateSteps;
                    progress?.Invoke(new MigrationProgress("Frames", done, frames, (int)(done * 100 / Math.Max(1, frames))));
                }
                progress?.Invoke(new MigrationProgress("End of stream", 0, 0, 0));
                progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, "migration sender: Target has acknowledged transfer."));

                // 3. the source suspends the guest: its last state and console
                var (final, console, wasPaused) = Locked(cancellationToken, now =>
                {
                    var d = _store.ById(id);
                    if (d == null || !string.Equals(d.Uuid, uuid, StringComparison.OrdinalIgnoreCase))
                        throw new XenDomainNotFoundException(name, $"{name} was destroyed while it was being migrated; nothing arrived on {target._host.Name}.");
                    d = MaterializeConsole(d, d.Uptime(now), cancellationToken);
                    var nd = d.Copy();
                    nd.UptimeAccum = d.Uptime(now);
                    nd.SavingWasPaused = d.Paused;
                    nd.ActiveSinceMs = null;
                    nd.SavingSinceMs = now;
                    nd.Name = name + MigrationRules.MigratedAwaySuffix;
                    _store.Put(nd);
                    _store.Commit(cancellationToken);
                    return (nd, ReadWholeConsole(d.Id, cancellationToken), d.Paused);
                });
                progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, "migration sender: Giving target permission to start."));

                // 4. the destination takes over: from here on the guest runs there (no cancelling any more)
                target.Locked(CancellationToken.None, now =>
                {
                    if (target._store.ById(newId) is not SimDomain inc || inc.Name != incomingName)
                        throw new XenMigrationException($"migration target: the incoming copy of {name} on {target._host.Name} has gone; resuming domain.", XenErrorReason.MigrationFailed);
                    var d = final.Copy();
                    d.Name = name;
                    d.Uuid = uuid;
                    d.Id = newId;
                    d.CreatedMs = now;
                    d.CpuBase = final.GuestCpuTime(final.UptimeAccum);
                    d.SavingSinceMs = null;
                    d.SavingWasPaused = false;
                    d.ActiveSinceMs = null;
                    target._store.ResetConsole(newId);
                    target._store.AppendConsole(newId, console, CancellationToken.None);
                    target.Resume(d, options.Paused || wasPaused, now, CancellationToken.None);
                    target._store.Commit(CancellationToken.None);
                    return 0;
                });
                handedOver = true;
                progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, MigrationRules.TargetStartedMessage));
                progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, MigrationRules.TargetStartupReportedMessage));
            }
            catch (Exception ex) when (!handedOver && (ex is OperationCanceledException || ex is XenPSException))
            {
                // like xl: the receiver drops what it got, the sender resumes the domain under its name
                try
                {
                    target.Locked(CancellationToken.None, now =>
                    {
                        if (target._store.ById(newId) is SimDomain inc && inc.Name == incomingName)
                        {
                            target.DestroyRecord(newId, now, CancellationToken.None);
                            target._store.Commit(CancellationToken.None);
                        }
                        return 0;
                    });
                }
                catch (XenPSException) { } // the first failure is the one to report; MigrationService looks at both hosts again
                try
                {
                    Locked(CancellationToken.None, now =>
                    {
                        var d = _store.ById(id);
                        if (d != null && string.Equals(d.Uuid, uuid, StringComparison.OrdinalIgnoreCase) && (d.SavingSinceMs != null || d.Name != name))
                        {
                            var nd = d.Copy();
                            nd.Name = name;
                            bool paused = d.SavingWasPaused;
                            _store.Put(nd);
                            if (d.SavingSinceMs != null) Resume(nd, paused, now, CancellationToken.None);
                            _store.Commit(CancellationToken.None);
                        }
                        return 0;
                    });
                }
                catch (XenPSException) { }
                throw;
            }

            // 5. the source copy goes
            Locked(CancellationToken.None, now =>
            {
                var d = _store.ById(id); // by domid: in one folder the uuid now names the arrived copy
                if (d != null && string.Equals(d.Uuid, uuid, StringComparison.OrdinalIgnoreCase))
                {
                    DestroyRecord(id, now, CancellationToken.None);
                    _store.Commit(CancellationToken.None);
                }
                return 0;
            });
            progress?.Invoke(new MigrationProgress("Message", 0, 0, 0, "Migration successful."));
        }

        public string? RecoverDomain(XenDomain current, string name, bool unpause, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(current, "Domain-0 is never migrated.");
            var done = new List<string>();
            var nd = d.Copy();
            if (d.Name != name)
            {
                if (_store.ByName(name) is SimDomain other && other.Id != d.Id)
                    throw new XenResourceExistsException($"{d.Name} cannot get its name {name} back on {_host.Name}: another domain has it.");
                nd.Name = name;
                done.Add($"renamed {d.Name} back to {name}");
            }
            _store.Put(nd);
            if (d.SavingSinceMs != null || (unpause && d.Paused))
            {
                Resume(nd, paused: d.SavingSinceMs != null ? d.SavingWasPaused && !unpause : false, now, cancellationToken);
                done.Add("resumed it");
            }
            _store.Commit(cancellationToken);
            return done.Count == 0 ? null : $"On {_host.Name}: {string.Join(" and ", done)}.";
        });

        public string? DiscardIncoming(string name, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = _store.ByName(name + MigrationRules.IncomingSuffix);
            if (d == null) return null;
            DestroyRecord(d.Id, now, cancellationToken);
            _store.Commit(cancellationToken);
            return $"Destroyed the half-received copy {d.Name} (id {d.Id.ToString(CultureInfo.InvariantCulture)}) on {_host.Name}.";
        });

        private static double MigrateSeconds(SimDomain d)
        {
            string? s = d.Config.GetString("sim.migrate_seconds");
            return s != null && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v < 86400 ? v : 1;
        }
    }
}
