using System;
using System.Collections.Generic;
using System.IO;

namespace XenPS.Fuzz
{
    /// <summary>One thing to fuzz: its seeds, how to mutate an input, how to run one.</summary>
    internal interface ITarget
    {
        string Name { get; }

        /// <summary>Seeds: shipped corpus files, regressions, and (sim) states the engine itself writes.</summary>
        List<byte[]> LoadSeeds(Options options, string scratch);

        byte[] Mutate(Rng rng, byte[] input, IReadOnlyList<byte[]> corpus, int maxLen);

        /// <summary>
        /// Runs one input. Returns normally for every accepted outcome (diagnostics, XenPSException); anything else
        /// escapes and is a finding. Adds behaviour features (diagnostic codes, exception kinds, ...) that steer the corpus.
        /// </summary>
        void Execute(byte[] input, HashSet<ulong> features);

        /// <summary>Saves an input so a person can replay it (a file, or a state folder for sim); returns the path.</summary>
        string Save(byte[] input, string pathWithoutExtension);

        /// <summary>Reads back what <see cref="Save"/> wrote (or any file / folder given to `repro`).</summary>
        byte[] Load(string path);
    }

    internal static class Targets
    {
        public static ITarget Create(string name) => name switch
        {
            "xl" => new ConfigTarget(ConfigTarget.Grammar.Xl),
            "yaml" => new ConfigTarget(ConfigTarget.Grammar.Yaml),
            "sim" => new SimStateTarget(),
            _ => throw new ArgumentException($"Unknown target '{name}': use xl, yaml or sim."),
        };

        public static ulong Hash(string s)
        {
            ulong h = 14695981039346656037UL;
            foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
            return h;
        }

        public static ulong Hash(ReadOnlySpan<byte> s)
        {
            ulong h = 14695981039346656037UL;
            foreach (byte c in s) { h ^= c; h *= 1099511628211UL; }
            return h;
        }

        public static IEnumerable<string> Files(string dir)
        {
            if (!Directory.Exists(dir)) yield break;
            var files = Directory.GetFiles(dir);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var f in files)
                if (!Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal) && !f.EndsWith(".txt", StringComparison.Ordinal))
                    yield return f;
        }
    }
}
