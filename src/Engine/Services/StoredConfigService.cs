using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Services
{
    /// <summary>A config stored on a host, read as xl reads it: its domain, or what is wrong with it.</summary>
    public sealed class XenStoredDomain
    {
        public XenStoredDomain(XenStoredFile file, XenDomainConfig? config, IReadOnlyList<XenDiagnostic> diagnostics)
        {
            File = file;
            Config = config;
            Diagnostics = diagnostics;
        }

        public XenStoredFile File { get; }

        /// <summary>The config, or null when the file does not read as one (see <see cref="Diagnostics"/>).</summary>
        public XenDomainConfig? Config { get; }

        public IReadOnlyList<XenDiagnostic> Diagnostics { get; }

        /// <summary>The name xl would give the domain: the config's name=, else the file name without ".cfg".</summary>
        public string DomainName => Config?.Name is string n && n.Length > 0 ? n
            : File.FileName.EndsWith(".cfg", StringComparison.Ordinal) ? File.FileName.Substring(0, File.FileName.Length - 4) : File.FileName;
    }

    /// <summary>
    /// The host's library of defined domains (its /etc/xen): reads the stored configs, joins them to the running domains
    /// (AutoStart, ConfigPath), and makes the defined-but-not-running ones into Halted domains without a domid, so
    /// Get-XenDomain -All lists what Hyper-V's Get-VM would, and Start-XenDomain can start them by name.
    /// </summary>
    public sealed class StoredConfigService
    {
        /// <summary>Every stored config of <paramref name="host"/>, parsed (a file that does not parse keeps its diagnostics).</summary>
        public IReadOnlyList<XenStoredDomain> Read(XenHostConnection host, CancellationToken ct)
        {
            var store = host.Backend.Require<IXenStoredConfigs>("stored domain configs (/etc/xen)");
            var list = new List<XenStoredDomain>();
            foreach (var f in store.ListStoredConfigs(ct))
            {
                ct.ThrowIfCancellationRequested();
                if (f.Text == null)
                {
                    list.Add(new XenStoredDomain(f, null, new[]
                    {
                        new XenDiagnostic(DiagnosticSeverity.Error, "FileUnreadable", $"{f.Path} was not read: {f.Problem}.", f.Path, 0, 0,
                            "Look at the file on the host; a domain config is a small text file."),
                    }));
                    continue;
                }
                var r = DomainConfigReader.AnalyzeText(f.Text, f.Path, null, new ConfigReadOptions(), ct);
                list.Add(new XenStoredDomain(f, r.HasErrors ? null : r.Config, r.Diagnostics));
            }
            return list;
        }

        /// <summary>
        /// The running domains with AutoStart and ConfigPath filled from the stored configs of the same name, followed (when
        /// <paramref name="includeDefined"/>) by a Halted domain for each stored config whose domain is not running.
        /// </summary>
        public IReadOnlyList<XenDomain> Merge(XenHostConnection host, IReadOnlyList<XenDomain> running, IReadOnlyList<XenStoredDomain> stored, bool includeDefined)
        {
            var byName = stored.GroupBy(s => s.DomainName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var result = new List<XenDomain>(running.Count + stored.Count);
            var runningNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in running)
            {
                runningNames.Add(d.Name);
                if (!d.IsDomain0)
                {
                    if (byName.TryGetValue(d.Name, out var files))
                    {
                        d.AutoStart = files.Any(f => f.File.AutoStart);
                        d.ConfigPath = files[0].File.Path;
                    }
                    else d.AutoStart = false;
                }
                result.Add(d);
            }
            if (!includeDefined) return result;
            foreach (var s in stored)
            {
                if (runningNames.Contains(s.DomainName)) continue;
                result.Add(Defined(host, s));
            }
            return result;
        }

        /// <summary>A stored config whose domain is not running, as a Halted domain with no domid.</summary>
        public static XenDomain Defined(XenHostConnection host, XenStoredDomain s)
        {
            var c = s.Config;
            long mem = c?.MemoryMiB is long m && m > 0 ? m : c?.MaxMemoryMiB is long x && x > 0 ? x : 0;
            var d = new XenDomain
            {
                Name = s.DomainName,
                Id = null,
                Uuid = c?.Uuid,
                Type = c?.Type ?? XenDomainType.PV,
                MemoryMiB = mem,
                MaxMemoryMiB = c?.MaxMemoryMiB is long mx && mx > 0 ? mx : mem,
                VCpus = (int)(c?.VCpus is long v && v > 0 && v <= int.MaxValue ? v : (c == null ? 0 : 1)),
                StateFlags = "------",
                State = XenDomainState.Halted,
                Config = c,
                AutoStart = s.File.AutoStart,
                ConfigPath = s.File.Path,
                ConfigDiagnostics = s.Diagnostics.Where(x => x.Severity == DiagnosticSeverity.Error).ToList(),
            };
            return DomainLifecycleService.Stamp(d, host);
        }
    }
}
