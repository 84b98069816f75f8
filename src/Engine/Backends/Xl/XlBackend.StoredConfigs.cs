using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using XenPS.Services;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// The host's /etc/xen over xl:/// or ssh://: every operation is one constant shell script run with the directory and
    /// the file name as separate arguments (quoted one by one by the ssh runner), never spliced into the script; file
    /// names and contents come back base64-encoded, so no name can break the listing; a config travels on stdin.
    /// </summary>
    public sealed partial class XlBackend : IXenStoredConfigs
    {
        internal const string FileMarker = "@@XENPS-FILE@@";
        internal const string AutoMarker = "@@XENPS-AUTO@@";

        /// <summary>$1 = the config directory. Lists configs (name, size, content) and then the autostart links (name, target).</summary>
        internal const string ListConfigsScript =
            "d=\"$1\"; cd \"$d\" 2>/dev/null || exit 0; "
            + "for f in *; do [ -f \"$f\" ] || continue; case \"$f\" in xl.conf|.*) continue;; *.cfg) ;; *.*) continue;; esac; "
            + "s=$(wc -c < \"$f\" 2>/dev/null) || s=-1; printf '" + FileMarker + " %s ' \"$s\"; printf '%s' \"$f\" | base64 -w0; echo; "
            + "if [ \"$s\" -ge 0 ] && [ \"$s\" -le " + "1048576" + " ]; then base64 -w0 < \"$f\"; fi; echo; done; "
            + "echo '" + AutoMarker + "'; [ -d auto ] || exit 0; "
            + "for l in auto/* auto/.[!.]*; do [ -e \"$l\" ] || [ -L \"$l\" ] || continue; t=$(readlink -f \"$l\") || t=; "
            + "printf '%s' \"${l#auto/}\" | base64 -w0; printf ' '; printf '%s' \"$t\" | base64 -w0; echo; done";

        /// <summary>
        /// $1 = directory, $2 = file name, $3 = byte count, $4 = SHA-256 (hex), $5 = "new" or "replace"; the text on stdin.
        /// Writes a temporary file beside the target, checks it is complete (a dropped connection ends stdin early), then
        /// links it in (new: fails if the name exists) or renames it over the target (replace). Exit 123 = exists,
        /// 124 = incomplete, 125 = could not write.
        /// </summary>
        internal const string WriteConfigScript =
            "d=\"$1\"; f=\"$2\"; n=\"$3\"; sum=\"$4\"; mode=\"$5\"; umask 022; [ -d \"$d\" ] || mkdir -p \"$d\" || exit 125; "
            + "t=$(mktemp \"$d/.xenps-XXXXXXXXXX\") || exit 125; trap 'rm -f \"$t\"' EXIT HUP INT TERM PIPE; "
            + "cat > \"$t\" || exit 125; [ \"$(wc -c < \"$t\")\" -eq \"$n\" ] || exit 124; "
            + "[ \"$(sha256sum < \"$t\" | cut -d' ' -f1)\" = \"$sum\" ] || exit 124; chmod 644 \"$t\" || exit 125; sync \"$t\" 2>/dev/null; "
            + "if [ \"$mode\" = new ]; then if [ -e \"$d/$f\" ] || [ -L \"$d/$f\" ]; then exit 123; fi; ln -T \"$t\" \"$d/$f\" 2>/dev/null || { [ -e \"$d/$f\" ] && exit 123; exit 125; }; "
            + "else [ -d \"$d/$f\" ] && exit 125; mv -fT \"$t\" \"$d/$f\" || exit 125; fi; exit 0";

        /// <summary>$1 = directory, $2 = file name. Removes the autostart links to the file, then the file. Exit 122 = no such file.</summary>
        internal const string RemoveConfigScript =
            "d=\"$1\"; f=\"$2\"; [ -f \"$d/$f\" ] || exit 122; r=$(readlink -f \"$d/$f\"); "
            + "for l in \"$d\"/auto/* \"$d\"/auto/.[!.]*; do [ -L \"$l\" ] || continue; [ \"$(readlink -f \"$l\")\" = \"$r\" ] && { rm -f \"$l\" || exit 125; }; done; "
            + "rm -f \"$d/$f\" || exit 125; exit 0";

        /// <summary>
        /// $1 = directory, $2 = file name, $3 = 1 (on) or 0 (off). On: the link auto/$2 → $1/$2 unless a link to the file is
        /// there already; off: every link to it removed. Prints "changed" when it changed something. Exit 122 = no such
        /// file, 123 = auto/$2 is taken by something else.
        /// </summary>
        internal const string AutoStartScript =
            "d=\"$1\"; f=\"$2\"; on=\"$3\"; [ -f \"$d/$f\" ] || exit 122; r=$(readlink -f \"$d/$f\"); found=; "
            + "for l in \"$d\"/auto/* \"$d\"/auto/.[!.]*; do [ -L \"$l\" ] || continue; [ \"$(readlink -f \"$l\")\" = \"$r\" ] || continue; "
            + "if [ \"$on\" = 1 ]; then found=1; else rm -f \"$l\" || exit 125; found=1; fi; done; "
            + "if [ \"$on\" = 1 ]; then [ -n \"$found\" ] && exit 0; mkdir -p \"$d/auto\" || exit 125; "
            + "if [ -e \"$d/auto/$f\" ] || [ -L \"$d/auto/$f\" ]; then exit 123; fi; ln -s \"$d/$f\" \"$d/auto/$f\" || exit 125; echo changed; "
            + "else [ -n \"$found\" ] && echo changed; fi; exit 0";

        public string ConfigDirectory => _options.ConfigDirectory.TrimEnd('/');

        public IReadOnlyList<XenStoredFile> ListStoredConfigs(CancellationToken cancellationToken)
        {
            var r = Run(new[] { "sh", "-c", ListConfigsScript, "sh", ConfigDirectory }, null, _options.CommandTimeout, cancellationToken);
            if (r.ExitCode != 0) throw XlErrorMapper.Map($"listing {ConfigDirectory}", null, r);
            return ParseStoredConfigs(ConfigDirectory, r.StandardOutput);
        }

        /// <summary>Parses <see cref="ListConfigsScript"/>'s output.</summary>
        internal static IReadOnlyList<XenStoredFile> ParseStoredConfigs(string dir, string output)
        {
            var files = new List<(string name, long size, string? b64)>();
            var auto = new HashSet<string>(StringComparer.Ordinal);
            string[] lines = output.Replace("\r", "").Split('\n');
            int i = 0;
            for (; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line == AutoMarker) break;
                if (!line.StartsWith(FileMarker + " ", StringComparison.Ordinal)) continue;
                string[] parts = line.Substring(FileMarker.Length + 1).Split(' ');
                if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long size)) continue;
                string? name = FromBase64(parts[1]);
                string? content = i + 1 < lines.Length ? lines[++i] : null;
                if (name != null) files.Add((name, size, content));
            }
            for (i++; i < lines.Length; i++)
            {
                string[] parts = lines[i].Split(' ');
                if (parts.Length != 2) continue;
                string? target = FromBase64(parts[1]);
                if (target != null && target.StartsWith(dir + "/", StringComparison.Ordinal) && target.IndexOf('/', dir.Length + 1) < 0)
                    auto.Add(target.Substring(dir.Length + 1));
            }
            var list = new List<XenStoredFile>(files.Count);
            foreach (var (name, size, b64) in files)
            {
                string path = dir + "/" + name;
                bool on = auto.Contains(name);
                if (size < 0) list.Add(new XenStoredFile(name, path, null, on, "it could not be read"));
                else if (size > XenStoredConfigNames.MaxFileBytes) list.Add(new XenStoredFile(name, path, null, on, $"it is {size.ToString("N0", CultureInfo.InvariantCulture)} bytes, more than a config can be (1 MiB)"));
                else
                {
                    byte[]? bytes = b64 == null ? null : FromBase64Bytes(b64);
                    list.Add(bytes == null
                        ? new XenStoredFile(name, path, null, on, "its content did not arrive whole")
                        : new XenStoredFile(name, path, DecodeUtf8(bytes), on));
                }
            }
            list.Sort((a, b) => string.CompareOrdinal(a.FileName, b.FileName));
            return list;
        }

        public void WriteStoredConfig(string fileName, string text, bool overwrite, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            if (text is null) throw new ArgumentNullException(nameof(text));
            byte[] bytes = new UTF8Encoding(false).GetBytes(text);
            string sum = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            string path = ConfigDirectory + "/" + fileName;
            var r = Run(new[] { "sh", "-c", WriteConfigScript, "sh", ConfigDirectory, fileName,
                bytes.Length.ToString(CultureInfo.InvariantCulture), sum, overwrite ? "replace" : "new" }, text, _options.CommandTimeout, cancellationToken);
            switch (r.ExitCode)
            {
                case 0: return;
                case 123:
                    throw new XenConfigFileException(ConfigFileProblem.Exists, path,
                        $"{path} exists on the host; nothing was changed. Use -Force to replace it.");
                case 124:
                    throw new XenConfigFileException(ConfigFileProblem.WriteFailed, path,
                        $"{path} was not written: the text did not arrive whole on the host (the connection may have dropped). The file on the host is as it was.");
                default:
                    throw new XenConfigFileException(ConfigFileProblem.WriteFailed, path,
                        $"{path} could not be written on the host ({XlErrorMapper.FirstError(r.StandardError) ?? "exit code " + r.ExitCode.ToString(CultureInfo.InvariantCulture)}). The file on the host is as it was.");
            }
        }

        public void RemoveStoredConfig(string fileName, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            string path = ConfigDirectory + "/" + fileName;
            var r = Run(new[] { "sh", "-c", RemoveConfigScript, "sh", ConfigDirectory, fileName }, null, _options.CommandTimeout, cancellationToken);
            if (r.ExitCode == 0) return;
            if (r.ExitCode == 122)
                throw new XenConfigFileException(ConfigFileProblem.NotFound, path, $"{path} does not exist on the host.");
            throw new XenConfigFileException(ConfigFileProblem.WriteFailed, path,
                $"{path} could not be removed ({XlErrorMapper.FirstError(r.StandardError) ?? "exit code " + r.ExitCode.ToString(CultureInfo.InvariantCulture)}).");
        }

        public bool SetAutoStart(string fileName, bool enabled, CancellationToken cancellationToken)
        {
            XenStoredConfigNames.Check(fileName);
            string path = ConfigDirectory + "/" + fileName;
            var r = Run(new[] { "sh", "-c", AutoStartScript, "sh", ConfigDirectory, fileName, enabled ? "1" : "0" }, null, _options.CommandTimeout, cancellationToken);
            switch (r.ExitCode)
            {
                case 0: return r.StandardOutput.Contains("changed");
                case 122: throw new XenConfigFileException(ConfigFileProblem.NotFound, path, $"{path} does not exist on the host, so it cannot start at boot. Store it first (Export-XenDomainConfig -XenHost).");
                case 123:
                    throw new XenConfigFileException(ConfigFileProblem.Exists, ConfigDirectory + "/auto/" + fileName,
                        $"{ConfigDirectory}/auto/{fileName} exists and is not a link to {path}; nothing was changed. Look at it on the host and remove it if it is stale.");
                default:
                    throw new XenConfigFileException(ConfigFileProblem.WriteFailed, ConfigDirectory + "/auto/" + fileName,
                        $"The autostart link for {path} could not be {(enabled ? "created" : "removed")} ({XlErrorMapper.FirstError(r.StandardError) ?? "exit code " + r.ExitCode.ToString(CultureInfo.InvariantCulture)}).");
            }
        }

        private static string? FromBase64(string s)
        {
            byte[]? b = FromBase64Bytes(s);
            return b == null ? null : DecodeUtf8(b);
        }

        private static byte[]? FromBase64Bytes(string s)
        {
            try { return Convert.FromBase64String(s.Trim()); }
            catch (FormatException) { return null; }
        }

        private static string DecodeUtf8(byte[] b) => new UTF8Encoding(false, false).GetString(b);
    }
}
