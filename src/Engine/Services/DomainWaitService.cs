using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>
    /// Waits for many domains at once: each round lists every host involved ONCE (hosts in parallel), and yields each
    /// target as soon as its condition holds, on the calling thread. A domain that is gone is passed to the condition
    /// as null. A host that fails is a per-target error for its domains; the other hosts go on.
    /// </summary>
    public sealed class DomainWaitService
    {
        /// <summary>How long between two listings of a host.</summary>
        public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(200);

        /// <summary>How many hosts are listed at once.</summary>
        public int Degree { get; set; } = HostFanOut.DefaultDegree;

        /// <summary>
        /// Yields (target, domain now or null when gone, met) — met=false only for targets still waiting when
        /// <paramref name="timeout"/> ran out — and failed results (Error) for hosts that could not be listed.
        /// </summary>
        public IEnumerable<WaitOutcome> Wait(IReadOnlyList<XenDomainTarget> targets, Func<XenDomain?, bool> condition, TimeSpan timeout,
            string activity, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            var left = targets.ToList();
            int total = left.Count;
            var deadline = DateTime.UtcNow + timeout;
            var lastSeen = new Dictionary<XenDomainTarget, XenDomain?>();
            try
            {
                while (left.Count > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    var listings = HostFanOut.Run(HostFanOut.HostsOf(left), (h, t) => h.Backend.ListDomains(t), Degree, ct);
                    foreach (var (host, list, error) in listings)
                    {
                        foreach (var t in left.Where(x => x.Host == host).ToList())
                        {
                            if (error != null)
                            {
                                left.Remove(t);
                                yield return new WaitOutcome(t, null, false, error);
                                continue;
                            }
                            var now = list!.FirstOrDefault(d => Same(t.Domain, d));
                            if (now != null) { now.Host = host.Name; now.HostUri = host.Uri; }
                            lastSeen[t] = now;
                            if (condition(now))
                            {
                                left.Remove(t);
                                yield return new WaitOutcome(t, now, true, null);
                            }
                        }
                    }
                    if (left.Count == 0) yield break;
                    if (DateTime.UtcNow >= deadline)
                    {
                        foreach (var t in left) yield return new WaitOutcome(t, lastSeen.TryGetValue(t, out var d) ? d : t.Domain, false, null);
                        yield break;
                    }
                    int done = total - left.Count;
                    progress?.Report(new XenProgress(activity, string.Format(CultureInfo.InvariantCulture,
                        "{0} of {1} done; waiting for {2} ({3:F0} s left)", done, total,
                        string.Join(", ", left.Take(5).Select(p => p.Domain.Name)) + (left.Count > 5 ? ", ..." : ""),
                        Math.Max(0, (deadline - DateTime.UtcNow).TotalSeconds)), Math.Min(99, done * 100 / Math.Max(1, total))));
                    var pause = Interval < deadline - DateTime.UtcNow ? Interval : deadline - DateTime.UtcNow;
                    if (pause > TimeSpan.Zero && ct.WaitHandle.WaitOne(pause)) ct.ThrowIfCancellationRequested();
                }
            }
            finally
            {
                progress?.Report(new XenProgress(activity, "Done", 100, completed: true));
            }
        }

        /// <summary>The same domain in a new listing: by uuid, else by domid (a reused domid with another uuid is not it).</summary>
        internal static bool Same(XenDomain wanted, XenDomain listed)
        {
            if (!string.IsNullOrEmpty(wanted.Uuid) && !string.IsNullOrEmpty(listed.Uuid))
                return string.Equals(wanted.Uuid, listed.Uuid, StringComparison.OrdinalIgnoreCase) && (wanted.Id == null || listed.Id == wanted.Id);
            return wanted.Id != null && listed.Id == wanted.Id && string.Equals(wanted.Name, listed.Name, StringComparison.Ordinal);
        }
    }

    /// <summary>One target's outcome of a wait.</summary>
    public sealed class WaitOutcome
    {
        public WaitOutcome(XenDomainTarget target, XenDomain? domain, bool met, XenPSException? error)
        {
            Target = target;
            Domain = domain;
            Met = met;
            Error = error;
        }

        public XenDomainTarget Target { get; }
        /// <summary>The domain as last listed; null when it is gone.</summary>
        public XenDomain? Domain { get; }
        public bool Met { get; }
        public XenPSException? Error { get; }
    }
}
