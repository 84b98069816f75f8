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
            : this(host, info == null ? null : new[] { info }, error)
        {
        }

        public XenHostInfoResult(XenHostConnection host, IReadOnlyList<XenHostInfo>? infos, XenPSException? error)
        {
            Host = host;
            Infos = infos ?? System.Array.Empty<XenHostInfo>();
            Info = Infos.FirstOrDefault();
            Error = error;
        }

        public XenHostConnection Host { get; }
        /// <summary>The connection's host facts (a pool's: its master's).</summary>
        public XenHostInfo? Info { get; }
        /// <summary>Every host behind the connection: one for a host, every member for a pool (IXenPoolHosts), master first.</summary>
        public IReadOnlyList<XenHostInfo> Infos { get; }
        public XenPSException? Error { get; }
    }

    /// <summary>
    /// Get-XenHostInfo: every host's facts (IXenHostFacts: xl info), hosts in parallel (HostFanOut), a result per host in
    /// the order given; a pool connection (IXenPoolHosts) gives the facts of each of its members. Domain-0's memory comes from the backend when it knows it, else from Domain-0's row in the listing.
    /// </summary>
    public sealed class HostInfoService
    {
        public int Degree { get; set; } = HostFanOut.DefaultDegree;

        /// <summary>Every host's facts as they arrive (hosts in parallel): a slow host holds back only itself.</summary>
        public IEnumerable<XenHostInfoResult> Stream(IReadOnlyList<XenHostConnection> hosts, CancellationToken ct) =>
            HostFanOut.Stream(hosts, All, Degree, ct).Select(r => new XenHostInfoResult(r.Host, r.Value, r.Error));

        public IReadOnlyList<XenHostInfoResult> Get(IReadOnlyList<XenHostConnection> hosts, CancellationToken ct) =>
            HostFanOut.Run(hosts, All, Degree, ct).Select(r => new XenHostInfoResult(r.Host, r.Value, r.Error)).ToList();

        /// <summary>Every host behind one connection (a pool: each member, master first), for a fan-out over connections.</summary>
        public static IReadOnlyList<XenHostInfo> All(XenHostConnection host, CancellationToken ct)
        {
            if (!(host.Backend is IXenPoolHosts pool)) return new[] { One(host, ct) };
            var infos = pool.GetPoolHostInfo(ct);
            foreach (var i in infos)
            {
                i.Host = host.Name;
                i.HostUri = host.Uri;
            }
            return infos;
        }

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
