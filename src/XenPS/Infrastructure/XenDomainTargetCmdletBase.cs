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
    public abstract class XenDomainSelectingCmdletBase : XenHostCmdletBase
    {
        protected const string NameSet = "Name";
        protected const string IdSet = "Id";
        protected const string ObjectSet = "InputObject";

        private readonly Dictionary<XenHostConnection, IReadOnlyList<XenDomain>> _listings = new Dictionary<XenHostConnection, IReadOnlyList<XenDomain>>();
        private readonly HashSet<XenHostConnection> _failed = new HashSet<XenHostConnection>();

        /// <summary>Whether a wildcard may select Domain-0 (not for cmdlets that change domains).</summary>
        protected virtual bool WildcardSkipsDomain0 => true;

        /// <summary>The domains -Name/-Id select on the resolved hosts, each with its host; failures are written as errors.</summary>
        protected IEnumerable<XenDomainTarget> Select(string[]? names, int[]? ids)
        {
            var hosts = ResolveHosts();
            var listed = ListAll(hosts);
            if (names == null && ids == null)
            {
                foreach (var (h, l) in listed)
                    foreach (var d in l) yield return new XenDomainTarget(h, d);
                yield break;
            }
            string hostNames = string.Join(", ", hosts.Select(h => h.Name));
            var seen = new HashSet<XenDomain>();
            if (ids != null)
            {
                foreach (int id in ids)
                {
                    bool any = false;
                    foreach (var (h, l) in listed)
                        foreach (var d in l.Where(x => x.Id == id))
                        {
                            any = true;
                            if (seen.Add(d)) yield return new XenDomainTarget(h, d);
                        }
                    if (!any)
                        WriteItemError(new XenDomainNotFoundException(id.ToString(CultureInfo.InvariantCulture), $"No domain has id {id} on {hostNames}."),
                            "DomainNotFound", ErrorCategory.ObjectNotFound, id);
                }
                yield break;
            }
            foreach (string n in names!)
            {
                bool any = false;
                var how = DomainSelector.Kind.None;
                foreach (var (h, l) in listed)
                {
                    var (matches, k) = DomainSelector.Match(l, n, WildcardSkipsDomain0);
                    if (how == DomainSelector.Kind.None || k == DomainSelector.Kind.Exact) how = k;
                    foreach (var d in matches)
                    {
                        any = true;
                        if (seen.Add(d)) yield return new XenDomainTarget(h, d);
                    }
                }
                if (!any && listed.Count > 0)
                {
                    var err = DomainSelector.NotFound(n, how, listed.SelectMany(x => x.Listing).ToList(), hostNames);
                    if (err != null) WriteItemError(err, "DomainNotFound", ErrorCategory.ObjectNotFound, n);
                }
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
        protected List<(XenHostConnection Host, IReadOnlyList<XenDomain> Listing)> ListAll(IReadOnlyList<XenHostConnection> hosts)
        {
            var todo = hosts.Where(h => !_listings.ContainsKey(h) && !_failed.Contains(h)).ToList();
            if (todo.Count > 0)
            {
                IReadOnlyList<(XenHostConnection Host, IReadOnlyList<XenDomain>? Value, XenPSException? Error)> got;
                try
                {
                    got = HostFanOut.Run(todo, Listing, HostFanOut.DefaultDegree, CancelToken);
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                WriteStoredProblems();
                foreach (var (h, l, e) in got)
                {
                    WriteBackendNotes(h);
                    if (e != null)
                    {
                        _failed.Add(h);
                        WriteXenError(e, h);
                    }
                    else _listings[h] = l!;
                }
            }
            return hosts.Where(h => _listings.ContainsKey(h)).Select(h => (h, _listings[h])).ToList();
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
