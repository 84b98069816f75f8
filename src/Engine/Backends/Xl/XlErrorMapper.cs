using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// Turns a failed xl command (exit code + stderr) into the typed exception the cmdlets expect.
    /// Texts are the real ones from Xen 4.17.7 (shared/xen/captures: 49, 53, 78-92).
    /// </summary>
    public static partial class XlErrorMapper
    {
        // /tmp/xenps-cfg.X:2: config parsing error near `128': syntax error, unexpected NUMBER, expecting $end
        private static readonly Regex ParseError = new Regex(
            @"^(?<file>[^\n:]*):(?<line>\d+): config parsing error near `(?<near>[^\n]*?)': (?<msg>[^\n]*)$",
            RegexOptions.Multiline | RegexOptions.CultureInvariant);

        private static readonly Regex Noise = new Regex(
            @"^(Parsing config from |Failed to parse config|libxl: error: libxl_domain\.c:\d+:(libxl__destroy_domid|domain_destroy_c))",
            RegexOptions.CultureInvariant);

        /// <summary>The exception for a failed command. <paramref name="configText"/> is the config we sent (create only).</summary>
        public static XenPSException Map(string what, string? domain, CommandResult r, string? configText = null)
        {
            string err = (r.StandardError ?? "").Replace("\0", "").Replace("\r", "");
            string first = FirstError(err) ?? (r.StandardOutput ?? "").Trim().Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            string detail = first.Length > 0 ? first : $"exit code {r.ExitCode}";

            if (err.Contains("is an invalid domain identifier") || err.Contains("maybe this domain does not exist"))
                return new XenDomainNotFoundException(domain ?? "", $"Domain '{domain}' was not found on the host ({detail}).");

            if (err.Contains("PV control interface not available"))
                return new XenInvalidOperationException(
                    $"{domain} has no PV drivers, so it cannot be asked to {(what.StartsWith("xl reboot", StringComparison.Ordinal) ? "reboot" : "shut down")} ({detail}). " +
                    "Use the ACPI fallback (-AcpiFallback, xl -F) or destroy it.", XenErrorReason.PvControlUnavailable);

            if (Regex.IsMatch(err, @"Domain with name "".*"" already exists"))
                return new XenResourceExistsException(
                    $"{what} failed: {Regex.Match(err, @"Domain with name "".*"" already exists\.?").Value}");

            var pe = ParseError.Matches(err);
            if (pe.Count > 0)
            {
                string[] lines = (configText ?? "").Split('\n');
                var diags = new List<XenDiagnostic>();
                foreach (Match m in pe)
                {
                    int line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture);
                    string src = line >= 1 && line <= lines.Length ? lines[line - 1].TrimEnd() : "";
                    diags.Add(new XenDiagnostic(DiagnosticSeverity.Error, "XlParseError",
                        $"xl rejected the configuration near '{m.Groups["near"].Value}': {m.Groups["msg"].Value}"
                        + (src.Length > 0 ? $" (line {line}: {src})" : ""),
                        "<xl create>", line, 0,
                        "XenPS generated this text from the domain's config; check the value on that line."));
                }
                return new XenConfigException(diags);
            }

            if (err.Contains("segment kernel too large"))
                return new XenConfigException(new[]
                {
                    new XenDiagnostic(DiagnosticSeverity.Error, "MemoryTooSmall",
                        $"The guest's memory is too small for its kernel ({detail}).", "<xl create>", 0, 0,
                        "Raise memory= (Debian's 6.1 kernel needs at least 128 MiB)."),
                });

            if (err.Contains("Out of memory") || err.Contains("Cannot allocate memory") || err.Contains("can't allocate")
                || err.Contains("memory_dynamic_max must be") || err.Contains("not enough memory") || err.Contains("Insufficient memory"))
                return new XenResourceUnavailableException($"{what} failed: the host lacks the memory for it ({detail}).");

            return new XenCommandException($"{what} failed (exit code {r.ExitCode}): {detail}", r.ExitCode, r.StandardError ?? "");
        }

        /// <summary>The most telling error line: the first xc panic or libxl/xl error, without file:line prefixes.</summary>
        internal static string? FirstError(string stderr)
        {
            foreach (string raw in stderr.Split('\n'))
            {
                string l = raw.Trim();
                if (l.Length == 0 || Noise.IsMatch(l)) continue;
                // xc: error: panic: xg_dom_core.c:205: failed to open file '...': No such file or directory: Internal error
                var xc = Regex.Match(l, @"^xc: error: (?:panic: )?[\w.]+:\d+: (?<m>.*?)(?:: Internal error)?$");
                if (xc.Success) return xc.Groups["m"].Value;
                // libxl: error: libxl_create.c:1296:initiate_domain_create: Domain 3:cannot make domain: -6
                var lx = Regex.Match(l, @"^libxl: error: [\w.]+:\d+:\w+: (?:Domain \d+:)?(?<m>.*)$");
                if (lx.Success) return lx.Groups["m"].Value;
                return l;
            }
            return null;
        }
    }
}
