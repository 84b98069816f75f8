using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>A checkpoint file on a host, as Save-XenDomain -PassThru writes it.</summary>
    public sealed class XenCheckpoint
    {
        /// <summary>The file's absolute path on the host (dom0).</summary>
        public string Path { get; set; } = "";
        /// <summary>The host connection's name.</summary>
        public string Host { get; set; } = "";
        public string HostUri { get; set; } = "";
        public string DomainName { get; set; } = "";
        public string? DomainUuid { get; set; }
        /// <summary>The file's size in bytes, when the host reported it.</summary>
        public long? SizeBytes { get; set; }
        public DateTimeOffset SavedAt { get; set; }
        /// <summary>With KeepRunning (or Paused): the domain as listed after the save; null when it was stopped by the save.</summary>
        public XenDomain? Domain { get; set; }

        public override string ToString() => Path;
    }

    /// <summary>How one save came out: the checkpoint, or the error.</summary>
    public sealed class XenCheckpointResult
    {
        public XenCheckpointResult(XenDomainTarget target, XenCheckpoint? checkpoint, XenPSException? error)
        {
            Target = target;
            Checkpoint = checkpoint;
            Error = error;
        }

        public XenDomainTarget Target { get; }
        public XenCheckpoint? Checkpoint { get; }
        public XenPSException? Error { get; }
        public bool Succeeded => Error == null;
    }

    /// <summary>
    /// Checkpoints on many targets: save domains to files on their hosts (xl save) and restore domains from them (xl
    /// restore), through the backends' <see cref="IXenCheckpoint"/>. The backend call runs on a worker thread; its
    /// progress is delivered on the calling thread (the one that enumerates), and a completed record always ends it.
    /// Domain-0 is refused before anything reaches the host. Failures are results (save) or XenPSExceptions (restore).
    /// </summary>
    public sealed class CheckpointService
    {
        public const string SaveActivity = "Saving Xen domains";

        /// <summary>Saves each (target, path) in turn; a result per item.</summary>
        public IEnumerable<XenCheckpointResult> Save(IEnumerable<(XenDomainTarget Target, string Path)> items, SaveDomainOptions options,
            IProgress<XenProgress>? progress, CancellationToken ct)
        {
            foreach (var (t, p) in items) yield return Save(t, p, options, progress, ct);
        }

        /// <summary>Saves one domain to <paramref name="path"/> on its host, reporting xl's progress; cancellation stops it (the guest carries on).</summary>
        public XenCheckpointResult Save(XenDomainTarget t, string path, SaveDomainOptions options, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            string status = $"{t.Description} to {path}";
            try
            {
                if (t.Domain.IsDomain0)
                    throw new XenInvalidOperationException("Domain-0 cannot be saved: it is the host's control domain.", XenErrorReason.Domain0Refused);
                var cap = t.Host.Backend.Require<IXenCheckpoint>("saving domains to checkpoint files");
                cap.CheckPath(path);
                progress?.Report(new XenProgress(SaveActivity, status, 0));
                var info = RunWithProgress(cap, t, path, options, status, progress, ct);
                var cp = new XenCheckpoint
                {
                    Path = info.Path,
                    Host = t.Host.Name,
                    HostUri = t.Host.Uri,
                    DomainName = info.DomainName.Length > 0 ? info.DomainName : t.Domain.Name,
                    DomainUuid = info.DomainUuid ?? t.Domain.Uuid,
                    SizeBytes = info.SizeBytes,
                    SavedAt = DateTimeOffset.Now,
                };
                if (options.KeepRunning || options.Paused) cp.Domain = DomainLifecycleService.Refresh(t, ct);
                return new XenCheckpointResult(t, cp, null);
            }
            catch (XenPSException e)
            {
                return new XenCheckpointResult(t, null, e);
            }
            finally
            {
                progress?.Report(new XenProgress(SaveActivity, status, 100, completed: true));
            }
        }

        /// <summary>Restores the domain saved in <paramref name="path"/> on <paramref name="host"/>; returns it as listed.</summary>
        public XenDomain Restore(XenHostConnection host, string path, RestoreDomainOptions options, CancellationToken ct)
        {
            var cap = host.Backend.Require<IXenCheckpoint>("restoring domains from checkpoint files");
            cap.CheckPath(path);
            return DomainLifecycleService.Stamp(cap.RestoreDomain(path, options, ct), host);
        }

        // The backend call on a worker thread; its progress reports queued and delivered here, on the calling thread.
        private static XenCheckpointInfo RunWithProgress(IXenCheckpoint cap, XenDomainTarget t, string path,
            SaveDomainOptions options, string status, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            using var queue = new BlockingCollection<CheckpointProgress>();
            var work = Task.Run(() =>
            {
                try { return cap.SaveDomain(t.Domain, path, options, p => { if (!queue.IsAddingCompleted) queue.TryAdd(p); }, ct); }
                finally { queue.CompleteAdding(); }
            });
            foreach (var p in queue.GetConsumingEnumerable())
            {
                if (p.Total <= 0) continue; // "End of stream: 0/0"
                progress?.Report(new XenProgress(SaveActivity, $"{status}: {p.Phase.ToLowerInvariant()} {p.Done}/{p.Total}", Math.Clamp(p.PercentComplete, 0, 100)));
            }
            return work.GetAwaiter().GetResult();
        }
    }
}
