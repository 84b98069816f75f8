using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// An embedded simulated Xen 4.17 host kept in a folder (see <see cref="SimStore"/> for the format). There is no
    /// background process: every call takes the folder lock, catches up with the files, advances every domain's state
    /// to "now" from persisted timestamps (boot, shutdown requests, crashes and their on_* actions), then acts.
    /// Per-domain knobs (config keys): sim.boot_seconds (1), sim.shutdown_seconds (2; 0 = at once),
    /// sim.ignore_shutdown (0), sim.crash_after_seconds (none), sim.pv_drivers (1; 0 on an HVM guest = shutdown needs
    /// the ACPI fallback, like xl shutdown -F).
    /// </summary>
    public sealed partial class SimulatedXenBackend : IXenBackend, IXenHostFacts, IXenPowerControl, IXenConsoleAccess, IXenBackendNotes, IXenDomainSettings, IXenCheckpoint, IXenDevices
    {
        public const string XenVersion = "4.17.7-sim";
        public const string Dom0Uuid = "00000000-0000-0000-0000-000000000000";
        // a crash loop (on_crash=restart with tiny timings) catches up at most this many cycles per call
        private const int MaxTransitionsPerDomain = 100;

        private readonly object _gate = new object();
        private readonly SimStore _store;
        private readonly SimHostFacts _host;
        private readonly Func<DateTimeOffset> _clock;
        internal readonly Action<TimeSpan, CancellationToken> Sleep;
        private bool _disposed;
        private readonly SimHostOptions _latencyOf; // Latency is read at each call: an options object given to Connect-XenHost can slow the host down later

        internal SimulatedXenBackend(string uri, string folder, string hostName, SimHostOptions options)
        {
            Uri = uri;
            _clock = options.Clock ?? (() => DateTimeOffset.UtcNow);
            Sleep = options.Sleep ?? ((t, ct) => { if (ct.WaitHandle.WaitOne(t)) ct.ThrowIfCancellationRequested(); });
            _latencyOf = options;
            _store = new SimStore(folder, options.LockTimeout, options.CompactAfterLines);
            _host = Guard(() =>
            {
                Directory.CreateDirectory(folder);
                using (_store.AcquireLock(CancellationToken.None))
                {
                    var facts = _store.LoadOrCreateHost(hostName, options, NowMs, create: true, CancellationToken.None)!;
                    _store.Sync(CancellationToken.None); // damaged state is reported when connecting, not at some later command
                    return facts;
                }
            });
        }

        public string Uri { get; }

        public string BackendName => "simulated host";

        /// <summary>The folder holding this host's state.</summary>
        public string StateFolder => _store.Folder;

        internal long NowMs => _clock().ToUnixTimeMilliseconds();

        /// <summary>
        /// Returns and forgets what the host noticed and handled in its state since the last call: an incomplete last
        /// journal line dropped after a crash, leftovers of an interrupted compaction removed, a migration from an older
        /// format. Meant for a verbose stream; none of it is an error. The last 100 notes are kept until taken.
        /// </summary>
        public IReadOnlyList<string> TakeWarnings()
        {
            lock (_gate)
            {
                var list = _store.Warnings.ToArray();
                _store.Warnings.Clear();
                return list;
            }
        }

        /// <summary>The store's notes (verbose), and once the report of a repair run when the host was opened (warnings).</summary>
        public IReadOnlyList<XenBackendNote> TakeNotes()
        {
            var notes = new List<XenBackendNote>();
            lock (_gate)
            {
                if (_repair is XenStateRepairReport r)
                {
                    _repair = null;
                    if (r.WasDamaged)
                    {
                        notes.Add(new XenBackendNote($"Repaired the simulated host state in {r.Folder}: kept {r.KeptDomains.Count} domain(s); " +
                            $"the replaced files are in {r.BackupFolder}.", isWarning: true));
                        foreach (string p in r.Problems) notes.Add(new XenBackendNote("Repair found: " + p, isWarning: true));
                        foreach (string a in r.Actions) notes.Add(new XenBackendNote("Repair did: " + a));
                    }
                    else notes.Add(new XenBackendNote($"The simulated host state in {r.Folder} is intact; the repair changed nothing."));
                }
            }
            lock (_gate)
            {
                notes.AddRange(_notes);
                _notes.Clear();
            }
            foreach (string w in TakeWarnings()) notes.Add(new XenBackendNote(w));
            return notes;
        }

        private XenStateRepairReport? _repair;

        /// <summary>Opens with <see cref="SimHostOptions.Repair"/>: repairs the folder first, and keeps the report for TakeNotes.</summary>
        internal static SimulatedXenBackend OpenRepaired(string uri, string folder, string hostName, SimHostOptions options, CancellationToken ct)
        {
            XenStateRepairReport? report = Directory.Exists(folder) ? Repair(folder, options, ct) : null;
            var b = new SimulatedXenBackend(uri, folder, hostName, options);
            b._repair = report;
            return b;
        }

        /// <summary>
        /// Repairs the damaged state of a simulated host (see "Simulated host state and recovery" in about_XenPS): keeps every
        /// record that verifies, copies every state file it replaces into a new backup folder inside <paramref name="folder"/>,
        /// and writes a consistent state. Domids are never handed out again, even those of domains that were lost. An
        /// intact state is left as it is. Takes the folder lock, so it is safe while other sessions use the host.
        /// </summary>
        /// <param name="folder">The host's state folder (sim:///path: that path; sim://NAME: $XENPS_SIM_ROOT/NAME or the per-user …/XenPS/sim/NAME).</param>
        /// <param name="options">Lock timeout, and the host facts to use if neither host.json nor any copy of it can be read.</param>
        public static XenStateRepairReport Repair(string folder, SimHostOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrWhiteSpace(folder)) throw new XenPSException("Repair needs the state folder of a simulated host.");
            options ??= new SimHostOptions();
            string full = Path.GetFullPath(folder);
            if (!Directory.Exists(full)) throw new XenPSException($"'{full}' does not exist: there is no simulated host state to repair.");
            var clock = options.Clock ?? (() => DateTimeOffset.UtcNow);
            var store = new SimStore(full, options.LockTimeout, options.CompactAfterLines);
            return GuardIn(full, () =>
            {
                using (store.AcquireLock(cancellationToken))
                    return store.Repair(Path.GetFileName(full.TrimEnd('/', '\\')), options, clock(), cancellationToken);
            });
        }

        // =========================== IXenBackend ===========================

        public XenHostInfo GetHostInfo(CancellationToken cancellationToken) => Locked(cancellationToken, now => new XenHostInfo
        {
            HostName = _host.Name,
            XenVersion = XenVersion,
            CpuCount = _host.CpuCount,
            TotalMemoryMiB = _host.TotalMemoryMiB,
            FreeMemoryMiB = _host.TotalMemoryMiB - _host.Dom0MemoryMiB - _store.MemorySum,
            // what a Xen 4.17 x86 host of this size reports (capture 02-info), on one socket and one NUMA node
            Dom0MemoryMiB = _host.Dom0MemoryMiB,
            Capabilities = new[] { "xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64" },
            VirtCaps = new[] { "pv", "hvm", "hap", "gnttab-v1", "gnttab-v2" },
            Scheduler = "credit2",
            NodeCount = 1,
            CoresPerSocket = _host.CpuCount,
            ThreadsPerCore = 1,
            Machine = "x86_64",
            PageSize = 4096,
            KernelRelease = "simulated",
        });

        public IReadOnlyList<XenDomain> ListDomains(CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var list = new List<XenDomain>(_store.Domains.Count + 1) { Dom0(now) };
            int n = 0;
            foreach (var d in _store.Domains.Values)
            {
                if ((++n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                list.Add(d.ToXenDomain(now));
            }
            return (IReadOnlyList<XenDomain>)list;
        });

        public XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken cancellationToken)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            var proto = BuildDomain(config);
            bool paused = options?.Paused ?? false;
            // The simulated host boots no kernel, so it builds a PV/PVH guest without one; a real host's xl would not.
            var createFindings = new List<XenDiagnostic>();
            Config.ConfigValidator.ValidateForCreate(config, createFindings);
            return Locked(cancellationToken, now =>
            {
                if (proto.Name == "Domain-0" || _store.ByName(proto.Name) != null)
                    throw new XenResourceExistsException($"Domain with name \"{proto.Name}\" already exists.");
                if (_store.ByUuid(proto.Uuid) != null)
                    throw new XenResourceExistsException($"Domain with uuid {proto.Uuid} already exists.");
                long free = _host.TotalMemoryMiB - _host.Dom0MemoryMiB - _store.MemorySum;
                if (proto.MemoryMiB > free)
                {
                    // like xl, the failed build still used up a domid
                    int wasted = _store.AllocateDomid();
                    _store.ConsumeDomid(wasted);
                    _store.Commit(cancellationToken);
                    throw new XenResourceUnavailableException(
                        "xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory " +
                        $"(domain {wasted.ToString(CultureInfo.InvariantCulture)} '{proto.Name}' needs {proto.MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB, " +
                        $"the host has {free.ToString(CultureInfo.InvariantCulture)} MiB free of {_host.TotalMemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB)");
                }
                var d = proto.WithCreatedDevices(SimDomain.FromConfig(proto.Config, proto.Uuid, new Random())); // MACs as xl generates them
                d.Id = _store.AllocateDomid();
                _store.ResetConsole(d.Id);
                d.CreatedMs = now;
                d.ActiveSinceMs = paused ? (long?)null : now;
                _store.Put(d);
                _store.Commit(cancellationToken);
                foreach (var f in createFindings)
                    if (f.Severity == DiagnosticSeverity.Error)
                        _notes.Add(new XenBackendNote($"'{d.Name}' was created on the simulated host, which boots no kernel; xl on a real Xen host refuses this config: {f.Message}", isWarning: true));
                return d.ToXenDomain(now);
            });
        }

        // Warnings of this instance's own calls for TakeNotes (under _gate).
        private readonly List<XenBackendNote> _notes = new List<XenBackendNote>();

        public void ShutdownDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Not shutting down domain 0: it is the control domain; shutting it down would take the whole host down.");
            if (d.NoPvDrivers && !acpiFallback && !d.Shut)
                throw new XenInvalidOperationException(
                    $"{d.Name} has no PV drivers, so it cannot be asked to shut down (PV control interface not available). " +
                    "Use the ACPI fallback (Stop-XenDomain -AcpiFallback, xl shutdown -F) or destroy it.",
                    XenErrorReason.PvControlUnavailable);
            RequestShutdown(d, SimRequest.Poweroff, fromGuest: false, now);
            _store.Commit(cancellationToken);
            Advance(now, cancellationToken);
            _store.Commit(cancellationToken);
            return 0;
        });

        public void DestroyDomain(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Not destroying domain 0; use -f to force. This can only be done when using a disaggregated hardware domain and toolstack.");
            if (!d.Shut) MaterializeConsole(d, d.Uptime(now), cancellationToken);
            DestroyRecord(d.Id, now, cancellationToken);
            _store.Commit(cancellationToken);
            return 0;
        });

        public void PauseDomain(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Not pausing domain 0: Xen refuses to pause the control domain (libxl_domain_pause: Invalid argument).");
            if (d.Shut || d.Paused) return 0; // idempotent, as xl pause
            var nd = d.Copy();
            nd.UptimeAccum = d.Uptime(now);
            nd.ActiveSinceMs = null;
            _store.Put(nd);
            _store.Commit(cancellationToken);
            return 0;
        });

        public void UnpauseDomain(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Not unpausing domain 0: it is the control domain, which is never paused.");
            if (d.Shut || !d.Paused) return 0; // idempotent, as xl unpause
            var nd = d.Copy();
            nd.ActiveSinceMs = now;
            nd.SavingSinceMs = null; // a guest left suspended by a save that was killed carries on (see SaveDomain)
            _store.Put(nd);
            _store.Commit(cancellationToken);
            return 0;
        });

        public IXenConsole OpenConsole(XenDomain domain, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = Find(domain, "Domain-0's console is the host's own serial console; the simulated host does not provide it.");
            return (IXenConsole)new SimConsole(this, d.Uuid, d.Name, d.Id);
        });

        public void Dispose()
        {
            lock (_gate) _disposed = true;
        }

        // =========================== console plumbing ===========================

        /// <summary>
        /// New console text for the domain with that uuid; exists=false once it has gone. A console reads the log of one
        /// boot (<paramref name="boot"/> = its domid); when the guest has restarted since (new domid), it reads the rest of
        /// that boot's log, if it is still kept, then moves on to the current boot from its start.
        /// </summary>
        internal (string text, bool exists, long nextDueMs, string name) ConsoleFetch(string uuid, string name, ref int boot, ref long offset, CancellationToken ct)
        {
            long off = offset;
            int on = boot;
            var r = Locked(ct, now =>
            {
                var d = _store.ByUuid(uuid);
                long next = long.MaxValue;
                if (d != null)
                {
                    name = d.Name;
                    if (!d.Shut) MaterializeConsole(d, d.Uptime(now), ct);
                    _store.Commit(ct);
                    d = _store.ById(d.Id)!;
                    next = NextConsoleLineMs(d, now);
                }
                string text = "";
                if (d == null || d.Id != on)
                {
                    text = _store.ReadConsole(on, ref off, ct); // the end of the boot this console was on
                    if (d != null)
                    {
                        on = d.Id;
                        off = 0;
                    }
                }
                if (d != null) text += _store.ReadConsole(on, ref off, ct);
                return (text, d != null, next, name);
            });
            offset = off;
            boot = on;
            return r;
        }

        /// <summary>One line typed at the console: echo, the shell's answer, a prompt; poweroff/reboot act.</summary>
        internal bool ConsoleLine(string uuid, string line, CancellationToken ct) => Locked(ct, now =>
        {
            var d = _store.ByUuid(uuid);
            if (d == null) return false;
            if (d.Shut) return true; // nobody reads the keys of a dead guest
            MaterializeConsole(d, d.Uptime(now), ct);
            d = _store.ById(d.Id)!;
            var (output, request) = SimGuest.Answer(d, line);
            string text = line + "\n" + output + (request == SimRequest.None ? SimGuest.Prompt(d) : "");
            _store.AppendConsole(d.Id, text, ct);
            if (request != SimRequest.None) RequestShutdown(d, request, fromGuest: true, now);
            _store.Commit(ct);
            Advance(now, ct);
            _store.Commit(ct);
            return true;
        });

        /// <summary>Ctrl+C at the console: the shell drops the line being typed, echoes it with ^C, and prompts again.</summary>
        internal bool ConsoleInterrupt(string uuid, string typed, CancellationToken ct) => Locked(ct, now =>
        {
            var d = _store.ByUuid(uuid);
            if (d == null) return false;
            if (d.Shut) return true;
            MaterializeConsole(d, d.Uptime(now), ct);
            d = _store.ById(d.Id)!;
            _store.AppendConsole(d.Id, typed + "^C\n" + SimGuest.Prompt(d), ct);
            _store.Commit(ct);
            return true;
        });

        private long NextConsoleLineMs(SimDomain d, long now)
        {
            if (d.Shut || d.ActiveSinceMs is not long since) return long.MaxValue;
            var lines = SimGuest.BootLines(d);
            if (d.ConsoleLines >= lines.Count) return long.MaxValue;
            double at = lines[d.ConsoleLines].at;
            return since + (long)Math.Ceiling((at - d.UptimeAccum) * 1000.0);
        }

        /// <summary>Writes the boot lines due by <paramref name="uptime"/> to the console log.</summary>
        private SimDomain MaterializeConsole(SimDomain d, double uptime, CancellationToken ct)
        {
            var lines = SimGuest.BootLines(d);
            if (d.ConsoleLines >= lines.Count) return d;
            int k = d.ConsoleLines;
            var sb = new System.Text.StringBuilder();
            while (k < lines.Count && lines[k].at <= uptime + 1e-9) sb.Append(lines[k++].text);
            if (k == d.ConsoleLines) return d;
            _store.AppendConsole(d.Id, sb.ToString(), ct);
            var nd = d.Copy();
            nd.ConsoleLines = k;
            _store.Put(nd);
            return nd;
        }

        // =========================== lifecycle ===========================

        private void RequestShutdown(SimDomain d, SimRequest request, bool fromGuest, long now)
        {
            if (d.Shut || d.Request != SimRequest.None) return;
            if (d.IgnoreShutdown && !fromGuest) return; // the guest never answers the control/shutdown watch
            var nd = d.Copy();
            nd.Request = request;
            nd.RequestUptime = d.Uptime(now);
            _store.Put(nd);
        }

        /// <summary>Carries out every crash / power-off due by <paramref name="now"/>, in time order, with its on_* action.</summary>
        private void Advance(long now, CancellationToken ct)
        {
            if (now < _store.NextEventMs) return;
            var due = new List<(long at, int id)>();
            foreach (var d in _store.Domains.Values)
            {
                long t = d.NextEventWallMs();
                if (t <= now) due.Add((t, d.Id));
            }
            due.Sort();
            foreach (var (_, id) in due)
            {
                ct.ThrowIfCancellationRequested();
                var cur = _store.ById(id);
                for (int i = 0; cur != null && i < MaxTransitionsPerDomain; i++)
                {
                    long t = cur.NextEventWallMs();
                    if (t > now) break;
                    cur = Transition(cur, unseen: i > 0, ct);
                }
            }
            long next = long.MaxValue;
            foreach (var d in _store.Domains.Values)
            {
                long t = d.NextEventWallMs();
                if (t < next) next = t;
            }
            _store.NextEventMs = next;
        }

        /// <summary>
        /// Fires the next event of a running domain; returns the domain that carries on (restart), or null.
        /// <paramref name="unseen"/>: the boot began in this same catch-up, so no console can be attached to it; when it
        /// is removed now, its console output is not written (a crash loop does not churn through log files).
        /// </summary>
        private SimDomain? Transition(SimDomain d, bool unseen, CancellationToken ct)
        {
            var ev = d.NextEvent()!.Value;
            double at = ev.at;
            long wall = d.ActiveSinceMs!.Value + (long)Math.Round((at - d.UptimeAccum) * 1000.0);
            XenShutdownReason reason = ev.crash ? XenShutdownReason.Crash
                : d.Request == SimRequest.Reboot ? XenShutdownReason.Reboot : XenShutdownReason.Poweroff;
            var cfg = d.Config;
            XenLifecycleAction action = reason switch
            {
                XenShutdownReason.Crash => cfg.OnCrash,
                XenShutdownReason.Reboot => cfg.OnReboot,
                _ => cfg.OnPoweroff,
            };
            bool kept = action == XenLifecycleAction.Preserve || action == XenLifecycleAction.RenameRestart;
            if (kept || !unseen)
            {
                d = MaterializeConsole(d, at, ct);
                _store.AppendConsole(d.Id, SimGuest.ShutdownText(reason, at), ct);
            }

            switch (action)
            {
                case XenLifecycleAction.Preserve:
                    _store.Put(Preserved(d, reason, at));
                    return null;
                case XenLifecycleAction.Restart:
                case XenLifecycleAction.CoredumpRestart:
                case XenLifecycleAction.SoftReset:
                    DestroyRecord(d.Id, wall, ct);
                    return Rebuilt(d, wall);
                case XenLifecycleAction.RenameRestart:
                {
                    var old = Preserved(d, reason, at);
                    old.Name = d.Name + "-" + DateTimeOffset.FromUnixTimeMilliseconds(wall).UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture);
                    old.Uuid = Guid.NewGuid().ToString("D");
                    for (int n = 1; _store.ByName(old.Name) != null; n++) old.Name += "-" + n.ToString(CultureInfo.InvariantCulture);
                    _store.Put(old);
                    // the kept domain still holds its memory: like xl, the restart fails when the host is full
                    long free = _host.TotalMemoryMiB - _host.Dom0MemoryMiB - _store.MemorySum;
                    if (d.MemoryMiB > free)
                    {
                        _store.ConsumeDomid(_store.AllocateDomid());
                        _store.AppendConsole(d.Id, "[XenPS sim] restart failed: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n", ct);
                        return null;
                    }
                    return Rebuilt(d, wall);
                }
                default: // destroy, coredump-destroy
                    DestroyRecord(d.Id, wall, ct);
                    return null;
            }
        }

        private static SimDomain Preserved(SimDomain d, XenShutdownReason reason, double at)
        {
            var nd = d.Copy();
            nd.Shut = true;
            nd.Reason = reason;
            nd.ShutUptime = at;
            nd.UptimeAccum = at;
            nd.ActiveSinceMs = null;
            nd.Request = SimRequest.None;
            return nd;
        }

        /// <summary>How long a rebuilt domain is listed as being built (paused, 0 MiB) before it runs.</summary>
        internal const long RebuildMs = 500;

        /// <summary>The same guest (name, uuid, config) built again with a new domid, booting <see cref="RebuildMs"/> after <paramref name="wall"/>.</summary>
        private SimDomain Rebuilt(SimDomain d, long wall)
        {
            var nd = d.Copy();
            nd.Id = _store.AllocateDomid();
            _store.ResetConsole(nd.Id);
            nd.CreatedMs = wall;
            nd.BuildingUntilMs = wall + RebuildMs; // listed --p--- with 0 MiB while xl's daemon builds it (capture 57)
            nd.ActiveSinceMs = wall + RebuildMs;
            nd.UptimeAccum = 0;
            nd.Request = SimRequest.None;
            nd.RequestUptime = 0;
            nd.Shut = false;
            nd.ConsoleLines = 0;
            nd.CpuBase = 0;
            nd.SavingSinceMs = null;
            _store.Put(nd);
            return nd;
        }

        // =========================== helpers ===========================

        private XenDomain Dom0(long now) => new XenDomain
        {
            Name = "Domain-0",
            Id = 0,
            Uuid = Dom0Uuid,
            Type = XenDomainType.PV,
            MemoryMiB = _host.Dom0MemoryMiB,
            MaxMemoryMiB = _host.Dom0MemoryMiB,
            VCpus = _host.CpuCount,
            MaxVCpus = _host.CpuCount,
            StateFlags = "r-----",
            CpuTime = Math.Round(Math.Max(0, now - _host.CreatedMs) / 1000.0 * 0.05 * _host.CpuCount, 1),
        };

        /// <summary>
        /// Finds a domU by its uuid (a domain object without one: by domid); Domain-0 is refused with
        /// <paramref name="dom0Refusal"/> (or null is returned when that is null).
        /// </summary>
        private SimDomain Find(XenDomain domain, string? dom0Refusal)
        {
            if (domain is null) throw new ArgumentNullException(nameof(domain));
            bool isDom0 = domain.Id == 0 || string.Equals(domain.Uuid, Dom0Uuid, StringComparison.OrdinalIgnoreCase) ||
                          (domain.Id == null && string.IsNullOrEmpty(domain.Uuid) && domain.Name == "Domain-0");
            if (isDom0)
            {
                if (dom0Refusal == null) return null!;
                throw new XenInvalidOperationException(dom0Refusal, XenErrorReason.Domain0Refused);
            }
            SimDomain? d = !string.IsNullOrEmpty(domain.Uuid) ? _store.ByUuid(domain.Uuid!)
                : domain.Id is int id ? _store.ById(id)
                : _store.ByName(domain.Name);
            string what = domain.Id is int i ? (domain.Name.Length > 0 ? $"{domain.Name} (id {i})" : $"Domain {i}") : $"'{domain.Name}'";
            return d ?? throw new XenDomainNotFoundException(domain.Name, $"{what} is no longer on this host (it has been destroyed or has shut down).");
        }

        private static bool IsAllDigits(string s)
        {
            foreach (char c in s) if (c < '0' || c > '9') return false;
            return true;
        }

        /// <summary>Validates a config and turns it into a domain prototype (no domid yet).</summary>
        private static SimDomain BuildDomain(XenDomainConfig config)
        {
            var diags = new List<XenDiagnostic>();
            void Err(string key, string code, string msg) =>
                diags.Add(new XenDiagnostic(DiagnosticSeverity.Error, code, msg, config.SourcePath, config.GetPosition(key)?.Line ?? 0, config.GetPosition(key)?.Column ?? 0));

            if (SimDomain.FindInvalidText(config) is string badText)
                Err(badText, "InvalidText", $"{badText}: the setting holds text that is not valid Unicode (an unpaired UTF-16 surrogate), which the simulated host cannot store.");
            string? name = config.Name;
            var nameFindings = new List<XenDiagnostic>();
            Config.ConfigValidator.ValidateName(config, nameFindings); // the one set of name rules and codes
            foreach (var d in nameFindings) if (d.Severity == DiagnosticSeverity.Error) diags.Add(d);

            // xl reads memory/maxmem/vcpus with xlu_cfg_get_long: a value that is not a number is warned about and
            // ignored (the key counts as absent), as ConfigValidator reports.
            long? Num(string key)
            {
                string? s = config.GetString(key);
                return s == null ? null : XenDomainConfig.ParseXlInteger(s);
            }
            double? Seconds(string key, double? dflt)
            {
                string? s = config.GetString(key);
                if (s == null) return dflt;
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v < 1e9) return v;
                Err(key, "NumberInvalid", $"{key} = '{s}' is not a number of seconds.");
                return dflt;
            }

            // libxl's defaults: no maxmem = memory; no memory = maxmem, else 32 MiB. memory above maxmem is built as given
            // (xl 4.17 does: target_memkb above max_memkb). vcpus 0 (or absent) is one vCPU.
            long? memGiven = Num("memory"), maxGiven = Num("maxmem");
            long memory = memGiven is long m0 && m0 > 0 ? m0 : maxGiven is long x0 && x0 > 0 ? x0 : 32;
            long maxmem = maxGiven is long x1 && x1 > 0 ? x1 : memory;
            long vcpus = Num("vcpus") is long v0 && v0 > 0 ? v0 : 1;
            if (vcpus > 4096) Err("vcpus", "NumberInvalid", "vcpus must be at most 4096.");
            long maxvcpus = Num("maxvcpus") is long mv0 && mv0 > 0 ? mv0 : vcpus;
            if (maxvcpus > 4096) Err("maxvcpus", "NumberInvalid", "maxvcpus must be at most 4096.");
            if (maxvcpus < vcpus) Err("vcpus", "VcpusAboveMaxvcpus", $"xl: maxvcpus < vcpus (vcpus {vcpus}, maxvcpus {maxvcpus}).");

            string uuid = Guid.NewGuid().ToString("D");
            if (config.Uuid is string u)
            {
                if (Guid.TryParse(u, out var g)) uuid = g.ToString("D");
                else Err("uuid", "UuidInvalid", $"uuid '{u}' is not a valid UUID.");
            }
            double boot = Seconds("sim.boot_seconds", 1) ?? 1;
            double shut = Seconds("sim.shutdown_seconds", 2) ?? 2;
            double? crash = Seconds("sim.crash_after_seconds", null);
            string? ign = config.GetString("sim.ignore_shutdown");
            bool ignore = ign != null && (XenDomainConfig.ParseXlInteger(ign) ?? 0) != 0;
            string? pv = config.GetString("sim.pv_drivers");
            bool noPv = config.Type == XenDomainType.HVM && pv != null && (XenDomainConfig.ParseXlInteger(pv) ?? 1) == 0;

            if (diags.Count > 0) throw new XenConfigException(diags);
            return new SimDomain
            {
                Name = name!,
                Uuid = uuid,
                Type = config.Type,
                MemoryMiB = memory,
                MaxMemoryMiB = maxmem,
                VCpus = (int)vcpus,
                MaxVCpus = (int)Math.Max(vcpus, Math.Min(maxvcpus, 4096)),
                ConfigJson = SimDomain.ConfigToJson(config),
                BootSeconds = boot,
                ShutdownSeconds = shut,
                IgnoreShutdown = ignore,
                CrashAfterSeconds = crash,
                NoPvDrivers = noPv,
            };
        }

        /// <summary>Runs <paramref name="body"/> under the instance gate and the folder lock, on state synced and advanced to now.</summary>
        private T Locked<T>(CancellationToken ct, Func<long, T> body) => Guard(() =>
        {
            // SimHostOptions.Latency: the round trip a remote host would take (a real wait, cancellable).
            var latency = _latencyOf.Latency;
            if (latency > TimeSpan.Zero && ct.WaitHandle.WaitOne(latency)) ct.ThrowIfCancellationRequested();
            lock (_gate)
            {
                if (_disposed) throw new XenConnectionException($"The connection to simulated host '{_host?.Name}' has been closed.", XenErrorReason.ConnectionClosed);
                using (_store.AcquireLock(ct))
                {
                    try
                    {
                        _store.Sync(ct);
                        long now = NowMs;
                        Advance(now, ct);
                        _store.Commit(ct);
                        return body(now);
                    }
                    catch (Exception ex)
                    {
                        // memory may be ahead of the files: reload next time (a plain refusal changed nothing)
                        if (_store.HasPending || !(ex is XenPSException)) _store.Invalidate();
                        throw;
                    }
                }
            }
        });

        private T Guard<T>(Func<T> body) => GuardIn(_store.Folder, body);

        /// <summary>Only XenPSException subclasses leave the engine: file-system and format errors are mapped here.</summary>
        private static T GuardIn<T>(string folder, Func<T> body)
        {
            try
            {
                return body();
            }
            catch (IOException ex)
            {
                throw new XenConnectionException($"The simulated host state in '{folder}' could not be read or written: {ex.Message}", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new XenConnectionException($"The simulated host state in '{folder}' is not accessible: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is JsonException || ex is SimFormatException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is FormatException)
            {
                throw new XenStateDamagedException(
                    $"The simulated host state in '{folder}' is damaged: {ex.Message}. " +
                    "To keep every intact record and move the damaged files to a backup folder, repair it: " +
                    "Connect-XenHost <uri> -Option @{ Repair = $true } (see 'Simulated host state and recovery' in about_XenPS).",
                    folder, null, 0, ex);
            }
        }
    }
}
