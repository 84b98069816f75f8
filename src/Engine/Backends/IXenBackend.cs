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
    /// The small core every backend implements: list and create. Everything else is a capability interface
    /// (<see cref="IXenPowerControl"/>, <see cref="IXenConsoleAccess"/>, <see cref="IXenTerminalConsole"/>,
    /// <see cref="IXenHostFacts"/>, ...) that a backend implements when it can; callers discover them with
    /// <see cref="XenCapabilities.Require{T}"/>, which turns a missing one into XenOperationNotSupportedException.
    ///
    /// Every call is synchronous, honours its CancellationToken, is safe to call from several threads, and reports
    /// failures only as XenPSException subclasses. A domain argument is a <see cref="XenDomain"/> as the backend listed
    /// it (the backend picks what identifies it: the domid for xl, the uuid for the simulated host).
    /// </summary>
    public interface IXenBackend : IDisposable
    {
        /// <summary>The URI this backend was opened with.</summary>
        string Uri { get; }

        /// <summary>A short name for messages: "simulated host", "xl", "xl over ssh".</summary>
        string BackendName { get; }

        /// <summary>Every domain, the control domain first; Host/HostUri left for the caller to fill.</summary>
        IReadOnlyList<XenDomain> ListDomains(CancellationToken cancellationToken);

        /// <summary>Creates and starts a domain from a complete, validated config; returns it as listed right after.</summary>
        XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken cancellationToken);
    }

    /// <summary>Host facts (xl info).</summary>
    public interface IXenHostFacts
    {
        XenHostInfo GetHostInfo(CancellationToken cancellationToken);
    }

    /// <summary>Power actions on a running domain. Domain-0 is refused (XenErrorReason.Domain0Refused).</summary>
    public interface IXenPowerControl
    {
        /// <summary>Asks the guest to shut down (returns at once). Without PV drivers and without <paramref name="acpiFallback"/>: PvControlUnavailable.</summary>
        void ShutdownDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken);

        /// <summary>Pulls the plug at once.</summary>
        void DestroyDomain(XenDomain domain, CancellationToken cancellationToken);

        void PauseDomain(XenDomain domain, CancellationToken cancellationToken);
        void UnpauseDomain(XenDomain domain, CancellationToken cancellationToken);
    }

    /// <summary>Scripted access to a guest's serial console.</summary>
    public interface IXenConsoleAccess
    {
        /// <summary>
        /// Opens the guest's console at the start of the domain's CURRENT boot (its output so far, then new output):
        /// never output of an earlier domain of the same name or of a boot before a reboot.
        /// </summary>
        IXenConsole OpenConsole(XenDomain domain, CancellationToken cancellationToken);
    }

    /// <summary>
    /// A backend whose consoles a user attaches to with the host's own console program (`xl console`), run in the
    /// user's terminal: keys go straight to the guest and Ctrl+] detaches, as with xm.
    /// </summary>
    public interface IXenTerminalConsole
    {
        /// <summary>The argument vector (program first) to run attached to the terminal; checks the domain exists.</summary>
        IReadOnlyList<string> TerminalConsoleCommand(XenDomain domain, CancellationToken cancellationToken);
    }

    /// <summary>A guest's serial console.</summary>
    public interface IXenConsole : IDisposable
    {
        /// <summary>
        /// Returns the console output available now (the current boot's history first time), waiting up to
        /// <paramref name="wait"/> for something to arrive; an empty string means nothing came. Throws
        /// XenDomainNotFoundException when the domain has gone.
        /// </summary>
        string Read(TimeSpan wait, CancellationToken cancellationToken);

        /// <summary>Sends raw characters (keys) to the guest; "\r" or "\n" ends a line.</summary>
        void Write(string text, CancellationToken cancellationToken);
    }

    /// <summary>A note a backend has for the user: what it noticed or did on its own (a torn journal line dropped, a repair).</summary>
    public sealed class XenBackendNote
    {
        public XenBackendNote(string text, bool isWarning = false)
        {
            Text = text;
            IsWarning = isWarning;
        }

        public string Text { get; }
        /// <summary>True for what the user must see (a warning); false for verbose output.</summary>
        public bool IsWarning { get; }
        public override string ToString() => Text;
    }

    /// <summary>A backend that collects notes for the user; cmdlets take them after acting and write them.</summary>
    public interface IXenBackendNotes
    {
        /// <summary>The notes since the last call (each is returned once).</summary>
        IReadOnlyList<XenBackendNote> TakeNotes();
    }

    /// <summary>
    /// A backend that can say, for a capability it lacks, why and what to use instead (XAPI: there is no /etc/xen; use
    /// the pool's templates). <see cref="XenCapabilities.Require{T}"/> adds it to the OperationNotSupported message.
    /// </summary>
    public interface IXenCapabilityAdvice
    {
        /// <summary>The advice for a missing capability, or null.</summary>
        string? Advice(Type capability, string operation);
    }

    /// <summary>Capability discovery: what a backend can do, found at run time.</summary>
    public static class XenCapabilities
    {
        /// <summary>The capability, or XenOperationNotSupportedException naming the backend and the operation.</summary>
        public static T Require<T>(this IXenBackend backend, string operation) where T : class =>
            backend as T ?? throw new XenOperationNotSupportedException(backend.BackendName, operation,
                (backend as IXenCapabilityAdvice)?.Advice(typeof(T), operation));

        public static bool Supports<T>(this IXenBackend backend) where T : class => backend is T;
    }
}
