using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// A backend that is told when its domains change (XAPI's event.from), so that waits need not list the host over
    /// and over. <see cref="XenPS.Services.DomainWaitService"/> uses it when present and lists otherwise.
    /// </summary>
    public interface IXenDomainEvents
    {
        /// <summary>Starts watching the domains; the watch is the caller's to dispose.</summary>
        IXenDomainWatch WatchDomains(CancellationToken cancellationToken);
    }

    /// <summary>One watch of a backend's domains: the listing now, then the listing after each change.</summary>
    public interface IXenDomainWatch : IDisposable
    {
        /// <summary>
        /// The domains as they are now, in ListDomains' order and form. The first call returns at once; each later call
        /// waits until a domain changed since the previous call, or <paramref name="maxWait"/> passed, whichever is first
        /// (then the listing is the same as before). Changes missed by the backend (XAPI: EVENTS_LOST) are recovered by
        /// listing again, never lost.
        /// </summary>
        IReadOnlyList<XenDomain> Next(TimeSpan maxWait, CancellationToken cancellationToken);
    }
}
