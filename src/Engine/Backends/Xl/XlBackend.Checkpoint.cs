using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// xl save / xl restore (facts from Xen 4.17.7: shared/xen/captures 73-76 and the checkpoint captures in
    /// Xl/Fixtures). The path reaches the host only as an argument of a constant script, never inside a command line.
    /// The save script refuses an existing file unless asked to overwrite (xl itself would replace it) and a missing
    /// folder, before xl runs; the restore script refuses a missing file with a clear marker. Progress comes from xl's
    /// "xc: progress: Frames: 4096/65536    6%" lines on stderr as they are written.
    /// </summary>
    public sealed partial class XlBackend
    {
        internal const string CheckpointExistsMarker = "@@XENPS-CHECKPOINT-EXISTS@@";
        internal const string CheckpointMissingMarker = "@@XENPS-CHECKPOINT-MISSING@@";
        internal const string CheckpointNoFolderMarker = "@@XENPS-CHECKPOINT-NOFOLDER@@";
        internal const string CheckpointFolderMarker = "@@XENPS-CHECKPOINT-IS-FOLDER@@";
        internal const string CheckpointSizeMarker = "@@XENPS-CHECKPOINT-SIZE@@";

        /// <summary>$1 = xl, $2 = the file, $3 = 1 to overwrite, then xl save's options and the domain.</summary>
        internal const string SaveScript =
            "xl=\"$1\"; f=\"$2\"; ow=\"$3\"; shift 3; "
            + "if [ -d \"$f\" ]; then echo '" + CheckpointFolderMarker + "' >&2; exit 21; fi; "
            + "if [ \"$ow\" != 1 ] && { [ -e \"$f\" ] || [ -L \"$f\" ]; }; then echo '" + CheckpointExistsMarker + "' >&2; exit 17; fi; "
            + "if [ ! -d \"$(dirname -- \"$f\")\" ]; then echo '" + CheckpointNoFolderMarker + "' >&2; exit 2; fi; "
            + "\"$xl\" save \"$@\" \"$f\"; rc=$?; "
            + "if [ \"$rc\" -eq 0 ] && [ -f \"$f\" ]; then echo \"" + CheckpointSizeMarker + " $(wc -c < \"$f\")\"; fi; exit \"$rc\"";

        /// <summary>$1 = xl, $2 = the file, then xl restore's options.</summary>
        internal const string RestoreScript =
            "xl=\"$1\"; f=\"$2\"; shift 2; "
            + "if [ -d \"$f\" ]; then echo '" + CheckpointFolderMarker + "' >&2; exit 21; fi; "
            + "if [ ! -e \"$f\" ]; then echo '" + CheckpointMissingMarker + "' >&2; exit 2; fi; "
            + "exec \"$xl\" restore \"$@\" \"$f\"";

        // xc: progress: Frames: 4096/65536    6%
        private static readonly Regex ProgressLine = new Regex(
            @"^xc: progress: (?<phase>[^:]+): (?<done>\d{1,18})/(?<total>\d{1,18})\s+(?<pct>\d{1,3})%\s*$", RegexOptions.CultureInvariant);

        /// <summary>One of xl's progress lines, or null for any other stderr line.</summary>
        internal static CheckpointProgress? ParseProgress(string line)
        {
            var m = ProgressLine.Match(line ?? "");
            if (!m.Success) return null;
            long L(string g) => long.Parse(m.Groups[g].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            return new CheckpointProgress(m.Groups["phase"].Value.Trim(), L("done"), L("total"), (int)Math.Min(100, L("pct")));
        }

        public XenCheckpointInfo SaveDomain(XenDomain domain, string path, SaveDomainOptions options, Action<CheckpointProgress>? progress, CancellationToken cancellationToken)
        {
            if (domain == null) throw new ArgumentNullException(nameof(domain));
            options ??= new SaveDomainOptions();
            string file = CheckpointPath.Check(path);
            string d = RefuseDomain0(domain, "save");
            var args = new List<string> { "sh", "-c", SaveScript, "sh", _options.XlPath, file, options.Overwrite ? "1" : "0" };
            if (options.Paused) args.Add("-p");
            else if (options.KeepRunning) args.Add("-c");
            args.Add(d);
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The connection to {Uri} has been closed.", XenErrorReason.ConnectionClosed);
            var r = _runner.RunStreaming(args, null, _options.CheckpointTimeout, line =>
            {
                var p = ParseProgress(line);
                if (p != null) progress?.Invoke(p);
            }, cancellationToken);
            if (r.ExitCode != 0) throw MapCheckpointError($"xl save of {domain.Name}", domain.Name, file, r);
            long? size = null;
            foreach (string line in r.StandardOutput.Split('\n'))
                if (line.StartsWith(CheckpointSizeMarker + " ", StringComparison.Ordinal) &&
                    long.TryParse(line.Substring(CheckpointSizeMarker.Length + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                    size = n;
            return new XenCheckpointInfo { Path = file, SizeBytes = size, DomainName = domain.Name, DomainUuid = domain.Uuid };
        }

        public XenDomain RestoreDomain(string path, RestoreDomainOptions options, CancellationToken cancellationToken)
        {
            string file = CheckpointPath.Check(path);
            var before = new HashSet<int>(ListDomains(cancellationToken).Where(x => x.Id != null).Select(x => x.Id!.Value));
            var args = new List<string> { "sh", "-c", RestoreScript, "sh", _options.XlPath, file };
            if (options != null && options.Paused) args.Add("-p");
            var r = Run(args, null, _options.CheckpointTimeout, cancellationToken);
            if (r.ExitCode != 0) throw MapCheckpointError($"xl restore of {file}", null, file, r);
            // xl restore prints no domid: the restored domain is the one that was not there before (domids only grow).
            // Should another client have created a domain meanwhile, the first new domid is the restored one.
            var added = ListDomains(cancellationToken).Where(x => x.Id is int id && !before.Contains(id)).OrderBy(x => x.Id).FirstOrDefault();
            return added ?? throw new XenCommandException($"xl restore of {file} reported success but no new domain is listed (it may have stopped at once).", 0, r.StandardError);
        }

        /// <summary>The typed failure of a save or restore: the scripts' markers and xl's checkpoint texts, then the common mapping.</summary>
        internal static XenPSException MapCheckpointError(string what, string? domain, string file, CommandResult r)
        {
            string err = r.StandardError ?? "";
            if (err.Contains(CheckpointExistsMarker))
                return new XenCheckpointException($"The checkpoint file {file} already exists on the host; nothing was saved. " +
                    "Pass -Force (Overwrite) to replace it, or choose another path.", XenErrorReason.CheckpointExists, file);
            if (err.Contains(CheckpointFolderMarker))
                return new XenCheckpointException($"{file} is a folder on the host; give the path of the checkpoint file.", XenErrorReason.InvalidArgument, file);
            if (err.Contains(CheckpointNoFolderMarker))
                return new XenCheckpointException($"{what} failed: the folder of {file} does not exist on the host. Create it first, or save to an existing folder such as /var/lib/xen/save.",
                    XenErrorReason.CheckpointNotFound, file);
            if (err.Contains(CheckpointMissingMarker) || err.Contains("Can't open restore file: No such file or directory"))
                return new XenCheckpointException($"Can't open restore file: No such file or directory ({file} does not exist on the host). " +
                    "Check the path: it is a path in dom0, where Save-XenDomain wrote it.", XenErrorReason.CheckpointNotFound, file);
            if (err.Contains("wrong magic number"))
                return new XenCheckpointException($"{what} failed: {XlErrorMapper.FirstError(err) ?? "not a checkpoint"} ({file} is not a checkpoint saved by xl save, or it is damaged).",
                    XenErrorReason.CheckpointInvalid, file);
            if (err.Contains("Failed to open temp file"))
                return new XenCommandException($"{what} failed: {XlErrorMapper.FirstError(err)} (the folder is not writable by xl on the host, or the disk is full).", r.ExitCode, err);
            return XlErrorMapper.Map(what, domain, r);
        }
    }
}
