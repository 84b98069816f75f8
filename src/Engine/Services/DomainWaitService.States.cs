using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>The states Wait-XenDomain waits for: the lifecycle states, and Gone (no longer on its host).</summary>
    public enum XenWaitState
    {
        Running,
        Paused,
        Suspended,
        /// <summary>Not running: kept shut down, or no longer on the host (xl keeps no stopped domains: a domain that shut down is gone).</summary>
        Halted,
        ShuttingDown,
        Crashed,
        Dying,
        /// <summary>No longer on its host (shut down and removed, or destroyed).</summary>
        Gone,
    }

    /// <summary>What <see cref="DomainWaitService.WaitFor"/> waits for.</summary>
    public sealed class WaitForOptions
    {
        /// <summary>The state to reach; null: any state (with <see cref="Until"/> only).</summary>
        public XenWaitState? State { get; set; }
        /// <summary>A pattern the console of the domain's current boot must show (after the state is reached).</summary>
        public Regex? Until { get; set; }
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);
        /// <summary>End the wait at the first domain that gets there.</summary>
        public bool Any { get; set; }
    }

    public sealed partial class DomainWaitService
    {
        /// <summary>
        /// Waits for many domains (matched by uuid whatever their domid, so a reboot does not lose them) until each is in
        /// <see cref="WaitForOptions.State"/> and, with <see cref="WaitForOptions.Until"/>, its current boot's console has
        /// shown a matching line. One listing per host per interval; consoles are read without waiting, on this thread.
        /// Yields each domain as it gets there (a gone one as its last known fields, Halted); with Any, only the first.
        /// Targets still waiting at the timeout are OperationTimeout errors naming the state they reached.
        /// </summary>
        public IEnumerable<XenDomainResult> WaitFor(IReadOnlyList<XenDomainTarget> targets, WaitForOptions o, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            if (o.State == null && o.Until == null) throw new XenArgumentException("Wait for a state (-State), a console pattern (-Until), or both.");
            string waited = o.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var consoles = new Dictionary<XenDomainTarget, (IXenConsole Console, ConsoleMatcher Matcher)>();
            var last = new Dictionary<XenDomainTarget, XenDomain?>();
            string goal = o.State is XenWaitState s0 ? s0.ToString() : "its console pattern";
            if (o.State != null && o.Until != null) goal += " and its console pattern";

            WaitVerdict Judge(XenDomainTarget t, XenDomain? now)
            {
                if (now != null) last[t] = now;
                else last.Remove(t);
                if (o.State is XenWaitState state && !Reached(state, now)) return WaitVerdict.Waiting;
                if (o.Until == null) return WaitVerdict.Met;
                if (now == null) return WaitVerdict.Waiting;
                try
                {
                    if (!consoles.TryGetValue(t, out var c))
                    {
                        var console = t.Host.Backend.Require<IXenConsoleAccess>("reading guest consoles").OpenConsole(now, ct);
                        consoles[t] = c = (console, new ConsoleMatcher(o.Until));
                    }
                    return c.Matcher.Poll(c.Console, ct) ? WaitVerdict.Met : WaitVerdict.Waiting;
                }
                catch (XenDomainNotFoundException)
                {
                    if (consoles.TryGetValue(t, out var c)) { c.Console.Dispose(); consoles.Remove(t); }
                    return WaitVerdict.Waiting; // gone for now (a reboot on xl): the next listing tells
                }
                catch (XenPSException e)
                {
                    return WaitVerdict.Fail(e);
                }
            }

            try
            {
                foreach (var w in Watch(targets, Judge, o.Timeout, "Waiting for Xen domains", progress, ct, SameGuest))
                {
                    var t = w.Target;
                    if (w.Error != null) { yield return XenDomainResult.Failed(t, w.Error); continue; }
                    if (w.Met)
                    {
                        var d = w.Domain ?? DomainLifecycleService.Gone(t.Domain, XenShutdownReason.Poweroff);
                        yield return XenDomainResult.Ok(t, d, consoles.TryGetValue(t, out var c) ? $"console: {c.Matcher.Matched}" : $"is {(w.Domain == null ? "gone" : d.State.ToString())}");
                        if (o.Any) yield break;
                        continue;
                    }
                    var seen = last.TryGetValue(t, out var l) ? l : null;
                    string reached = seen == null ? "it is gone from its host"
                        : $"it is {seen.State}" + (seen.Id != t.Domain.Id ? $" as id {seen.IdText}" : "");
                    if (o.State is XenWaitState st && Reached(st, seen) && o.Until != null)
                    {
                        var lines = consoles.TryGetValue(t, out var c) ? c.Matcher.LastLines : Array.Empty<string>();
                        yield return XenDomainResult.Failed(t, new XenTimeoutException(
                            $"{t.Description} did not reach {goal} within {waited} s: {reached}, but its console showed no line matching '{o.Until}'. " +
                            "Raise -Timeout, or check the pattern.", lines));
                        continue;
                    }
                    if (o.State == null)
                    {
                        var lines = consoles.TryGetValue(t, out var c) ? c.Matcher.LastLines : Array.Empty<string>();
                        yield return XenDomainResult.Failed(t, new XenTimeoutException(
                            $"The console of {t.Description} showed no line matching '{o.Until}' within {waited} s ({reached}). Raise -Timeout, or check the pattern.", lines));
                        continue;
                    }
                    yield return XenDomainResult.Failed(t, new XenTimeoutException(
                        $"{t.Description} did not reach {goal} within {waited} s: {reached}. Raise -Timeout, or check what the domain is doing (Get-XenDomain, Connect-XenConsole)."));
                }
            }
            finally
            {
                foreach (var c in consoles.Values) c.Console.Dispose();
            }
        }

        /// <summary>Whether a domain as listed now (null: gone) is in <paramref name="state"/>.</summary>
        public static bool Reached(XenWaitState state, XenDomain? now) => state switch
        {
            XenWaitState.Gone => now == null,
            XenWaitState.Halted => now == null || now.State == XenDomainState.Halted,
            XenWaitState.Running => now?.State == XenDomainState.Running,
            XenWaitState.Paused => now?.State == XenDomainState.Paused,
            XenWaitState.Suspended => now?.State == XenDomainState.Suspended,
            XenWaitState.ShuttingDown => now?.State == XenDomainState.ShuttingDown,
            XenWaitState.Crashed => now?.State == XenDomainState.Crashed,
            XenWaitState.Dying => now?.State == XenDomainState.Dying,
            _ => false,
        };
    }
}
