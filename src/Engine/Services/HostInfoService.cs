using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>One host's facts, or why they could not be read.</summary>
    public sealed class XenHostInfoResult
    {
        public XenHostInfoResult(XenHostConnection host, XenHostInfo? info, XenPSException? error)
        {
            Host = host;
            Info = info;
            Error = error;
        }

        public XenHostConnection Host { get; }
        public XenHostInfo? Info { get; }
        public XenPSException? Error { get; }
    }

    /// <summary>
    /// Get-XenHostInfo: every host's facts (IXenHostFacts: xl info), hosts in parallel (HostFanOut), a result per host in
    /// the order given. Domain-0's memory comes from the backend when it knows it, else from Domain-0's row in the listing.
    /// </summary>
    public sealed class HostInfoService
    {
        public int Degree { get; set; } = HostFanOut.DefaultDegree;

        /// <summary>Every host's facts as they arrive (hosts in parallel): a slow host holds back only itself.</summary>
        public IEnumerable<XenHostInfoResult> Stream(IReadOnlyList<XenHostConnection> hosts, CancellationToken ct) =>
            HostFanOut.Stream(hosts, One, Degree, ct).Select(r => new XenHostInfoResult(r.Host, r.Value, r.Error));

        public IReadOnlyList<XenHostInfoResult> Get(IReadOnlyList<XenHostConnection> hosts, CancellationToken ct) =>
            HostFanOut.Run(hosts, One, Degree, ct).Select(r => new XenHostInfoResult(r.Host, r.Value, r.Error)).ToList();

        /// <summary>One host's facts (for a fan-out over hosts).</summary>
        public static XenHostInfo One(XenHostConnection host, CancellationToken ct)
        {
            var info = host.Backend.Require<IXenHostFacts>("reading host facts").GetHostInfo(ct);
            info.Host = host.Name;
            info.HostUri = host.Uri;
            if (info.Dom0MemoryMiB == null)
            {
                var dom0 = host.Backend.ListDomains(ct).FirstOrDefault(d => d.Id == 0);
                if (dom0 != null) info.Dom0MemoryMiB = dom0.MemoryMiB;
            }
            return info;
        }
    }
}
