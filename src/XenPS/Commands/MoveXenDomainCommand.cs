using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Move-XenDomain: `xm migrate --live` / `xl migrate`. Moves running domains to another host, live (the guest keeps
    /// running; its name and uuid stay, its domid changes unless -PreserveDomainId). VMs of a XenAPI pool move to
    /// another member of that pool (-Destination names the member): VM.pool_migrate as a task, its progress shown,
    /// cancelled by Ctrl+C. A preflight checks everything it can
    /// first (Test-XenDomainMigration's checks) and touches nothing when one fails; -WhatIf runs it and reports it.
    /// xl's progress is Write-Progress (always completed); a failed migration leaves the domain running on the source, and
    /// after a failure or Ctrl+C both hosts are checked and repaired (no paused or duplicated domain is left). Writes each
    /// moved domain as the destination lists it (its new host and domid).
    /// </summary>
    [Cmdlet(VerbsCommon.Move, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class MoveXenDomainCommand : XenMigrationCmdletBase
    {
        private const int DefaultTimeoutSeconds = 600;
        private readonly MigrationService _migration = new MigrationService();

        /// <summary>Return only once the domain runs on the destination (listed there running, gone from the source).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds -Wait waits after xl migrate has finished. Default 600.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int Timeout { get; set; } = DefaultTimeoutSeconds;

        /// <summary>Leave the domain paused on the destination (xl migrate -p).</summary>
        [Parameter]
        public SwitchParameter Paused { get; set; }

        /// <summary>A config file ON THE SOURCE dom0 to send instead of the domain's own (xl migrate -C): an absolute dom0 path.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ConfigPath { get; set; }

        protected override MigrateDomainOptions Options()
        {
            var o = base.Options();
            o.Paused = Paused;
            o.ConfigPath = ConfigPath;
            o.ShareConnection = true; // xl migrate reuses the preflight's ssh login from the source dom0 (released afterwards)
            return o;
        }

        protected override void ProcessRecord()
        {
            var destination = OpenDestination();
            var options = Options();
            var progress = new SyncProgress<XenProgress>(p => WriteServiceProgress(1, p));
            // -Name/-Id on one source host: its facts for the preflight (above all its dom0's login to the destination, the
            // slowest part, which xl migrate reuses) are gathered while that host is listed; released when no domain takes them
            var hosts = ParameterSetName == ObjectSet ? null : ResolveHosts();
            using var head = hosts is { Count: 1 } && destination != null ? _migration.BeginPreflight(hosts[0], destination, DestinationAddress, options, CancelToken) : null;
            var targets = hosts == null ? Targets() : ParameterSetName == IdSet ? Select(null, Id, hosts) : Select(Name, null, hosts);
            foreach (var t in targets)
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenMigrationException("Domain-0 cannot be migrated: it is the host's control domain.", XenErrorReason.Domain0Refused, "NotDomain0"),
                        "CannotMigrateDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                XenMigrationPreflight? pre;
                string to = destination?.Name ?? Destination.Name;
                try
                {
                    progress.Report(new XenProgress(MigrationService.Activity, $"{t.Description} to {to}: preflight", 0));
                    try { pre = Preflight(_migration, t, destination, options, head); }
                    finally { progress.Report(new XenProgress(MigrationService.Activity, $"{t.Description} to {to}: preflight", 100, completed: true)); }
                }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                if (pre == null) continue;
                if (pre.Passed && Stopping) { _migration.Release(pre); throw new PipelineStoppedException(); }
                foreach (var c in pre.Checks) WriteVerbose($"Preflight {c.Name}: {(c.Passed ? "passed" : "FAILED")}: {c.Detail}");
                if (!pre.Passed) { WritePreflightError(pre); continue; }
                string action = pre.DestinationMember != null
                    ? $"Migrate Xen domain live to {pre.DestinationMember} (from {pre.SourceMember ?? "its member"}) inside the pool {t.Host.Name} (VM.pool_migrate); preflight passed: "
                    : $"Migrate Xen domain live to {pre.Destination} (xl migrate to '{pre.DestinationAddress}'); preflight passed: ";
                if (!ShouldProcess(t.Description, action + string.Join(", ", pre.Checks.Select(c => c.Name)))) { _migration.Release(pre); continue; }
                XenMigrationResult r;
                try { r = _migration.Migrate(pre, options, Wait, TimeSpan.FromSeconds(Timeout), progress, CancelToken); }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                WriteBackendNotes(t.Host);
                if (destination != null) WriteBackendNotes(destination);
                if (r.Error != null)
                {
                    WriteXenError(r.Error, t.Domain, r.Error is XenTimeoutException ? "MigrationWaitTimeout" : null);
                    continue;
                }
                if (r.Note != null) WriteWarning($"{t.Description}: {r.Note}");
                WriteVerbose($"Migrated {t.Description} to {pre.Destination} in {r.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
                WriteDomain(r.Domain!, manyHosts: true); // two hosts are involved: the table shows the Host column
            }
        }
    }
}
