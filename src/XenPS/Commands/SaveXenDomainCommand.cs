using System;
using System.Collections.Generic;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Save-XenDomain: `xm save` / `xl save`. Writes a running domain's memory and state to a checkpoint file ON THE
    /// HOST (an absolute path in dom0); the domain stops (unless -KeepRunning, or -Paused which keeps it paused). An
    /// existing file is replaced only with -Force. xl's progress is shown as Write-Progress (always completed). Domains on
    /// several hosts are saved in parallel (-ThrottleLimit hosts at once), one host's in order.
    /// Saving without -KeepRunning/-Paused stops the domain: it asks as a ConfirmImpact High action would.
    /// </summary>
    [Cmdlet(VerbsData.Save, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenCheckpoint))]
    public sealed class SaveXenDomainCommand : XenDomainTargetCmdletBase
    {
        private readonly CheckpointService _checkpoints = new CheckpointService();
        private readonly HashSet<(XenHostConnection, string)> _used = new HashSet<(XenHostConnection, string)>();

        /// <summary>The checkpoint file: an absolute path on the Xen host (dom0), not on this machine.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>Leave the domain running after the checkpoint is written (xl save -c).</summary>
        [Parameter]
        public SwitchParameter KeepRunning { get; set; }

        /// <summary>Leave the domain paused after the checkpoint is written (xl save -p).</summary>
        [Parameter]
        public SwitchParameter Paused { get; set; }

        /// <summary>Replace a checkpoint file that already exists at -Path.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write an object describing each checkpoint (path, host, domain name and uuid, size; with -KeepRunning or -Paused the domain).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool Stops => !KeepRunning && !Paused;

        private int _activity;

        protected override void ProcessRecord()
        {
            var options = new SaveDomainOptions { KeepRunning = KeepRunning, Paused = Paused, Overwrite = Force };
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException("Domain-0 cannot be saved: it is the host's control domain.", XenErrorReason.Domain0Refused),
                        "CannotSaveDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                if (!_used.Add((t.Host, Path)))
                {
                    WriteItemError(new ArgumentException(
                            $"{t.Description} was not saved: this command has already saved a domain to {Path} on {t.Host.Name}. " +
                            "Save one domain per checkpoint file (for example: Get-XenDomain web* | ForEach-Object { Save-XenDomain -InputObject $_ -Path \"/var/lib/xen/save/$($_.Name).save\" })."),
                        "CheckpointPathAlreadyUsed", ErrorCategory.InvalidArgument, t.Domain);
                    continue;
                }
                string action = Stops ? $"Save Xen domain to {Path} on the host (the domain stops)"
                    : Paused ? $"Save Xen domain to {Path} on the host and leave it paused" : $"Save Xen domain to {Path} on the host and keep it running";
                if (Stops ? !ConfirmStop(t, action) : !ShouldProcess(t.Description, action)) continue;
                // Saved on a worker of the host's own (hosts in parallel, -ThrottleLimit; one host's saves in order); its
                // progress (an activity of its own, so saves on several hosts do not overwrite each other) and its result are
                // written here, on the pipeline thread, as they arrive.
                int activity = ++_activity;
                string path = Path;
                bool passThru = PassThru;
                var progress = new SyncProgress<XenProgress>(p => PostToPipeline(() => WriteServiceProgress(activity, p)));
                Dispatch(t.Host, ct =>
                {
                    var r = _checkpoints.Save(t, path, options, progress, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        if (r.Error != null) { WriteXenError(r.Error, t.Domain); return; }
                        WriteVerbose($"Saved {t.Description} to {r.Checkpoint!.Path}" + (r.Checkpoint.SizeBytes is long n ? $" ({n} bytes)." : "."));
                        if (passThru) WriteObject(r.Checkpoint);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();

        /// <summary>A save that stops the domain, confirmed as ConfirmImpact High would (see ConfirmHighImpact).</summary>
        private bool ConfirmStop(XenDomainTarget t, string action) =>
            ConfirmHighImpact(t.Description, action,
                $"Save {t.Description} to {Path}? The domain stops once it is saved; Restore-XenDomain -Path {Path} brings it back.", "Confirm save", t.Domain,
                $"Saving {t.Description} stops it, which needs confirmation, and this session cannot ask (it is non-interactive). " +
                "Pass -Confirm:$false to save it without asking, or -KeepRunning to keep it running.");
    }
}
