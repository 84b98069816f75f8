using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    public sealed partial class XapiBackend : IXenDomainStart
    {
        /// <summary>Async.VM.start(vm, paused, force=false) on a host XAPI chooses (its affinity first); HOST_NOT_ENOUGH_FREE_MEMORY is InsufficientResources.</summary>
        public XenDomain StartDomain(XenDomain domain, bool paused, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "start");
            WithVm(domain, cancellationToken, vm => RunTask("VM.start", $"Starting VM '{domain.Name}'", domain.Name, cancellationToken, null, null, vm, paused, false));
            return ListDomains(cancellationToken).FirstOrDefault(d => d.Uuid == domain.Uuid)
                   ?? throw new XenDomainNotFoundException(domain.Name, $"VM '{domain.Name}' was started but is no longer listed by the pool.");
        }
    }
}
