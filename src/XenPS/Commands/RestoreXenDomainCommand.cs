using System;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Restore-XenDomain: `xm restore` / `xl restore`. Brings back the domain saved in a checkpoint file on the host:
    /// same name and uuid, a new domid, the guest carrying on where it was saved. Writes the restored domain.
    /// </summary>
    [Cmdlet(VerbsData.Restore, "XenDomain", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class RestoreXenDomainCommand : XenHostCmdletBase
    {
        private readonly CheckpointService _checkpoints = new CheckpointService();

        /// <summary>The checkpoint file: an absolute path on the Xen host (dom0) that -XenHost names (default: the default connection).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>Leave the restored domain paused (xl restore -p); Resume-XenDomain starts it.</summary>
        [Parameter]
        public SwitchParameter Paused { get; set; }

        protected override void ProcessRecord()
        {
            var host = ResolveSingleHost();
            foreach (string p in Path)
            {
                if (!ShouldProcess($"{p} on {host.Name}", Paused ? "Restore Xen domain (paused)" : "Restore Xen domain")) continue;
                try
                {
                    var d = _checkpoints.Restore(host, p, new RestoreDomainOptions { Paused = Paused }, CancelToken);
                    WriteBackendNotes(host);
                    WriteVerbose($"Restored {d.Name} (id {d.IdText}) on {host.Name} from {p}.");
                    WriteObject(d);
                }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                catch (XenPSException e)
                {
                    WriteBackendNotes(host);
                    WriteXenError(e, p);
                }
            }
        }
    }
}
