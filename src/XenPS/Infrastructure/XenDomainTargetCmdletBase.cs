using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of the cmdlets that select domains: -Name (DomainSelector's one rule: exact name, domid, uuid, wildcard), -Id,
    /// or domain objects from the pipeline (each acted on at the host it came from), on one or several hosts. One
    /// listing per host per invocation (hosts listed in parallel); a host that cannot be listed is a per-host error.
    /// </summary>
    public abstract class XenDomainSelectingCmdletBase : XenMultiHostCmdletBase
    {
        protected const string NameSet = "Name";
        protected const string IdSet = "Id";
        protected const string ObjectSet = "InputObject";

        private readonly Dictionary<XenHostConnection, IReadOnlyList<XenDomain>> _listings = new Dictionary<XenHostConnection, IReadOnlyList<XenDomain>>();
        private readonly HashSet<XenHostConnection> _failed = new HashSet<XenHostConnection>();

        /// <summary>Whether a wildcard may select Domain-0 (not for cmdlets that change domains).</summary>
        protected virtual bool WildcardSkipsDomain0 => true;

        /// <summary>The domains -Name/-Id select on the resolved hosts, each with its host; failures are written as errors.</summary>
        protected IEnumerable<XenDomainTarget> Select(string[]? names, int[]? ids) => Select(names, ids, ResolveHosts());

        /// <summary>
        /// The domains -Name/-Id select on <paramref name="hosts"/>, yielded host by host as each host's listing arrives
        /// (hosts listed in parallel); a value that selected nothing on any host is an error once every host has answered.
        /// </summary>
        protected IEnumerable<XenDomainTarget> Select(string[]? names, int[]? ids, IReadOnlyList<XenHostConnection> hosts)
        {
            var listed = new List<(XenHostConnection Host, IReadOnlyList<XenDomain> Listing)>();
            var seen = new HashSet<XenDomain>();
            var foundIds = new HashSet<int>();
            var foundNames = new HashSet<string>(StringComparer.Ordinal);
            var how = new Dictionary<string, DomainSelector.Kind>(StringComparer.Ordinal);
            foreach (var (h, l) in ListStream(hosts))
            {
                listed.Add((h, l));
                NoteHost(h);
                if (names == null && ids == null)
                {
                    foreach (var d in l) yield return new XenDomainTarget(h, d);
                    continue;
                }
                if (ids != null)
                {
                    foreach (int id in ids)
                        foreach (var d in l.Where(x => x.Id == id))
                        {
                            foundIds.Add(id);
                            if (seen.Add(d)) yield return new XenDomainTarget(h, d);
                        }
                    continue;
                }
                foreach (string n in names!)
                {
                    var (matches, k) = DomainSelector.Match(l, n, WildcardSkipsDomain0);
                    if (!how.TryGetValue(n, out var was) || was == DomainSelector.Kind.None || k == DomainSelector.Kind.Exact) how[n] = k;
                    foreach (var d in matches)
                    {
                        foundNames.Add(n);
                        if (seen.Add(d)) yield return new XenDomainTarget(h, d);
                    }
                }
            }
            if (names == null && ids == null) yield break;
            string hostNames = string.Join(", ", hosts.Select(h => h.Name));
            if (ids != null)
            {
                foreach (int id in ids.Distinct())
                    if (!foundIds.Contains(id))
                        WriteItemError(new XenDomainNotFoundException(id.ToString(CultureInfo.InvariantCulture), $"No domain has id {id} on {hostNames}."),
                            "DomainNotFound", ErrorCategory.ObjectNotFound, id);
                yield break;
            }
            if (listed.Count == 0) yield break;
            foreach (string n in names!.Distinct(StringComparer.Ordinal))
            {
                if (foundNames.Contains(n)) continue;
                var err = DomainSelector.NotFound(n, how.TryGetValue(n, out var k) ? k : DomainSelector.Kind.None, listed.SelectMany(x => x.Listing).ToList(), hostNames);
                if (err != null) WriteItemError(err, "DomainNotFound", ErrorCategory.ObjectNotFound, n);
            }
        }

        /// <summary>Piped domain objects, each with the host it came from.</summary>
        protected IEnumerable<XenDomainTarget> Piped(IEnumerable<XenDomain> domains)
        {
            foreach (var d in domains)
            {
                XenHostConnection host;
                try { host = ResolveHostOf(d); }
                catch (XenPSException e) { WriteXenError(e, d); continue; }
                NoteHost(host);
                yield return new XenDomainTarget(host, d);
            }
        }

        /// <summary>What a listing takes from the hosts' stored configs (/etc/xen).</summary>
        protected enum StoredConfigListing
        {
            /// <summary>Only the running domains (one request per host).</summary>
            None,
            /// <summary>Running domains with AutoStart/ConfigPath; a host whose /etc/xen cannot be read is a warning.</summary>
            Annotate,
            /// <summary>Also the defined-but-not-running domains (Halted, no domid); a host whose /etc/xen cannot be read is an error.</summary>
            WithDefined,
        }

        protected virtual StoredConfigListing StoredConfigs => StoredConfigListing.None;

        private readonly StoredConfigService _stored = new StoredConfigService();
        private readonly System.Collections.Concurrent.ConcurrentQueue<(XenHostConnection Host, XenPSException Error)> _storedProblems =
            new System.Collections.Concurrent.ConcurrentQueue<(XenHostConnection, XenPSException)>();

        /// <summary>One host's domains, stamped with the host (runs on a fan-out thread: it must not write to the pipeline).</summary>
        private IReadOnlyList<XenDomain> Listing(XenHostConnection host, System.Threading.CancellationToken ct)
        {
            IReadOnlyList<XenDomain> running = host.Backend.ListDomains(ct).Select(d => Stamp(d, host)).ToList();
            var mode = StoredConfigs;
            if (mode == StoredConfigListing.None || !host.Backend.Supports<XenPS.Backends.IXenStoredConfigs>()) return running;
            IReadOnlyList<XenStoredDomain> stored;
            try { stored = _stored.Read(host, ct); }
            catch (XenPSException e) when (mode == StoredConfigListing.Annotate)
            {
                _storedProblems.Enqueue((host, e));
                return running;
            }
            return _stored.Merge(host, running, stored, mode == StoredConfigListing.WithDefined);
        }

        /// <summary>Warnings about hosts whose stored configs could not be read (on the pipeline thread).</summary>
        private void WriteStoredProblems()
        {
            while (_storedProblems.TryDequeue(out var p))
                WriteWarning($"The stored configs of {p.Host.Name} could not be read, so AutoStart is not shown: {p.Error.Message}");
        }

        /// <summary>Each host's listing (cached for the invocation); hosts that fail are written once as errors and left out.</summary>
        protected List<(XenHostConnection Host, IReadOnlyList<XenDomain> Listing)> ListAll(IReadOnlyList<XenHostConnection> hosts) =>
            ListStream(hosts).OrderBy(x => IndexOf(hosts, x.Host)).ToList();

        private static int IndexOf(IReadOnlyList<XenHostConnection> hosts, XenHostConnection h)
        {
            for (int i = 0; i < hosts.Count; i++) if (hosts[i] == h) return i;
            return -1;
        }

        /// <summary>
        /// Each host's listing as it arrives (hosts listed in parallel, at most -ThrottleLimit at once; cached ones first):
        /// a slow host holds back only itself. Hosts that fail are written once as errors (target: the host) and left out.
        /// </summary>
        protected IEnumerable<(XenHostConnection Host, IReadOnlyList<XenDomain> Listing)> ListStream(IReadOnlyList<XenHostConnection> hosts)
        {
            var todo = new List<XenHostConnection>();
            foreach (var h in hosts.Distinct())
            {
                if (_listings.TryGetValue(h, out var cached)) yield return (h, cached);
                else if (!_failed.Contains(h)) todo.Add(h);
            }
            if (todo.Count == 0) yield break;
            foreach (var o in FanOut(todo, Listing))
            {
                WriteStoredProblems();
                WriteBackendNotes(o.Host);
                if (o.Error != null)
                {
                    _failed.Add(o.Host);
                    WriteXenError(o.Error, o.Host);
                    continue;
                }
                _listings[o.Host] = o.Value!;
                yield return (o.Host, o.Value!);
            }
            WriteStoredProblems();
        }
    }

    /// <summary>
    /// Base of the cmdlets that act on existing domains: -Name (mandatory), -Id, or -InputObject from the pipeline.
    /// </summary>
    public abstract class XenDomainTargetCmdletBase : XenDomainSelectingCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("DomId")]
        [ValidateRange(0, int.MaxValue)]
        public int[] Id { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomain[] InputObject { get; set; } = null!;

        /// <summary>The domains this record names, each with its host; selection failures are written as errors.</summary>
        protected IEnumerable<XenDomainTarget> Targets() =>
            ParameterSetName == ObjectSet ? Piped(InputObject)
            : ParameterSetName == IdSet ? Select(null, Id)
            : Select(Name, null);
    }
}
