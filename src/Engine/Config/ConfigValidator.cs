using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Config
{
    /// <summary>
    /// The semantic checks xl makes when it turns a parsed config into a domain (tools/xl/xl_parse.c), with
    /// XenPS's friendlier extras: unknown keys are warnings with a "did you mean" suggestion (xl silently ignores
    /// them), and names xl would accept but no xl command could address (all digits) are refused.
    /// Every diagnostic carries the key's file, line and column when known.
    /// </summary>
    public static class ConfigValidator
    {
        /// <summary>The on_* actions xl.cfg accepts (xl.cfg(5) "Event Actions"; xl compares them exactly).</summary>
        public static readonly IReadOnlyList<string> Actions = new[]
        {
            "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart", "soft-reset",
        };

        private static readonly string[] ActionKeys = { "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "on_soft_reset" };
        private static readonly string[] NumberKeys = { "memory", "maxmem", "vcpus", "maxvcpus" };
        private static readonly string[] SimNumberKeys = { "sim.shutdown_seconds", "sim.crash_after_seconds", "sim.boot_seconds", "sim.ignore_shutdown" };
        private static readonly string[] Types = { "pv", "pvh", "hvm" };

        private static readonly Regex UuidPattern = new Regex(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z", RegexOptions.CultureInvariant);

        public static void Validate(XenDomainConfig config, List<XenDiagnostic> diagnostics) =>
            Validate(config, diagnostics, CancellationToken.None);

        /// <summary>Runs the checks, honouring <paramref name="cancellationToken"/>; at most <see cref="ConfigLimits.MaxDiagnostics"/>
        /// warnings are reported, then one TooManyDiagnostics summary.</summary>
        public static void Validate(XenDomainConfig config, List<XenDiagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var budget = new DiagnosticBudget();
            Validate(config, diagnostics, budget, cancellationToken);
            budget.AddSummary(diagnostics, config?.SourcePath);
        }

        /// <summary>
        /// Checks the domain name alone (what every backend checks before it creates a domain): NameRequired, NameInvalid
        /// (a list, all digits, a control character or '/'), NameUnusual (bidirectional-override characters).
        /// </summary>
        public static void ValidateName(XenDomainConfig config, List<XenDiagnostic> diagnostics)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            new Run(config, diagnostics, new DiagnosticBudget(), CancellationToken.None).Name();
        }

        /// <summary>
        /// The checks xl makes only when it builds a domain (they apply to `xl create` and `xl -N create`, not to a config
        /// being read, converted or edited): a PV or PVH guest needs kernel= or bootloader= (KernelRequired).
        /// </summary>
        public static void ValidateForCreate(XenDomainConfig config, List<XenDiagnostic> diagnostics) =>
            ValidateForCreate(config, diagnostics, new DiagnosticBudget(), CancellationToken.None);

        internal static void ValidateForCreate(XenDomainConfig config, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            new Run(config, diagnostics, budget, cancellationToken).Boot();
        }

        internal static void Validate(XenDomainConfig config, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
        {
            if (config is null) throw new ArgumentNullException(nameof(config));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            cancellationToken.ThrowIfCancellationRequested();
            var v = new Run(config, diagnostics, budget, cancellationToken);
            v.Name();
            v.Type();
            v.Actions();
            v.Numbers();
            v.Devices("disk");
            v.Devices("vif");
            v.Vdispl();
            v.Uuid();
            v.Cmdline();
            v.UnknownKeys();
        }

        private sealed class Run
        {
            private readonly XenDomainConfig _c;
            private readonly List<XenDiagnostic> _d;
            private readonly DiagnosticBudget _budget;
            private readonly CancellationToken _cancel;

            public Run(XenDomainConfig config, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
            {
                _c = config;
                _d = diagnostics;
                _budget = budget;
                _cancel = cancellationToken;
            }

            private void Add(DiagnosticSeverity severity, string code, string key, string message, string hint)
            {
                var p = _c.GetPosition(key);
                string? file = p?.File ?? _c.SourcePath;
                _budget.Add(_d, new XenDiagnostic(severity, code, message, file, p?.Line ?? 0, p?.Column ?? 0, hint));
            }

            private static string Describe(object? value) => value is string s ? $"'{Q(s)}'" : "a list";

            public void Name()
            {
                object? value = _c.Get("name");
                if (value == null)
                {
                    Add(DiagnosticSeverity.Error, "NameRequired", "name", "Domain name must be specified.",
                        "Add name = \"myvm\" (YAML: name: myvm); xl refuses a config without a name.");
                    return;
                }
                if (!(value is string name))
                {
                    Add(DiagnosticSeverity.Error, "NameInvalid", "name", "The domain name is a list; it must be a string.", "Write name = \"myvm\".");
                    return;
                }
                if (name.Trim().Length == 0)
                {
                    Add(DiagnosticSeverity.Error, "NameRequired", "name", "Domain name must be specified (it is empty).",
                        "Give a non-empty name; libxl only checks that non-empty names are unique, and an empty name cannot be addressed.");
                    return;
                }
                if (name.All(char.IsAsciiDigit))
                {
                    Add(DiagnosticSeverity.Error, "NameInvalid", "name", $"The domain name '{Q(name)}' is all digits.",
                        "xl and XenPS read an all-digit domain argument as a domid, so this domain could never be addressed by name; add a letter (e.g. 'vm" + Q(name) + "').");
                    return;
                }
                int bad = IndexOfForbidden(name);
                if (bad >= 0)
                {
                    char c = name[bad];
                    string what = c == '/' ? "'/'" : c == '\n' ? "a newline" : $"the control character U+{(int)c:X4}";
                    Add(DiagnosticSeverity.Error, "NameInvalid", "name", $"The domain name '{Q(Printable(name))}' contains {what} (at character {bad + 1}).",
                        "A Xen domain name cannot hold '/' or control characters: xl names the console log /var/log/xen/console/guest-<name>.log " +
                        "and the monitor process xl-<name> after it, and a newline breaks every 'xl list'. Use letters, digits, '-', '_' and '.'.");
                    return;
                }
                int bidi = IndexOfBidiControl(name);
                if (bidi >= 0)
                {
                    Add(DiagnosticSeverity.Warning, "NameUnusual", "name",
                        $"The domain name '{Q(Printable(name))}' contains the bidirectional-text control U+{(int)name[bidi]:X4} (at character {bidi + 1}): it displays differently from what it is.",
                        "Remove the U+202A..U+202E and U+2066..U+2069 characters: they can make one name look like another in 'xl list' and in logs.");
                }
            }

            /// <summary>Index of the first '/' or control character (C0, DEL, C1), or -1.</summary>
            internal static int IndexOfForbidden(string name)
            {
                for (int i = 0; i < name.Length; i++)
                    if (name[i] == '/' || char.IsControl(name[i])) return i;
                return -1;
            }

            /// <summary>Index of the first bidirectional embedding/override/isolate character (U+202A..U+202E, U+2066..U+2069), or -1.</summary>
            internal static int IndexOfBidiControl(string name)
            {
                for (int i = 0; i < name.Length; i++)
                {
                    char c = name[i];
                    if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')) return i;
                }
                return -1;
            }

            /// <summary>The name with control and bidirectional characters shown as \uXXXX, so a message cannot be garbled by it.</summary>
            private static string Printable(string name)
            {
                if (IndexOfForbidden(name) < 0 && IndexOfBidiControl(name) < 0) return name;
                var sb = new System.Text.StringBuilder(Math.Min(name.Length, 4 * ConfigLimits.MaxQuotedChars) + 8);
                foreach (char c in name)
                {
                    if (sb.Length > 4 * ConfigLimits.MaxQuotedChars) break; // only the excerpt is shown
                    if (c != '/' && (char.IsControl(c) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')))
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                }
                return sb.ToString();
            }

            public void Type()
            {
                object? type = _c.Get("type");
                XenDomainType? fromType = null, fromBuilder = null;
                if (type != null)
                {
                    string? t = type as string;
                    if (t != null && XenDomainConfig.TryParseXlType(t, out var parsed))
                    {
                        fromType = parsed;
                        string full = parsed.ToString().ToLowerInvariant();
                        if (t != full)
                            Add(DiagnosticSeverity.Warning, "TypeAbbreviated", "type", $"type '{Q(t)}' is read by xl as '{full}'.",
                                $"xl accepts any prefix (tried as hvm, pv, pvh); write it in full: type = \"{full}\".");
                    }
                    else
                    {
                        string? near = null;
                        if (t != null && t.Length > 0)
                            near = Types.Contains(t.ToLowerInvariant()) ? t.ToLowerInvariant() : KnownKeys.Suggest(t.ToLowerInvariant(), Types);
                        Add(DiagnosticSeverity.Error, "TypeInvalid", "type", $"Invalid domain type {Describe(type)}.",
                            (near != null ? $"Did you mean '{near}'? " : "") +
                            (t == "" ? "xl would take an empty type as hvm; " : "") + "type is one of pv, pvh, hvm (lower case).");
                    }
                }
                object? builder = _c.Get("builder");
                if (builder != null)
                {
                    string? b = builder as string;
                    if (b != null && b.Length > 0 && "hvm".StartsWith(b, StringComparison.Ordinal)) fromBuilder = XenDomainType.HVM;
                    else if (b != null && b.Length > 0 && "generic".StartsWith(b, StringComparison.Ordinal)) fromBuilder = XenDomainType.PV;
                    if (fromBuilder == null)
                        Add(DiagnosticSeverity.Error, "TypeInvalid", "builder", $"Invalid builder {Describe(builder)}.",
                            "builder (deprecated) is 'generic' or 'hvm'; better, use type = \"pv\" | \"pvh\" | \"hvm\".");
                    else if (fromType != null && fromType != fromBuilder)
                        Add(DiagnosticSeverity.Error, "TypeInvalid", "builder", "Contradicting \"builder\" and \"type\" options specified.",
                            "Remove builder (deprecated since Xen 4.10) and keep type.");
                    else
                        Add(DiagnosticSeverity.Information, "BuilderDeprecated", "builder", "builder is deprecated (since Xen 4.10).",
                            fromBuilder == XenDomainType.HVM ? "Write type = \"hvm\" instead." : "Write type = \"pv\" instead.");
                }
            }

            public void Actions()
            {
                foreach (string key in ActionKeys)
                {
                    object? value = _c.Get(key);
                    if (value == null) continue;
                    if (value is string s && ConfigValidator.Actions.Contains(s)) continue;
                    string? norm = (value as string)?.ToLowerInvariant().Replace('_', '-');
                    string? near = norm == null ? null
                        : ConfigValidator.Actions.Contains(norm) ? norm : KnownKeys.Suggest(norm, ConfigValidator.Actions);
                    Add(DiagnosticSeverity.Error, "ActionInvalid", key, value is string v ? $"Unknown {Q(key)} action \"{Q(v)}\" specified." : $"{Q(key)} is a list; it must be one action.",
                        (near != null ? $"Did you mean '{near}'? " : "") + "Valid actions: " + string.Join(", ", ConfigValidator.Actions) + ".");
                }
            }

            public void Numbers()
            {
                foreach (string key in NumberKeys.Concat(SimNumberKeys))
                {
                    object? value = _c.Get(key);
                    if (value == null) continue;
                    if (value is string s && XenDomainConfig.ParseXlInteger(s) != null) continue;
                    string hint = value is string t && t.Length > 1 && t[0] == '0' && !t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && t.All(char.IsAsciiDigit)
                        ? $"xl reads numbers with strtol base 0: a leading 0 means octal, so '{Q(t)}' is not a valid number; write {Q(t.TrimStart('0').PadLeft(1, '0'))}."
                        : "Write a whole number: decimal (512), octal with a leading 0 (0777) or hex with 0x (0x200); no sign, unit or decimal point.";
                    if (key.StartsWith("sim.", StringComparison.Ordinal))
                        Add(DiagnosticSeverity.Error, "NumberInvalid", key, $"{Q(key)} {Describe(value)} is not a valid number.", hint);
                    else
                        // xl: "warning: parameter `memory' is not a valid number", and builds the domain as if the key were absent.
                        Add(DiagnosticSeverity.Warning, "NumberInvalid", key,
                            $"{Q(key)} {Describe(value)} is not a valid number: xl ignores it and uses its default ({NumberDefault(key)}).", hint);
                }

                long? memory = Num("memory"), maxmem = Num("maxmem");
                if (memory.HasValue && maxmem.HasValue && maxmem.Value < memory.Value)
                    // xl 4.17 builds it (target above the static maximum); the guest can never balloon up to memory.
                    Add(DiagnosticSeverity.Warning, "MemoryAboveMaxmem", "maxmem", $"memory ({memory} MiB) is larger than maxmem ({maxmem} MiB): xl creates the domain with both as given.",
                        "maxmem should be equal to or greater than memory (xl.cfg(5)); raise maxmem or lower memory.");

                long? vcpus = Num("vcpus"), maxvcpus = Num("maxvcpus");
                if (vcpus.HasValue && maxvcpus.HasValue && vcpus.Value > maxvcpus.Value)
                    Add(DiagnosticSeverity.Error, "VcpusAboveMaxvcpus", "vcpus", $"xl: maxvcpus < vcpus (vcpus {vcpus}, maxvcpus {maxvcpus}).",
                        "maxvcpus is the most vCPUs the guest may ever bring up; raise maxvcpus or lower vcpus.");
                if (vcpus.HasValue && vcpus.Value == 0)
                    Add(DiagnosticSeverity.Warning, "NumberInvalid", "vcpus", "vcpus is 0: xl creates the domain with 1 vCPU.", "A domain needs at least one vCPU; write vcpus = 1.");
            }

            private long? Num(string key) => XenDomainConfig.ParseXlInteger(_c.GetString(key));

            private static string NumberDefault(string key) => key switch
            {
                "memory" => "maxmem if set, else 32 MiB",
                "maxmem" => "memory",
                "vcpus" => "1",
                _ => "vcpus",
            };

            /// <summary>xl_parse.c: a PV or PVH guest needs kernel= or bootloader= ("Neither kernel nor bootloader specified").</summary>
            public void Boot()
            {
                var type = _c.Type;
                if (type == XenDomainType.HVM) return;
                if (_c.Get("kernel") != null || _c.Get("bootloader") != null) return;
                string where = _c.Get("type") != null ? "type" : _c.Get("builder") != null ? "builder" : "name";
                string byDefault = _c.Get("type") == null && _c.Get("builder") == null ? " (xl's default type)" : "";
                Add(DiagnosticSeverity.Error, "KernelRequired", where,
                    $"Neither kernel nor bootloader specified: a {type} guest{byDefault} needs one to boot.",
                    type == XenDomainType.PV
                        ? "Add kernel = \"/path/in/dom0/vmlinuz\" (with ramdisk/extra), or bootloader = \"pygrub\" to boot the guest's own kernel; or, for a fully virtualised guest, type = \"hvm\"."
                        : "Add kernel = \"/path/in/dom0/vmlinuz\" (a PVH guest boots a kernel given by the config); or, for a fully virtualised guest, type = \"hvm\".");
            }

            /// <summary>xl_parse.c parse_vdispl_config: backend=, be-alloc=, connectors=ID:WxH;... in each vdispl entry.</summary>
            public void Vdispl()
            {
                object? value = _c.Get("vdispl");
                if (value == null) return;
                if (value is string single)
                {
                    Add(DiagnosticSeverity.Warning, "ListExpected", "vdispl",
                        "'vdispl' is a single string, not a list: xl ignores it, and so does XenPS. The domain gets no virtual display from it.",
                        $"Write vdispl = [ '{Q(single)}' ].");
                    return;
                }
                var items = (object[])value;
                for (int i = 0; i < items.Length; i++)
                {
                    if (!(items[i] is string spec))
                    {
                        Add(DiagnosticSeverity.Error, "VdisplSpecInvalid", "vdispl", $"vdispl[{i}] is a list; each vdispl entry is a spec string.", "Flatten vdispl into a list of strings.");
                        continue;
                    }
                    int connectors = 0;
                    bool failed = false;
                    foreach (string raw in spec.Split(','))
                    {
                        string tok = raw.Trim();
                        if (tok.Length == 0) continue;
                        int eq = tok.IndexOf('=');
                        string key = eq < 0 ? tok : tok.Substring(0, eq);
                        string val = eq < 0 ? "" : tok.Substring(eq + 1);
                        if (eq < 0 || (key != "backend" && key != "be-alloc" && key != "connectors"))
                        {
                            string? near = eq < 0 ? null : KnownKeys.Suggest(key, new[] { "backend", "be-alloc", "connectors" });
                            Add(DiagnosticSeverity.Error, "VdisplSpecInvalid", "vdispl", $"vdispl[{i}]: Unknown string \"{Q(tok)}\" in vdispl spec.",
                                (near != null ? $"Did you mean '{near}='? " : "") + "A vdispl spec is comma-separated backend=DOMAIN, be-alloc=0|1, connectors=ID:WIDTHxHEIGHT;...");
                            failed = true;
                            break;
                        }
                        if (key != "connectors") continue;
                        foreach (string c in val.Split(';'))
                        {
                            if (c.Length == 0) continue;
                            connectors++;
                            int colon = c.IndexOf(':');
                            if (colon < 0)
                            {
                                // xl 4.17 aborts on this (free(): invalid pointer), so it never creates the domain.
                                Add(DiagnosticSeverity.Error, "VdisplSpecInvalid", "vdispl", $"vdispl[{i}]: connector '{Q(c)}' has no resolution (xl 4.17 crashes on it).",
                                    "Write each connector as ID:WIDTHxHEIGHT, e.g. connectors=id0:1920x1080;id1:800x600.");
                                failed = true;
                            }
                            else if (!System.Text.RegularExpressions.Regex.IsMatch(c.Substring(colon + 1), "^[0-9]+x[0-9]+"))
                                Add(DiagnosticSeverity.Warning, "VdisplSpecInvalid", "vdispl", $"vdispl[{i}]: Can't parse connector resolution '{Q(c.Substring(colon + 1))}' (xl warns and creates the display without it).",
                                    "Write the resolution as WIDTHxHEIGHT, e.g. id0:1920x1080.");
                        }
                    }
                    if (!failed && connectors == 0)
                        Add(DiagnosticSeverity.Error, "VdisplSpecInvalid", "vdispl", $"vdispl[{i}]: At least one connector should be specified.",
                            "Add connectors=ID:WIDTHxHEIGHT, e.g. vdispl = [ 'backend=0,connectors=id0:1920x1080' ].");
                }
            }

            public void Devices(string key)
            {
                object? value = _c.Get(key);
                if (value == null) return;
                string code = key == "disk" ? "DiskSpecInvalid" : "VifSpecInvalid";
                if (value is string single)
                {
                    // xl warns "parameter `disk' is a single value but should be a list" and builds the domain without it.
                    string what = key == "disk" ? "disk" : "network interface";
                    Add(DiagnosticSeverity.Warning, "ListExpected", key,
                        $"{Q(key)} is a single string, not a list: xl ignores it, and so does XenPS. The domain gets no {what} from it.",
                        $"Write {Q(key)} = [ '{Q(single)}' ] (on the command line: \"{Q(key)}=['{Q(single)}']\"; YAML: a sequence).");
                    return;
                }
                var items = (object[])value;
                for (int i = 0; i < items.Length; i++)
                {
                    if (items[i] is string s) Check(key, code, s, i);
                    else Add(DiagnosticSeverity.Error, code, key, $"{Q(key)}[{i}] is a list; each {Q(key)} entry is a spec string.", $"Flatten {Q(key)} into a list of strings.");
                }
            }

            private void Check(string key, string code, string spec, int index)
            {
                string? error, hint;
                if (key == "vif")
                {
                    // xl_parse.c hands each token of a vif to parse_nic_config and ignores its failure: xl prints
                    // "Invalid parameter `type'." / "unrecognized argument `x'" and creates the domain without that token.
                    foreach (var (token, why, tokenHint) in VifSpec.IgnoredTokens(spec))
                        Add(DiagnosticSeverity.Warning, code, key, $"{Q(key)}[{index}]: {(why.Length > ConfigLimits.MaxQuotedChars ? Q(why) : why)} xl ignores '{Q(token)}' and creates the interface without it.", tokenHint);
                    return;
                }
                bool ok = DiskSpec.TryParse(spec, out _, out error, out hint);
                if (!ok)
                {
                    // The spec parsers quote the spec: keep a long one to an excerpt.
                    if (spec.Length > ConfigLimits.MaxQuotedChars && error != null) error = error.Replace(spec, Q(spec));
                    Add(DiagnosticSeverity.Error, code, key, (index >= 0 ? $"{Q(key)}[{index}]: " : "") + error, hint ?? "");
                }
            }

            public void Uuid()
            {
                object? value = _c.Get("uuid");
                if (value == null) return;
                if (value is string s && UuidPattern.IsMatch(s)) return;
                Add(DiagnosticSeverity.Error, "UuidInvalid", "uuid", $"Failed to parse UUID: {Describe(value)}.",
                    "Write 32 hex digits as 8-4-4-4-12, e.g. 4fa3c6d2-1b0e-4d5a-9c3e-0a1b2c3d4e5f, or leave uuid out and Xen makes one.");
            }

            public void Cmdline()
            {
                if (_c.Get("cmdline") == null) return;
                foreach (string key in new[] { "root", "extra" })
                {
                    if (_c.Get(key) != null)
                        Add(DiagnosticSeverity.Warning, "CmdlineOverrides", key, $"{Q(key)} is ignored because cmdline is set.",
                            "xl warns the same and uses cmdline only; move the value into cmdline or remove it.");
                }
            }

            public void UnknownKeys()
            {
                foreach (DictionaryEntry e in _c.Settings)
                {
                    _cancel.ThrowIfCancellationRequested();
                    string key = (string)e.Key;
                    if (KnownKeys.IsXlKey(key) || KnownKeys.IsSimulatorKey(key)) continue;
                    if (_budget.IsFull(DiagnosticSeverity.Warning))
                    {
                        // Past the cap only count: no suggestion to compute, no message to build.
                        var p = _budget.KnowsFirstDropped ? null : _c.GetPosition(key);
                        _budget.CountDropped(DiagnosticSeverity.Warning,
                            p.HasValue ? new XenDiagnostic(DiagnosticSeverity.Warning, "UnknownKey", "", p.Value.File ?? _c.SourcePath, p.Value.Line, p.Value.Column) : null);
                        continue;
                    }
                    string? near = KnownKeys.SuggestKey(key);
                    if (key.StartsWith("sim.", StringComparison.Ordinal))
                    {
                        Add(DiagnosticSeverity.Warning, "UnknownSimulatorKey", key, $"'{Q(key)}' is not a simulated-host setting XenPS knows.",
                            (near != null ? $"Did you mean '{near}'? " : "") + "The sim. keys are " + string.Join(", ", KnownKeys.Simulator) + ".");
                        continue;
                    }
                    Add(DiagnosticSeverity.Warning, "UnknownKey", key, $"Unknown key '{Q(key)}': xl ignores it.",
                        near != null ? $"Did you mean '{near}'?" : "Check the spelling against xl.cfg(5); remove the key if it is not needed.");
                }
            }
        }

        private static string Q(string? text) => ConfigLimits.Excerpt(text);
    }
}
