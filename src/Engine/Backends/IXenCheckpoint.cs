using System;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>How a domain is saved (xl save).</summary>
    public sealed class SaveDomainOptions
    {
        /// <summary>Leave the domain running after the checkpoint is written (xl save -c).</summary>
        public bool KeepRunning { get; set; }
        /// <summary>Leave the domain paused after the checkpoint is written (xl save -p); implies it is kept.</summary>
        public bool Paused { get; set; }
        /// <summary>Replace a file that already exists at the path (xl itself would; XenPS refuses unless asked).</summary>
        public bool Overwrite { get; set; }
    }

    /// <summary>How a domain is restored (xl restore).</summary>
    public sealed class RestoreDomainOptions
    {
        /// <summary>Leave the restored domain paused (xl restore -p).</summary>
        public bool Paused { get; set; }
    }

    /// <summary>How far a save has got: xl's "xc: progress: Frames: 4096/65536    6%" lines.</summary>
    public sealed class CheckpointProgress
    {
        public CheckpointProgress(string phase, long done, long total, int percent)
        {
            Phase = phase;
            Done = done;
            Total = total;
            PercentComplete = percent;
        }

        /// <summary>"Frames" (the guest's memory pages), "End of stream".</summary>
        public string Phase { get; }
        public long Done { get; }
        public long Total { get; }
        public int PercentComplete { get; }

        public override string ToString() => $"{Phase}: {Done}/{Total} {PercentComplete}%";
    }

    /// <summary>What a save wrote.</summary>
    public sealed class XenCheckpointInfo
    {
        /// <summary>The checkpoint file's absolute path on the host.</summary>
        public string Path { get; set; } = "";
        /// <summary>Its size in bytes, when the backend knows it.</summary>
        public long? SizeBytes { get; set; }
        public string DomainName { get; set; } = "";
        public string? DomainUuid { get; set; }
    }

    /// <summary>
    /// Checkpoints: a domain's memory and state written to a file on the host (xl save) and a domain brought back
    /// from one (xl restore). Paths are absolute paths on the host (dom0), never on the machine running XenPS; a
    /// relative path is refused (CheckpointPathInvalid), since xl would resolve it against dom0's working directory.
    /// Failures: CheckpointExists (the file exists and Overwrite was not asked for; checked before anything runs),
    /// CheckpointNotFound (no such file, or its folder is missing), CheckpointInvalid (not a checkpoint), DomainExists
    /// (a domain of the checkpoint's name is running), InsufficientResources, Domain0Refused, DomainNotFound.
    /// </summary>
    public interface IXenCheckpoint
    {
        /// <summary>
        /// Saves <paramref name="domain"/> to <paramref name="path"/>. Without KeepRunning/Paused the domain is gone
        /// afterwards and its memory freed. <paramref name="progress"/> is called (on any thread) as the save advances.
        /// </summary>
        XenCheckpointInfo SaveDomain(XenDomain domain, string path, SaveDomainOptions options, Action<CheckpointProgress>? progress, CancellationToken cancellationToken);

        /// <summary>Restores the domain saved in <paramref name="path"/>: same name and uuid, a new domid; returns it as listed.</summary>
        XenDomain RestoreDomain(string path, RestoreDomainOptions options, CancellationToken cancellationToken);

        /// <summary>
        /// Refuses a path this backend cannot use, before anything reaches the host (XenCheckpointException, reason
        /// InvalidArgument); returns it unchanged. The default is <see cref="CheckpointPath.Check"/>: an absolute path on the host.
        /// </summary>
        string CheckPath(string? path) => CheckpointPath.Check(path);
    }

    /// <summary>A checkpoint operation failed; <see cref="XenPSException.Reason"/> says why, <see cref="Path"/> where.</summary>
    public sealed class XenCheckpointException : XenPSException
    {
        public XenCheckpointException(string message, XenErrorReason reason, string path, Exception? inner = null) : base(message, inner, reason)
        {
            Path = path;
        }

        /// <summary>The checkpoint path on the host.</summary>
        public string Path { get; }

        public override string ErrorId => Reason == XenErrorReason.InvalidArgument ? "CheckpointPathInvalid" : base.ErrorId;
    }

    /// <summary>The one rule for checkpoint paths, the same for every backend.</summary>
    public static class CheckpointPath
    {
        /// <summary>
        /// Refuses what no backend should pass on: an empty or relative path, NUL or newline characters, a trailing
        /// '/'. Returns the path unchanged (no normalisation: the host resolves it).
        /// </summary>
        public static string Check(string? path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new XenCheckpointException("No checkpoint path was given. Give the absolute path of the file on the host, for example /var/lib/xen/save/web01.save.",
                    XenErrorReason.InvalidArgument, path ?? "");
            if (path.IndexOf('\0') >= 0 || path.IndexOf('\n') >= 0 || path.IndexOf('\r') >= 0)
                throw new XenCheckpointException("A checkpoint path cannot contain NUL or line-break characters.", XenErrorReason.InvalidArgument, path);
            if (path[0] != '/')
                throw new XenCheckpointException(
                    $"'{path}' is not an absolute path. Checkpoint files live on the Xen host (dom0), and xl would resolve a relative path " +
                    "against its own working directory there: give the absolute path on the host, for example /var/lib/xen/save/" +
                    (path.Length > 0 ? System.IO.Path.GetFileName(path) : "web01.save") + ".",
                    XenErrorReason.InvalidArgument, path);
            if (path.EndsWith("/", StringComparison.Ordinal))
                throw new XenCheckpointException($"'{path}' names a folder; give the path of the checkpoint FILE on the host.", XenErrorReason.InvalidArgument, path);
            return path;
        }
    }
}
