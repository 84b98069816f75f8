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
    /// target as soon as its condition holds, on the calling thread. A host whose backend reports changes
    /// (<see cref="IXenDomainEvents"/>: XAPI's event.from) is not listed each round but waited on until something changes. A domain that is gone is passed to the condition
    /// as null. A host that fails is a per-target error for its domains; the other hosts go on.
    /// </summary>
    public sealed partial class DomainWaitService
    {
        /// <summary>How long between two listings of a host.</summary>
        public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(200);

        /// <summary>How many hosts are listed at once.</summary>
        public int Degree { get; set; } = HostFanOut.DefaultDegree;

        /// <summary>The clock deadlines are measured on (tests pass a fake one).</summary>
        public Func<DateTime> Clock { get; set; } = () => DateTime.UtcNow;

        /// <summary>How the service waits between rounds; null: on the cancellation token's wait handle (tests pass a fake one).</summary>
        public Action<TimeSpan, CancellationToken>? Sleep { get; set; }

        /// <summary>
        /// Yields (target, domain now or null when gone, met) — met=false only for targets still waiting when
        /// <paramref name="timeout"/> ran out — and failed results (Error) for hosts that could not be listed.
        /// </summary>
        public IEnumerable<WaitOutcome> Wait(IReadOnlyList<XenDomainTarget> targets, Func<XenDomain?, bool> condition, TimeSpan timeout,
            string activity, IProgress<XenProgress>? progress, CancellationToken ct) =>
            Watch(targets, (t, d) => condition(d) ? WaitVerdict.Met : WaitVerdict.Waiting, timeout, activity, progress, ct, Same);

        /// <summary>
        /// The general wait: each round lists every host involved once, finds each target in its host's listing with
        /// <paramref name="match"/> (the newest domid when several match; <see cref="Same"/> by default) and asks
        /// <paramref name="judge"/> (called on this thread, so it may read consoles) whether the target is there (Met),
        /// can never get there (Failed: yielded as the outcome's Error) or is still on its way. Targets still waiting when
        /// <paramref name="timeout"/> runs out are yielded with met=false and the domain as last listed.
        /// </summary>
        public IEnumerable<WaitOutcome> Watch(IReadOnlyList<XenDomainTarget> targets, Func<XenDomainTarget, XenDomain?, WaitVerdict> judge, TimeSpan timeout,
            string activity, IProgress<XenProgress>? progress, CancellationToken ct, Func<XenDomain, XenDomain, bool>? match = null)
        {
            match ??= Same;
            var left = targets.ToList();
            int total = left.Count;
            var deadline = Clock() + timeout;
            var lastSeen = new Dictionary<XenDomainTarget, XenDomain?>();
            // Hosts that report changes (IXenDomainEvents) are watched instead of listed: each round waits there for a
            // change (up to the deadline when it is the only host, else up to Interval), with no listing in between.
            var watches = new Dictionary<XenHostConnection, IXenDomainWatch>();
            bool first = true;
            try
            {
                while (left.Count > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    var hosts = HostFanOut.HostsOf(left);
                    foreach (var h in hosts)
                        if (!watches.ContainsKey(h) && h.Backend is IXenDomainEvents ev) watches[h] = ev.WatchDomains(ct);
                    bool watched = hosts.Any(h => watches.ContainsKey(h));
                    var untilDeadline = deadline - Clock();
                    if (untilDeadline < TimeSpan.Zero) untilDeadline = TimeSpan.Zero;
                    var eventWait = first ? TimeSpan.Zero
                        : hosts.Count == 1 && watched ? untilDeadline
                        : Interval < untilDeadline ? Interval : untilDeadline;
                    first = false;
                    // Each host's listing is judged as it arrives: a slow host holds back only its own targets this round.
                    // (watches is only read by the workers: every watch was added above.)
                    foreach (var listing in HostFanOut.Stream(hosts,
                        (h, t) => watches.TryGetValue(h, out var w) ? w.Next(eventWait, t) : h.Backend.ListDomains(t), Degree, ct))
                    {
                        var (host, list, error) = (listing.Host, listing.Value, listing.Error);
                        foreach (var t in left.Where(x => x.Host == host).ToList())
                        {
                            if (error != null)
                            {
                                left.Remove(t);
                                yield return new WaitOutcome(t, null, false, error);
                                continue;
                            }
                            XenDomain? now = null;
                            foreach (var d in list!)
                                if (match(t.Domain, d) && (now == null || (d.Id ?? -1) > (now.Id ?? -1))) now = d;
                            if (now != null) { now.Host = host.Name; now.HostUri = host.Uri; }
                            lastSeen[t] = now;
                            var v = judge(t, now);
                            if (v.IsMet || v.Error != null)
                            {
                                left.Remove(t);
                                yield return new WaitOutcome(t, now, v.IsMet, v.Error);
                            }
                        }
                    }
                    if (left.Count == 0) yield break;
                    if (Clock() >= deadline)
                    {
                        foreach (var t in left) yield return new WaitOutcome(t, lastSeen.TryGetValue(t, out var d) ? d : t.Domain, false, null);
                        yield break;
                    }
                    int done = total - left.Count;
                    progress?.Report(new XenProgress(activity, string.Format(CultureInfo.InvariantCulture,
                        "{0} of {1} done; waiting for {2} ({3:F0} s left)", done, total,
                        string.Join(", ", left.Take(5).Select(p => p.Domain.Name)) + (left.Count > 5 ? ", ..." : ""),
                        Math.Max(0, (deadline - Clock()).TotalSeconds)), Math.Min(99, done * 100 / Math.Max(1, total))));
                    var remaining = deadline - Clock();
                    var pause = Interval < remaining ? Interval : remaining;
                    if (pause > TimeSpan.Zero && !watched)
                    {
                        if (Sleep != null) { Sleep(pause, ct); ct.ThrowIfCancellationRequested(); }
                        else if (ct.WaitHandle.WaitOne(pause)) ct.ThrowIfCancellationRequested();
                    }
                }
            }
            finally
            {
                foreach (var w in watches.Values) w.Dispose();
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

        /// <summary>
        /// The same guest in a new listing, whatever its domid (a reboot builds it again with a new one): by uuid, else
        /// (a listing without uuids) by name.
        /// </summary>
        public static bool SameGuest(XenDomain wanted, XenDomain listed)
        {
            if (!string.IsNullOrEmpty(wanted.Uuid) && !string.IsNullOrEmpty(listed.Uuid))
                return string.Equals(wanted.Uuid, listed.Uuid, StringComparison.OrdinalIgnoreCase);
            return wanted.Name.Length > 0 && string.Equals(wanted.Name, listed.Name, StringComparison.Ordinal);
        }
    }

    /// <summary>What a wait's judge says of one target in one round.</summary>
    public readonly struct WaitVerdict
    {
        private WaitVerdict(bool met, XenPSException? error)
        {
            IsMet = met;
            Error = error;
        }

        public bool IsMet { get; }
        /// <summary>The target can never get there: the wait ends for it with this error.</summary>
        public XenPSException? Error { get; }

        public static WaitVerdict Met => new WaitVerdict(true, null);
        public static WaitVerdict Waiting => new WaitVerdict(false, null);
        public static WaitVerdict Fail(XenPSException e) => new WaitVerdict(false, e);
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
