using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// A backend that keeps domains that are not running (XAPI: halted VMs are part of the pool) and starts them as they
    /// are, with no config file: Start-XenDomain uses it for a listed Halted domain. Domain-0 is refused.
    /// </summary>
    public interface IXenDomainStart
    {
        /// <summary>Starts the halted domain (paused if asked); returns it as listed afterwards.</summary>
        XenDomain StartDomain(XenDomain domain, bool paused, CancellationToken cancellationToken);
    }
}
