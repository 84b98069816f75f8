using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>Options for creating a domain.</summary>
    public sealed class CreateDomainOptions
    {
        /// <summary>Leave the new domain paused (xl create -p).</summary>
        public bool Paused { get; set; }
    }

    /// <summary>
    /// One Xen host as the cmdlets see it. Every call is synchronous, honours its CancellationToken, and
    /// reports failures only as XenPSException subclasses (XenDomainNotFoundException, XenResourceExistsException,
    /// XenResourceUnavailableException, XenInvalidOperationException, XenConnectionException, XenTimeoutException,
    /// XenCommandException). A domain argument is a name, or a domid when all digits (as xl does).
    /// Implementations must be safe to call from several threads.
    /// </summary>
    public interface IXenBackend : IDisposable
    {
        /// <summary>The URI this backend was opened with.</summary>
        string Uri { get; }

        XenHostInfo GetHostInfo(CancellationToken cancellationToken);

        /// <summary>Every domain, Domain-0 first, ordered by domid; Host/HostUri left for the caller to fill.</summary>
        IReadOnlyList<XenDomain> ListDomains(CancellationToken cancellationToken);

        /// <summary>Creates and starts a domain from a complete config; returns it as listed right after.</summary>
        XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken cancellationToken);

        /// <summary>Asks the guest to shut down (returns at once). Domain-0 is refused.</summary>
        void ShutdownDomain(string domain, bool acpiFallback, CancellationToken cancellationToken);

        /// <summary>Pulls the plug at once. Domain-0 is refused.</summary>
        void DestroyDomain(string domain, CancellationToken cancellationToken);

        void PauseDomain(string domain, CancellationToken cancellationToken);
        void UnpauseDomain(string domain, CancellationToken cancellationToken);

        /// <summary>Opens the guest's console (history so far, then new output).</summary>
        IXenConsole OpenConsole(string domain, CancellationToken cancellationToken);
    }

    /// <summary>
    /// A backend whose consoles a user attaches to with the host's own console program (`xl console`), run in the
    /// user's terminal: keys go straight to the guest and Ctrl+] detaches, as with xm.
    /// </summary>
    public interface IXenTerminalConsole
    {
        /// <summary>The argument vector (program first) to run attached to the terminal; checks the domain exists.</summary>
        IReadOnlyList<string> TerminalConsoleCommand(string domain, CancellationToken cancellationToken);
    }

    /// <summary>A guest's serial console.</summary>
    public interface IXenConsole : IDisposable
    {
        /// <summary>
        /// Returns the console output available now (the history first time), waiting up to <paramref name="wait"/>
        /// for something to arrive; an empty string means nothing came. Throws XenDomainNotFoundException when the
        /// domain has gone.
        /// </summary>
        string Read(TimeSpan wait, CancellationToken cancellationToken);

        /// <summary>Sends raw characters (keys) to the guest; "\r" or "\n" ends a line.</summary>
        void Write(string text, CancellationToken cancellationToken);
    }
}
