using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>
    /// The one rule by which every cmdlet selects domains from a -Name value, on every backend:
    /// 1. a domain whose name is exactly the value (case-sensitive, as Xen names are) is that domain, and only it;
    /// 2. otherwise all digits is a domid (as xl reads it), and a UUID is a domain's uuid;
    /// 3. otherwise a value with wildcard characters is a PowerShell wildcard (case-insensitive, PowerShell's semantics);
    /// 4. otherwise nothing matches: DomainNotFound, naming a domain that differs only in case if there is one.
    /// -Id selects explicit domids. A wildcard never selects Domain-0 where the caller says so (`Stop-XenDomain *`).
    /// </summary>
    internal static class DomainSelector
    {
        internal enum Kind { Exact, DomId, Uuid, Wildcard, None }

        /// <summary>The domains <paramref name="value"/> selects in <paramref name="listing"/>, and how it was read.</summary>
        internal static (List<XenDomain> Matches, Kind How) Match(IReadOnlyList<XenDomain> listing, string value, bool wildcardSkipsDomain0)
        {
            var exact = listing.Where(d => string.Equals(d.Name, value, StringComparison.Ordinal)).ToList();
            if (exact.Count > 0) return (exact, Kind.Exact);
            if (value.Length > 0 && value.All(c => c >= '0' && c <= '9'))
            {
                var byId = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                    ? listing.Where(d => d.Id == id).ToList() : new List<XenDomain>();
                return (byId, Kind.DomId);
            }
            if (Guid.TryParseExact(value, "D", out var g))
                return (listing.Where(d => Guid.TryParse(d.Uuid, out var u) && u == g).ToList(), Kind.Uuid);
            if (WildcardPattern.ContainsWildcardCharacters(value))
            {
                var p = new WildcardPattern(value, WildcardOptions.IgnoreCase);
                return (listing.Where(d => p.IsMatch(d.Name) && !(wildcardSkipsDomain0 && d.IsDomain0)).ToList(), Kind.Wildcard);
            }
            return (new List<XenDomain>(), Kind.None);
        }

        /// <summary>The error for a value that selected nothing on any host (a wildcard that matches nothing is silent: null).</summary>
        internal static XenDomainNotFoundException? NotFound(string value, Kind how, IReadOnlyList<XenDomain> listing, string hosts)
        {
            switch (how)
            {
                case Kind.Wildcard:
                    return null;
                case Kind.DomId:
                    return new XenDomainNotFoundException(value, $"No domain has id {value} on {hosts} (an all-digit name is read as a domid, as xl does).");
                case Kind.Uuid:
                    return new XenDomainNotFoundException(value, $"No domain has uuid {value} on {hosts}.");
                default:
                    var near = listing.Where(d => string.Equals(d.Name, value, StringComparison.OrdinalIgnoreCase)).Select(d => d.Name).Distinct().ToList();
                    return new XenDomainNotFoundException(value, $"No domain is named '{value}' on {hosts}." +
                        (near.Count > 0 ? $" Xen names are case-sensitive: did you mean '{string.Join("', '", near)}'?" : ""));
            }
        }
    }
}
