using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace XenPS.Config
{
    /// <summary>The result of reading a config: the config (null when it could not be built) and every diagnostic.</summary>
    public sealed class ConfigReadResult
    {
        public ConfigReadResult(XenDomainConfig? config, IReadOnlyList<XenDiagnostic> diagnostics)
        {
            Config = config;
            Diagnostics = diagnostics;
        }

        public XenDomainConfig? Config { get; }
        public IReadOnlyList<XenDiagnostic> Diagnostics { get; }
        public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>
    /// The one entry point for reading domain configs: `xl create FILE key=value ...` semantics for xl.cfg files,
    /// YAML with the XenPS schema, legacy xm files (diagnosed, or converted on opt-in), then validation.
    /// </summary>
    public static class DomainConfigReader
    {
        /// <summary>The name xl uses for "no file, overrides only".</summary>
        public const string NullDevice = "/dev/null";

        /// <summary>Reads a file and returns every diagnostic; throws only XenConfigException for I/O failures.</summary>
        /// <remarks>
        /// Only a regular file (or a symbolic link to one) is read, at most <see cref="ConfigLimits.MaxFileBytes"/> bytes, in
        /// chunks that check <paramref name="cancellationToken"/>; a directory, FIFO, device or socket is refused before it is
        /// opened (NotARegularFile), a larger file too (FileTooLarge). The literal <see cref="NullDevice"/> is xl's "no file".
        /// </remarks>
        public static ConfigReadResult Analyze(string path, IReadOnlyList<string>? overrides, ConfigReadOptions? options, CancellationToken cancellationToken = default)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            cancellationToken.ThrowIfCancellationRequested();
            string text = IsNullDevice(path) ? "" : ReadConfigFile(path, cancellationToken);
            return AnalyzeText(text, path, overrides, options, cancellationToken);
        }

        /// <summary>Reads config text (file name used for messages and format detection).</summary>
        public static ConfigReadResult AnalyzeText(string text, string fileName, IReadOnlyList<string>? overrides, ConfigReadOptions? options) =>
            AnalyzeText(text, fileName, overrides, options, CancellationToken.None);

        /// <summary>
        /// Reads config text, honouring <paramref name="cancellationToken"/> in every long loop. At most
        /// <see cref="ConfigLimits.MaxDiagnostics"/> errors and as many warnings are returned, then one TooManyDiagnostics
        /// summary that counts the rest.
        /// </summary>
        public static ConfigReadResult AnalyzeText(string text, string fileName, IReadOnlyList<string>? overrides, ConfigReadOptions? options,
            CancellationToken cancellationToken)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            cancellationToken.ThrowIfCancellationRequested();
            options ??= new ConfigReadOptions();
            overrides ??= Array.Empty<string>();
            var diagnostics = new List<XenDiagnostic>();
            var budget = new DiagnosticBudget();
            ConfigFormat format = options.Format == ConfigFormat.Auto ? DetectFormat(fileName, text) : options.Format;

            XenDomainConfig? config;
            if (format == ConfigFormat.Yaml)
            {
                config = YamlConfigReader.Read(text, fileName, diagnostics, budget, cancellationToken);
                if (config != null && overrides.Count > 0)
                    XlConfigParser.ApplyOverrides(config, overrides, options, diagnostics, budget, cancellationToken);
            }
            else
            {
                config = XlConfigParser.Parse(text, fileName, overrides, options, diagnostics, budget, cancellationToken);
            }

            if (config != null)
            {
                config.SourcePath = fileName;
                config.SourceFormat = format;
                if (options.Validate && budget.Errors == 0)
                    ConfigValidator.Validate(config, diagnostics, budget, cancellationToken);
                if (options.Validate && options.CheckCreate && budget.Errors == 0)
                    ConfigValidator.ValidateForCreate(config, diagnostics, budget, cancellationToken);
            }

            var summary = new List<XenDiagnostic>(1);
            budget.AddSummary(summary, fileName);
            if (config != null)
            {
                config.Diagnostics.Clear();
                config.Diagnostics.AddRange(diagnostics.Concat(summary).Where(d => d.Severity != DiagnosticSeverity.Error));
            }

            var ordered = diagnostics.OrderByDescending(d => d.Severity).ThenBy(d => d.Line).ThenBy(d => d.Column).ToList();
            ordered.AddRange(summary); // last, after what it summarises
            bool failed = budget.Errors > 0;
            return new ConfigReadResult(failed ? null : config, ordered);
        }

        /// <summary>
        /// The text of a config file: a regular file of at most <see cref="ConfigLimits.MaxFileBytes"/> bytes, read in
        /// chunks that honour <paramref name="cancellationToken"/>, decoded as File.ReadAllText does (UTF-8, or the
        /// encoding its byte order mark names). Everything else is a XenConfigException with one clear diagnostic.
        /// </summary>
        internal static string ReadConfigFile(string path, CancellationToken cancellationToken)
        {
            static XenConfigException Fail(string code, string path, string message, string hint) =>
                new XenConfigException(new[] { new XenDiagnostic(DiagnosticSeverity.Error, code, message, path, 0, 0, hint) });

            string shown = path; // a path is short (PATH_MAX) and only useful whole
            const string NotAFileHint = "Give the path of a config file (for example /etc/xen/web1.cfg); use /dev/null for a config made of name=value overrides only.";
            if (Directory.Exists(path))
                throw Fail("NotARegularFile", path, $"'{shown}' is a directory, not a config file.", NotAFileHint);
            string? kind = UnixFileKind.Describe(path, out long size);
            if (kind != null)
                throw Fail("NotARegularFile", path, $"'{shown}' is {kind}, not a config file: XenPS reads only regular files.", NotAFileHint);
            string tooLarge = $"'{shown}' is larger than the {ConfigLimits.Bytes(ConfigLimits.MaxFileBytes)} limit for a config file";
            const string TooLargeHint = "A domain config is a few KiB; check that this is the right file.";
            if (size > ConfigLimits.MaxFileBytes)
                throw Fail("FileTooLarge", path, $"{tooLarge} ({ConfigLimits.N(size)} bytes).", TooLargeHint);

            byte[] buffer;
            int length = 0;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
                if (!stream.CanSeek)
                    throw Fail("NotARegularFile", path, $"'{shown}' is not a regular file (it cannot be read from the start), not a config file.", NotAFileHint);
                long expected = stream.Length;
                if (expected > ConfigLimits.MaxFileBytes)
                    throw Fail("FileTooLarge", path, $"{tooLarge} ({ConfigLimits.N(expected)} bytes).", TooLargeHint);
                buffer = new byte[Math.Min(ConfigLimits.MaxFileBytes + 1, Math.Max(expected + 1, 4096))];
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (length == buffer.Length)
                    {
                        if (length > ConfigLimits.MaxFileBytes)
                            throw Fail("FileTooLarge", path, $"{tooLarge} (it grew while being read).", TooLargeHint);
                        Array.Resize(ref buffer, (int)Math.Min(ConfigLimits.MaxFileBytes + 1, (long)buffer.Length * 2));
                    }
                    int n = stream.Read(buffer, length, Math.Min(buffer.Length - length, 64 * 1024));
                    if (n == 0) break;
                    length += n;
                }
                if (length > ConfigLimits.MaxFileBytes)
                    throw Fail("FileTooLarge", path, $"{tooLarge} (it grew while being read).", TooLargeHint);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                string code = e is FileNotFoundException || e is DirectoryNotFoundException ? "FileNotFound" : "FileUnreadable";
                throw Fail(code, path, $"Cannot read the config file: {e.Message}",
                    "Check the path; a relative path is resolved against the current location.");
            }

            using var reader = new StreamReader(new MemoryStream(buffer, 0, length, writable: false), new UTF8Encoding(false, false),
                detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        /// <summary>Reads a file and returns the config, or throws XenConfigException carrying the diagnostics.</summary>
        public static XenDomainConfig Load(string path, IReadOnlyList<string>? overrides = null, ConfigReadOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = Analyze(path, overrides, options, cancellationToken);
            if (result.HasErrors || result.Config is null) throw new XenConfigException(result.Diagnostics);
            return result.Config;
        }

        /// <summary>Reads config text and returns the config, or throws XenConfigException.</summary>
        public static XenDomainConfig LoadText(string text, string fileName, IReadOnlyList<string>? overrides = null, ConfigReadOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var result = AnalyzeText(text, fileName, overrides, options, cancellationToken);
            if (result.HasErrors || result.Config is null) throw new XenConfigException(result.Diagnostics);
            return result.Config;
        }

        /// <summary>Applies name=value overrides (xl syntax, several per string separated by ';') to a config already read.</summary>
        public static XenDomainConfig ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            options ??= new ConfigReadOptions();
            var copy = config.Clone();
            var diagnostics = new List<XenDiagnostic>();
            var budget = new DiagnosticBudget();
            XlConfigParser.ApplyOverrides(copy, overrides, options, diagnostics, budget, cancellationToken);
            if (options.Validate && budget.Errors == 0)
                ConfigValidator.Validate(copy, diagnostics, budget, cancellationToken);
            budget.AddSummary(diagnostics, XlConfigParser.OverrideSource);
            if (budget.Errors > 0) throw new XenConfigException(diagnostics);
            return copy;
        }

        public static bool IsNullDevice(string path) =>
            string.Equals(path, NullDevice, StringComparison.Ordinal) || string.Equals(path, "NUL", StringComparison.OrdinalIgnoreCase);

        /// <summary>.yaml/.yml are YAML; otherwise a document that starts with "---" or whose first statement is "key: value" is YAML.</summary>
        public static ConfigFormat DetectFormat(string fileName, string text)
        {
            string ext = Path.GetExtension(fileName ?? "").ToLowerInvariant();
            if (ext == ".yaml" || ext == ".yml") return ConfigFormat.Yaml;
            if (ext == ".cfg" || ext == ".xl" || ext == ".hvm" || ext == ".pv") return ConfigFormat.Xl;
            // The first statement decides: look at lines one by one (never split a huge text).
            for (int at = 0; at < text.Length;)
            {
                int nl = text.IndexOf('\n', at);
                int end = nl < 0 ? text.Length : nl;
                string line = text.Substring(at, end - at).Trim();
                at = end + 1;
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                if (line.StartsWith("---", StringComparison.Ordinal)) return ConfigFormat.Yaml;
                int colon = line.IndexOf(':');
                int eq = line.IndexOf('=');
                if (colon > 0 && (eq < 0 || colon < eq) && (colon + 1 == line.Length || line[colon + 1] == ' '))
                    return ConfigFormat.Yaml;
                return ConfigFormat.Xl;
            }
            return ConfigFormat.Xl;
        }
    }
}
