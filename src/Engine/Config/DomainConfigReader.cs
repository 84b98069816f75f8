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
        public static ConfigReadResult Analyze(string path, IReadOnlyList<string>? overrides, ConfigReadOptions? options, CancellationToken cancellationToken = default)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            cancellationToken.ThrowIfCancellationRequested();
            string text;
            if (IsNullDevice(path))
            {
                text = "";
            }
            else
            {
                try
                {
                    text = File.ReadAllText(path, new UTF8Encoding(false, false));
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
                {
                    string code = e is FileNotFoundException || e is DirectoryNotFoundException ? "FileNotFound" : "FileUnreadable";
                    throw new XenConfigException(new[]
                    {
                        new XenDiagnostic(DiagnosticSeverity.Error, code, $"Cannot read the config file: {e.Message}", path, 0, 0,
                            "Check the path; a relative path is resolved against the current location."),
                    });
                }
            }
            return AnalyzeText(text, path, overrides, options);
        }

        /// <summary>Reads config text (file name used for messages and format detection).</summary>
        public static ConfigReadResult AnalyzeText(string text, string fileName, IReadOnlyList<string>? overrides, ConfigReadOptions? options)
        {
            options ??= new ConfigReadOptions();
            overrides ??= Array.Empty<string>();
            var diagnostics = new List<XenDiagnostic>();
            ConfigFormat format = options.Format == ConfigFormat.Auto ? DetectFormat(fileName, text) : options.Format;

            XenDomainConfig? config;
            if (format == ConfigFormat.Yaml)
            {
                config = YamlConfigReader.Read(text, fileName, diagnostics);
                if (config != null && overrides.Count > 0)
                    XlConfigParser.ApplyOverrides(config, overrides, options, diagnostics);
            }
            else
            {
                config = XlConfigParser.Parse(text, fileName, overrides, options, diagnostics);
            }

            if (config != null)
            {
                config.SourcePath = fileName;
                config.SourceFormat = format;
                if (options.Validate && !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
                    ConfigValidator.Validate(config, diagnostics);
                config.Diagnostics.Clear();
                config.Diagnostics.AddRange(diagnostics.Where(d => d.Severity != DiagnosticSeverity.Error));
            }

            var ordered = diagnostics.OrderByDescending(d => d.Severity).ThenBy(d => d.Line).ThenBy(d => d.Column).ToList();
            bool failed = ordered.Any(d => d.Severity == DiagnosticSeverity.Error);
            return new ConfigReadResult(failed ? null : config, ordered);
        }

        /// <summary>Reads a file and returns the config, or throws XenConfigException carrying the diagnostics.</summary>
        public static XenDomainConfig Load(string path, IReadOnlyList<string>? overrides = null, ConfigReadOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = Analyze(path, overrides, options, cancellationToken);
            if (result.HasErrors || result.Config is null) throw new XenConfigException(result.Diagnostics);
            return result.Config;
        }

        /// <summary>Reads config text and returns the config, or throws XenConfigException.</summary>
        public static XenDomainConfig LoadText(string text, string fileName, IReadOnlyList<string>? overrides = null, ConfigReadOptions? options = null)
        {
            var result = AnalyzeText(text, fileName, overrides, options);
            if (result.HasErrors || result.Config is null) throw new XenConfigException(result.Diagnostics);
            return result.Config;
        }

        /// <summary>Applies name=value overrides (xl syntax, several per string separated by ';') to a config already read.</summary>
        public static XenDomainConfig ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions? options = null)
        {
            options ??= new ConfigReadOptions();
            var copy = config.Clone();
            var diagnostics = new List<XenDiagnostic>();
            XlConfigParser.ApplyOverrides(copy, overrides, options, diagnostics);
            if (options.Validate && !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
                ConfigValidator.Validate(copy, diagnostics);
            if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) throw new XenConfigException(diagnostics);
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
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
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
