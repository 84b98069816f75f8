using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on existing domains: -Name (wildcards; a wildcard never selects Domain-0), -Id, or
    /// domain objects from the pipeline (each acted on at the host it came from). One listing per host per invocation.
    /// </summary>
    public abstract class XenDomainTargetCmdletBase : XenHostCmdletBase
    {
        protected const string NameSet = "Name";
        protected const string IdSet = "Id";
        protected const string ObjectSet = "InputObject";

        private readonly Dictionary<string, IReadOnlyList<XenDomain>> _listings = new Dictionary<string, IReadOnlyList<XenDomain>>();

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
        protected IEnumerable<(XenDomain Domain, XenHostConnection Host)> Targets()
        {
            if (ParameterSetName == ObjectSet)
            {
                foreach (var d in InputObject)
                {
                    XenHostConnection host;
                    try { host = ResolveHostOf(d); }
                    catch (XenPSException e) { WriteXenError(e, d); continue; }
                    yield return (d, host);
                }
                yield break;
            }
            var h = ResolveHost();
            IReadOnlyList<XenDomain> listing;
            try { listing = List(h); }
            catch (XenPSException e) { ThrowXenError(e, h); yield break; }

            var selected = ParameterSetName == IdSet ? SelectById(listing, Id, h) : SelectByName(listing, Name, h, wildcardSkipsDomain0: true);
            foreach (var d in selected) yield return (d, h);
        }

        /// <summary>The host's domains, listed once per invocation until <see cref="Forget"/>.</summary>
        protected IReadOnlyList<XenDomain> List(XenHostConnection host)
        {
            if (!_listings.TryGetValue(host.Name, out var l))
            {
                l = host.Backend.ListDomains(CancelToken).Select(d => Stamp(d, host)).ToList();
                _listings[host.Name] = l;
            }
            return l;
        }

        /// <summary>Drops cached listings (all, or one host's) so the next List reads the host again.</summary>
        protected void Forget(XenHostConnection? host = null)
        {
            if (host == null) _listings.Clear();
            else _listings.Remove(host.Name);
        }

        /// <summary>The domain as the host lists it now, or the object given when it is gone.</summary>
        protected XenDomain Refresh(XenHostConnection host, XenDomain domain)
        {
            Forget(host);
            return List(host).FirstOrDefault(d => d.Id == domain.Id) ?? domain;
        }

        protected static string DomId(XenDomain d) => d.Id.ToString(CultureInfo.InvariantCulture);
    }
}
