using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>How Restart-XenDomain reboots domains.</summary>
    public sealed class RebootOptions
    {
        /// <summary>xl reboot -F: the ACPI reset for HVM guests without PV drivers.</summary>
        public bool AcpiFallback { get; set; }
        /// <summary>How long <see cref="DomainLifecycleService.WaitForReboot"/> waits for each domain's new boot.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);
        /// <summary>Destroy and re-create from its config a domain that has not rebooted when the timeout runs out.</summary>
        public bool EscalateOnTimeout { get; set; }
    }

    public sealed partial class DomainLifecycleService
    {
        /// <summary>The first step of a restart: ask the guest to reboot (xl reboot). Domain-0 is refused.</summary>
        public XenDomainResult RequestReboot(XenDomainTarget t, RebootOptions o, CancellationToken ct)
        {
            try
            {
                RefuseDomain0(t, "rebooted", "Reboot the host instead.");
                t.Host.Backend.Require<IXenReboot>("rebooting domains").RebootDomain(t.Domain, o.AcpiFallback, ct);
                return XenDomainResult.Ok(t, t.Domain, "asked to reboot");
            }
            catch (XenPSException e)
            {
                return XenDomainResult.Failed(t, e.Reason == XenErrorReason.PvControlUnavailable
                    ? new XenInvalidOperationException(
                        $"{t.Description} has no PV drivers, so it cannot be asked to reboot ({e.Message}). " +
                        "Use -AcpiFallback to press its ACPI reset button instead (xl reboot -F).",
                        XenErrorReason.PvControlUnavailable)
                    : e);
            }
        }

        /// <summary>
        /// Waits, for all the targets together (one listing per host per interval), until each domain asked to reboot
        /// has booted again: listed with a NEW domid (the same uuid), running, and — where the backend gives console
        /// access — its new boot's console has shown output. A domain its on_reboot action destroyed (DomainNotFound)
        /// or kept shut down (InvalidOperation) fails at once. On timeout: with EscalateOnTimeout it is destroyed and
        /// created again from its config (after <paramref name="confirmEscalation"/>, called on this thread, agrees) and
        /// that boot is waited for as long again; else an OperationTimeout error naming the state it reached.
        /// </summary>
        public IEnumerable<XenDomainResult> WaitForReboot(IReadOnlyList<XenDomainTarget> targets, RebootOptions o,
            Func<XenDomainTarget, bool>? confirmEscalation, Action<string>? warn, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            string waited = o.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var watch = new RebootWatch(ct);
            var late = new List<(XenDomainTarget Target, XenDomain? Last)>();
            try
            {
                foreach (var t in targets) watch.Expect(t, t, t.Domain.Id);
                foreach (var w in _waits.Watch(targets, watch.Judge, o.Timeout, "Restarting Xen domains", progress, ct, DomainWaitService.SameGuest))
                {
                    var t = w.Target;
                    if (w.Error != null) { yield return XenDomainResult.Failed(t, w.Error); continue; }
                    if (w.Met) { yield return XenDomainResult.Ok(t, w.Domain, $"has rebooted (now id {w.Domain?.IdText})"); continue; }
                    if (!o.EscalateOnTimeout)
                    {
                        yield return XenDomainResult.Failed(t, new XenTimeoutException(
                            $"{t.Description} did not reboot within {waited} s: {watch.Reached(t)}. Wait longer with -Timeout, or pass " +
                            "-Force to destroy and re-create from its config domains that do not reboot in time."));
                        continue;
                    }
                    late.Add((t, w.Domain));
                }

                // -Force: destroy what did not reboot, create it again from its config, then wait for those boots together.
                var recreated = new List<XenDomainTarget>();
                foreach (var (t, last) in late)
                {
                    warn?.Invoke($"{t.Description} did not reboot within {waited} s ({watch.Reached(t)}); " +
                                 (HardReboots(t) ? "resetting it (hard reboot, -Force)." : "destroying it and creating it again from its config (-Force)."));
                    if (confirmEscalation != null && !confirmEscalation(t)) continue;
                    XenDomainTarget? again = null;
                    XenPSException? failed = null;
                    try
                    {
                        again = Recreate(t, last, ct);
                    }
                    catch (XenPSException e)
                    {
                        failed = e;
                    }
                    if (failed != null) { yield return XenDomainResult.Failed(t, failed); continue; }
                    watch.Expect(again!, t, last?.Id ?? t.Domain.Id);
                    recreated.Add(again!);
                }
                if (recreated.Count == 0) yield break;
                foreach (var w in _waits.Watch(recreated, watch.Judge, o.Timeout, "Restarting Xen domains (re-created)", progress, ct, DomainWaitService.SameGuest))
                {
                    var t = watch.Original(w.Target);
                    if (w.Error != null) { yield return XenDomainResult.Failed(t, w.Error); continue; }
                    if (w.Met)
                    {
                        yield return XenDomainResult.Ok(t, w.Domain,
                            (HardReboots(t) ? "was reset (hard reboot)" : "was destroyed and created again from its config") +
                            $" (now id {w.Domain?.IdText}): it did not reboot within {waited} s");
                        continue;
                    }
                    yield return XenDomainResult.Failed(t, new XenTimeoutException(
                        $"{t.Description} did not reboot within {waited} s and " +
                        (HardReboots(t) ? "was reset (hard reboot), " : "was destroyed and created again from its config, ") +
                        $"but did not boot within another {waited} s: {watch.Reached(w.Target)}."));
                }
            }
            finally
            {
                watch.Dispose();
            }
        }

        private static bool HardReboots(XenDomainTarget t) => t.Host.Backend is IXenReboot r && r.CanHardReboot;

        /// <summary>
        /// Destroys what is left of the domain and creates it again (validated) from its config, with its uuid; a backend
        /// that can reset a domain in place (IXenReboot.CanHardReboot: XAPI's VM.hard_reboot) resets it instead.
        /// </summary>
        private XenDomainTarget Recreate(XenDomainTarget t, XenDomain? last, CancellationToken ct)
        {
            if (t.Host.Backend is IXenReboot reboot && reboot.CanHardReboot)
            {
                // A pool resets the VM in place (VM.hard_reboot): same VM, a new domid.
                reboot.HardRebootDomain(last ?? t.Domain, ct);
                return new XenDomainTarget(t.Host, t.Domain);
            }
            var config = (last?.Config ?? t.Domain.Config)?.Clone();
            if (config == null || string.IsNullOrEmpty(config.Name))
                throw new XenInvalidOperationException(
                    $"{t.Description} did not reboot, and it cannot be created again: its host did not list its config. " +
                    "Destroy it (Stop-XenDomain -TurnOff) and create it from its config file (New-XenDomain).");
            if (config.Uuid == null && !string.IsNullOrEmpty(t.Domain.Uuid)) config.Set("uuid", t.Domain.Uuid);
            try
            {
                t.Host.Backend.Require<IXenPowerControl>("destroying domains").DestroyDomain(last ?? t.Domain, ct);
            }
            catch (XenDomainNotFoundException)
            {
                // gone meanwhile: create it all the same
            }
            var created = Create(t.Host, config, new CreateDomainOptions(), ct);
            return new XenDomainTarget(t.Host, created);
        }

        /// <summary>What a restart's wait knows of each target: the domid it had, and the console of its new boot.</summary>
        private sealed class RebootWatch : IDisposable
        {
            private sealed class State
            {
                public XenDomainTarget Original = null!;
                public int? OldId;
                public string Reached = "it has not been listed since the request";
                public IXenConsole? Console;
                public int? ConsoleOf;
                public bool Done;
            }

            /// <summary>
            /// How long to wait on the console of a rebuilt, running domain: with one domain left to wait for, a while (an xl
            /// host waits at the host, one round trip instead of a listing and a read per interval: every xl run there costs
            /// the booting guest CPU); with several, not at all, so one quiet console does not hold the others' checks back.
            /// </summary>
            internal static readonly TimeSpan SoleConsoleWait = TimeSpan.FromSeconds(1);

            private readonly Dictionary<XenDomainTarget, State> _states = new Dictionary<XenDomainTarget, State>();
            private readonly CancellationToken _ct;

            public RebootWatch(CancellationToken ct) => _ct = ct;

            public void Expect(XenDomainTarget t, XenDomainTarget original, int? oldId)
            {
                if (!ReferenceEquals(t, original) && _states.TryGetValue(original, out var before)) before.Done = true; // re-created: its new target waits
                _states[t] = new State { Original = original, OldId = oldId };
            }

            public XenDomainTarget Original(XenDomainTarget t) => _states[t].Original;

            public string Reached(XenDomainTarget t) => _states[t].Reached;

            public WaitVerdict Judge(XenDomainTarget t, XenDomain? now)
            {
                var v = JudgeOne(t, now);
                if (v.IsMet || v.Error != null) _states[t].Done = true;
                return v;
            }

            private WaitVerdict JudgeOne(XenDomainTarget t, XenDomain? now)
            {
                var s = _states[t];
                var onReboot = (now?.Config ?? t.Domain.Config)?.OnReboot ?? XenLifecycleAction.Restart;
                if (now == null)
                {
                    if (onReboot == XenLifecycleAction.Destroy || onReboot == XenLifecycleAction.CoredumpDestroy)
                        return WaitVerdict.Fail(new XenDomainNotFoundException(t.Domain.Name,
                            $"{s.Original.Description} did not come back: its on_reboot action ({XenDomainConfig.ActionToXl(onReboot)}) destroyed it when it rebooted. " +
                            "Create it again with New-XenDomain; set on_reboot = \"restart\" in its config to have reboots rebuild it."));
                    s.Reached = "it is not listed (between its shutdown and its rebuild)";
                    return WaitVerdict.Waiting;
                }
                bool newBoot = now.Id != s.OldId;
                if (!newBoot)
                {
                    if ((now.Flags & XenDomainStateFlags.Shutdown) != 0)
                    {
                        if (onReboot == XenLifecycleAction.Preserve)
                            return WaitVerdict.Fail(new XenInvalidOperationException(
                                $"{s.Original.Description} shut down to reboot and is kept shut down by its on_reboot action (preserve): it will not boot again by itself. " +
                                "Destroy it (Stop-XenDomain -TurnOff) and create it again, or set on_reboot = \"restart\"."));
                        s.Reached = $"it has shut down as id {now.IdText} and has not been rebuilt yet";
                    }
                    else if (now.State == XenDomainState.Paused)
                        s.Reached = $"it is paused (id {now.IdText}), so the guest cannot act on the request until it is unpaused (Resume-XenDomain)";
                    else
                        s.Reached = $"it is still {now.State} as id {now.IdText}: the guest has not acted on the reboot request";
                    return WaitVerdict.Waiting;
                }
                if (now.State != XenDomainState.Running)
                {
                    s.Reached = now.State == XenDomainState.Paused
                        ? $"it was rebuilt as id {now.IdText} but is still paused (being built)"
                        : $"it was rebuilt as id {now.IdText} and is {now.State}";
                    return WaitVerdict.Waiting;
                }
                // Running with a new domid: where the backend has consoles, the new boot must have reached its console.
                if (!t.Host.Backend.Supports<IXenConsoleAccess>()) return WaitVerdict.Met;
                try
                {
                    if (s.Console == null || s.ConsoleOf != now.Id)
                    {
                        s.Console?.Dispose();
                        s.Console = null;
                        s.Console = t.Host.Backend.Require<IXenConsoleAccess>("reading guest consoles").OpenConsole(now, _ct);
                        s.ConsoleOf = now.Id;
                    }
                    var wait = _states.Values.Count(x => !x.Done) == 1 ? SoleConsoleWait : TimeSpan.Zero;
                    if (s.Console.Read(wait, _ct).Length > 0) return WaitVerdict.Met;
                }
                catch (XenDomainNotFoundException)
                {
                    s.Console?.Dispose();
                    s.Console = null; // rebooting again, or gone: the next listing tells
                }
                catch (XenPSException e)
                {
                    return WaitVerdict.Fail(e); // the console cannot be read: this domain's wait cannot end well
                }
                s.Reached = $"it was rebuilt as id {now.IdText} and runs, but its console has shown nothing of the new boot yet " +
                            "(an xl host must log guest consoles: XENCONSOLED_ARGS=\"--log=guest --timestamp=guest\")";
                return WaitVerdict.Waiting;
            }

            public void Dispose()
            {
                foreach (var s in _states.Values) s.Console?.Dispose();
            }
        }
    }
}
