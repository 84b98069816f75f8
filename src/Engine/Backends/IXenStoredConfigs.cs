using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>One domain config file stored on a host (in its /etc/xen), as read back from the host.</summary>
    public sealed class XenStoredFile
    {
        public XenStoredFile(string fileName, string path, string? text, bool autoStart, string? problem = null)
        {
            FileName = fileName;
            Path = path;
            Text = text;
            AutoStart = autoStart;
            Problem = problem;
        }

        /// <summary>The file's name in the config directory ("web.cfg", "legacy-xm").</summary>
        public string FileName { get; }

        /// <summary>Its full path on the host ("/etc/xen/web.cfg").</summary>
        public string Path { get; }

        /// <summary>The text (UTF-8), or null when it could not be read (see <see cref="Problem"/>).</summary>
        public string? Text { get; }

        /// <summary>True when the host's autostart directory (/etc/xen/auto) holds a link to this file, so xendomains starts it at boot.</summary>
        public bool AutoStart { get; }

        /// <summary>Why the text is missing (too large, unreadable), or null.</summary>
        public string? Problem { get; }
    }

    /// <summary>
    /// The host's library of defined domains: the config files in its /etc/xen and the autostart links in /etc/xen/auto
    /// that the xendomains service starts at boot (`xl create --quiet --defconfig &lt;file&gt;` for each). File names are
    /// checked with <see cref="XenStoredConfigNames.Check"/> before anything reaches the host, and travel as data.
    /// </summary>
    public interface IXenStoredConfigs
    {
        /// <summary>The config directory on the host (/etc/xen).</summary>
        string ConfigDirectory { get; }

        /// <summary>Every file that counts as a domain config (<see cref="XenStoredConfigNames.Counts"/>), by name.</summary>
        IReadOnlyList<XenStoredFile> ListStoredConfigs(CancellationToken cancellationToken);

        /// <summary>
        /// Writes <paramref name="text"/> as <paramref name="fileName"/> atomically: a temporary file in the same directory,
        /// checked for its full length and checksum, then renamed over. Without <paramref name="overwrite"/> an existing
        /// file is XenResourceExistsException and nothing changes. A connection dropped mid-write leaves the old file.
        /// </summary>
        void WriteStoredConfig(string fileName, string text, bool overwrite, CancellationToken cancellationToken);

        /// <summary>Removes the file and every autostart link to it. A missing file is XenItemNotFoundException.</summary>
        void RemoveStoredConfig(string fileName, CancellationToken cancellationToken);

        /// <summary>
        /// Creates (or removes) the link /etc/xen/auto/&lt;fileName&gt; → /etc/xen/&lt;fileName&gt;; idempotent. Returns
        /// whether anything changed. A missing config file is XenItemNotFoundException.
        /// </summary>
        bool SetAutoStart(string fileName, bool enabled, CancellationToken cancellationToken);
    }

    /// <summary>Which files of /etc/xen are domain configs, and which names XenPS writes there.</summary>
    public static class XenStoredConfigNames
    {
        /// <summary>The largest stored config read back (what the config readers accept).</summary>
        public const int MaxFileBytes = 1 << 20;

        /// <summary>
        /// As xl and xendomains use /etc/xen: "*.cfg" and xm-style names without an extension are configs; xl.conf,
        /// other extensions (oxenstored.conf, xlexample.hvm), hidden files, auto/ and scripts/ are not.
        /// </summary>
        public static bool Counts(string fileName)
        {
            if (string.IsNullOrEmpty(fileName) || fileName[0] == '.' || fileName == "xl.conf") return false;
            if (fileName.EndsWith(".cfg", StringComparison.Ordinal)) return fileName.Length > 4;
            return fileName.IndexOf('.') < 0 && fileName != "auto" && fileName != "scripts";
        }

        /// <summary>
        /// Refuses (XenArgumentException, saying why and what to use) a name that could leave /etc/xen or be read as
        /// something else: empty, '/', "." or "..", a leading '-' or '.', control characters, more than 255 bytes, or a
        /// name that does not count as a config (<see cref="Counts"/>).
        /// </summary>
        public static void Check(string fileName)
        {
            string? why = null;
            if (string.IsNullOrEmpty(fileName)) why = "it is empty";
            else if (fileName.IndexOf('/') >= 0 || fileName.IndexOf('\\') >= 0) why = "it holds a path separator; a stored config is a file directly in /etc/xen";
            else if (fileName == "." || fileName == "..") why = "it names a directory";
            else if (fileName[0] == '-') why = "it starts with '-', which commands on the host would read as an option";
            else if (fileName[0] == '.') why = "it starts with '.' (a hidden file, which xendomains and XenPS skip)";
            else
            {
                foreach (char c in fileName)
                    if (char.IsControl(c)) { why = $"it holds the control character U+{(int)c:X4}"; break; }
                if (why == null && Encoding.UTF8.GetByteCount(fileName) > 255) why = "it is longer than 255 bytes";
                if (why == null && !Counts(fileName)) why = "only '<name>.cfg' (or an xm-style name without an extension) counts as a domain config there, and xl.conf is xl's own";
            }
            if (why != null)
                throw new XenArgumentException($"'{Printable(fileName)}' cannot be a stored config file name: {why}. Use the domain's name with .cfg, e.g. 'web.cfg'.");
        }

        /// <summary>The file name XenPS stores a domain's config under: "&lt;name&gt;.cfg".</summary>
        public static string ForDomain(string domainName) => domainName + ".cfg";

        private static string Printable(string s)
        {
            if (s is null) return "";
            var sb = new StringBuilder();
            foreach (char c in s.Length > 80 ? s.Substring(0, 80) + "…" : s)
                sb.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString());
            return sb.ToString();
        }
    }
}
