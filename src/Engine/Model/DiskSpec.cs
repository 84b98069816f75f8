using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS
{
    /// <summary>
    /// A parsed xl disk spec (Xen docs/misc/xl-disk-configuration.txt, parsed the way libxlu's flex lexer
    /// tools/libs/util/libxlu_disk_l.l does): positional <c>target,format,vdev,access</c>, keywords
    /// (<c>format= vdev= access= devtype= backendtype= backend= script= target=</c>, flags <c>cdrom</c>,
    /// <c>direct-io-safe</c>, <c>discard</c>/<c>no-discard</c>, <c>trusted</c>/<c>untrusted</c>), and the
    /// deprecated xm prefixes (<c>phy:</c>, <c>file:</c>, <c>tap:aio:</c>, <c>raw:</c>, <c>qcow2:</c>, ...,
    /// <c>vdev:cdrom</c>). <c>target=</c> takes the rest of the string, commas included, so it comes last.
    /// </summary>
    public sealed class DiskSpec
    {
        /// <summary>The formats libxlu knows (empty is what an empty CD-ROM drive gets).</summary>
        public static readonly IReadOnlyList<string> Formats = new[] { "raw", "qcow", "qcow2", "vhd", "qed", "empty" };

        /// <summary>The backend implementations libxlu knows.</summary>
        public static readonly IReadOnlyList<string> BackendTypes = new[] { "phy", "tap", "qdisk", "standalone" };

        private static readonly Regex VdevPattern = new Regex(
            @"^(?:(?:xvd|hd|sd)[a-z]+[0-9]*|d[0-9]+(?:p[0-9]+)?|[0-9]+)\z", RegexOptions.CultureInvariant);

        private readonly List<string> _extras = new List<string>();

        private DiskSpec() { }

        /// <summary>The text this spec was parsed from.</summary>
        public string Spec { get; private set; } = "";

        /// <summary>Block device or image path; "" for an empty CD-ROM drive; null when not given.</summary>
        public string? Target { get; private set; }

        /// <summary>raw (default), qcow, qcow2, vhd, qed; "empty" for a CD-ROM drive without media.</summary>
        public string Format { get; private set; } = "raw";

        /// <summary>The guest device (xvda, hdc, sda, ...).</summary>
        public string? Vdev { get; private set; }

        /// <summary>"r" or "rw" (normalised; a CD-ROM is always "r", as libxl forces it).</summary>
        public string Access => IsReadOnly ? "r" : "rw";

        public bool IsReadOnly { get; private set; }

        public bool IsCdrom { get; private set; }

        /// <summary>"cdrom", "disk" when given explicitly, else null.</summary>
        public string? DevType { get; private set; }

        /// <summary>phy, tap, qdisk, standalone, or null (libxl chooses).</summary>
        public string? BackendType { get; private set; }

        /// <summary>Backend domain name (backend=), or null for Domain-0.</summary>
        public string? Backend { get; private set; }

        /// <summary>Block script (script=, or block-&lt;x&gt; from a deprecated iscsi:/nbd:/enbd:/drbd: prefix).</summary>
        public string? Script { get; private set; }

        public bool DirectIoSafe { get; private set; }

        /// <summary>true for discard, false for no-discard, null when not said.</summary>
        public bool? Discard { get; private set; }

        /// <summary>true for trusted, false for untrusted, null when not said.</summary>
        public bool? Trusted { get; private set; }

        /// <summary>Parameters kept verbatim and not modelled (specification=, grant_usage=, colo...).</summary>
        public IReadOnlyList<string> OtherParameters => _extras;

        /// <summary>Parses a disk spec; throws <see cref="XenConfigException"/> (code DiskSpecInvalid) when xl would refuse it.</summary>
        public static DiskSpec Parse(string spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            if (TryParse(spec, out var disk, out var error, out var hint)) return disk!;
            throw new XenConfigException(new[]
            {
                new XenDiagnostic(DiagnosticSeverity.Error, "DiskSpecInvalid", error!, null, 0, 0, hint),
            });
        }

        /// <summary>Parses a disk spec; false with a message saying what is wrong when xl would refuse it.</summary>
        public static bool TryParse(string spec, out DiskSpec? disk, out string? error)
            => TryParse(spec, out disk, out error, out _);

        /// <summary>As <see cref="TryParse(string, out DiskSpec?, out string?)"/>, with a hint on how to fix it.</summary>
        public static bool TryParse(string spec, out DiskSpec? disk, out string? error, out string? hint)
        {
            disk = null;
            error = null;
            hint = null;
            if (spec is null) { error = "The disk spec is null."; hint = "Give a disk spec such as 'format=raw, vdev=xvda, access=rw, target=/dev/vg/guest'."; return false; }
            var p = new Parser(spec);
            if (!p.Run())
            {
                error = $"Disk spec '{spec}': {p.Error}.";
                hint = p.Hint;
                return false;
            }
            disk = p.Result;
            return true;
        }

        /// <summary>Builds a disk from its parts (as a YAML mapping gives them); throws XenConfigException when invalid.</summary>
        public static DiskSpec Create(string? target, string vdev, string? format = null, string? access = null,
            string? devType = null, string? backendType = null, string? script = null, string? backend = null)
        {
            var parts = new List<KeyValuePair<string, string>>();
            if (format != null) parts.Add(new KeyValuePair<string, string>("format", format));
            parts.Add(new KeyValuePair<string, string>("vdev", vdev ?? throw new ArgumentNullException(nameof(vdev))));
            if (access != null) parts.Add(new KeyValuePair<string, string>("access", access));
            if (devType != null) parts.Add(new KeyValuePair<string, string>("devtype", devType));
            if (backendType != null) parts.Add(new KeyValuePair<string, string>("backendtype", backendType));
            if (backend != null) parts.Add(new KeyValuePair<string, string>("backend", backend));
            if (script != null) parts.Add(new KeyValuePair<string, string>("script", script));
            if (target != null) parts.Add(new KeyValuePair<string, string>("target", target));
            string? err = ComposeKeywordSpec(parts, out string text);
            if (err != null)
                throw new XenConfigException(new[] { new XenDiagnostic(DiagnosticSeverity.Error, "DiskSpecInvalid", err, null, 0, 0, "Only target= may contain a comma.") });
            return Parse(text);
        }

        /// <summary>
        /// Joins key/value parts into a keyword spec (target last). Returns an error when a value other than
        /// target's holds a comma (xl could not read it back), else null.
        /// </summary>
        internal static string? ComposeKeywordSpec(IEnumerable<KeyValuePair<string, string>> parts, out string text)
        {
            var sb = new StringBuilder();
            string? target = null;
            foreach (var kv in parts)
            {
                if (kv.Key == "target") { target = kv.Value; continue; }
                if (kv.Value.IndexOf(',') >= 0)
                {
                    text = "";
                    return $"the value of '{kv.Key}' ('{kv.Value}') contains a comma, which xl would read as a separator";
                }
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(kv.Value.Length == 0 && IsFlag(kv.Key) ? kv.Key : kv.Key + "=" + kv.Value);
            }
            if (target != null)
            {
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(TargetParameter(target));
            }
            text = sb.ToString();
            return null;
        }

        /// <summary>
        /// target=VALUE, last. libxlu strips one trailing comma from what target= takes, so a target that itself
        /// ends with a comma needs one more.
        /// </summary>
        private static string TargetParameter(string target) =>
            "target=" + target + (target.EndsWith(",", StringComparison.Ordinal) ? "," : "");

        private static bool IsFlag(string key) =>
            key == "cdrom" || key == "direct-io-safe" || key == "discard" || key == "no-discard" ||
            key == "trusted" || key == "untrusted" || key == "colo" || key == "no-colo";

        /// <summary>The canonical keyword form (target last), which parses back to the same disk.</summary>
        public string ToSpecString()
        {
            var parts = new List<string>
            {
                "format=" + Format,
                "vdev=" + Vdev,
                "access=" + Access,
            };
            if (IsCdrom) parts.Add("devtype=cdrom");
            if (BackendType != null) parts.Add("backendtype=" + BackendType);
            if (Backend != null) parts.Add("backend=" + Backend);
            if (Script != null) parts.Add("script=" + Script);
            if (DirectIoSafe) parts.Add("direct-io-safe");
            if (Discard.HasValue) parts.Add(Discard.Value ? "discard" : "no-discard");
            if (Trusted.HasValue) parts.Add(Trusted.Value ? "trusted" : "untrusted");
            parts.AddRange(_extras);
            if (Target != null) parts.Add(TargetParameter(Target));
            return string.Join(", ", parts);
        }

        public override string ToString() => Spec;

        /// <summary>A re-implementation of libxlu_disk_l.l's longest-match rules over one spec string.</summary>
        private sealed class Parser
        {
            private readonly string _s;
            private int _i;
            private readonly DiskSpec _d = new DiskSpec();
            private string? _format; // null = not yet set (LIBXL_DISK_FORMAT_UNKNOWN)
            private bool _hadDeprecatedPrefix;
            private bool _accessSet;
            private bool _readWrite = true;

            public Parser(string s)
            {
                _s = s;
                _d.Spec = s;
            }

            public string? Error { get; private set; }
            public string? Hint { get; private set; }
            public DiskSpec Result => _d;

            private bool Fail(string error, string hint)
            {
                if (Error == null) { Error = error; Hint = hint; }
                return false;
            }

            private static readonly string[] FormatPrefixes = { "raw", "qcow2", "qcow", "vhd" };
            private static readonly string[] ScriptPrefixes = { "iscsi", "nbd", "enbd", "drbd" };
            private static readonly string[] IgnoredPrefixes = { "tapdisk", "tap2", "tap", "aio", "ioemu", "file", "phy" };

            public bool Run()
            {
                while (_i < _s.Length)
                {
                    // Whitespace before a parameter is ignored.
                    char c = _s[_i];
                    if (c == ' ' || c == '\t' || c == '\n') { _i++; continue; }

                    string rest = _s.Substring(_i);
                    if (rest.StartsWith("target=", StringComparison.Ordinal))
                    {
                        string v = rest.Substring(7);
                        if (v.EndsWith(",", StringComparison.Ordinal)) v = v.Substring(0, v.Length - 1);
                        if (!SaveTarget(v)) return false;
                        _i = _s.Length;
                        break;
                    }

                    if (TryPrefix(rest, out bool prefixFailed)) continue;
                    if (prefixFailed) return false;

                    int comma = _s.IndexOf(',', _i);
                    string tok = comma < 0 ? rest : _s.Substring(_i, comma - _i);
                    _i = comma < 0 ? _s.Length : comma + 1;
                    if (!Token(tok)) return false;
                }
                return Finish();
            }

            private bool TryPrefix(string rest, out bool failed)
            {
                failed = false;
                var m = Regex.Match(rest, "^([a-z][a-z0-9]*):", RegexOptions.CultureInvariant);
                if (!m.Success) return false;
                string word = m.Groups[1].Value;
                int len = m.Length;
                if (Array.IndexOf(FormatPrefixes, word) >= 0)
                {
                    _hadDeprecatedPrefix = true;
                    _i += len;
                    if (!SetFormat(word)) { failed = true; return false; }
                    return true;
                }
                if (Array.IndexOf(ScriptPrefixes, word) >= 0)
                {
                    _hadDeprecatedPrefix = true;
                    _i += len;
                    if (!SaveString("script", "block-" + word, _d.Script, v => _d.Script = v)) { failed = true; return false; }
                    return true;
                }
                if (Array.IndexOf(IgnoredPrefixes, word) >= 0)
                {
                    _hadDeprecatedPrefix = true;
                    _i += len;
                    return true;
                }
                // An unknown "word:" wins only when what follows cannot continue a positional word (flex longest match).
                bool nextIsWordChar = rest.Length > len && (char.IsAsciiLetterLower(rest[len]) || char.IsAsciiDigit(rest[len]));
                if (!nextIsWordChar)
                {
                    failed = true;
                    Fail($"unknown deprecated disk prefix '{word}:'",
                        "The xm prefixes xl still accepts are phy:, file:, tap:, tap2:, tapdisk:, aio:, ioemu:, raw:, qcow:, qcow2:, vhd:, iscsi:, nbd:, enbd:, drbd:. Better: use the keyword form, e.g. 'format=raw, vdev=xvda, access=rw, target=/path'.");
                }
                return false;
            }

            private bool Token(string tok)
            {
                switch (tok)
                {
                    case "cdrom": _d.IsCdrom = true; _d.DevType = "cdrom"; return true;
                    case "direct-io-safe": _d.DirectIoSafe = true; return true;
                    case "discard": _d.Discard = true; return true;
                    case "no-discard": _d.Discard = false; return true;
                    case "trusted": _d.Trusted = true; return true;
                    case "untrusted": _d.Trusted = false; return true;
                    case "colo":
                    case "no-colo":
                        _d._extras.Add(tok); return true;
                }

                int eq = tok.IndexOf('=');
                if (eq >= 0)
                {
                    string key = tok.Substring(0, eq);
                    string val = tok.Substring(eq + 1);
                    switch (key)
                    {
                        case "format": return SetFormat(val);
                        case "devtype":
                            if (val == "cdrom") { _d.IsCdrom = true; _d.DevType = "cdrom"; return true; }
                            if (val == "disk") { _d.IsCdrom = false; _d.DevType = "disk"; return true; }
                            return Fail($"unknown value for devtype near '{tok}'", "devtype is 'cdrom' or 'disk'.");
                        case "access": return SetAccess(val, true);
                        case "backend": return SaveString("backend", val, _d.Backend, v => _d.Backend = v);
                        case "backendtype":
                            if (BackendTypes.Contains(val))
                            {
                                if (_d.BackendType != null && _d.BackendType != val)
                                    return Fail($"backendtype respecified near '{val}'", "Give backendtype= once.");
                                _d.BackendType = val;
                                return true;
                            }
                            return Fail($"unknown value for backendtype near '{val}'", "backendtype is phy, tap or qdisk (or leave it out and let libxl choose).");
                        case "vdev": return SaveString("vdev", val, _d.Vdev, v => _d.Vdev = v);
                        case "script": return SaveString("script", val, _d.Script, v => _d.Script = v);
                        case "specification":
                            if (val != "xen" && val != "virtio")
                                return Fail($"unknown value for specification near '{val}'", "specification is 'xen' or 'virtio'.");
                            _d._extras.Add(tok);
                            return true;
                        case "grant_usage":
                            if (val != "0" && val != "1")
                                return Fail($"unknown parameter near '{tok}'", "grant_usage is 0 or 1.");
                            _d._extras.Add(tok);
                            return true;
                        case "colo-host":
                        case "colo-export":
                        case "active-disk":
                        case "hidden-disk":
                            _d._extras.Add(tok);
                            return true;
                        case "colo-port":
                            if (!int.TryParse(val, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port == 0)
                                return Fail($"unknown value for colo-port near '{val}'", "colo-port is a port number.");
                            _d._extras.Add(tok);
                            return true;
                    }
                    if (Regex.IsMatch(key, "^[a-z][-a-z0-9_]*\\z", RegexOptions.CultureInvariant))
                    {
                        string? near = XenPS.Config.KnownKeys.Suggest(key, KnownDiskKeywords);
                        return Fail($"unknown parameter '{key}' near '{tok}'",
                            (near != null ? $"Did you mean '{near}'? " : "") +
                            "Disk keywords are format, vdev, access, devtype, backendtype, backend, script, target (last); a target containing '=' must be given as target=....");
                    }
                    return Fail($"bad disk syntax near '{tok}'",
                        "A positional value cannot contain '='; give a target with '=' or ',' as the last parameter, target=....");
                }

                return Positional(tok);
            }

            private static readonly string[] KnownDiskKeywords =
            {
                "format", "vdev", "access", "devtype", "backendtype", "backend", "script", "target", "specification",
                "cdrom", "direct-io-safe", "discard", "no-discard", "trusted", "untrusted", "grant_usage",
                "colo", "no-colo", "colo-host", "colo-port", "colo-export", "active-disk", "hidden-disk",
            };

            private bool Positional(string tok)
            {
                if (_d.Target == null)
                    return SaveTarget(tok);
                if (!_hadDeprecatedPrefix && _format == null)
                {
                    if (_d.Target.Length == 0 && tok.IndexOf(':') >= 0)
                    {
                        if (!VdevAndDevtype(tok)) return false;
                        _format = "empty";
                        return true;
                    }
                    return SetFormat(tok);
                }
                if (_d.Vdev == null)
                {
                    if (tok.IndexOf(':') >= 0) return VdevAndDevtype(tok);
                    _d.Vdev = tok;
                    return true;
                }
                if (!_accessSet)
                {
                    _accessSet = true;
                    return SetAccess(tok, false);
                }
                return Fail($"too many positional parameters near '{tok}'",
                    "The positional form is target,format,vdev,access; put flags such as cdrom after them, or use keywords.");
            }

            private bool VdevAndDevtype(string tok)
            {
                int colon = tok.LastIndexOf(':');
                string vdev = tok.Substring(0, colon);
                string type = tok.Substring(colon + 1);
                if (!SaveString("vdev", vdev, _d.Vdev, v => _d.Vdev = v)) return false;
                if (type == "cdrom") { _d.IsCdrom = true; _d.DevType = "cdrom"; return true; }
                if (type == "disk") { _d.IsCdrom = false; _d.DevType = "disk"; return true; }
                return Fail($"unknown deprecated type near '{type}'", "The xm vdev suffix is ':cdrom' or ':disk' (better: devtype=cdrom).");
            }

            private bool SaveTarget(string v) => SaveString("target", v, _d.Target, x => _d.Target = x);

            private bool SaveString(string what, string value, string? current, Action<string> set)
            {
                if (!string.IsNullOrEmpty(current))
                    return Fail($"{what} respecified near '{value}'", $"Give {what} once: either positionally or as {what}=.");
                set(value);
                return true;
            }

            private bool SetFormat(string v)
            {
                string f = v.Length == 0 ? "raw" : v;
                if (!Formats.Contains(f))
                    return Fail($"unknown value for format near '{v}'",
                        "Formats are raw (the default), qcow, qcow2, vhd, qed. If this was meant as the guest device, the positional order is target,format,vdev,access: leave format empty ('/path,,xvda,rw').");
                if (_format != null && _format != f)
                    return Fail($"format respecified near '{v}'", "Give the format once.");
                _format = f;
                return true;
            }

            private bool SetAccess(string v, bool keyword)
            {
                switch (v)
                {
                    case "r":
                    case "ro": _readWrite = false; return true;
                    case "w":
                    case "rw":
                    case "": _readWrite = true; return true;
                }
                return Fail($"unknown value for access near '{v}'",
                    "access is r or ro (read-only), w or rw (read-write)." + (keyword ? "" : " The positional order is target,format,vdev,access."));
            }

            private bool Finish()
            {
                _d.Format = _format ?? "raw";
                _d.IsReadOnly = !_readWrite;
                if (_d.IsCdrom)
                {
                    _d.IsReadOnly = true;
                    _d.DevType = "cdrom";
                    if (string.IsNullOrEmpty(_d.Target)) _d.Format = "empty";
                }
                if (_d.Vdev == null)
                    return Fail("no vdev specified", "Give the guest device, e.g. vdev=xvda (positionally: target,format,vdev,access).");
                if (_d.Vdev.Length == 0 || !VdevPattern.IsMatch(_d.Vdev))
                    return Fail($"'{_d.Vdev}' is not a virtual disk name libxl understands",
                        "Use xvdX (PV), hdX or sdX (emulated), dNpM, or a number; see docs/misc/vbd-interface.txt.");
                if (_d.Target == null && !_d.IsCdrom)
                    return Fail("no target specified (and device not removable)",
                        "Give the image or device path (target=/path, last); only a CD-ROM drive may be empty.");
                if (_d.Target != null && _d.Target.Length == 0 && !_d.IsCdrom)
                    return Fail("empty target (and device not removable)",
                        "Give the image or device path; only a CD-ROM drive (devtype=cdrom) may be empty.");
                if (_d.Format == "empty" && !string.IsNullOrEmpty(_d.Target))
                    return Fail("format 'empty' with a target", "format=empty is only for an empty CD-ROM drive; use raw, qcow, qcow2, vhd or qed.");
                return true;
            }
        }
    }
}
