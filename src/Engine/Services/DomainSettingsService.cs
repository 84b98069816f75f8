using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Services
{
    /// <summary>
    /// What Set-XenDomain changes on a running domain; null = leave as it is. A new setting (say, AutoStart) is a new
    /// property here, a check in <see cref="DomainSettingsService"/>'s validation and a step in its plan.
    /// </summary>
    public sealed class DomainSettings
    {
        /// <summary>The balloon target, MiB (xl mem-set).</summary>
        public long? MemoryMiB { get; set; }
        /// <summary>The maximum memory, MiB (xl mem-max).</summary>
        public long? MaxMemoryMiB { get; set; }
        /// <summary>Online vCPUs, 1 to the domain's boot-time maximum (xl vcpu-set).</summary>
        public int? VCpus { get; set; }
        /// <summary>More vCPUs than the host has physical CPUs are allowed (xl vcpu-set --ignore-host).</summary>
        public bool AllowOvercommit { get; set; }
        /// <summary>The new name (xl rename); applied after the resources.</summary>
        public string? NewName { get; set; }
        /// <summary>
        /// Start at the host's boot (a link /etc/xen/auto/&lt;file&gt; to the domain's stored config, as xendomains expects)
        /// or not; applied last. Works on defined domains that are not running too.
        /// </summary>
        public bool? AutoStart { get; set; }

        public bool IsEmpty => MemoryMiB == null && MaxMemoryMiB == null && VCpus == null && NewName == null && AutoStart == null;

        /// <summary>Whether a setting of the running domain (memory, vCPUs, name) is asked for.</summary>
        internal bool ChangesRunningDomain => MemoryMiB != null || MaxMemoryMiB != null || VCpus != null || NewName != null;

        /// <summary>"MemoryMiB = 256, NewName = 'web2'": what ShouldProcess and messages show.</summary>
        public string Describe() => string.Join(", ", Requested().Select(s => $"{s.Setting} = {s.Shown}"));

        internal IEnumerable<(string Setting, string Shown)> Requested()
        {
            if (MaxMemoryMiB is long x) yield return (DomainSettingsService.MaxMemorySetting, N(x) + " MiB");
            if (MemoryMiB is long m) yield return (DomainSettingsService.MemorySetting, N(m) + " MiB");
            if (VCpus is int v) yield return (DomainSettingsService.VCpusSetting, N(v));
            if (NewName != null) yield return (DomainSettingsService.NewNameSetting, "'" + NewName + "'");
            if (AutoStart is bool a) yield return (DomainSettingsService.AutoStartSetting, a ? "$true" : "$false");
        }

        private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>How one setting of one domain came out.</summary>
    public enum XenSettingStatus
    {
        /// <summary>Changed on the host.</summary>
        Applied,
        /// <summary>Already so (a rename to the name it has): nothing was sent.</summary>
        Unchanged,
        /// <summary>The host (or the check before it) refused it; see Error.</summary>
        Failed,
        /// <summary>Not attempted: an earlier setting failed, or the checks refused the request.</summary>
        NotAttempted,
    }

    /// <summary>One setting's outcome: name (the parameter: MemoryMiB, MaxMemoryMiB, VCpus, NewName), value, status.</summary>
    public sealed class XenSettingOutcome
    {
        public XenSettingOutcome(string setting, string value, XenSettingStatus status, XenPSException? error = null)
        {
            Setting = setting;
            Value = value;
            Status = status;
            Error = error;
        }

        public string Setting { get; }
        public string Value { get; }
        public XenSettingStatus Status { get; }
        public XenPSException? Error { get; }
        public override string ToString() => $"{Setting} = {Value}: {Status}";
    }

    /// <summary>One target's result: the domain afterwards, each setting's outcome, and the error (naming the setting) if any.</summary>
    public sealed class XenDomainSettingsResult
    {
        internal XenDomainSettingsResult(XenDomainTarget target, XenDomain? domain, IReadOnlyList<XenSettingOutcome> outcomes, XenDomainSettingException? error)
        {
            Target = target;
            Domain = domain;
            Outcomes = outcomes;
            Error = error;
        }

        public XenDomainTarget Target { get; }
        /// <summary>The domain as listed afterwards (also after a failure: what was applied shows).</summary>
        public XenDomain? Domain { get; }
        public IReadOnlyList<XenSettingOutcome> Outcomes { get; }
        public XenDomainSettingException? Error { get; }
        public bool Succeeded => Error == null;
    }

    /// <summary>
    /// A setting of one domain failed. Reason and ErrorId are those of the cause (SettingOutOfRange, DomainExists,
    /// InsufficientHostResources, ...); the message names the setting and what was already applied.
    /// </summary>
    public sealed class XenDomainSettingException : XenPSException
    {
        public XenDomainSettingException(string message, string setting, IReadOnlyList<string> applied, XenPSException cause)
            : base(message, cause, cause.Reason)
        {
            Setting = setting;
            Applied = applied;
            Cause = cause;
        }

        /// <summary>The setting that failed (MemoryMiB, MaxMemoryMiB, VCpus, NewName).</summary>
        public string Setting { get; }
        /// <summary>The settings applied before it ("MaxMemoryMiB = 512 MiB"); empty when nothing changed.</summary>
        public IReadOnlyList<string> Applied { get; }
        public XenPSException Cause { get; }
        public override string ErrorId => Cause.ErrorId;
    }

    /// <summary>
    /// Changes settings of running domains (Set-XenDomain): every value is checked against the listed domain and its
    /// host BEFORE anything changes (xl's rules: memory at most maxmem, vCPUs 1..maxvcpus and at most the host's CPUs
    /// unless overcommit is allowed, raising memory needs free host memory, a free and valid name, Domain-0 never
    /// renamed); then the settings are applied in a safe order: maximum memory before memory when the current memory fits
    /// under the new maximum, else memory first; vCPUs; the rename last. One result per target, with each setting's
    /// outcome; a failure stops that target's remaining settings and says what was applied.
    /// </summary>
    public sealed class DomainSettingsService
    {
        public const string MemorySetting = "MemoryMiB";
        public const string MaxMemorySetting = "MaxMemoryMiB";
        public const string VCpusSetting = "VCpus";
        public const string NewNameSetting = "NewName";
        public const string AutoStartSetting = "AutoStart";

        // host facts asked at most once per host per service instance (a cmdlet invocation)
        // Concurrent: Set-XenDomain applies settings on several hosts at once (one fan-out worker per host).
        private readonly System.Collections.Concurrent.ConcurrentDictionary<XenHostConnection, XenHostInfo?> _facts = new System.Collections.Concurrent.ConcurrentDictionary<XenHostConnection, XenHostInfo?>();

        /// <summary>Applies <paramref name="settings"/> to every target, one after the other, a result each.</summary>
        public IEnumerable<XenDomainSettingsResult> Apply(IEnumerable<XenDomainTarget> targets, DomainSettings settings, CancellationToken ct)
        {
            foreach (var t in targets) yield return Apply(t, settings, ct);
        }

        /// <summary>Checks, then applies, the settings to one domain.</summary>
        public XenDomainSettingsResult Apply(XenDomainTarget t, DomainSettings s, CancellationToken ct)
        {
            if (s == null) throw new ArgumentNullException(nameof(s));
            var requested = s.Requested().ToList();
            var outcomes = new List<XenSettingOutcome>();
            IXenDomainSettings? cap;
            List<Step> plan;
            try
            {
                cap = s.ChangesRunningDomain ? t.Host.Backend.Require<IXenDomainSettings>("changing domain settings") : null;
                plan = Plan(t, s, cap, ct);
            }
            catch (XenPSException e)
            {
                string setting = (e as XenSettingOutOfRangeException)?.Setting ?? SettingOf(e) ?? requested.FirstOrDefault().Setting ?? "";
                foreach (var (name, shown) in requested)
                    outcomes.Add(new XenSettingOutcome(name, shown, name == setting ? XenSettingStatus.Failed : XenSettingStatus.NotAttempted, name == setting ? e : null));
                var err = new XenDomainSettingException(
                    $"{t.Description}: {(setting.Length > 0 ? setting + ": " : "")}{e.Message} Nothing was changed.", setting, Array.Empty<string>(), e);
                return new XenDomainSettingsResult(t, null, outcomes, err);
            }

            var applied = new List<string>();
            XenDomainSettingException? error = null;
            var target = t.Domain;
            foreach (var step in plan)
            {
                if (error != null)
                {
                    outcomes.Add(new XenSettingOutcome(step.Setting, step.Shown, XenSettingStatus.NotAttempted));
                    continue;
                }
                if (step.Unchanged)
                {
                    outcomes.Add(new XenSettingOutcome(step.Setting, step.Shown, XenSettingStatus.Unchanged));
                    continue;
                }
                try
                {
                    ct.ThrowIfCancellationRequested();
                    step.Run(cap!, target, ct);
                    outcomes.Add(new XenSettingOutcome(step.Setting, step.Shown, XenSettingStatus.Applied));
                    applied.Add($"{step.Setting} = {step.Shown}");
                }
                catch (XenPSException e)
                {
                    outcomes.Add(new XenSettingOutcome(step.Setting, step.Shown, XenSettingStatus.Failed, e));
                    var rest = plan.SkipWhile(p => p != step).Skip(1).Select(p => p.Setting).ToList();
                    error = new XenDomainSettingException(
                        $"{t.Description}: {step.Setting} = {step.Shown} was not applied: {e.Message} " +
                        (applied.Count > 0 ? $"Already applied: {string.Join(", ", applied)}." : "Nothing was changed.") +
                        (rest.Count > 0 ? $" Not attempted: {string.Join(", ", rest)}." : ""),
                        step.Setting, applied.ToArray(), e);
                }
            }
            // the cached host facts follow what this call took, so the next target's check counts it
            if (s.MemoryMiB is long took && outcomes.Any(o => o.Setting == MemorySetting && o.Status == XenSettingStatus.Applied)
                && _facts.TryGetValue(t.Host, out var f) && f != null)
                f.FreeMemoryMiB -= took - t.Domain.MemoryMiB;
            XenDomain? after = null;
            if (applied.Count > 0 || error == null)
            {
                try { after = DomainLifecycleService.Refresh(t, ct); }
                catch (XenPSException) when (error != null) { /* the setting's error is the one to report */ }
                if (after != null)
                {
                    // a listing knows nothing of /etc/xen: carry the stored config's facts over
                    after.ConfigPath ??= t.Domain.ConfigPath;
                    bool autoApplied = outcomes.Any(o => o.Setting == AutoStartSetting && o.Status != XenSettingStatus.Failed && o.Status != XenSettingStatus.NotAttempted);
                    after.AutoStart = autoApplied ? s.AutoStart : (after.AutoStart ?? t.Domain.AutoStart);
                }
            }
            // keep the order the settings were asked in (MaxMemoryMiB, MemoryMiB, VCpus, NewName)
            var ordered = requested.Select(r => outcomes.First(o => o.Setting == r.Setting)).ToList();
            return new XenDomainSettingsResult(t, after, ordered, error);
        }

        /// <summary>
        /// The new name's problems under ConfigValidator's name rules (the same codes as a config's name=), as an
        /// InvalidArgument; nothing when it is valid.
        /// </summary>
        public static void CheckNewName(string newName)
        {
            var c = new XenDomainConfig();
            c.Set("name", newName ?? "");
            var found = new List<XenDiagnostic>();
            ConfigValidator.ValidateName(c, found);
            var first = found.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            if (first != null)
                throw new XenArgumentException($"The new name is not valid: {first.Message}" + (string.IsNullOrEmpty(first.Hint) ? "" : " " + first.Hint));
            if (newName == "Domain-0")
                throw new XenResourceExistsException("The name 'Domain-0' is the control domain's. Choose another name.");
        }

        // ------------------------------------------------------------------ plan

        private sealed class Step
        {
            public Step(string setting, string shown, Action<IXenDomainSettings, XenDomain, CancellationToken> run, bool unchanged = false)
            {
                Setting = setting;
                Shown = shown;
                Run = run;
                Unchanged = unchanged;
            }

            public string Setting { get; }
            public string Shown { get; }
            public Action<IXenDomainSettings, XenDomain, CancellationToken> Run { get; }
            public bool Unchanged { get; }
        }

        private List<Step> Plan(XenDomainTarget t, DomainSettings s, IXenDomainSettings? cap, CancellationToken ct)
        {
            var d = t.Domain;
            string who = t.Description;
            long curMem = d.MemoryMiB, curMax = d.MaxMemoryMiB;
            long newMem = s.MemoryMiB ?? curMem;
            long newMax = s.MaxMemoryMiB ?? curMax;

            if (s.IsEmpty) throw new XenArgumentException("No setting was given: pass -MemoryMiB, -MaxMemoryMiB, -VCpus, -NewName or -AutoStart.");
            IXenStoredConfigs? store = null;
            var auto = s.AutoStart != null ? t.Host.Backend as IXenAutoStart : null;
            if (auto != null && d.IsDomain0)
                throw Named(AutoStartSetting, new XenInvalidOperationException("Domain-0 always starts with the host: it has no autostart setting.", XenErrorReason.Domain0Refused));
            if (s.AutoStart != null && auto == null)
            {
                store = Named(AutoStartSetting, () => t.Host.Backend.Require<IXenStoredConfigs>("autostart (/etc/xen/auto)"));
                if (d.IsDomain0)
                    throw Named(AutoStartSetting, new XenInvalidOperationException("Domain-0 always starts with the host: it has no stored config or autostart link.", XenErrorReason.Domain0Refused));
                if (d.ConfigPath == null)
                    throw Named(AutoStartSetting, new XenConfigFileException(ConfigFileProblem.NotFound, store.ConfigDirectory,
                        $"{who} has no stored config in {store.ConfigDirectory} for the host's xendomains to start at boot. " +
                        $"Store it first: Get-XenDomain {d.Name} | Export-XenDomainConfig -XenHost {t.Host.Name}."));
            }
            if (!s.ChangesRunningDomain) return AutoStartPlan(s, d, store, auto);
            // A backend that keeps halted domains (XAPI) changes their settings too; the host's free memory and CPUs
            // matter only to a running domain.
            bool halted = d.State == XenDomainState.Halted && cap?.ChangesHaltedDomains == true;
            if (!halted && (d.State == XenDomainState.Halted || d.State == XenDomainState.Dying || d.State == XenDomainState.Crashed || d.Id == null))
                throw new XenInvalidOperationException($"{who} is {d.State.ToString().ToLowerInvariant()}: only the settings of a running or paused domain can be changed.");
            if (s.MemoryMiB is long m && m < 1) throw new XenSettingOutOfRangeException(MemorySetting, $"a memory target of {N(m)} MiB is not possible; give at least 1 MiB.");
            if (s.MaxMemoryMiB is long x && x < 1) throw new XenSettingOutOfRangeException(MaxMemorySetting, $"a maximum memory of {N(x)} MiB is not possible; give at least 1 MiB.");
            if (newMax > 0 && newMem > newMax)
            {
                if (s.MemoryMiB != null)
                    throw new XenSettingOutOfRangeException(MemorySetting,
                        $"the memory target {N(newMem)} MiB is above the maximum memory {N(newMax)} MiB (xl: memory_dynamic_max must be less than or equal to memory_static_max). " +
                        (s.MaxMemoryMiB == null ? "Raise the maximum too: -MaxMemoryMiB." : "Give a -MaxMemoryMiB at least as large."));
                throw new XenSettingOutOfRangeException(MaxMemorySetting,
                    $"a maximum memory of {N(newMax)} MiB is below the domain's current memory {N(curMem)} MiB (xl: memory_static_max must be greater than or equal to memory_dynamic_max). " +
                    "Lower its memory too: -MemoryMiB.");
            }
            if (s.VCpus is int v)
            {
                if (v < 1) throw new XenSettingOutOfRangeException(VCpusSetting, $"{N(v)} vCPUs is not possible; give at least 1.");
                if (d.MaxVCpus > 0 && v > d.MaxVCpus)
                    throw new XenSettingOutOfRangeException(VCpusSetting,
                        $"{N(v)} vCPUs are more than the domain's boot-time maximum of {N(d.MaxVCpus)} (maxvcpus). " +
                        "maxvcpus is fixed when a domain is created: set maxvcpus in its config and create it again.");
            }
            if (s.NewName != null)
            {
                if (d.IsDomain0)
                    throw Named(NewNameSetting, new XenInvalidOperationException(
                        "Domain-0 cannot be renamed: it is the host's control domain, which xl and every tool find by that name.", XenErrorReason.Domain0Refused));
                Named(NewNameSetting, () => CheckNewName(s.NewName));
                if (s.NewName != d.Name)
                {
                    var taken = t.Host.Backend.ListDomains(ct).FirstOrDefault(o => string.Equals(o.Name, s.NewName, StringComparison.Ordinal));
                    if (taken != null)
                        throw Named(NewNameSetting, new XenResourceExistsException(
                            $"the name '{s.NewName}' is in use on {t.Host.Name} ({taken.Name}, id {taken.IdText}); domain names are unique on a host. Choose another name."));
                }
            }
            var facts = !halted && ((s.VCpus != null && !s.AllowOvercommit) || newMem > curMem) ? Facts(t.Host, ct) : null;
            if (facts != null && s.VCpus is int vc && !s.AllowOvercommit && facts.CpuCount > 0 && vc > facts.CpuCount)
                throw Named(VCpusSetting, new XenResourceUnavailableException(
                    $"{N(vc)} vCPUs are more than the host's {N(facts.CpuCount)} physical CPUs (xl: You are overcommmitting!). Allow it with -AllowOvercommit (xl vcpu-set --ignore-host)."));
            if (facts != null && s.MemoryMiB != null && newMem - curMem > facts.FreeMemoryMiB && facts.TotalMemoryMiB > 0)
                throw Named(MemorySetting, new XenResourceUnavailableException(
                    $"raising the memory to {N(newMem)} MiB needs {N(newMem - curMem)} MiB more, and {t.Host.Name} has {N(facts.FreeMemoryMiB)} MiB free."));

            // the plan: memory <= maximum holds after every step
            var plan = new List<Step>();
            Step? memStep = s.MemoryMiB is long mm ? new Step(MemorySetting, N(mm) + " MiB", (c, dom, k) => c.SetMemoryTarget(dom, mm, k)) : null;
            Step? maxStep = s.MaxMemoryMiB is long xx ? new Step(MaxMemorySetting, N(xx) + " MiB", (c, dom, k) => c.SetMaxMemory(dom, xx, k)) : null;
            if (maxStep != null && (memStep == null || curMem <= newMax))
            {
                plan.Add(maxStep);
                if (memStep != null) plan.Add(memStep);
            }
            else
            {
                if (memStep != null) plan.Add(memStep);
                if (maxStep != null) plan.Add(maxStep);
            }
            if (s.VCpus is int vv)
            {
                bool over = s.AllowOvercommit;
                plan.Add(new Step(VCpusSetting, N(vv), (c, dom, k) => c.SetVCpus(dom, vv, over, k)));
            }
            if (s.NewName is string nn)
                plan.Add(new Step(NewNameSetting, "'" + nn + "'", (c, dom, k) => c.RenameDomain(dom, nn, k), unchanged: nn == d.Name));
            plan.AddRange(AutoStartPlan(s, d, store, auto));
            return plan;
        }

        /// <summary>The autostart step (last): the link for the domain's stored config, unchanged when it is already so.</summary>
        private static List<Step> AutoStartPlan(DomainSettings s, XenDomain d, IXenStoredConfigs? store, IXenAutoStart? auto = null)
        {
            var plan = new List<Step>();
            if (s.AutoStart is bool a && auto != null)
            {
                plan.Add(new Step(AutoStartSetting, a ? "$true" : "$false", (_, dom, k) => auto.SetDomainAutoStart(dom, a, k), unchanged: d.AutoStart == a));
                return plan;
            }
            if (!(s.AutoStart is bool on) || store == null) return plan;
            string file = d.ConfigPath!.Substring(d.ConfigPath!.LastIndexOf('/') + 1);
            plan.Add(new Step(AutoStartSetting, on ? "$true" : "$false", (_, _, k) => store.SetAutoStart(file, on, k), unchanged: d.AutoStart == on));
            return plan;
        }

        private XenHostInfo? Facts(XenHostConnection host, CancellationToken ct)
        {
            if (_facts.TryGetValue(host, out var f)) return f;
            f = host.Backend is IXenHostFacts hf ? hf.GetHostInfo(ct) : null;
            _facts[host] = f;
            return f;
        }

        // which setting a check's failure belongs to, for exceptions that do not say it themselves
        private readonly Dictionary<XenPSException, string> _settingOf = new Dictionary<XenPSException, string>(ReferenceEqualityComparer.Instance);

        private XenPSException Named(string setting, XenPSException e)
        {
            _settingOf[e] = setting;
            return e;
        }

        private void Named(string setting, Action check)
        {
            try { check(); }
            catch (XenPSException e) { throw Named(setting, e); }
        }

        private T Named<T>(string setting, Func<T> get)
        {
            try { return get(); }
            catch (XenPSException e) { throw Named(setting, e); }
        }

        private string? SettingOf(XenPSException e) => _settingOf.TryGetValue(e, out var s) ? s : null;

        private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
