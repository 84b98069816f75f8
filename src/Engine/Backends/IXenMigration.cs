using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>How a domain is migrated (xl migrate's options).</summary>
    public sealed class MigrateDomainOptions
    {
        /// <summary>Leave the domain paused on the destination (xl migrate -p).</summary>
        public bool Paused { get; set; }
        /// <summary>Keep the domain's domid on the destination (xl migrate -D); the destination must not use it.</summary>
        public bool PreserveDomainId { get; set; }
        /// <summary>A config file ON THE SOURCE dom0 sent instead of the domain's own (xl migrate -C).</summary>
        public string? ConfigPath { get; set; }
        /// <summary>
        /// The command xl runs to reach the destination instead of `ssh` (xl migrate -s), as separate words. xl joins them
        /// with spaces and hands them to sh, so each word is restricted to plain characters (see <see cref="MigrationRules"/>).
        /// </summary>
        public IReadOnlyList<string>? SshCommand { get; set; }
        /// <summary>
        /// Keep the reachability check's ssh login open (an OpenSSH ControlMaster in a private folder of the source dom0)
        /// for xl migrate's own ssh to use, when no <see cref="SshCommand"/> is given: xl then does not log in a second
        /// time (on the TCG lab a login from dom0 to dom0 takes about 2 s). The caller releases it afterwards.
        /// </summary>
        public bool ShareConnection { get; set; }
        /// <summary>The shared login the preflight left open (<see cref="MigrationPathCheck.SharedConnection"/>), for xl migrate to use.</summary>
        public string? SharedConnection { get; set; }
        /// <summary>How long the reachability check from the source dom0 waits for the destination (ssh ConnectTimeout).</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    }

    /// <summary>Where a domain goes: the destination host's backend (for its facts and listing) and its address as the SOURCE dom0 reaches it.</summary>
    public sealed class MigrationDestination
    {
        public MigrationDestination(IXenBackend backend, string address)
        {
            Backend = backend ?? throw new ArgumentNullException(nameof(backend));
            Address = address ?? throw new ArgumentNullException(nameof(address));
        }

        public IXenBackend Backend { get; }
        /// <summary>The destination's host name or address as seen from the source dom0 (xl migrate's &lt;host&gt;).</summary>
        public string Address { get; }
    }

    /// <summary>How far a migration has got: xl's "migration sender: ..." messages and its "Frames" progress.</summary>
    public sealed class MigrationProgress
    {
        public MigrationProgress(string phase, long done, long total, int percent, string? message = null)
        {
            Phase = phase;
            Done = done;
            Total = total;
            PercentComplete = percent;
            Message = message;
        }

        /// <summary>The phase of a pool migration's XAPI task (Done of Total = 100 is its progress).</summary>
        public const string TaskPhase = "Task";

        /// <summary>"Frames" (memory pages sent), "End of stream", "Message" for a line of xl's own, or <see cref="TaskPhase"/>.</summary>
        public string Phase { get; }
        public long Done { get; }
        public long Total { get; }
        public int PercentComplete { get; }
        /// <summary>xl's message ("migration sender: Target has acknowledged transfer."), for Phase "Message".</summary>
        public string? Message { get; }

        public override string ToString() => Message ?? $"{Phase}: {Done}/{Total} {PercentComplete}%";
    }

    /// <summary>What the source dom0 found at the destination address (the path xl migrate will use).</summary>
    public sealed class MigrationPathCheck
    {
        public MigrationPathCheck(bool reachable, string? remoteHostName, string? remoteIdentity, string detail, string? sharedConnection = null)
        {
            SharedConnection = sharedConnection;
            Reachable = reachable;
            RemoteHostName = remoteHostName;
            RemoteIdentity = remoteIdentity;
            Detail = detail;
        }

        public bool Reachable { get; }
        /// <summary>The host name that answered through that path (uname -n), when it answered.</summary>
        public string? RemoteHostName { get; }
        /// <summary>What identifies the host that answered (<see cref="IXenMigration.HostIdentity"/>), to compare with the destination connection's.</summary>
        public string? RemoteIdentity { get; }
        public string Detail { get; }
        /// <summary>With <see cref="MigrateDomainOptions.ShareConnection"/>: the login left open for xl migrate (release it with ReleaseSharedConnection).</summary>
        public string? SharedConnection { get; }
    }

    /// <summary>
    /// What a migration preflight learns of one host (each part, or why it could not be read): its facts and identity,
    /// which of the domain's paths exist there, and as the SOURCE the path check to the destination, as the destination
    /// its domains (names and ids).
    /// </summary>
    public sealed class MigrationHostFacts
    {
        public XenHostInfo? Info { get; set; }
        public string? InfoError { get; set; }
        public string? Identity { get; set; }
        public string? IdentityError { get; set; }
        public IReadOnlyList<bool>? PathsExist { get; set; }
        public string? PathsError { get; set; }
        /// <summary>As the destination: its domains (at least their names and ids).</summary>
        public IReadOnlyList<XenDomain>? Domains { get; set; }
        public string? DomainsError { get; set; }
        /// <summary>
        /// As the destination: the domids its toolstack will not give out yet, each with the seconds until it will (libxl
        /// keeps a destroyed domain's id from reuse for 60 s, LIBXL_DOMID_REUSE_TIMEOUT, and xl migrate -D then fails with
        /// "domain id recently used"); null when the host could not say.
        /// </summary>
        public IReadOnlyDictionary<int, int>? RecentDomainIds { get; set; }
        /// <summary>As the source: the path check to the destination.</summary>
        public MigrationPathCheck? Path { get; set; }
        public string? PathError { get; set; }

        /// <summary>Every part failed for one reason (the host could not be asked at all).</summary>
        public static MigrationHostFacts Failed(string why) => new MigrationHostFacts
        {
            InfoError = why, IdentityError = why, PathsError = why, DomainsError = why, PathError = why,
        };
    }

    /// <summary>
    /// Live migration (xl migrate): a running domain moves from this host to another, keeping its name and uuid, with a
    /// new domid there. The facts a preflight needs come from the common capabilities (<see cref="IXenHostFacts"/>: free
    /// memory, Xen version, virt_caps; the listings: names in use) plus the two below; the orchestration (preflight,
    /// wait, cleanup after a failure or Ctrl+C) is MigrationService's. A failed migration leaves the domain running on
    /// this host, as xl does.
    /// </summary>
    public interface IXenMigration
    {
        /// <summary>
        /// The address other hosts' dom0s reach this host at (the MigrationAddress option, else the ssh:// URI's host,
        /// else this host's own name), used when this host is the destination and no address is given.
        /// </summary>
        string DefaultMigrationAddress(CancellationToken cancellationToken);

        /// <summary>
        /// What tells this host apart from every other (dom0's boot id for xl: two lab dom0s booted from one image share
        /// their host name), so the preflight can prove an address reaches the destination connection's host.
        /// </summary>
        string HostIdentity(CancellationToken cancellationToken);

        /// <summary>Whether this host's dom0 reaches <paramref name="destination"/> the way xl migrate will (never throws for an unreachable one).</summary>
        MigrationPathCheck CheckMigrationPath(MigrationDestination destination, MigrateDomainOptions options, CancellationToken cancellationToken);

        /// <summary>Closes a login <see cref="CheckMigrationPath"/> left open (never throws for one that has gone).</summary>
        void ReleaseSharedConnection(MigrationDestination destination, string sharedConnection, CancellationToken cancellationToken);

        /// <summary>For each dom0 path, whether something exists there on this host.</summary>
        IReadOnlyList<bool> PathsExist(IReadOnlyList<string> paths, CancellationToken cancellationToken);

        /// <summary>
        /// Sends <paramref name="domain"/> to <paramref name="destination"/> (live); returns once xl reports success.
        /// <paramref name="progress"/> is called (on any thread) as it advances. A failure or cancellation throws; the
        /// domain is then on this host (possibly left renamed "&lt;name&gt;--migratedaway" or paused by a killed sender: see
        /// <see cref="RecoverDomain"/>) and a half-received copy may be left on the destination (<see cref="DiscardIncoming"/>).
        /// </summary>
        void MigrateDomain(XenDomain domain, MigrationDestination destination, MigrateDomainOptions options,
            Action<MigrationProgress>? progress, CancellationToken cancellationToken);

        /// <summary>
        /// After an interrupted send: gives <paramref name="current"/> (the domain as this host lists it now) back its
        /// name <paramref name="name"/> and unpauses it when <paramref name="unpause"/>. Returns what it did, or null.
        /// </summary>
        string? RecoverDomain(XenDomain current, string name, bool unpause, CancellationToken cancellationToken);

        /// <summary>Destroys a half-received "&lt;name&gt;--incoming" copy on this host; returns what it did, or null when there was none.</summary>
        string? DiscardIncoming(string name, CancellationToken cancellationToken);

        /// <summary>
        /// The domids this host will not give out yet (libxl's domid history: a destroyed domain's id is kept from reuse for
        /// 60 s), each with the seconds until it will; null when this backend cannot say.
        /// </summary>
        IReadOnlyDictionary<int, int>? RecentlyUsedDomainIds(CancellationToken cancellationToken) => null;

        /// <summary>
        /// The preflight's facts of this host as the SOURCE: its facts (<see cref="IXenHostFacts"/>), identity, which of
        /// <paramref name="paths"/> exist, and the path check to <paramref name="destination"/>. A backend whose calls are
        /// round trips (xl over ssh) gathers them in one; this default asks for each in turn. Never throws for a part
        /// that fails (its error says why); cancellation goes on.
        /// </summary>
        MigrationHostFacts GatherSourceFacts(MigrationDestination destination, IReadOnlyList<string> paths, MigrateDomainOptions options, CancellationToken cancellationToken)
        {
            var f = new MigrationHostFacts();
            try { f.Info = ((IXenBackend)this).Require<IXenHostFacts>("reading host facts").GetHostInfo(cancellationToken); } catch (XenPSException e) { f.InfoError = e.Message; }
            try { f.Identity = HostIdentity(cancellationToken); } catch (XenPSException e) { f.IdentityError = e.Message; }
            try { f.PathsExist = paths.Count == 0 ? Array.Empty<bool>() : PathsExist(paths, cancellationToken); } catch (XenPSException e) { f.PathsError = e.Message; }
            try { f.Path = CheckMigrationPath(destination, options, cancellationToken); } catch (XenPSException e) { f.PathError = e.Message; }
            return f;
        }

        /// <summary>The preflight's facts of this host as the DESTINATION: its facts, identity, which of <paramref name="paths"/> exist, its domains.</summary>
        MigrationHostFacts GatherDestinationFacts(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            var f = new MigrationHostFacts();
            try { f.Info = ((IXenBackend)this).Require<IXenHostFacts>("reading host facts").GetHostInfo(cancellationToken); } catch (XenPSException e) { f.InfoError = e.Message; }
            try { f.Identity = HostIdentity(cancellationToken); } catch (XenPSException e) { f.IdentityError = e.Message; }
            try { f.PathsExist = paths.Count == 0 ? Array.Empty<bool>() : PathsExist(paths, cancellationToken); } catch (XenPSException e) { f.PathsError = e.Message; }
            try { f.Domains = ((IXenBackend)this).ListDomains(cancellationToken); } catch (XenPSException e) { f.DomainsError = e.Message; }
            try { f.RecentDomainIds = RecentlyUsedDomainIds(cancellationToken); } catch (XenPSException) { } // unknown: the check says so
            return f;
        }
    }

    /// <summary>A migration (or its preflight) failed; <see cref="XenPSException.Reason"/> says why.</summary>
    public sealed class XenMigrationException : XenPSException
    {
        public XenMigrationException(string message, XenErrorReason reason, string? check = null, Exception? inner = null) : base(message, inner, reason)
        {
            Check = check;
        }

        /// <summary>The preflight check that failed (e.g. "DestinationMemory"), or null for a failure of the migration itself.</summary>
        public string? Check { get; }

        public override string ErrorId => Reason switch
        {
            XenErrorReason.InsufficientResources => "MigrationInsufficientMemory",
            XenErrorReason.DomainExists => "MigrationDomainExists",
            _ => base.ErrorId,
        };
    }

    /// <summary>The rules every backend applies to what reaches xl migrate.</summary>
    public static class MigrationRules
    {
        /// <summary>The suffixes xl gives the two copies while a domain migrates.</summary>
        public const string IncomingSuffix = "--incoming";
        public const string MigratedAwaySuffix = "--migratedaway";

        /// <summary>
        /// xl's lines (Xen 4.17, its spelling) once the destination has renamed the received domain to its name and
        /// unpaused it (xl_migrate.c: after "Got permission, starting domain"); the sender destroys its copy after them.
        /// </summary>
        public const string TargetStartedMessage = "migration target: Domain started successsfully.";
        public const string TargetStartupReportedMessage = "migration sender: Target reports successful startup.";

        /// <summary>Whether xl's line says the domain now runs under its own name on the destination.</summary>
        public static bool SaysTargetStarted(string? line) =>
            line != null && (line.StartsWith(TargetStartedMessage, StringComparison.Ordinal) || line.StartsWith(TargetStartupReportedMessage, StringComparison.Ordinal));

        /// <summary>
        /// A destination address: a host name, IPv4 address or bracketless IPv6 address. xl splices it into the shell
        /// line it runs (`ssh &lt;host&gt; xl migrate-receive`), so nothing else is allowed.
        /// </summary>
        public static string CheckAddress(string? address)
        {
            if (string.IsNullOrWhiteSpace(address))
                throw new XenArgumentException("No destination address was given: name the destination as the SOURCE dom0 reaches it (e.g. -DestinationAddress xenlab2).");
            if (address[0] == '-' || !IsPlain(address, allowColon: true, allowAt: true))
                throw new XenArgumentException(
                    $"'{address}' is not a host name or address. xl passes the destination to a shell on the source dom0, so XenPS accepts only letters, " +
                    "digits and . - _ : @ (a user@host, a host name, an IPv4 or IPv6 address), not starting with '-'.");
            return address;
        }

        /// <summary>The words of -SshCommand: each plain (letters, digits, . - _ / = : , @ + %), the first not an option.</summary>
        public static IReadOnlyList<string>? CheckSshCommand(IReadOnlyList<string>? words)
        {
            if (words == null || words.Count == 0) return null;
            if (words[0].Length == 0 || words[0][0] == '-')
                throw new XenArgumentException("The ssh command's first word must be the program (e.g. ssh), not an option.");
            foreach (string w in words)
                if (string.IsNullOrEmpty(w) || !IsPlain(w, allowColon: true, allowAt: true, extra: "/=,+%"))
                    throw new XenArgumentException(
                        $"The ssh command word '{w}' cannot be passed to xl migrate -s: xl hands the command to sh, so each word may hold only letters, digits " +
                        "and . - _ / = : , @ + % (give options as separate words: -SshCommand ssh,-p,2200).");
            return words;
        }

        private static bool IsPlain(string s, bool allowColon, bool allowAt, string extra = "")
        {
            foreach (char c in s)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
                          || (allowColon && c == ':') || (allowAt && c == '@') || extra.IndexOf(c) >= 0;
                if (!ok) return false;
            }
            return true;
        }
    }
}
