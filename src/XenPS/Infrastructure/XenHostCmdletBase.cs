using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on a host: -XenHost (a connection or its name), else the default connection;
    /// with none at all the invocation cannot proceed and terminates with a message that says how to connect.
    /// Domains piped in find their own host again through their Host name (or, failing that, their HostUri).
    /// </summary>
    public abstract class XenHostCmdletBase : XenCmdletBase
    {
        private readonly List<XenHostConnection> _transient = new List<XenHostConnection>();

        /// <summary>The host to act on: a connection from Connect-XenHost, or its name. Default: the default connection.</summary>
        [Parameter]
        [XenHostTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNull]
        public XenHostConnection? XenHost { get; set; }

        /// <summary>The connection -XenHost names, or the default; terminates when there is none.</summary>
        protected XenHostConnection ResolveHost()
        {
            if (XenHost != null)
            {
                if (!XenHost.IsOpen)
                    ThrowTerminating(new XenConnectionException($"The host connection '{XenHost.Name}' is closed. Connect-XenHost '{XenHost.Uri}' again."),
                        "XenHostConnectionClosed", ErrorCategory.ConnectionError, XenHost);
                return XenHost;
            }
            var d = HostRegistry.Default;
            if (d == null)
            {
                ThrowTerminating(new XenConnectionException(
                        "No Xen host is connected. Connect first, for example: Connect-XenHost sim://lab (an embedded simulated host) " +
                        "or Connect-XenHost ssh://root@dom0.example.org (a real host), or pass -XenHost."),
                    "NoXenHostConnection", ErrorCategory.ConnectionError, null);
            }
            return d!;
        }

        /// <summary>The host a domain object came from: by connection name, then URI, then a connection opened for this command.</summary>
        protected XenHostConnection ResolveHostOf(XenDomain domain)
        {
            if (XenHost != null) return ResolveHost();
            var c = (string.IsNullOrEmpty(domain.Host) ? null : HostRegistry.Find(domain.Host)) ??
                    (string.IsNullOrEmpty(domain.HostUri) ? null : HostRegistry.FindByUri(domain.HostUri));
            if (c != null && c.IsOpen) return c;
            if (string.IsNullOrEmpty(domain.HostUri)) return ResolveHost();
            foreach (var t in _transient)
                if (t.Uri == domain.HostUri) return t;
            var opened = new XenHostConnection(domain.Host, domain.HostUri, XenBackendFactory.Open(domain.HostUri));
            _transient.Add(opened);
            return opened;
        }

        /// <summary>
        /// Domains whose names match (wildcards allowed), in listing order. An exact name that matches nothing is a
        /// non-terminating DomainNotFound error; a wildcard that matches nothing is silent. With
        /// <paramref name="wildcardSkipsDomain0"/>, a wildcard never selects Domain-0 (`Stop-XenDomain *` means every guest).
        /// </summary>
        protected List<XenDomain> SelectByName(IReadOnlyList<XenDomain> listing, IEnumerable<string> names, XenHostConnection host,
            bool wildcardSkipsDomain0 = false)
        {
            var result = new List<XenDomain>();
            foreach (string n in names)
            {
                bool wildcard = WildcardPattern.ContainsWildcardCharacters(n);
                var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                var matches = listing.Where(d => p.IsMatch(d.Name)).ToList();
                if (matches.Count == 0 && !wildcard)
                    WriteItemError(new XenDomainNotFoundException(n, $"{n} is an invalid domain identifier: no domain is named '{n}' on {host.Name}."),
                        "DomainNotFound", ErrorCategory.ObjectNotFound, n);
                foreach (var d in matches)
                    if (!result.Contains(d) && !(wildcard && wildcardSkipsDomain0 && d.IsDomain0)) result.Add(d);
            }
            return result;
        }

        /// <summary>Domains by id; an id that is not there is a non-terminating DomainNotFound error.</summary>
        protected List<XenDomain> SelectById(IReadOnlyList<XenDomain> listing, IEnumerable<int> ids, XenHostConnection host)
        {
            var result = new List<XenDomain>();
            foreach (int id in ids)
            {
                var d = listing.FirstOrDefault(x => x.Id == id);
                if (d == null)
                    WriteItemError(new XenDomainNotFoundException(id.ToString(CultureInfo.InvariantCulture),
                            $"{id} is an invalid domain identifier: no domain has id {id} on {host.Name}."),
                        "DomainNotFound", ErrorCategory.ObjectNotFound, id);
                else if (!result.Contains(d)) result.Add(d);
            }
            return result;
        }

        /// <summary>Stamps domains with the host they came from.</summary>
        protected static XenDomain Stamp(XenDomain d, XenHostConnection host)
        {
            d.Host = host.Name;
            d.HostUri = host.Uri;
            return d;
        }

        // Connections opened for piped domains whose own connection was closed: kept for the whole invocation
        // (Stop-XenDomain -Wait still needs them in EndProcessing), closed however the pipeline ends.
        protected override void OnDispose()
        {
            foreach (var t in _transient) t.Dispose();
            _transient.Clear();
        }
    }
}
