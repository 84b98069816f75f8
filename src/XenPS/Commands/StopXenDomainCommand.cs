using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;

namespace XenPS.Commands
{
    /// <summary>
    /// Stop-XenDomain: `xm shutdown` (graceful, by default) and `xm destroy` (-TurnOff). With -Wait, every domain
    /// stopped by the invocation is waited for together, bounded by -Timeout; -Force escalates to destroy on expiry.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class StopXenDomainCommand : XenDomainTargetCmdletBase
    {
        private const int DefaultTimeoutSeconds = 300; // xendomains' XENDOMAINS_STOP_MAXWAIT

        private readonly List<Pending> _pending = new List<Pending>();

        /// <summary>Wait until each domain has shut down (gone, or kept in the shutdown state).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to wait (implies -Wait). Default 300 when waiting.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int Timeout { get; set; } = DefaultTimeoutSeconds;

        /// <summary>Destroy a domain that has not shut down when the timeout runs out (implies -Wait). Also skips the destroy confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Destroy at once (xm destroy): like pulling the power cord. ConfirmImpact High.</summary>
        [Parameter]
        [Alias("Destroy")]
        public SwitchParameter TurnOff { get; set; }

        /// <summary>For HVM guests without PV drivers: fall back to the ACPI power button (xl shutdown -F).</summary>
        [Parameter]
        public SwitchParameter AcpiFallback { get; set; }

        /// <summary>Write each domain as it is after the stop (its last state when it is gone).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool Waiting => Wait || Force || MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));

        protected override void ProcessRecord()
        {
            foreach (var (domain, host) in Targets())
            {
                if (domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            $"Domain-0 cannot be {(TurnOff ? "destroyed" : "shut down")}: it is the host's control domain. Shut the host down instead."),
                        "CannotStopDomain0", ErrorCategory.InvalidOperation, domain);
                    continue;
                }
                string target = $"{domain.Name} (id {domain.Id}) on {host.Name}";
                try
                {
                    if (TurnOff)
                    {
                        if (!ConfirmDestroy(target, "Destroy Xen domain (pull the plug)")) continue;
                        host.Backend.DestroyDomain(DomId(domain), CancelToken);
                        if (PassThru) WriteObject(Gone(domain, XenShutdownReason.None));
                        continue;
                    }
                    if (!ShouldProcess(target, "Shut down Xen domain")) continue;
                    host.Backend.ShutdownDomain(DomId(domain), AcpiFallback.IsPresent, CancelToken);
                    if (Waiting)
                        _pending.Add(new Pending(domain, host, target));
                    else if (PassThru)
                        WriteObject(Refresh(host, domain));
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                catch (XenCommandException e) when (e.Message.IndexOf("PV control interface not available", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            $"{target} has no PV drivers, so it cannot be asked to shut down (xl: \"{e.Message}\"). " +
                            "Use -AcpiFallback to press its ACPI power button instead (xl shutdown -F), or -TurnOff to destroy it."),
                        "PvControlUnavailable", ErrorCategory.InvalidOperation, domain);
                }
                catch (XenPSException e)
                {
                    WriteXenError(e, domain);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_pending.Count > 0) WaitForAll();
        }

