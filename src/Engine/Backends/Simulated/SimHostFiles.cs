using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// The simulated host's own file system (what dom0's files are on a real host: checkpoints, later /etc/xen), kept
    /// inside its state folder at <c>&lt;state&gt;/fs/</c> + the absolute host path, so the files outlive the process
    /// and every session of the host sees them. Host paths are POSIX and absolute: a relative path is refused (xl
    /// would resolve it against dom0's working directory, which a caller cannot see), "." and ".." are resolved
    /// lexically, and ".." above "/" is refused, so no path can ever reach outside the root. The tree starts with the
    /// folders a Debian dom0 has (<see cref="StandardFolders"/>); like a real host, a file is written only into a
    /// folder that exists.
    /// Not thread-safe by itself; files are written atomically (temp file in the same folder, flushed, renamed).
    /// </summary>
    internal sealed class SimHostFiles
    {
        /// <summary>Folders every simulated dom0 has from the start.</summary>
        public static readonly IReadOnlyList<string> StandardFolders = new[]
        {
            "/etc/xen", "/root", "/tmp", "/var/lib/xen", "/var/lib/xen/save", "/var/lib/xenlab", "/var/log/xen", "/srv",
        };

        /// <summary>Files read into memory are bounded (a simulated checkpoint is a few KiB).</summary>
        public const long MaxReadBytes = 64L << 20;

        private bool _seeded;

        public SimHostFiles(string stateFolder)
        {
            Root = Path.Combine(Path.GetFullPath(stateFolder), "fs");
        }

        /// <summary>The folder that is "/" on the simulated host.</summary>
        public string Root { get; }

        /// <summary>The normalised absolute host path ("/a/./b/../c" is "/a/c"); refuses relative paths and ".." above "/".</summary>
        public static string Normalize(string hostPath)
        {
            if (string.IsNullOrEmpty(hostPath) || hostPath[0] != '/')
                throw new XenCheckpointException($"'{hostPath}' is not an absolute path on the host; give the full path, for example /var/lib/xen/save/web01.save.",
                    XenErrorReason.InvalidArgument, hostPath ?? "");
            if (hostPath.IndexOf('\0') >= 0)
                throw new XenCheckpointException("A host path cannot contain a NUL character.", XenErrorReason.InvalidArgument, hostPath);
            var parts = new List<string>();
            foreach (string p in hostPath.Split('/'))
            {
                if (p.Length == 0 || p == ".") continue;
                if (p == "..")
                {
                    if (parts.Count == 0)
                        throw new XenCheckpointException($"'{hostPath}' climbs above the host's root folder with '..'; give a path inside it.",
                            XenErrorReason.InvalidArgument, hostPath);
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                }
                if (p.IndexOf('\\') >= 0)
                    throw new XenCheckpointException($"'{hostPath}': the simulated host does not store names with a backslash.", XenErrorReason.InvalidArgument, hostPath);
                parts.Add(p);
            }
            return "/" + string.Join("/", parts);
        }

        /// <summary>Where a host path lives on this machine (always inside <see cref="Root"/>).</summary>
        public string Map(string hostPath)
        {
            string norm = Normalize(hostPath);
            string local = norm == "/" ? Root : Path.Combine(Root, norm.Substring(1).Replace('/', Path.DirectorySeparatorChar));
            string full = Path.GetFullPath(local);
            string rootSep = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
            if (full != Root && !full.StartsWith(rootSep, StringComparison.Ordinal))
                throw new XenCheckpointException($"'{hostPath}' is outside the simulated host's file system.", XenErrorReason.InvalidArgument, hostPath);
            return full;
        }

        /// <summary>Creates the root and the standard folders (once per instance; cheap when they exist).</summary>
        public void EnsureSeeded()
        {
            if (_seeded) return;
            foreach (string f in StandardFolders) Directory.CreateDirectory(Map(f));
            _seeded = true;
        }

        public bool FileExists(string hostPath) => File.Exists(Map(hostPath));

        public bool DirectoryExists(string hostPath)
        {
            EnsureSeeded();
            return Directory.Exists(Map(hostPath));
        }

        /// <summary>Anything at that path (file or folder)?</summary>
        public bool Exists(string hostPath)
        {
            EnsureSeeded();
            string p = Map(hostPath);
            return File.Exists(p) || Directory.Exists(p);
        }

        /// <summary>The size of a file, or null when there is none.</summary>
        public long? Size(string hostPath)
        {
            var fi = new FileInfo(Map(hostPath));
            return fi.Exists ? fi.Length : null;
        }

        /// <summary>The parent folder of a host path ("/" for "/x").</summary>
        public static string Parent(string hostPath)
        {
            string n = Normalize(hostPath);
            int i = n.LastIndexOf('/');
            return i <= 0 ? "/" : n.Substring(0, i);
        }

        /// <summary>Reads a whole file (bounded by <see cref="MaxReadBytes"/>); null when there is no such file.</summary>
        public byte[]? Read(string hostPath, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            string p = Map(hostPath);
            FileStream fs;
            try { fs = new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
            catch (FileNotFoundException) { return null; }
            catch (DirectoryNotFoundException) { return null; }
            using (fs)
            {
                long len = Math.Min(fs.Length, MaxReadBytes);
                var buf = new byte[len];
                int read = 0;
                while (read < buf.Length)
                {
                    ct.ThrowIfCancellationRequested();
                    int k = fs.Read(buf, read, buf.Length - read);
                    if (k <= 0) break;
                    read += k;
                }
                if (read < buf.Length) Array.Resize(ref buf, read);
                return buf;
            }
        }

        /// <summary>
        /// Writes a file atomically: a temp file beside it, flushed to disk, renamed over the target. The folder must
        /// exist (CheckpointNotFound otherwise, as xl's "Failed to open temp file ... for writing"); a folder at the path is refused.
        /// </summary>
        public void WriteAtomic(string hostPath, ReadOnlySpan<byte> bytes, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            EnsureSeeded();
            string target = Map(hostPath);
            string parent = Parent(hostPath);
            if (!Directory.Exists(Map(parent)))
                throw new XenCheckpointException(
                    $"Failed to open temp file {hostPath} for writing: the folder {parent} does not exist on the host. Create it first, or save to an existing folder such as /var/lib/xen/save.",
                    XenErrorReason.CheckpointNotFound, hostPath);
            if (Directory.Exists(target))
                throw new XenCheckpointException($"{hostPath} is a folder on the host; give the path of a file.", XenErrorReason.InvalidArgument, hostPath);
            string tmp = target + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
                {
                    fs.Write(bytes);
                    ct.ThrowIfCancellationRequested();
                    fs.Flush(true);
                }
                File.Move(tmp, target, overwrite: true);
            }
            catch
            {
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        /// <summary>Deletes a file if it is there.</summary>
        public void Delete(string hostPath)
        {
            string p = Map(hostPath);
            if (File.Exists(p)) File.Delete(p);
        }
    }
}
