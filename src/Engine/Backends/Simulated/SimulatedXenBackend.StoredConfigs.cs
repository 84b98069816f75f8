using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using XenPS.Services;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// The simulated host's /etc/xen: real files in &lt;state folder&gt;/fs/etc/xen, and real (relative) symbolic links in
    /// its auto/ for autostart, as on a Xen host. Every change takes the state folder's lock, so sessions in other
    /// processes see it at once; writes go to a temporary file in the same directory, flushed, then renamed.
    /// </summary>
    public sealed partial class SimulatedXenBackend : IXenStoredConfigs
    {
        public string ConfigDirectory => "/etc/xen";

        /// <summary>Where the simulated host keeps its /etc/xen.</summary>
        public string ConfigFolder => Files.Map(ConfigDirectory);

        private string AutoFolder => Path.Combine(ConfigFolder, "auto");

        public IReadOnlyList<XenStoredFile> ListStoredConfigs(CancellationToken cancellationToken) => FileOp(cancellationToken, () =>
        {
            var list = new List<XenStoredFile>();
            if (!Directory.Exists(ConfigFolder)) return (IReadOnlyList<XenStoredFile>)list;
            var auto = AutoTargets();
            foreach (string full in Directory.EnumerateFileSystemEntries(ConfigFolder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = Path.GetFileName(full);
                if (!XenStoredConfigNames.Counts(name) || Directory.Exists(full) || !File.Exists(full)) continue;
                string hostPath = ConfigDirectory + "/" + name;
                bool on = auto.Contains(name);
                long size = new FileInfo(full).Length;
                if (size > XenStoredConfigNames.MaxFileBytes)
                {
                    list.Add(new XenStoredFile(name, hostPath, null, on, $"it is {size:N0} bytes, more than a config can be (1 MiB)"));
                    continue;
                }
                list.Add(new XenStoredFile(name, hostPath, File.ReadAllText(full, new UTF8Encoding(false)), on));
            }
            list.Sort((a, b) => string.CompareOrdinal(a.FileName, b.FileName));
            return list;
        });

        public void WriteStoredConfig(string fileName, string text, bool overwrite, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            if (text is null) throw new ArgumentNullException(nameof(text));
            FileOp(cancellationToken, () =>
            {
                Directory.CreateDirectory(ConfigFolder);
                string target = Path.Combine(ConfigFolder, fileName);
                string hostPath = ConfigDirectory + "/" + fileName;
                if (!overwrite && (File.Exists(target) || Directory.Exists(target)))
                    throw new XenConfigFileException(ConfigFileProblem.Exists, hostPath, $"{hostPath} exists on the simulated host; nothing was changed. Use -Force to replace it.");
                if (Directory.Exists(target))
                    throw new XenConfigFileException(ConfigFileProblem.WriteFailed, hostPath, $"{hostPath} is a directory on the simulated host; nothing was changed.");
                string temp = Path.Combine(ConfigFolder, ".xenps-" + Guid.NewGuid().ToString("N").Substring(0, 10));
                try
                {
                    using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    {
                        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
                        fs.Write(bytes, 0, bytes.Length);
                        fs.Flush(flushToDisk: true);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    File.Move(temp, target, overwrite);
                }
                finally
                {
                    if (File.Exists(temp)) File.Delete(temp);
                }
                return 0;
            });
        }

        public void RemoveStoredConfig(string fileName, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            FileOp(cancellationToken, () =>
            {
                string target = Path.Combine(ConfigFolder, fileName);
                string hostPath = ConfigDirectory + "/" + fileName;
                if (!File.Exists(target)) throw new XenConfigFileException(ConfigFileProblem.NotFound, hostPath, $"{hostPath} does not exist on the simulated host.");
                foreach (string link in LinksTo(fileName)) File.Delete(link);
                File.Delete(target);
                return 0;
            });
        }

        public bool SetAutoStart(string fileName, bool enabled, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            return FileOp(cancellationToken, () =>
            {
                string target = Path.Combine(ConfigFolder, fileName);
                string hostPath = ConfigDirectory + "/" + fileName;
                if (!File.Exists(target))
                    throw new XenConfigFileException(ConfigFileProblem.NotFound, hostPath,
                        $"{hostPath} does not exist on the simulated host, so it cannot start at boot. Store it first (Export-XenDomainConfig -XenHost).");
                var links = LinksTo(fileName);
                if (!enabled)
                {
                    foreach (string l in links) File.Delete(l);
                    return links.Count > 0;
                }
                if (links.Count > 0) return false;
                Directory.CreateDirectory(AutoFolder);
                string link = Path.Combine(AutoFolder, fileName);
                if (File.Exists(link) || Directory.Exists(link) || new FileInfo(link).LinkTarget != null)
                    throw new XenConfigFileException(ConfigFileProblem.Exists, ConfigDirectory + "/auto/" + fileName,
                        $"{ConfigDirectory}/auto/{fileName} exists and is not a link to {hostPath}; nothing was changed.");
                File.CreateSymbolicLink(link, Path.Combine("..", fileName));
                return true;
            });
        }

        /// <summary>Names of the configs that an entry of auto/ resolves to.</summary>
        private HashSet<string> AutoTargets()
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            if (!Directory.Exists(AutoFolder)) return set;
            foreach (string entry in Directory.EnumerateFileSystemEntries(AutoFolder))
                if (Resolve(entry) is string name) set.Add(name);
            return set;
        }

        /// <summary>The auto/ links that resolve to <paramref name="fileName"/>.</summary>
        private List<string> LinksTo(string fileName)
        {
            var list = new List<string>();
            if (!Directory.Exists(AutoFolder)) return list;
            foreach (string entry in Directory.EnumerateFileSystemEntries(AutoFolder))
                if (new FileInfo(entry).LinkTarget != null && Resolve(entry) == fileName) list.Add(entry);
            return list;
        }

        /// <summary>The config file name a link in auto/ points to (inside this host's /etc/xen), or null.</summary>
        private string? Resolve(string entry)
        {
            var fi = new FileInfo(entry);
            if (fi.LinkTarget == null) return null;
            FileSystemInfo? t = fi.ResolveLinkTarget(returnFinalTarget: true);
            if (t == null || !t.Exists) return null;
            string dir = Path.GetFullPath(ConfigFolder).TrimEnd(Path.DirectorySeparatorChar);
            string full = Path.GetFullPath(t.FullName);
            return string.Equals(Path.GetDirectoryName(full), dir, StringComparison.Ordinal) ? Path.GetFileName(full) : null;
        }

        /// <summary>Runs a file operation under the instance gate and the state folder's lock; file-system failures become XenPSExceptions.</summary>
        private T FileOp<T>(CancellationToken ct, Func<T> body) => Guard(() =>
        {
            lock (_gate)
            {
                if (_disposed) throw new XenConnectionException($"The connection to simulated host '{_host?.Name}' has been closed.", XenErrorReason.ConnectionClosed);
                using (_store.AcquireLock(ct)) return body();
            }
        });
    }
}