        private void WaitForAll()
        {
            var progress = new ProgressRecord(1, "Stopping Xen domains", "Waiting for domains to shut down");
            var started = DateTime.UtcNow;
            var deadline = started.AddSeconds(Timeout);
            int total = _pending.Count;
            try
            {
                while (true)
                {
                    CancelToken.ThrowIfCancellationRequested();
                    Forget();
                    foreach (var p in _pending.Where(p => !p.Done))
                    {
                        var now = List(p.Host).FirstOrDefault(d => d.Id == p.Domain.Id);
                        if (now == null || (now.State & XenDomainState.Shutdown) != 0)
                        {
                            p.Done = true;
                            WriteVerbose($"{p.Target} has shut down{(now == null ? "" : " and is kept (" + now.StateFlags + ")")}.");
                            if (PassThru) WriteObject(now ?? Gone(p.Domain, XenShutdownReason.Poweroff));
                        }
                    }
                    var left = _pending.Where(p => !p.Done).ToList();
                    if (left.Count == 0) return;

                    if (DateTime.UtcNow >= deadline)
                    {
                        foreach (var p in left) Expired(p);
                        return;
                    }
                    int done = total - left.Count;
                    progress.PercentComplete = Math.Min(99, done * 100 / total);
                    progress.StatusDescription = string.Format(CultureInfo.InvariantCulture,
                        "{0} of {1} shut down; waiting for {2} ({3:F0} s left)", done, total,
                        string.Join(", ", left.Take(5).Select(p => p.Domain.Name)) + (left.Count > 5 ? ", ..." : ""),
                        (deadline - DateTime.UtcNow).TotalSeconds);
                    WriteProgress(progress);
                    if (CancelToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200))) throw new OperationCanceledException(CancelToken);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                progress.PercentComplete = 100;
                WriteProgress(progress);
            }
        }

        private void Expired(Pending p)
        {
            string waited = Timeout.ToString(CultureInfo.InvariantCulture);
            if (Force)
            {
                WriteWarning($"{p.Target} did not shut down within {waited} s; destroying it (-Force).");
                try
                {
                    if (!ShouldProcess(p.Target, $"Destroy Xen domain (it did not shut down within {waited} s)")) return;
                    p.Host.Backend.DestroyDomain(DomId(p.Domain), CancelToken);
                    if (PassThru) WriteObject(Gone(p.Domain, XenShutdownReason.None));
                }
                catch (XenDomainNotFoundException)
                {
                    if (PassThru) WriteObject(Gone(p.Domain, XenShutdownReason.Poweroff)); // it went away on its own in the meantime
                }
                catch (XenPSException e)
                {
                    WriteXenError(e, p.Domain);
                }
                return;
            }
            WriteItemError(new XenTimeoutException(
                    $"{p.Target} did not shut down within {waited} s; it is left as it is. Wait longer with -Timeout, " +
                    "destroy it with Stop-XenDomain -TurnOff, or pass -Force to destroy domains that do not stop in time."),
                "StopTimeout", ErrorCategory.OperationTimeout, p.Domain);
        }

        /// <summary>ShouldProcess with ConfirmImpact High: asks unless -Confirm:$false, -Force, -WhatIf or $ConfirmPreference = None.</summary>
        private bool ConfirmDestroy(string target, string action)
        {
            if (!ShouldProcess(target, action)) return false;
            if (Force) return true;
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey("Confirm"))
                return true; // -Confirm given explicitly: ShouldProcess already asked (or was told not to).
            var pref = SessionState.PSVariable.GetValue("ConfirmPreference", ConfirmImpact.High);
            ConfirmImpact preference = pref is ConfirmImpact ci ? ci
                : Enum.TryParse(pref?.ToString(), true, out ConfirmImpact parsed) ? parsed : ConfirmImpact.High;
            // ShouldProcess has already asked when the preference is Medium or lower (this cmdlet's declared impact).
            if (preference <= ConfirmImpact.Medium) return true; // None is lowest: never ask
            return ShouldContinue($"Destroy {target}? The domain is stopped at once, without a shutdown; unsaved guest data is lost.",
                "Confirm destroy");
        }

        /// <summary>
        /// A domain that no longer exists, as -PassThru writes it: its last known fields with the state it left in
        /// (shut down for a graceful stop, dying for a destroy), never the running state it had before.
        /// </summary>
        private static XenDomain Gone(XenDomain last, XenShutdownReason reason)
        {
            var d = last.Clone();
            bool shutdown = reason != XenShutdownReason.None;
            d.StateFlags = XenDomain.EncodeState(false, false, false, shutdown, reason, dying: !shutdown);
            d.ShutdownReason = reason;
            return d;
        }

        private sealed class Pending
        {
            public Pending(XenDomain domain, XenHostConnection host, string target)
            {
                Domain = domain;
                Host = host;
                Target = target;
            }

            public XenDomain Domain { get; }
            public XenHostConnection Host { get; }
            public string Target { get; }
            public bool Done { get; set; }
        }
    }
}
