using System;
using System.Collections.Generic;
using System.IO;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// HelpBuilder --docs DIR --assembly PATH --out DIR [--reference PATH]... [--warnaserror]
    /// Exit codes: 0 written; 1 the help has errors (nothing written); 2 bad command line or unreadable assembly.
    /// </summary>
    public static class Cli
    {
        public const string Usage =
            "usage: HelpBuilder --docs DIR --assembly PATH --out DIR [--reference FILE|DIR]... [--warnaserror]";

        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            string? docs = null, assembly = null, outDir = null;
            bool warnAsError = false;
            var refs = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string? Next() => i + 1 < args.Length ? args[++i] : null;
                switch (a)
                {
                    case "--docs": docs = Next(); break;
                    case "--assembly": assembly = Next(); break;
                    case "--out": outDir = Next(); break;
                    case "--reference": if (Next() is { } r) refs.Add(r); break;
                    case "--warnaserror": warnAsError = true; break;
                    case "-h": case "--help": stdout.WriteLine(Usage); return 0;
                    default: stderr.WriteLine($"HelpBuilder: unknown argument '{a}'.\n{Usage}"); return 2;
                }
            }
            if (docs == null || assembly == null || outDir == null)
            {
                stderr.WriteLine($"HelpBuilder: --docs, --assembly and --out are required.\n{Usage}");
                return 2;
            }

            var build = new HelpBuild { DocsDirectory = docs, AssemblyPath = assembly, OutDirectory = outDir, References = refs };
            bool ok;
            try
            {
                ok = build.Run();
            }
            catch (Exception e) when (e is FileNotFoundException or BadImageFormatException or FileLoadException)
            {
                stderr.WriteLine($"HelpBuilder: {e.Message}");
                return 2;
            }
            int errors = 0, warnings = 0;
            foreach (var d in build.Diagnostics.Items)
            {
                (d.Severity == Severity.Error ? stderr : stdout).WriteLine(d.ToString());
                if (d.Severity == Severity.Error) errors++; else warnings++;
            }
            if (!ok)
            {
                stderr.WriteLine($"HelpBuilder: help build FAILED with {errors} error(s) and {warnings} warning(s); nothing was written to {outDir}.");
                return 1;
            }
            if (warnAsError && warnings > 0)
            {
                stderr.WriteLine($"HelpBuilder: help build FAILED: {warnings} warning(s) with --warnaserror.");
                return 1;
            }
            foreach (var f in build.Written) stdout.WriteLine($"HelpBuilder: wrote {f}");
            if (warnings > 0) stdout.WriteLine($"HelpBuilder: {warnings} warning(s).");
            return 0;
        }
    }
}
