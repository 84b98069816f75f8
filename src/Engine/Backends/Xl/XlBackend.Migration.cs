using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// xl migrate (facts from Xen 4.17.7 on the lab: Xl/Fixtures/migrate-m01..m15). xl migrates dom0 to dom0 through its
    /// own transport: `ssh &lt;host&gt; xl migrate-receive` run by sh on the SOURCE dom0, so the address and the -s words are
    /// checked to be plain (<see cref="MigrationRules"/>) and the reachability check runs that same path from the source
    /// dom0 with a constant script and arguments (BatchMode, ConnectTimeout). xl prints its progress on stderr
    /// ("migration target: Ready to receive domain.", "migration sender: Target has acknowledged transfer.",
    /// "Migration successful."); a failure leaves the domain running on the source ("Migration failed, ..."), and the
    /// receiver destroys what it got. While it runs the two copies are listed as &lt;name&gt;--incoming (paused, on the
    /// destination) and, at the end, &lt;name&gt;--migratedaway (on the source).
    /// </summary>
    public sealed partial class XlBackend : IXenMigration
    {
        internal const string PathOkMarker = "@@XENPS-MIGRATE-PATH-OK@@";
        internal const string PathFailMarker = "@@XENPS-MIGRATE-PATH-FAIL@@";

        /// <summary>
        /// $1 = ConnectTimeout seconds, $2 = the address, $3 = share the login (1/0), $4 = its ControlPersist seconds,
        /// $5 = a login kept from an earlier migration to reuse (its control socket, or empty), then the ssh command's
        /// words (default: ssh). The remote command is a constant: the host name and the boot id (what tells two dom0s of
        /// one image apart). A kept login is used only when it is in a folder of ours (root's, not a link) and its master
        /// answers `ssh -O check` within 3 s; otherwise its folder goes and a new login is made. A new master's folder is
        /// removed by a watcher in the background once its socket has gone.
        /// </summary>
        internal const string PathScript =
            "t=\"$1\"; h=\"$2\"; mux=\"$3\"; keep=\"$4\"; reuse=\"$5\"; shift 5; [ \"$#\" -gt 0 ] || set -- ssh; d=''; kept=''; "
            + "if [ \"$mux\" = 1 ] && [ -n \"$reuse\" ]; then case \"$reuse\" in /tmp/xenps-mig.*/cm) r=\"${reuse%/cm}\"; "
            + "if [ -d \"$r\" ] && [ ! -L \"$r\" ] && [ -O \"$r\" ]; then "
            + "if timeout 3 ssh -o ControlPath=\"$reuse\" -O check \"$h\" </dev/null >/dev/null 2>&1; then d=\"$r\"; kept=1; "
            + "else timeout 3 ssh -o ControlPath=\"$reuse\" -O exit \"$h\" </dev/null >/dev/null 2>&1; rm -rf \"$r\"; fi; fi;; esac; fi; "
            + "if [ \"$mux\" = 1 ] && [ -z \"$d\" ]; then d=$(umask 077; mktemp -d /tmp/xenps-mig.XXXXXXXXXX) || d=''; fi; "
            + "if [ -n \"$d\" ]; then set -- \"$@\" -o ControlMaster=auto -o ControlPath=\"$d/cm\" -o ControlPersist=\"$keep\"; fi; "
            + "out=$(\"$@\" -o BatchMode=yes -o ConnectTimeout=\"$t\" \"$h\" 'uname -n; cat /proc/sys/kernel/random/boot_id' 2>&1 </dev/null); rc=$?; "
            + "if [ \"$rc\" -eq 0 ]; then echo '" + PathOkMarker + "'; else echo \"" + PathFailMarker + " $rc\"; "
            + "if [ -n \"$d\" ]; then ssh -o ControlPath=\"$d/cm\" -O exit \"$h\" </dev/null >/dev/null 2>&1; rm -rf \"$d\"; d=''; kept=''; fi; fi; "
            // a new master: its folder goes once the master has ended (idle past ControlPersist, or told to exit), even when
            // XenPS is gone by then
            + "if [ -n \"$d\" ] && [ -z \"$kept\" ] && [ -S \"$d/cm\" ]; then ( while [ -S \"$d/cm\" ]; do sleep 5; done; rm -rf \"$d\" ) </dev/null >/dev/null 2>&1 & fi; "
            + "printf '%s\\n' \"$out\"; if [ -n \"$d\" ]; then echo \"" + PathMuxMarker + " $d/cm\"; fi; if [ -n \"$kept\" ]; then echo '" + PathKeptMarker + "'; fi";

        internal const string PathKeptMarker = "@@XENPS-MIGRATE-KEPT@@";

        internal const string PathMuxMarker = "@@XENPS-MIGRATE-MUX@@";

        /// <summary>$1 = the control socket (a /tmp/xenps-mig.* folder's cm), $2 = the address: ends the shared login and removes its folder.</summary>
        /// <remarks>
        /// The master is told to exit in the background, its folder removed after it: ssh's start on a busy dom0 takes a
        /// second or more (measured on the lab right after a migration), and nothing waits for it; the session ends at
        /// once because the background part holds none of its descriptors.
        /// </remarks>
        internal const string ReleaseScript =
            "c=\"$1\"; h=\"$2\"; case \"$c\" in /tmp/xenps-mig.*/cm) ;; *) exit 2;; esac; "
            + "( ssh -o ControlPath=\"$c\" -O exit \"$h\"; rm -rf \"$(dirname \"$c\")\" ) </dev/null >/dev/null 2>&1 & exit 0";

        /// <summary>For each argument, 1 when something exists at that path, else 0.</summary>
        internal const string PathsScript = "for f; do if [ -e \"$f\" ]; then echo 1; else echo 0; fi; done";

        internal const string BootIdPath = "/proc/sys/kernel/random/boot_id";

        public string DefaultMigrationAddress(CancellationToken cancellationToken)
        {
            if (!string.IsNullOrEmpty(_options.MigrationAddress)) return _options.MigrationAddress!;
            if (System.Uri.TryCreate(Uri, UriKind.Absolute, out var u) && u.Scheme == "ssh" && u.Host.Length > 0)
                return u.HostNameType == UriHostNameType.IPv6 ? u.Host.Trim('[', ']') : u.Host;
            return GetHostInfo(cancellationToken).HostName;
        }

        public string HostIdentity(CancellationToken cancellationToken)
        {
            var r = Run(new[] { "cat", BootIdPath }, null, _options.CommandTimeout, cancellationToken);
            string id = r.StandardOutput.Trim();
            if (r.ExitCode != 0 || id.Length == 0)
                throw new XenCommandException($"The host's boot id ({BootIdPath}) could not be read on {_runner.Description}.", r.ExitCode, r.StandardError);
            return id;
        }

        public MigrationPathCheck CheckMigrationPath(MigrationDestination destination, MigrateDomainOptions options, CancellationToken cancellationToken)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            options ??= new MigrateDomainOptions();
            string address = MigrationRules.CheckAddress(destination.Address);
            var words = MigrationRules.CheckSshCommand(options.SshCommand);
            int secs = (int)Math.Clamp(Math.Ceiling(options.ConnectTimeout.TotalSeconds), 1, 600);
            bool mux = options.ShareConnection && words == null;
            var args = new List<string> { "sh", "-c", PathScript, "sh", secs.ToString(CultureInfo.InvariantCulture), address, mux ? "1" : "0" };
            args.AddRange(LoginArguments(address, mux));
            if (words != null) args.AddRange(words);
            var r = Run(args, null, _options.CommandTimeout + TimeSpan.FromSeconds(secs), cancellationToken);
            return NoteLogin(address, mux, ParsePathCheck(r.StandardOutput, r.ExitCode, address, words, secs) ?? throw XlErrorMapper.Map("the migration path check", null, r));
        }

        /// <summary>
        /// The source dom0's logins to destinations (by address) kept after a migration for the next one, their control
        /// sockets; each ends by itself after <see cref="XlBackendOptions.MigrationLoginKeepSeconds"/> idle on the dom0, or
        /// when this connection is closed.
        /// </summary>
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _keptLogins =
            new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        private bool KeepLogins => _options.MigrationLoginKeepSeconds > 0;

        /// <summary>The path script's ControlPersist and kept-login arguments.</summary>
        private IEnumerable<string> LoginArguments(string address, bool mux)
        {
            yield return (KeepLogins ? _options.MigrationLoginKeepSeconds : 600).ToString(CultureInfo.InvariantCulture);
            yield return mux && KeepLogins && _keptLogins.TryGetValue(address, out var kept) ? kept : "";
        }

        /// <summary>Remembers a login to keep (or forgets one that did not work).</summary>
        private MigrationPathCheck NoteLogin(string address, bool mux, MigrationPathCheck check)
        {
            if (!mux || !KeepLogins) return check;
            if (check.Reachable && check.SharedConnection != null) _keptLogins[address] = check.SharedConnection;
            else _keptLogins.TryRemove(address, out _);
            return check;
        }

        /// <summary>What <see cref="PathScript"/> printed, as the check's result; null when it did not run as it should.</summary>
        private static MigrationPathCheck? ParsePathCheck(string output, int exitCode, string address, IReadOnlyList<string>? words, int secs)
        {
            var lines = output.Replace("\r", "").Split('\n').ToList();
            string via = words == null ? "ssh" : string.Join(" ", words);
            string? shared = lines.Where(l => l.StartsWith(PathMuxMarker + " ", StringComparison.Ordinal)).Select(l => l.Substring(PathMuxMarker.Length + 1).Trim()).LastOrDefault();
            bool kept = lines.Any(l => l.Trim() == PathKeptMarker);
            lines = lines.Where(l => !l.StartsWith(PathMuxMarker, StringComparison.Ordinal) && l.Trim() != PathKeptMarker).ToList();
            if (exitCode == 0 && lines.Count >= 3 && lines[0] == PathOkMarker)
            {
                string name = lines[1].Trim(), boot = lines[2].Trim();
                return new MigrationPathCheck(true, name, boot, $"{via} {address} from the source dom0 reaches the host '{name}'" +
                    (kept ? " (through its login kept from an earlier migration)." : "."), shared);
            }
            string detail = string.Join(" ", lines.Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0));
            if (lines.Count > 0 && lines[0].StartsWith(PathFailMarker, StringComparison.Ordinal))
                return new MigrationPathCheck(false, null, null,
                    $"the source dom0 cannot reach {address} with {via} (BatchMode, ConnectTimeout {secs} s): {(detail.Length > 0 ? detail : "exit code " + lines[0].Substring(PathFailMarker.Length).Trim())}. " +
                    "xl migrate logs in from the source dom0 to the destination dom0 as root with a key: check the address as the source dom0 resolves it " +
                    "(-DestinationAddress), its /etc/hosts, and that the destination's /root/.ssh/authorized_keys has the source dom0's key.");
            return null;
        }

        /// <summary>Ends the login, unless it is the one kept for the next migration to that address (see <see cref="XlBackendOptions.MigrationLoginKeepSeconds"/>).</summary>
        public void ReleaseSharedConnection(MigrationDestination destination, string sharedConnection, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(sharedConnection) || destination == null || Volatile.Read(ref _disposed) != 0) return;
            string address = MigrationRules.CheckAddress(destination.Address);
            if (KeepLogins && _keptLogins.TryGetValue(address, out var kept) && kept == sharedConnection) return;
            EndLogin(sharedConnection, address, _options.CommandTimeout, cancellationToken);
        }

        /// <summary>Ends the logins kept for later migrations (when the connection closes).</summary>
        private void EndKeptLogins()
        {
            foreach (var kv in _keptLogins.ToArray())
                if (_keptLogins.TryRemove(kv.Key, out _)) EndLogin(kv.Value, kv.Key, TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        /// <summary><see cref="ReleaseScript"/> on the dom0, straight through the runner (it also runs while the connection closes).</summary>
        private void EndLogin(string sharedConnection, string address, TimeSpan timeout, CancellationToken cancellationToken)
        {
            try { _runner.Run(new[] { "sh", "-c", ReleaseScript, "sh", sharedConnection, address }, null, timeout, cancellationToken); }
            catch (Exception e) when (e is XenPSException || e is System.IO.IOException || e is InvalidOperationException) { } // it ends by itself after ControlPersist idle
        }

        public IReadOnlyList<bool> PathsExist(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            if (paths.Count == 0) return Array.Empty<bool>();
            var args = new List<string> { "sh", "-c", PathsScript, "sh" };
            args.AddRange(paths);
            var r = Run(args, null, _options.CommandTimeout, cancellationToken);
            var got = r.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            if (r.ExitCode != 0 || got.Count != paths.Count || got.Any(l => l != "0" && l != "1"))
                throw new XenCommandException($"Checking {paths.Count} path(s) on {_runner.Description} failed.", r.ExitCode, r.StandardError);
            return got.Select(l => l == "1").ToList();
        }

        internal const string PartMarker = "@@XENPS-PART@@";
        internal const string PartEndMarker = "@@XENPS-RC@@";

        /// <summary>
        /// The source's preflight facts in one ssh command: $1 = xl, $2 = <see cref="PathScript"/>, $3 = ConnectTimeout
        /// seconds, $4 = the address, $5 = share the login (1/0), $6 = its ControlPersist seconds, $7 = a kept login to
        /// reuse (see <see cref="PathScript"/>), $8 = the boot id the source's static facts were read in (or empty), $9 = how
        /// many paths follow, the paths, then the ssh command's words. Each part is "PART name", its
        /// output, "RC exit code". When the host still runs that boot, the info part is <see cref="SameBootMarker"/>
        /// instead of xl info: the source's facts the preflight uses (Xen version, virt_caps) do not change within a boot.
        /// </summary>
        internal const string SourceFactsScript =
            "xl=\"$1\"; ps=\"$2\"; t=\"$3\"; h=\"$4\"; mux=\"$5\"; keep=\"$6\"; reuse=\"$7\"; kb=\"$8\"; n=\"$9\"; shift 9; "
            + "pth=''; i=0; while [ \"$i\" -lt \"$n\" ]; do if [ -e \"$1\" ]; then pth=\"$pth 1\"; else pth=\"$pth 0\"; fi; shift; i=$((i+1)); done; "
            // the login to the destination (the slow part) runs while xl info does
            + "tmp=$(mktemp /tmp/xenps-facts.XXXXXXXXXX 2>/dev/null) || tmp=''; "
            + "if [ -n \"$tmp\" ]; then sh -c \"$ps\" sh \"$t\" \"$h\" \"$mux\" \"$keep\" \"$reuse\" \"$@\" >\"$tmp\" 2>&1 </dev/null & pid=$!; fi; "
            + "id=$(cat " + BootIdPath + " 2>&1); idrc=$?; "
            + "echo '" + PartMarker + " info'; if [ -n \"$kb\" ] && [ \"$idrc\" -eq 0 ] && [ \"$kb\" = \"$id\" ]; then echo '" + SameBootMarker + "'; echo '" + PartEndMarker + " 0'; "
            + "else \"$xl\" info 2>&1; echo \"" + PartEndMarker + " $?\"; fi; "
            + "echo '" + PartMarker + " id'; printf '%s\\n' \"$id\"; echo \"" + PartEndMarker + " $idrc\"; "
            + "echo '" + PartMarker + " paths'; for v in $pth; do echo \"$v\"; done; echo '" + PartEndMarker + " 0'; "
            + "echo '" + PartMarker + " path'; if [ -n \"$tmp\" ]; then wait \"$pid\"; rc=$?; cat \"$tmp\"; rm -f \"$tmp\"; "
            + "else sh -c \"$ps\" sh \"$t\" \"$h\" \"$mux\" \"$keep\" \"$reuse\" \"$@\" </dev/null; rc=$?; fi; echo \"" + PartEndMarker + " $rc\"";

        /// <summary>The destination's preflight facts in one ssh command: $1 = xl, then the paths (xl info, xl list, the boot id, the paths).</summary>
        internal const string SameBootMarker = "@@XENPS-SAME-BOOT@@";

        /// <summary>The source's xl info of one boot (its Xen version and virt_caps), by boot id; see <see cref="SourceFactsScript"/>.</summary>
        private Tuple<string, XenHostInfo>? _bootInfo;

        internal const string DestinationFactsScript =
            "xl=\"$1\"; shift; "
            + "echo '" + PartMarker + " info'; \"$xl\" info 2>&1; echo \"" + PartEndMarker + " $?\"; "
            + "echo '" + PartMarker + " list'; \"$xl\" list 2>&1; echo \"" + PartEndMarker + " $?\"; "
            + "echo '" + PartMarker + " id'; cat " + BootIdPath + " 2>&1; echo \"" + PartEndMarker + " $?\"; "
            + "echo '" + PartMarker + " recent'; cut -d' ' -f1 /proc/uptime; cat " + DomidHistoryPath + " 2>/dev/null; echo '" + PartEndMarker + " 0'; "
            + "echo '" + PartMarker + " paths'; for f; do if [ -e \"$f\" ]; then echo 1; else echo 0; fi; done; echo '" + PartEndMarker + " 0'";

        internal const string DomidHistoryPath = DomidHistory.Path;

        /// <summary>
        /// The "recent" part: dom0's uptime (CLOCK_BOOTTIME, which is libxl's CLOCK_MONOTONIC on a dom0 that never
        /// suspends), then the domid history; the domids still kept from reuse, each with the seconds left. Null when the
        /// part did not come.
        /// </summary>
        internal static IReadOnlyDictionary<int, int>? ParseRecentDomids(string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0 || !double.TryParse(lines[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double up)) return null;
            return DomidHistory.Recent(DomidHistory.Parse(lines.Skip(1)), (long)Math.Floor(up));
        }

        /// <summary>The parts of a facts script's output: name → (text, exit code); a part that did not end has none.</summary>
        internal static Dictionary<string, (string Text, int? ExitCode)> Parts(string output)
        {
            var parts = new Dictionary<string, (string, int?)>(StringComparer.Ordinal);
            string? current = null;
            var text = new System.Text.StringBuilder();
            foreach (string raw in output.Replace("\r", "").Split('\n'))
            {
                if (raw.StartsWith(PartMarker + " ", StringComparison.Ordinal))
                {
                    if (current != null) parts[current] = (text.ToString(), null);
                    current = raw.Substring(PartMarker.Length + 1).Trim();
                    text.Clear();
                }
                else if (current != null && raw.StartsWith(PartEndMarker + " ", StringComparison.Ordinal))
                {
                    parts[current] = (text.ToString(), int.TryParse(raw.Substring(PartEndMarker.Length + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int rc) ? rc : -1);
                    current = null;
                    text.Clear();
                }
                else if (current != null) text.Append(raw).Append('\n');
            }
            if (current != null) parts[current] = (text.ToString(), null);
            return parts;
        }

        private string PartError(string what, (string Text, int? ExitCode) part) =>
            part.ExitCode == null ? $"{what} did not finish on {_runner.Description}."
                : XlErrorMapper.Map(what, null, new CommandResult(part.ExitCode.Value, "", part.Text)).Message;

        /// <summary>Info, identity and paths from the facts script's parts (shared by both roles).</summary>
        private void ReadCommonParts(Dictionary<string, (string Text, int? ExitCode)> parts, int pathCount, MigrationHostFacts f)
        {
            if (!parts.TryGetValue("info", out var info)) f.InfoError = $"xl info did not run on {_runner.Description}.";
            else if (info.ExitCode == 0) f.Info = XlOutputParser.ParseInfo(info.Text);
            else f.InfoError = PartError("xl info", info);

            if (!parts.TryGetValue("id", out var id) || id.ExitCode != 0 || id.Text.Trim().Length == 0)
                f.IdentityError = $"The host's boot id ({BootIdPath}) could not be read on {_runner.Description}.";
            else f.Identity = id.Text.Trim();

            var got = parts.TryGetValue("paths", out var p) && p.ExitCode == 0
                ? p.Text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList() : null;
            if (got == null || got.Count != pathCount || got.Any(l => l != "0" && l != "1"))
                f.PathsError = $"Checking {pathCount} path(s) on {_runner.Description} failed.";
            else f.PathsExist = got.Select(l => l == "1").ToList();
        }

        /// <summary>One ssh command to the source dom0: xl info, the boot id, the paths, and the path check (its login to the destination).</summary>
        public MigrationHostFacts GatherSourceFacts(MigrationDestination destination, IReadOnlyList<string> paths, MigrateDomainOptions options, CancellationToken cancellationToken)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            options ??= new MigrateDomainOptions();
            string address = MigrationRules.CheckAddress(destination.Address);
            var words = MigrationRules.CheckSshCommand(options.SshCommand);
            int secs = (int)Math.Clamp(Math.Ceiling(options.ConnectTimeout.TotalSeconds), 1, 600);
            bool mux = options.ShareConnection && words == null;
            // a migration on one host reads this host's free memory from these facts: then xl info always runs
            var known = ReferenceEquals(destination.Backend, this) ? null : Volatile.Read(ref _bootInfo);
            var args = new List<string> { "sh", "-c", SourceFactsScript, "sh", _options.XlPath, PathScript, secs.ToString(CultureInfo.InvariantCulture), address, mux ? "1" : "0" };
            args.AddRange(LoginArguments(address, mux));
            args.Add(known?.Item1 ?? "");
            args.Add(paths.Count.ToString(CultureInfo.InvariantCulture));
            args.AddRange(paths);
            if (words != null) args.AddRange(words);
            var r = Run(args, null, _options.CommandTimeout + TimeSpan.FromSeconds(secs), cancellationToken);
            var parts = Parts(r.StandardOutput);
            var f = new MigrationHostFacts();
            bool sameBoot = parts.TryGetValue("info", out var ip) && ip.ExitCode == 0 && ip.Text.Trim() == SameBootMarker;
            if (sameBoot) parts.Remove("info");
            ReadCommonParts(parts, paths.Count, f);
            if (sameBoot && known != null && f.Identity == known.Item1) { f.Info = known.Item2; f.InfoError = null; }
            else if (sameBoot) f.InfoError = $"xl info was not read on {_runner.Description} (the boot it was known for is over).";
            else if (f.Info != null && f.Identity != null) Volatile.Write(ref _bootInfo, Tuple.Create(f.Identity, f.Info));
            if (parts.TryGetValue("path", out var pc) && pc.ExitCode != null && ParsePathCheck(pc.Text, pc.ExitCode.Value, address, words, secs) is MigrationPathCheck check)
                f.Path = NoteLogin(address, mux, check);
            else
                f.PathError = r.ExitCode != 0 && parts.Count == 0 ? XlErrorMapper.Map("the migration facts", null, r).Message
                    : $"the migration path check did not run as it should on {_runner.Description}" + (r.StandardError.Trim().Length > 0 ? $": {r.StandardError.Trim()}" : ".");
            return f;
        }

        /// <summary>One ssh command to the destination dom0: xl info, xl list (names and ids), the boot id, the paths.</summary>
        public MigrationHostFacts GatherDestinationFacts(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            var args = new List<string> { "sh", "-c", DestinationFactsScript, "sh", _options.XlPath };
            args.AddRange(paths);
            var r = Run(args, null, _options.CommandTimeout, cancellationToken);
            var parts = Parts(r.StandardOutput);
            if (parts.Count == 0 && r.ExitCode != 0) return MigrationHostFacts.Failed(XlErrorMapper.Map("the migration facts", null, r).Message);
            var f = new MigrationHostFacts();
            ReadCommonParts(parts, paths.Count, f);
            if (!parts.TryGetValue("list", out var list)) f.DomainsError = $"xl list did not run on {_runner.Description}.";
            else if (list.ExitCode == 0) f.Domains = XlOutputParser.Join(XlOutputParser.ParseListTable(list.Text), new Dictionary<int, XlOutputParser.XlJsonDomain>());
            else f.DomainsError = PartError("xl list", list);
            if (parts.TryGetValue("recent", out var recent) && recent.ExitCode == 0) f.RecentDomainIds = ParseRecentDomids(recent.Text);
            return f;
        }

        public IReadOnlyDictionary<int, int>? RecentlyUsedDomainIds(CancellationToken cancellationToken)
        {
            var r = Run(new[] { "sh", "-c", "cut -d' ' -f1 /proc/uptime; cat " + DomidHistoryPath + " 2>/dev/null; true" }, null, _options.CommandTimeout, cancellationToken);
            return r.ExitCode == 0 ? ParseRecentDomids(r.StandardOutput) : null;
        }

        /// <summary>xl migrate's argument vector (without the xl program).</summary>
        internal static List<string> MigrateArguments(string domain, string address, MigrateDomainOptions options)
        {
            var args = new List<string> { "migrate" };
            var words = MigrationRules.CheckSshCommand(options.SshCommand);
            if (words == null && !string.IsNullOrEmpty(options.SharedConnection))
                words = MigrationRules.CheckSshCommand(new[] { "ssh", "-o", "ControlPath=" + options.SharedConnection }); // the preflight's login, kept open
            if (words != null) { args.Add("-s"); args.Add(string.Join(" ", words)); }
            if (options.ConfigPath != null) { args.Add("-C"); args.Add(CheckpointPath.Check(options.ConfigPath)); }
            if (options.Paused) args.Add("-p");
            if (options.PreserveDomainId) args.Add("-D");
            args.Add(domain);
            args.Add(MigrationRules.CheckAddress(address));
            return args;
        }

        public void MigrateDomain(XenDomain domain, MigrationDestination destination, MigrateDomainOptions options, Action<MigrationProgress>? progress,
            CancellationToken cancellationToken)
        {
            if (domain == null) throw new ArgumentNullException(nameof(domain));
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            options ??= new MigrateDomainOptions();
            string d = RefuseDomain0(domain, "migrate");
            var args = MigrateArguments(d, destination.Address, options);
            args.Insert(0, _options.XlPath);
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The connection to {Uri} has been closed.", XenErrorReason.ConnectionClosed);
            var r = _runner.RunStreaming(args, null, _options.CheckpointTimeout, line =>
            {
                var p = ParseMigrationProgress(line);
                if (p != null) progress?.Invoke(p);
            }, cancellationToken);
            if (r.ExitCode != 0) throw MapMigrationError(domain.Name, destination.Address, r);
        }

        /// <summary>One of xl's migration progress lines, or null for any other line.</summary>
        internal static MigrationProgress? ParseMigrationProgress(string line)
        {
            if (ParseProgress(line) is CheckpointProgress f) return new MigrationProgress(f.Phase, f.Done, f.Total, f.PercentComplete);
            string l = (line ?? "").Trim();
            if (l.StartsWith("migration sender: ", StringComparison.Ordinal) || l.StartsWith("migration target: ", StringComparison.Ordinal)
                || l.StartsWith("Saving to migration stream", StringComparison.Ordinal) || l == "Migration successful.")
                return new MigrationProgress("Message", 0, 0, 0, l);
            return null;
        }

        /// <summary>The typed failure of xl migrate (captures m08 unreachable, m11 PV without shadow, m13 no such domain).</summary>
        internal static XenPSException MapMigrationError(string name, string address, CommandResult r)
        {
            string err = (r.StandardError ?? "").Replace("\r", "");
            string last = err.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith("libxl: info:", StringComparison.Ordinal)) ?? $"exit code {r.ExitCode}";
            if (err.Contains("is an invalid domain identifier"))
                return XlErrorMapper.Map($"xl migrate of {name}", name, r);
            if (err.Contains("Failed to enable logdirty"))
                return new XenMigrationException(
                    $"xl migrate of {name} failed: Failed to enable logdirty ({last}). {name} is a PV guest, whose live migration needs log-dirty tracking through " +
                    "shadow paging, which this host's Xen lacks (xl info: virt_caps). The domain carries on on the source.",
                    XenErrorReason.MigrationGuestNotMigratable);
            var ssh = err.Split('\n').FirstOrDefault(l => l.StartsWith("ssh: ", StringComparison.Ordinal) || l.Contains("Permission denied") || l.Contains("Host key verification failed"));
            if (ssh != null || err.Contains("reading banner from migration receiver stream"))
                return new XenMigrationException(
                    $"xl migrate of {name} could not reach {address} from the source dom0: {(ssh ?? XlErrorMapper.FirstError(err) ?? last).Trim()}. The domain carries on on the source.",
                    XenErrorReason.MigrationDestinationUnreachable);
            if (System.Text.RegularExpressions.Regex.IsMatch(err, @"Domain with name "".*"" already exists"))
                return new XenMigrationException($"xl migrate of {name} failed: the destination already has a domain named {name}. The domain carries on on the source.",
                    XenErrorReason.DomainExists);
            if (err.Contains("Out of memory") || err.Contains("can't allocate") || err.Contains("Cannot allocate memory"))
                return new XenMigrationException($"xl migrate of {name} failed: the destination lacks the memory ({XlErrorMapper.FirstError(err)}). The domain carries on on the source.",
                    XenErrorReason.InsufficientResources);
            string first = XlErrorMapper.FirstError(err.Replace("migration target: Ready to receive domain.", "")) ?? "";
            return new XenMigrationException($"xl migrate of {name} failed (exit code {r.ExitCode}): {last}" + (first.Length > 0 && first != last ? $" ({first})" : "") + ".",
                XenErrorReason.MigrationFailed);
        }

        public string? RecoverDomain(XenDomain current, string name, bool unpause, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(current, "recover");
            var done = new List<string>();
            if (current.Name != name)
            {
                Simple(d, cancellationToken, "xl rename", "rename", d, name);
                done.Add($"renamed {current.Name} back to {name}");
            }
            if (unpause)
            {
                Simple(d, cancellationToken, "xl unpause", "unpause", d);
                done.Add("unpaused it");
            }
            return done.Count == 0 ? null : $"On the source host: {string.Join(" and ", done)}.";
        }

        public string? DiscardIncoming(string name, CancellationToken cancellationToken)
        {
            string incoming = name + MigrationRules.IncomingSuffix;
            var d = ListDomains(cancellationToken).FirstOrDefault(x => x.Name == incoming);
            if (d == null || d.IsDomain0) return null;
            DestroyDomain(d, cancellationToken);
            return $"Destroyed the half-received copy {incoming}" + (d.Id is int id ? $" (id {id.ToString(CultureInfo.InvariantCulture)})" : "") + " on the destination.";
        }
    }
}
