using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Services
{
    /// <summary>How Stop-XenDomain (and later the DSC resource) stops domains.</summary>
    public sealed class StopOptions
    {
        /// <summary>Destroy at once instead of asking the guest (xl destroy).</summary>
        public bool Destroy { get; set; }
        /// <summary>xl shutdown -F: the ACPI power button for HVM guests without PV drivers.</summary>
        public bool AcpiFallback { get; set; }
        /// <summary>How long <see cref="DomainLifecycleService.WaitForStop"/> waits.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);
        /// <summary>Destroy what has not shut down when the timeout runs out.</summary>
        public bool EscalateOnTimeout { get; set; }
    }

    /// <summary>
    /// Lifecycle orchestration on many (host, domain) targets: create (validated on every path), stop with wait,
    /// timeout and escalation to destroy, pause and unpause. Results per target; progress on the calling thread.
    /// Cmdlets bind, confirm and drain the results; they hold no orchestration of their own.
    /// </summary>
    public sealed partial class DomainLifecycleService
    {
        private readonly DomainWaitService _waits;

        public DomainLifecycleService(DomainWaitService? waits = null)
        {
            _waits = waits ?? new DomainWaitService();
        }

        /// <summary>Validates <paramref name="config"/> (the one validator, whatever path it came by) and creates the domain.</summary>
        public XenDomain Create(XenHostConnection host, XenDomainConfig config, CreateDomainOptions options, CancellationToken ct)
        {
            var diagnostics = new List<XenDiagnostic>();
            ConfigValidator.Validate(config, diagnostics);
            if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) throw new XenConfigException(diagnostics);
            var d = host.Backend.CreateDomain(config, options, ct);
            return Stamp(d, host);
        }

        /// <summary>The first step of a stop: destroy, or ask the guest to shut down. Domain-0 is refused.</summary>
        public XenDomainResult RequestStop(XenDomainTarget t, StopOptions o, CancellationToken ct)
        {
            try
            {
                RefuseDomain0(t, o.Destroy ? "destroyed" : "shut down", "Shut the host down instead.");
                var power = t.Host.Backend.Require<IXenPowerControl>(o.Destroy ? "destroying domains" : "shutting domains down");
                if (o.Destroy)
                {
                    power.DestroyDomain(t.Domain, ct);
                    return XenDomainResult.Ok(t, Gone(t.Domain, XenShutdownReason.None), "destroyed");
                }
                power.ShutdownDomain(t.Domain, o.AcpiFallback, ct);
                return XenDomainResult.Ok(t, t.Domain, "asked to shut down");
            }
            catch (XenPSException e)
            {
                return XenDomainResult.Failed(t, Explain(t, e));
            }
        }

        /// <summary>
        /// Waits for domains asked to shut down: each is done when gone or kept in the shutdown state. On timeout:
        /// with EscalateOnTimeout destroyed (after <paramref name="confirmEscalation"/>, called on this thread, agrees),
        /// else a StopTimeout error saying what to do.
        /// </summary>
        public IEnumerable<XenDomainResult> WaitForStop(IReadOnlyList<XenDomainTarget> targets, StopOptions o,
            Func<XenDomainTarget, bool>? confirmEscalation, Action<string>? warn, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            string waited = o.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            foreach (var w in _waits.Wait(targets, d => d == null || (d.Flags & XenDomainStateFlags.Shutdown) != 0, o.Timeout,
                         "Stopping Xen domains", progress, ct))
            {
                var t = w.Target;
                if (w.Error != null) { yield return XenDomainResult.Failed(t, w.Error); continue; }
                if (w.Met)
                {
                    yield return XenDomainResult.Ok(t, w.Domain != null ? w.Domain : Gone(t.Domain, XenShutdownReason.Poweroff),
                        w.Domain == null ? "has shut down" : $"has shut down and is kept ({w.Domain.StateFlags})");
                    continue;
                }
                if (!o.EscalateOnTimeout)
                {
                    yield return XenDomainResult.Failed(t, new XenTimeoutException(
                        $"{t.Description} did not shut down within {waited} s; it is left as it is. Wait longer with -Timeout, " +
                        "destroy it with Stop-XenDomain -TurnOff, or pass -Force to destroy domains that do not stop in time."));
                    continue;
                }
                warn?.Invoke($"{t.Description} did not shut down within {waited} s; destroying it (-Force).");
                if (confirmEscalation != null && !confirmEscalation(t)) continue;
                XenDomainResult r;
                try
                {
                    t.Host.Backend.Require<IXenPowerControl>("destroying domains").DestroyDomain(t.Domain, ct);
                    r = XenDomainResult.Ok(t, Gone(t.Domain, XenShutdownReason.None), $"destroyed: it did not shut down within {waited} s");
                }
                catch (XenDomainNotFoundException)
                {
                    r = XenDomainResult.Ok(t, Gone(t.Domain, XenShutdownReason.Poweroff), "has shut down"); // went away meanwhile
                }
                catch (XenPSException e)
                {
                    r = XenDomainResult.Failed(t, e);
                }
                yield return r;
            }
        }

        /// <summary>Pauses (or unpauses) one target and returns it as listed afterwards.</summary>
        public XenDomainResult SetPaused(XenDomainTarget t, bool paused, CancellationToken ct)
        {
            try
            {
                RefuseDomain0(t, paused ? "paused" : "unpaused", "It is the host's control domain.");
                var power = t.Host.Backend.Require<IXenPowerControl>(paused ? "pausing domains" : "unpausing domains");
                if (paused) power.PauseDomain(t.Domain, ct); else power.UnpauseDomain(t.Domain, ct);
                return XenDomainResult.Ok(t, Refresh(t, ct));
            }
            catch (XenPSException e)
            {
                return XenDomainResult.Failed(t, e);
            }
        }

        /// <summary>The domain as its host lists it now; the object given when it is gone.</summary>
        public static XenDomain Refresh(XenDomainTarget t, CancellationToken ct) =>
            t.Host.Backend.ListDomains(ct).Where(d => DomainWaitService.Same(t.Domain, d)).Select(d => Stamp(d, t.Host)).FirstOrDefault() ?? t.Domain;

        public static XenDomain Stamp(XenDomain d, XenHostConnection host)
        {
            d.Host = host.Name;
            d.HostUri = host.Uri;
            return d;
        }

        private static void RefuseDomain0(XenDomainTarget t, string verb, string advice)
        {
            if (t.Domain.IsDomain0)
                throw new XenInvalidOperationException($"Domain-0 cannot be {verb}: it is the host's control domain. {advice}".TrimEnd(), XenErrorReason.Domain0Refused);
        }

        private static XenPSException Explain(XenDomainTarget t, XenPSException e) =>
            e.Reason == XenErrorReason.PvControlUnavailable
                ? new XenInvalidOperationException(
                    $"{t.Description} has no PV drivers, so it cannot be asked to shut down ({e.Message}). " +
                    "Use -AcpiFallback to press its ACPI power button instead (xl shutdown -F), or -TurnOff to destroy it.",
                    XenErrorReason.PvControlUnavailable)
                : e;

        /// <summary>
        /// A domain that no longer exists: its last known fields with the state it left in (shut down for a graceful
        /// stop, dying for a destroy), never the running state it had before.
        /// </summary>
        public static XenDomain Gone(XenDomain last, XenShutdownReason reason)
        {
            var d = last.Clone();
            bool shutdown = reason != XenShutdownReason.None;
            d.StateFlags = XenDomain.EncodeState(false, false, false, shutdown, reason, dying: !shutdown);
            d.ShutdownReason = reason;
            d.State = shutdown ? XenDomainState.Halted : XenDomainState.Dying;
            return d;
        }
    }
}
