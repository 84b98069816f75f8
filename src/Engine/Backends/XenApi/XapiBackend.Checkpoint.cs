using System;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Save-/Restore-XenDomain on a pool are VM.suspend and VM.resume. XAPI writes the suspend image to a VDI on the
    /// VM's suspend SR (pool.suspend_image_SR), never to a file a client names, so -Path takes a placeholder:
    /// <c>xapi:suspend</c> to save, and <c>xapi:suspend/&lt;VM uuid or name&gt;</c> to restore (what Save-XenDomain
    /// -PassThru writes as the checkpoint's Path, so `Save-XenDomain web1 -Path xapi:suspend -PassThru | Restore-XenDomain`
    /// works). Any other path is CheckpointPathInvalid before anything reaches the pool.
    /// </summary>
    public sealed partial class XapiBackend : IXenCheckpoint
    {
        /// <summary>The one -Path Save-XenDomain takes on a XenAPI pool.</summary>
        public const string SuspendPath = "xapi:suspend";

        public string CheckPath(string? path)
        {
            if (path != null && (path == SuspendPath || (path.StartsWith(SuspendPath + "/", StringComparison.Ordinal) && path.Length > SuspendPath.Length + 1)))
                return path;
            throw new XenCheckpointException(
                $"'{path}' is not a checkpoint location on a XenAPI pool. XAPI suspends a VM to a disk image on its suspend SR, not to a file " +
                $"XenPS can name: save with -Path {SuspendPath}, and restore with -Path {SuspendPath}/<VM name or uuid> " +
                "(Save-XenDomain -PassThru writes that path; Get-XenDomain lists suspended VMs as Suspended).",
                XenErrorReason.InvalidArgument, path ?? "");
        }

        /// <summary>Async.VM.suspend, its task's progress reported; the VM is Suspended (kept in the pool) afterwards.</summary>
        public XenCheckpointInfo SaveDomain(XenDomain domain, string path, SaveDomainOptions options, Action<CheckpointProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            RefuseDomain0(domain, "suspend");
            CheckPath(path);
            if (path != SuspendPath)
                throw new XenCheckpointException($"Save-XenDomain on a XenAPI pool takes -Path {SuspendPath} (the VM's suspend SR keeps the image); '{path}' names a VM, which only Restore-XenDomain takes.",
                    XenErrorReason.InvalidArgument, path);
            if (options.KeepRunning || options.Paused)
                throw new XenInvalidOperationException(
                    "XAPI's VM.suspend always stops the VM; there is no suspend that leaves it running or paused (xl save -c / -p). " +
                    "Save without -KeepRunning and -Paused; for a copy of a running VM use a snapshot with memory (VM.checkpoint: xe vm-checkpoint, Xen Orchestra).");
            var report = progress == null ? null : new ActionProgress(p =>
            {
                int pct = (int)Math.Round(Math.Clamp(p, 0, 1) * 100);
                progress(new CheckpointProgress("Suspending", pct, 100, pct));
            });
            WithVm(domain, cancellationToken, vm => RunTask("VM.suspend", $"Suspending VM '{domain.Name}'", domain.Name, cancellationToken, report, null, vm));
            return new XenCheckpointInfo { Path = SuspendPath + "/" + domain.Uuid, DomainName = domain.Name, DomainUuid = domain.Uuid };
        }

        /// <summary>Async.VM.resume of the suspended VM the path names (by uuid, else by its unique name).</summary>
        public XenDomain RestoreDomain(string path, RestoreDomainOptions options, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            CheckPath(path);
            if (path == SuspendPath)
                throw new XenCheckpointException($"Name the VM to resume: -Path {SuspendPath}/<VM name or uuid> (the pool keeps the suspend image of every suspended VM).",
                    XenErrorReason.InvalidArgument, path);
            string id = path.Substring(SuspendPath.Length + 1);
            var all = ListDomains(cancellationToken);
            var found = all.Where(d => string.Equals(d.Uuid, id, StringComparison.OrdinalIgnoreCase)).ToList();
            if (found.Count == 0) found = all.Where(d => d.Name == id).ToList();
            if (found.Count == 0)
                throw new XenCheckpointException($"The pool has no VM '{id}' to resume from its suspend image. Get-XenDomain lists suspended VMs as Suspended.",
                    XenErrorReason.CheckpointNotFound, path);
            if (found.Count > 1)
                throw new XenCheckpointException($"Several VMs are named '{id}' in the pool; give the uuid: -Path {SuspendPath}/{found[0].Uuid}.", XenErrorReason.InvalidArgument, path);
            var d = found[0];
            if (d.State != XenDomainState.Suspended)
                throw new XenCheckpointException($"VM '{d.Name}' is {d.State.ToString().ToLowerInvariant()}, not suspended: it has no suspend image to resume from.",
                    XenErrorReason.CheckpointNotFound, path);
            WithVm(d, cancellationToken, vm => RunTask("VM.resume", $"Resuming VM '{d.Name}'", d.Name, cancellationToken, null, null, vm, options.Paused, false));
            return ListDomains(cancellationToken).FirstOrDefault(x => x.Uuid == d.Uuid)
                   ?? throw new XenDomainNotFoundException(d.Name, $"VM '{d.Name}' was resumed but is no longer listed by the pool.");
        }

        /// <summary>IProgress that calls back at once, on the reporting thread.</summary>
        private sealed class ActionProgress : IProgress<double>
        {
            private readonly Action<double> _a;
            public ActionProgress(Action<double> a) { _a = a; }
            public void Report(double value) => _a(value);
        }
    }
}
