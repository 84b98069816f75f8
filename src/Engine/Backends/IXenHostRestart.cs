using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>What the host's boot did with one autostart entry (/etc/xen/auto/FILE), as xendomains start reports it.</summary>
    public sealed class XenAutoStartOutcome
    {
        public XenAutoStartOutcome(string entry, XenDomain? started, XenPSException? error, bool alreadyRunning = false)
        {
            Entry = entry;
            Started = started;
            Error = error;
            AlreadyRunning = alreadyRunning;
        }

        /// <summary>The entry in the autostart directory ("web.cfg").</summary>
        public string Entry { get; }
        /// <summary>The domain it started, or null.</summary>
        public XenDomain? Started { get; }
        /// <summary>Why it was not started, or null.</summary>
        public XenPSException? Error { get; }
        /// <summary>Its domain was running already (xendomains: "already running").</summary>
        public bool AlreadyRunning { get; }
    }

    /// <summary>
    /// A host that can be rebooted through XenPS: only the simulated host, so that its autostart can be tried. Every
    /// domain goes (as at a power cycle), then each entry of /etc/xen/auto is created in name order, as Debian's
    /// `/etc/init.d/xendomains start` does at boot (`xl create --quiet --defconfig FILE` unless its domain runs).
    /// </summary>
    public interface IXenHostRestart
    {
        IReadOnlyList<XenAutoStartOutcome> RestartHost(CancellationToken cancellationToken);
    }
}
