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
        /// $1 = ConnectTimeout seconds, $2 = the address, then the ssh command's words (default: ssh). The remote command
        /// is a constant: the host name and the boot id (what tells two dom0s of one image apart).
        /// </summary>
        internal const string PathScript =
            "t=\"$1\"; h=\"$2\"; mux=\"$3\"; shift 3; [ \"$#\" -gt 0 ] || set -- ssh; d=''; "
            + "if [ \"$mux\" = 1 ]; then d=$(umask 077; mktemp -d /tmp/xenps-mig.XXXXXXXXXX) || d=''; fi; "
            + "if [ -n \"$d\" ]; then set -- \"$@\" -o ControlMaster=yes -o ControlPath=\"$d/cm\" -o ControlPersist=600; fi; "
            + "out=$(\"$@\" -o BatchMode=yes -o ConnectTimeout=\"$t\" \"$h\" 'uname -n; cat /proc/sys/kernel/random/boot_id' 2>&1 </dev/null); rc=$?; "
            + "if [ \"$rc\" -eq 0 ]; then echo '" + PathOkMarker + "'; else echo \"" + PathFailMarker + " $rc\"; if [ -n \"$d\" ]; then rm -rf \"$d\"; d=''; fi; fi; "
            + "printf '%s\\n' \"$out\"; if [ -n \"$d\" ]; then echo \"" + PathMuxMarker + " $d/cm\"; fi";

        internal const string PathMuxMarker = "@@XENPS-MIGRATE-MUX@@";

        /// <summary>$1 = the control socket (a /tmp/xenps-mig.* folder's cm), $2 = the address: ends the shared login and removes its folder.</summary>
        internal const string ReleaseScript =
            "c=\"$1\"; h=\"$2\"; case \"$c\" in /tmp/xenps-mig.*/cm) ;; *) exit 2;; esac; "
            + "ssh -o ControlPath=\"$c\" -O exit \"$h\" >/dev/null 2>&1; rm -rf \"$(dirname \"$c\")\"; exit 0";

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
            if (words != null) args.AddRange(words);
            var r = Run(args, null, _options.CommandTimeout + TimeSpan.FromSeconds(secs), cancellationToken);
            var lines = r.StandardOutput.Replace("\r", "").Split('\n').ToList();
            string via = words == null ? "ssh" : string.Join(" ", words);
            string? shared = lines.Where(l => l.StartsWith(PathMuxMarker + " ", StringComparison.Ordinal)).Select(l => l.Substring(PathMuxMarker.Length + 1).Trim()).LastOrDefault();
            lines = lines.Where(l => !l.StartsWith(PathMuxMarker, StringComparison.Ordinal)).ToList();
            if (r.ExitCode == 0 && lines.Count >= 3 && lines[0] == PathOkMarker)
            {
                string name = lines[1].Trim(), boot = lines[2].Trim();
                return new MigrationPathCheck(true, name, boot, $"{via} {address} from the source dom0 reaches the host '{name}'.", shared);
            }
            string detail = string.Join(" ", lines.Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0));
            if (lines.Count > 0 && lines[0].StartsWith(PathFailMarker, StringComparison.Ordinal))
                return new MigrationPathCheck(false, null, null,
                    $"the source dom0 cannot reach {address} with {via} (BatchMode, ConnectTimeout {secs} s): {(detail.Length > 0 ? detail : "exit code " + lines[0].Substring(PathFailMarker.Length).Trim())}. " +
                    "xl migrate logs in from the source dom0 to the destination dom0 as root with a key: check the address as the source dom0 resolves it " +
                    "(-DestinationAddress), its /etc/hosts, and that the destination's /root/.ssh/authorized_keys has the source dom0's key.");
            throw XlErrorMapper.Map("the migration path check", null, r);
        }

        public void ReleaseSharedConnection(MigrationDestination destination, string sharedConnection, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(sharedConnection) || destination == null) return;
            try { Run(new[] { "sh", "-c", ReleaseScript, "sh", sharedConnection, MigrationRules.CheckAddress(destination.Address) }, null, _options.CommandTimeout, cancellationToken); }
            catch (XenPSException) { } // it ends by itself after ControlPersist (600 s) idle
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
