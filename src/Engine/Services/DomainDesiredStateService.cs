using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Services
{
    /// <summary>Whether a domain's config is stored on its host (/etc/xen).</summary>
    public enum XenDesiredEnsure
    {
        Present,
        Absent,
    }

    /// <summary>The run state the DSC resource can bring a domain to.</summary>
    public enum XenDesiredRunState
    {
        Running,
        Stopped,
        Paused,
    }

    /// <summary>
    /// What the XenDomain DSC resource asks for. Null properties are left as they are. <see cref="Ensure"/> is about the
    /// config stored on the host; <see cref="ConfigPath"/> (a local file) or <see cref="ConfigText"/> (xl or YAML) is the
    /// desired config, with <see cref="MemoryMiB"/> and <see cref="VCpus"/> over it (and over the stored one when neither
    /// is given).
    /// </summary>
    public sealed class DomainDesiredState
    {
        public string Name { get; set; } = "";
        public XenDesiredEnsure Ensure { get; set; } = XenDesiredEnsure.Present;
        public XenDesiredRunState? State { get; set; }
        /// <summary>An absolute path to a config file (xl, xm-free, or YAML) on the machine that applies the configuration.</summary>
        public string? ConfigPath { get; set; }
        /// <summary>The config itself, xl or YAML.</summary>
        public string? ConfigText { get; set; }
        public bool? AutoStart { get; set; }
        public long? MemoryMiB { get; set; }
        public int? VCpus { get; set; }
        /// <summary>Stop and start a running domain when a change takes effect only at its next start.</summary>
        public bool AllowRestart { get; set; }
        /// <summary>How long a shutdown may take before it is an error.</summary>
        public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(300);
    }

    /// <summary>What a host has of one domain: its stored config, its run state and its resources.</summary>
    public sealed class DomainActualState
    {
        internal DomainActualState(string name, XenHostConnection host) { Name = name; Host = host; }

        public string Name { get; }
        public XenHostConnection Host { get; }
        public XenDesiredEnsure Ensure { get; internal set; }
        /// <summary>The stored config's path on the host (/etc/xen/web.cfg), or null.</summary>
        public string? StoredConfigPath { get; internal set; }
        /// <summary>The stored config's text as the host has it, or null.</summary>
        public string? StoredConfigText { get; internal set; }
        /// <summary>The stored config parsed, or null (absent, or it does not read: see <see cref="StoredConfigDiagnostics"/>).</summary>
        public XenDomainConfig? StoredConfig { get; internal set; }
        public IReadOnlyList<XenDiagnostic> StoredConfigDiagnostics { get; internal set; } = Array.Empty<XenDiagnostic>();
        /// <summary>Running, Paused or Stopped (not running, or shut down and kept); else the domain's own state (Crashed, Suspended, ...).</summary>
        public string State { get; internal set; } = "Stopped";
        /// <summary>The domain as the host lists it (with a domid), or null when it does not exist on the hypervisor.</summary>
        public XenDomain? Domain { get; internal set; }
        public bool AutoStart { get; internal set; }
        /// <summary>The running domain's memory, else the stored config's; null when neither says.</summary>
        public long? MemoryMiB { get; internal set; }
        /// <summary>The running domain's online vCPUs, else the stored config's.</summary>
        public int? VCpus { get; internal set; }
        public int? Id => Domain?.Id;

        internal XenStoredDomain? Stored { get; set; }

        /// <summary>Whether the domain runs (or is paused) now: what a stop or a resize acts on.</summary>
        public bool IsLive => Domain != null && (State == "Running" || State == "Paused");
    }

    /// <summary>One property of a desired state against the actual one.</summary>
    public sealed class DesiredPropertyResult
    {
        public DesiredPropertyResult(string property, string desired, string actual, bool inDesiredState, string? detail = null)
        {
            Property = property;
            Desired = desired;
            Actual = actual;
            InDesiredState = inDesiredState;
            Detail = detail;
        }

        public string Property { get; }
        public string Desired { get; }
        public string Actual { get; }
        public bool InDesiredState { get; }
        /// <summary>What differs in detail (for Config: the keys), or null.</summary>
        public string? Detail { get; }

        /// <summary>"State is Stopped, desired Running": what -Verbose shows.</summary>
        public override string ToString() =>
            InDesiredState ? $"{Property} is {Actual} as desired."
                : $"{Property} is {Actual}, desired {Desired}" + (Detail != null ? $": {Detail}" : "") + ".";
    }

    /// <summary>A desired state compared with the actual one, property by property.</summary>
    public sealed class DomainDesiredStateComparison
    {
        internal DomainDesiredStateComparison(DomainActualState actual, IReadOnlyList<DesiredPropertyResult> properties, XenDomainConfig? effectiveConfig,
            IReadOnlyList<string> configDifferences)
        {
            Actual = actual;
            Properties = properties;
            EffectiveConfig = effectiveConfig;
            ConfigDifferences = configDifferences;
        }

        public DomainActualState Actual { get; }
        /// <summary>Every property that was asked for, in the order Set handles them.</summary>
        public IReadOnlyList<DesiredPropertyResult> Properties { get; }
        /// <summary>The config the host should store (desired config, MemoryMiB and VCpus applied), or null when none is managed.</summary>
        public XenDomainConfig? EffectiveConfig { get; }
        /// <summary>The config keys that differ between <see cref="EffectiveConfig"/> and the stored config.</summary>
        public IReadOnlyList<string> ConfigDifferences { get; }
        public bool InDesiredState => Properties.All(p => p.InDesiredState);
        public IEnumerable<DesiredPropertyResult> Differences => Properties.Where(p => !p.InDesiredState);
    }

    /// <summary>What Set did: the changes made (in order), the warnings, and the state afterwards.</summary>
    public sealed class DomainDesiredStateSetResult
    {
        internal DomainDesiredStateSetResult(DomainDesiredStateComparison before, IReadOnlyList<string> changes, IReadOnlyList<string> warnings, DomainActualState after)
        {
            Before = before;
            Changes = changes;
            Warnings = warnings;
            After = after;
        }

        public DomainDesiredStateComparison Before { get; }
        public IReadOnlyList<string> Changes { get; }
        public IReadOnlyList<string> Warnings { get; }
        public DomainActualState After { get; }
    }

    /// <summary>
    /// The XenDomain DSC resource's logic: Get (the actual state), Test (per-property comparison; the config compared
    /// parsed, key by key, never as text) and Set (only the changes needed, in a safe order: write the stored config,
    /// start/stop, resize, autostart). A change that takes effect only at the next start of a running domain is a
    /// warning unless <see cref="DomainDesiredState.AllowRestart"/>. Built on StoredConfigService, DomainLifecycleService,
    /// DomainSettingsService and DomainWaitService; needs IXenStoredConfigs (OperationNotSupported without it).
    /// </summary>
    public sealed class DomainDesiredStateService
    {
        private const string EnsureProperty = "Ensure";
        private const string ConfigProperty = "Config";
        private const string StateProperty = "State";
        private const string MemoryProperty = "MemoryMiB";
        private const string VCpusProperty = "VCpus";
        private const string AutoStartProperty = "AutoStart";

        // keys compared as numbers (0x100 = 256), as xl reads them
        private static readonly HashSet<string> NumericKeys = new HashSet<string>(StringComparer.Ordinal) { "memory", "maxmem", "vcpus", "maxvcpus" };

        private readonly DomainLifecycleService _lifecycle;
        private readonly DomainWaitService _waits;
        private readonly StoredConfigService _stored = new StoredConfigService();

        public DomainDesiredStateService(DomainWaitService? waits = null)
        {
            _waits = waits ?? new DomainWaitService();
            _lifecycle = new DomainLifecycleService(_waits);
        }

        /// <summary>How long Set waits for a resized guest to show its new memory and vCPUs (the balloon driver acts in its own time).</summary>
        public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(60);

        // ------------------------------------------------------------------ Get

        /// <summary>The domain named <paramref name="name"/> on <paramref name="host"/>: stored config, run state, resources.</summary>
        public DomainActualState Get(XenHostConnection host, string name, CancellationToken ct)
        {
            CheckName(name);
            var listed = host.Backend.ListDomains(ct); // first: it proves the connection (and a pool's login) before the capability is asked for
            Store(host);
            var a = new DomainActualState(name, host);
            var stored = _stored.Read(host, ct).Where(s => string.Equals(s.DomainName, name, StringComparison.Ordinal)).ToList();
            var s0 = stored.FirstOrDefault();
            a.Stored = s0;
            a.Ensure = s0 != null ? XenDesiredEnsure.Present : XenDesiredEnsure.Absent;
            a.StoredConfigPath = s0?.File.Path;
            a.StoredConfigText = s0?.File.Text;
            a.StoredConfig = s0?.Config;
            a.StoredConfigDiagnostics = s0?.Diagnostics ?? Array.Empty<XenDiagnostic>();
            a.AutoStart = stored.Any(s => s.File.AutoStart);

            XenDomain? d = null;
            foreach (var x in listed)
                if (!x.IsDomain0 && string.Equals(x.Name, name, StringComparison.Ordinal) && (d == null || (x.Id ?? -1) > (d.Id ?? -1))) d = x;
            if (d != null)
            {
                DomainLifecycleService.Stamp(d, host);
                d.ConfigPath = a.StoredConfigPath;
                d.AutoStart = a.AutoStart;
            }
            a.Domain = d;
            a.State = d == null ? "Stopped" : d.State switch
            {
                XenDomainState.Running => "Running",
                XenDomainState.Paused => "Paused",
                XenDomainState.Halted => "Stopped",
                var other => other.ToString(),
            };
            if (a.IsLive)
            {
                a.MemoryMiB = d!.MemoryMiB;
                a.VCpus = d.VCpus;
            }
            else if (a.StoredConfig != null)
            {
                a.MemoryMiB = a.StoredConfig.MemoryMiB ?? a.StoredConfig.MaxMemoryMiB;
                a.VCpus = a.StoredConfig.VCpus is long v && v <= int.MaxValue ? (int)v : (int?)null;
            }
            return a;
        }

        // ------------------------------------------------------------------ Test

        /// <summary>Every asked-for property against the host; <see cref="DomainDesiredStateComparison.InDesiredState"/> says whether all match.</summary>
        public DomainDesiredStateComparison Test(XenHostConnection host, DomainDesiredState desired, CancellationToken ct)
        {
            Validate(desired);
            var desiredConfig = ReadDesiredConfig(desired, ct);
            var a = Get(host, desired.Name, ct);
            return Compare(desired, desiredConfig, a);
        }

        private DomainDesiredStateComparison Compare(DomainDesiredState desired, XenDomainConfig? desiredConfig, DomainActualState a)
        {
            var props = new List<DesiredPropertyResult>();
            props.Add(new DesiredPropertyResult(EnsureProperty, desired.Ensure.ToString(), a.Ensure.ToString(), desired.Ensure == a.Ensure,
                desired.Ensure == a.Ensure ? null : a.Ensure == XenDesiredEnsure.Absent
                    ? $"{a.Name} has no stored config in /etc/xen on {a.Host.Name}"
                    : $"{a.StoredConfigPath} is stored on {a.Host.Name}"));
            XenDomainConfig? effective = null;
            var diff = (IReadOnlyList<string>)Array.Empty<string>();
            if (desired.Ensure == XenDesiredEnsure.Present)
            {
                effective = Effective(desired, desiredConfig, a);
                if (effective != null)
                {
                    if (a.StoredConfig == null)
                    {
                        string why = a.Stored == null ? "not stored" : "unreadable";
                        string? detail = a.Stored == null ? null
                            : $"{a.StoredConfigPath} does not read as a config: {a.StoredConfigDiagnostics.FirstOrDefault(x => x.Severity == DiagnosticSeverity.Error)?.Message}";
                        props.Add(new DesiredPropertyResult(ConfigProperty, Source(desired), why, false, detail));
                        diff = effective.Settings.Keys.Cast<string>().ToList();
                    }
                    else
                    {
                        diff = Differences(effective, a.StoredConfig, out string detail);
                        props.Add(new DesiredPropertyResult(ConfigProperty, Source(desired), a.StoredConfigPath!, diff.Count == 0, diff.Count == 0 ? null : detail));
                    }
                }
                else if (a.Stored != null && a.StoredConfig == null)
                {
                    var err = a.StoredConfigDiagnostics.FirstOrDefault(x => x.Severity == DiagnosticSeverity.Error);
                    props.Add(new DesiredPropertyResult(ConfigProperty, "a readable config", "unreadable", false,
                        $"{a.StoredConfigPath} does not read as a config ({err?.Message}); give ConfigPath or Config to replace it"));
                }
            }
            if (desired.State is XenDesiredRunState st)
                props.Add(new DesiredPropertyResult(StateProperty, st.ToString(), a.State, st.ToString() == a.State,
                    a.Domain != null && st.ToString() != a.State ? $"id {a.Domain.IdText}, flags {a.Domain.StateFlags}" : null));
            if (desired.Ensure == XenDesiredEnsure.Present)
            {
                string where = a.IsLive ? "running" : "stored";
                if (desired.MemoryMiB is long m)
                    props.Add(new DesiredPropertyResult(MemoryProperty, N(m), a.MemoryMiB is long am ? N(am) : "unknown", a.MemoryMiB == m, a.MemoryMiB == m ? null : $"the {where} domain's"));
                if (desired.VCpus is int v)
                    props.Add(new DesiredPropertyResult(VCpusProperty, N(v), a.VCpus is int av ? N(av) : "unknown", a.VCpus == v, a.VCpus == v ? null : $"the {where} domain's"));
            }
            if (desired.AutoStart is bool on)
                props.Add(new DesiredPropertyResult(AutoStartProperty, B(on), B(a.AutoStart), a.AutoStart == on));
            return new DomainDesiredStateComparison(a, props, effective, diff);
        }

        // ------------------------------------------------------------------ Set

        /// <summary>
        /// Makes only the changes needed, in this order: the stored config, start/stop (or the restart a change needs, with
        /// AllowRestart), resize of a running domain (then waits for the guest to show it), the autostart link. In the
        /// desired state already, nothing is written or sent. A failing step throws; what was done before it stays done
        /// and a second Set goes on from there.
        /// </summary>
        public DomainDesiredStateSetResult Set(XenHostConnection host, DomainDesiredState desired, CancellationToken ct)
        {
            Validate(desired);
            var desiredConfig = ReadDesiredConfig(desired, ct);
            var a = Get(host, desired.Name, ct);
            var before = Compare(desired, desiredConfig, a);
            var changes = new List<string>();
            var warnings = new List<string>();
            if (before.InDesiredState) return new DomainDesiredStateSetResult(before, changes, warnings, a);

            var store = Store(host);
            string who = $"{desired.Name} on {host.Name}";
            if (desired.Ensure == XenDesiredEnsure.Absent)
            {
                if (desired.State == XenDesiredRunState.Stopped) StopAll(a, desired, changes, ct);
                if (a.Stored != null)
                {
                    foreach (var s in _stored.Read(host, ct).Where(s => string.Equals(s.DomainName, desired.Name, StringComparison.Ordinal)))
                    {
                        store.RemoveStoredConfig(s.File.FileName, ct);
                        changes.Add($"Removed {s.File.Path} (and its autostart link) from {host.Name}.");
                    }
                }
                if (desired.State == null && a.IsLive)
                    warnings.Add($"{who} is still running (id {a.Domain!.IdText}); its config is no longer stored on the host. Set State = 'Stopped' to stop it too.");
                return new DomainDesiredStateSetResult(before, changes, warnings, Get(host, desired.Name, ct));
            }

            // 1. the stored config
            var effective = before.EffectiveConfig;
            if (effective == null && a.StoredConfig == null)
            {
                if (a.Stored != null)
                    throw new XenConfigException(a.StoredConfigDiagnostics.Prepend(new XenDiagnostic(DiagnosticSeverity.Error, "StoredConfigUnreadable",
                        $"{a.StoredConfigPath} on {host.Name} does not read as a config, and no desired config is given to replace it.", a.StoredConfigPath, 0, 0,
                        "Give the XenDomain resource ConfigPath or Config.")));
                throw new XenInvalidOperationException(
                    $"{who} has no stored config in {store.ConfigDirectory} and none is given: give the XenDomain resource ConfigPath (a config file) or Config (its text).",
                    XenErrorReason.InvalidArgument);
            }
            string file = a.Stored?.File.FileName ?? XenStoredConfigNames.ForDomain(desired.Name);
            var startConfig = effective ?? a.StoredConfig!;
            var changedKeys = before.ConfigDifferences;
            if (effective != null && (a.StoredConfig == null || changedKeys.Count > 0))
            {
                ct.ThrowIfCancellationRequested();
                string text = XlConfigWriter.Write(effective);
                store.WriteStoredConfig(file, text, overwrite: true, ct);
                string path = store.ConfigDirectory + "/" + file;
                changes.Add(a.StoredConfig == null ? $"Stored the config of {desired.Name} as {path} on {host.Name}."
                    : $"Rewrote {path} on {host.Name} ({string.Join(", ", changedKeys)} changed).");
            }

            // 2. start / stop, or the restart a change needs
            var d = a.IsLive ? a.Domain : null;
            var reasons = new List<string>();
            if (d != null)
            {
                var keys = changedKeys.Where(k => !(k == "memory" && desired.MemoryMiB != null) && !(k == "vcpus" && desired.VCpus != null)).ToList();
                if (keys.Count > 0) reasons.Add($"its stored config changed ({string.Join(", ", keys)}), which a running domain takes only when it starts again");
                if (desired.MemoryMiB is long m && d.MaxMemoryMiB > 0 && m > d.MaxMemoryMiB)
                    reasons.Add($"MemoryMiB = {N(m)} is above its maximum memory of {N(d.MaxMemoryMiB)} MiB, fixed when it was started (maxmem)");
                if (desired.VCpus is int v && d.MaxVCpus > 0 && v > d.MaxVCpus)
                    reasons.Add($"VCpus = {N(v)} is above its boot-time maximum of {N(d.MaxVCpus)} (maxvcpus)");
            }
            bool restart = d != null && reasons.Count > 0 && desired.State != XenDesiredRunState.Stopped;
            if (restart && !desired.AllowRestart)
            {
                warnings.Add($"{who} (id {d!.IdText}) needs a restart to take the change: {string.Join("; ", reasons)}. It was not restarted: " +
                    "stop and start it (Stop-XenDomain -Wait; Start-XenDomain), or set AllowRestart = $true to let the resource do it.");
                restart = false;
            }
            if (restart)
            {
                bool paused = desired.State == XenDesiredRunState.Paused || (desired.State == null && a.State == "Paused");
                StopAll(a, desired, changes, ct);
                d = Start(host, startConfig, paused, changes, $"to take the change: {string.Join("; ", reasons)}", ct);
            }
            else
            {
                switch (desired.State)
                {
                    case XenDesiredRunState.Running:
                        if (d == null) d = StartFresh(a, startConfig, false, changes, ct);
                        else if (a.State == "Paused") d = Power(a, d, false, changes, ct);
                        break;
                    case XenDesiredRunState.Paused:
                        if (d == null) d = StartFresh(a, startConfig, true, changes, ct);
                        else if (a.State == "Running") d = Power(a, d, true, changes, ct);
                        break;
                    case XenDesiredRunState.Stopped:
                        if (a.State != "Stopped") StopAll(a, desired, changes, ct);
                        d = null;
                        break;
                }
            }

            // 3. resize what a running domain can take now
            if (d != null && d.Id != null)
            {
                var s = new DomainSettings();
                if (desired.MemoryMiB is long m && d.MemoryMiB != m && (d.MaxMemoryMiB <= 0 || m <= d.MaxMemoryMiB)) s.MemoryMiB = m;
                if (desired.VCpus is int v && d.VCpus != v && (d.MaxVCpus <= 0 || v <= d.MaxVCpus)) s.VCpus = v;
                if (!s.IsEmpty)
                {
                    var t = new XenDomainTarget(host, d);
                    var r = new DomainSettingsService().Apply(t, s, ct);
                    if (r.Error != null) throw r.Error;
                    changes.Add($"Set {s.Describe()} on {t.Description}.");
                    Settle(t, s, warnings, ct);
                }
            }

            // 4. the autostart link
            if (desired.AutoStart is bool on)
            {
                bool now = _stored.Read(host, ct).Where(x => x.File.FileName == file).Any(x => x.File.AutoStart);
                if (now != on && store.SetAutoStart(file, on, ct))
                    changes.Add(on ? $"Linked /etc/xen/auto/{file} on {host.Name}: the host starts {desired.Name} at boot."
                        : $"Removed /etc/xen/auto/{file} on {host.Name}: the host no longer starts {desired.Name} at boot.");
            }
            return new DomainDesiredStateSetResult(before, changes, warnings, Get(host, desired.Name, ct));
        }

        // ------------------------------------------------------------------ steps

        private XenDomain StartFresh(DomainActualState a, XenDomainConfig config, bool paused, List<string> changes, CancellationToken ct)
        {
            if (a.Domain != null) ClearNotLive(a, changes, ct);
            return Start(a.Host, config, paused, changes, null, ct);
        }

        private XenDomain Start(XenHostConnection host, XenDomainConfig config, bool paused, List<string> changes, string? why, CancellationToken ct)
        {
            var d = _lifecycle.Create(host, config, new CreateDomainOptions { Paused = paused }, ct);
            changes.Add($"Started {d.Name} (id {d.IdText}) on {host.Name}" + (paused ? ", paused" : "") + (why != null ? " " + why : "") + ".");
            return d;
        }

        private XenDomain Power(DomainActualState a, XenDomain d, bool pause, List<string> changes, CancellationToken ct)
        {
            var t = new XenDomainTarget(a.Host, d);
            var r = _lifecycle.SetPaused(t, pause, ct);
            if (r.Error != null) throw r.Error;
            changes.Add($"{(pause ? "Paused" : "Unpaused")} {t.Description}.");
            return r.Domain ?? d;
        }

        // Stops the domain (unpaused first: a paused guest cannot shut down), waiting for it; a crashed or kept one is destroyed.
        private void StopAll(DomainActualState a, DomainDesiredState desired, List<string> changes, CancellationToken ct)
        {
            var d = a.Domain;
            if (d == null || d.Id == null) return;
            if (!a.IsLive)
            {
                if (a.State != "Stopped") ClearNotLive(a, changes, ct);
                return;
            }
            if (a.State == "Paused") d = Power(a, d, false, changes, ct);
            var t = new XenDomainTarget(a.Host, d);
            var o = new StopOptions { Timeout = desired.StopTimeout };
            var first = _lifecycle.RequestStop(t, o, ct);
            if (first.Error != null) throw first.Error;
            foreach (var r in _lifecycle.WaitForStop(new[] { t }, o, null, null, null, ct))
                if (r.Error != null) throw r.Error;
            changes.Add($"Shut {t.Description} down.");
            // a domain kept after shutting down (on_poweroff=preserve) would block the next start under its name
            var kept = a.Host.Backend.ListDomains(ct).FirstOrDefault(x => x.Id == d.Id && x.Name == d.Name);
            if (kept != null) DestroyKept(a.Host, DomainLifecycleService.Stamp(kept, a.Host), changes, ct);
        }

        // A domain that exists but does not run (kept after a shutdown or a crash) is destroyed: its name is needed to start
        // it again. A suspended one is refused, as destroying it would lose its memory.
        private void ClearNotLive(DomainActualState a, List<string> changes, CancellationToken ct)
        {
            var d = a.Domain!;
            if (d.State == XenDomainState.Suspended)
                throw new XenInvalidOperationException(
                    $"{d.Name} (id {d.IdText}) on {a.Host.Name} is suspended: starting or stopping it here would destroy its saved memory. " +
                    "Restore it (Restore-XenDomain) or destroy it (Stop-XenDomain -TurnOff) first.");
            DestroyKept(a.Host, d, changes, ct);
        }

        private void DestroyKept(XenHostConnection host, XenDomain d, List<string> changes, CancellationToken ct)
        {
            var t = new XenDomainTarget(host, d);
            var r = _lifecycle.RequestStop(t, new StopOptions { Destroy = true }, ct);
            if (r.Error != null && r.Error.Reason != XenErrorReason.DomainNotFound) throw r.Error;
            changes.Add($"Destroyed {t.Description}, which was {d.State.ToString().ToLowerInvariant()} and kept.");
        }

        // waits until the listing shows the new memory and vCPUs; a guest that is slow to get there is a warning
        private void Settle(XenDomainTarget t, DomainSettings s, List<string> warnings, CancellationToken ct)
        {
            foreach (var w in _waits.Wait(new[] { t }, x => x != null && (s.MemoryMiB == null || x.MemoryMiB == s.MemoryMiB) && (s.VCpus == null || x.VCpus == s.VCpus),
                         SettleTimeout, "Resizing Xen domain", null, ct))
            {
                if (w.Error != null) throw w.Error;
                if (!w.Met)
                    warnings.Add($"{t.Description} has not reached {s.Describe()} within {SettleTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s " +
                        $"(it shows {N(w.Domain?.MemoryMiB ?? 0)} MiB and {N(w.Domain?.VCpus ?? 0)} vCPUs); the guest's balloon driver or CPU hotplug may still be at work.");
            }
        }

        // ------------------------------------------------------------------ desired config

        /// <summary>Refuses contradictions and bad values before anything is read from the host.</summary>
        public static void Validate(DomainDesiredState d)
        {
            if (d == null) throw new ArgumentNullException(nameof(d));
            CheckName(d.Name);
            if (d.ConfigPath != null && d.ConfigText != null)
                throw new XenArgumentException("Give the XenDomain resource either ConfigPath or Config, not both.");
            if (d.ConfigPath != null && !Path.IsPathFullyQualified(d.ConfigPath))
                throw new XenArgumentException($"ConfigPath '{d.ConfigPath}' is not an absolute path; DSC applies configurations in its own process and folder, so give the full path of the config file.");
            if (d.MemoryMiB is long m && m < 1) throw new XenArgumentException($"MemoryMiB = {N(m)} is not possible; give at least 1 MiB.");
            if (d.VCpus is int v && v < 1) throw new XenArgumentException($"VCpus = {N(v)} is not possible; give at least 1.");
            if (d.StopTimeout <= TimeSpan.Zero) throw new XenArgumentException("The stop timeout must be more than 0 seconds.");
            if (d.Ensure == XenDesiredEnsure.Absent)
            {
                var bad = new List<string>();
                if (d.State == XenDesiredRunState.Running || d.State == XenDesiredRunState.Paused) bad.Add($"State = '{d.State}'");
                if (d.AutoStart == true) bad.Add("AutoStart = $true");
                if (d.MemoryMiB != null) bad.Add("MemoryMiB");
                if (d.VCpus != null) bad.Add("VCpus");
                if (d.ConfigPath != null) bad.Add("ConfigPath");
                if (d.ConfigText != null) bad.Add("Config");
                if (bad.Count > 0)
                    throw new XenArgumentException($"Ensure = 'Absent' removes {d.Name}'s stored config from the host, so {string.Join(", ", bad)} cannot be given with it. " +
                        "Leave them out (State = 'Stopped' stops the domain too), or use Ensure = 'Present'.");
            }
        }

        private static void CheckName(string name)
        {
            if (string.IsNullOrEmpty(name)) throw new XenArgumentException("The XenDomain resource needs a Name: the domain's name.");
            if (name == "Domain-0")
                throw new XenInvalidOperationException("Domain-0 is the host's control domain: it has no stored config and always runs, so the XenDomain resource cannot manage it.",
                    XenErrorReason.Domain0Refused);
            var c = new XenDomainConfig();
            c.Set("name", name);
            var found = new List<XenDiagnostic>();
            ConfigValidator.ValidateName(c, found);
            var first = found.FirstOrDefault(x => x.Severity == DiagnosticSeverity.Error);
            if (first != null) throw new XenArgumentException($"Name '{name}' is not a valid domain name: {first.Message}");
        }

        /// <summary>The desired config as given (ConfigPath or ConfigText), parsed; null when neither is given.</summary>
        public static XenDomainConfig? ReadDesiredConfig(DomainDesiredState d, CancellationToken ct)
        {
            var options = new ConfigReadOptions { Validate = false };
            if (d.ConfigPath != null) return DomainConfigReader.Load(d.ConfigPath, null, options, ct);
            if (d.ConfigText != null) return DomainConfigReader.LoadText(d.ConfigText, "Config", null, options, ct);
            return null;
        }

        /// <summary>
        /// The config the host should store: the desired config (or, without one, the stored config when MemoryMiB or VCpus
        /// is asked for) named Name, with memory and vcpus set from MemoryMiB and VCpus, validated. Null when no config is managed.
        /// </summary>
        private static XenDomainConfig? Effective(DomainDesiredState d, XenDomainConfig? desiredConfig, DomainActualState a)
        {
            XenDomainConfig? c = desiredConfig?.Clone();
            if (c == null && (d.MemoryMiB != null || d.VCpus != null)) c = a.StoredConfig?.Clone();
            if (c == null) return null;
            string? n = c.Name;
            if (!string.IsNullOrEmpty(n) && n != d.Name)
                throw new XenArgumentException($"The config {Source(d)} names the domain '{n}', but the resource's Name is '{d.Name}'. Make them the same, or leave name out of the config.");
            if (string.IsNullOrEmpty(n)) c.Set("name", d.Name);
            if (d.MemoryMiB is long m) c.Set("memory", N(m));
            if (d.VCpus is int v) c.Set("vcpus", N(v));
            var found = new List<XenDiagnostic>();
            ConfigValidator.Validate(c, found);
            if (found.Any(x => x.Severity == DiagnosticSeverity.Error)) throw new XenConfigException(found);
            return c;
        }

        private static string Source(DomainDesiredState d) =>
            d.ConfigPath != null ? d.ConfigPath : d.ConfigText != null ? "(Config)" : "(the stored config with MemoryMiB/VCpus)";

        /// <summary>
        /// The keys whose values differ between two configs, compared parsed: the same keys with the same values (strings
        /// ordinal, lists item by item, memory/maxmem/vcpus/maxvcpus as numbers), in any order.
        /// </summary>
        public static IReadOnlyList<string> Differences(XenDomainConfig desired, XenDomainConfig stored, out string detail)
        {
            var keys = new List<string>();
            var parts = new List<string>();
            foreach (DictionaryEntry e in desired.Settings)
            {
                string k = (string)e.Key;
                object? s = stored.Get(k);
                if (s == null) { keys.Add(k); parts.Add($"{k} is not in the stored config (desired {Show(e.Value!)})"); }
                else if (!Same(k, e.Value!, s)) { keys.Add(k); parts.Add($"{k} is {Show(s)}, desired {Show(e.Value!)}"); }
            }
            foreach (DictionaryEntry e in stored.Settings)
            {
                string k = (string)e.Key;
                if (!desired.Settings.Contains(k)) { keys.Add(k); parts.Add($"{k} = {Show(e.Value!)} is stored but not desired"); }
            }
            detail = string.Join("; ", parts);
            return keys;
        }

        private static bool Same(string key, object a, object b)
        {
            if (a is string sa && b is string sb)
            {
                if (NumericKeys.Contains(key) && XenDomainConfig.ParseXlInteger(sa) is long na && XenDomainConfig.ParseXlInteger(sb) is long nb) return na == nb;
                return string.Equals(sa, sb, StringComparison.Ordinal);
            }
            if (a is object[] la && b is object[] lb)
            {
                if (la.Length != lb.Length) return false;
                for (int i = 0; i < la.Length; i++)
                    if (!Same("", la[i], lb[i])) return false;
                return true;
            }
            return false;
        }

        private static string Show(object v)
        {
            try
            {
                string s = XlConfigWriter.FormatValue(v);
                return s.Length > 120 ? s.Substring(0, 120) + "…" : s;
            }
            catch (XenConfigException) { return "(a value xl cannot write)"; }
        }

        private static IXenStoredConfigs Store(XenHostConnection host) =>
            host.Backend.Require<IXenStoredConfigs>("stored domain configs (/etc/xen), which the XenDomain DSC resource manages");

        private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        private static string B(bool b) => b ? "$true" : "$false";
    }
}
