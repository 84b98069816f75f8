using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// A backend that starts domains at its own boot without stored config files (XCP-ng: VM other_config
    /// auto_poweron=true, honoured when the pool's other_config auto_poweron is true too). Set-XenDomain -AutoStart
    /// uses it when present instead of /etc/xen/auto (<see cref="IXenStoredConfigs"/>).
    /// </summary>
    public interface IXenAutoStart
    {
        /// <summary>Marks the domain to start (or not) when its host boots; returns whether anything changed.</summary>
        bool SetDomainAutoStart(XenDomain domain, bool enabled, CancellationToken cancellationToken);
    }
}
