using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// A connection to a pool of hosts (XAPI): the facts of every member, one <see cref="XenHostInfo"/> each, the pool
    /// master first. Get-XenHostInfo writes these instead of the one <see cref="IXenHostFacts"/> summary.
    /// </summary>
    public interface IXenPoolHosts
    {
        IReadOnlyList<XenHostInfo> GetPoolHostInfo(CancellationToken cancellationToken);
    }
}
