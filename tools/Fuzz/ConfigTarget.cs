using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using XenPS.Config;

namespace XenPS.Fuzz
{
    /// <summary>
    /// The config readers through their one entry point, DomainConfigReader.AnalyzeText, on the text a file read
    /// gives (UTF-8, invalid bytes replaced, as Analyze reads a file): plain; xl also with the legacy-xm opt-in; one
    /// input in 4 also as `key=value` overrides; one config in 8 that reads is written back (xl and YAML writers) and re-read.
    /// Diagnostics are the expected outcome; XenPSException is accepted; anything else escapes and is a finding.
    /// </summary>
    internal sealed class ConfigTarget : ITarget
    {
        public enum Grammar { Xl, Yaml }

        private static readonly UTF8Encoding FileEncoding = new UTF8Encoding(false, false);
        private readonly Grammar _grammar;
        private readonly TextMutator _mutator;
        private readonly string _file;
        private static readonly ConfigReadOptions Plain = new ConfigReadOptions();
        private static readonly ConfigReadOptions Legacy = new ConfigReadOptions { AllowLegacyXm = true };
        private static readonly HashSet<string> Known = new HashSet<string>(KnownKeys.Xl, StringComparer.Ordinal);

        public ConfigTarget(Grammar grammar)
        {
            _grammar = grammar;
            _file = grammar == Grammar.Xl ? "fuzz.cfg" : "fuzz.yaml";
            _mutator = new TextMutator(grammar == Grammar.Yaml, KnownKeys.Xl.Take(40).Concat(new[] { "disk", "vif", "pci", "cpus", "vnuma" }));
        }

        public string Name => _grammar == Grammar.Xl ? "xl" : "yaml";
        private string Ext => _grammar == Grammar.Xl ? ".cfg" : ".yaml";

        public List<byte[]> LoadSeeds(Options options, string scratch)
        {
            var seeds = new List<byte[]>();
            foreach (string dir in new[] { Path.Combine(options.Corpus, Name), Path.Combine(options.Corpus, "regressions", Name) })
                foreach (string f in Targets.Files(dir))
                    seeds.Add(File.ReadAllBytes(f));
            if (seeds.Count == 0) seeds.Add(Encoding.UTF8.GetBytes(_grammar == Grammar.Xl ? "name = \"a\"\nmemory = 128\n" : "name: a\nmemory: 128\n"));
            return seeds;
        }

        public byte[] Mutate(Rng rng, byte[] input, IReadOnlyList<byte[]> corpus, int maxLen)
        {
            string text = FileEncoding.GetString(input);
            byte[] bytes = FileEncoding.GetBytes(_mutator.Mutate(rng, text, corpus, maxLen));
            if (bytes.Length > 0 && rng.Chance(3))
            {
                // raw bytes: invalid UTF-8, a BOM, a NUL
                int p = rng.Next(bytes.Length);
                bytes[p] = rng.Chance(50) ? (byte)(bytes[p] ^ (1 << rng.Next(8))) : (byte)rng.Pick(new[] { 0x00, 0x80, 0xC0, 0xED, 0xEF, 0xF4, 0xFE, 0xFF });
            }
            return bytes;
        }

        public void Execute(byte[] input, HashSet<ulong> features)
        {
            string text = FileEncoding.GetString(input);
            var r = Read(text, _file, null, Plain, features, 1);
            // the costlier passes on a share of the inputs, chosen by the input's hash (so a replay takes the same ones)
            ulong h = Targets.Hash(input);
            if (_grammar == Grammar.Xl) Read(text, _file, null, Legacy, features, 2);
            string[]? lines = null;
            if ((h & 3) == 0)
            {
                // the input's first lines as `xl create` overrides on a minimal config of this format
                lines = text.Split('\n', 9);
                if (lines.Length > 8) Array.Resize(ref lines, 8);
                Read(_grammar == Grammar.Xl ? "name = \"o\"\n" : "name: o\n", _file, lines, Plain, features, 3);
            }
            if (r?.Config is XenDomainConfig c && ((h >> 2) & 7) == 0)
            {
                // round trip through both writers (a value xl cannot hold is a XenConfigException); the re-read must not crash either
                try { Read(XlConfigWriter.Write(c), "rt.cfg", null, Plain, features, 4); }
                catch (XenPSException e) { features.Add(Targets.Hash("wxl:" + e.GetType().Name)); }
                try { Read(YamlConfigWriter.Write(c), "rt.yaml", null, Plain, features, 5); }
                catch (XenPSException e) { features.Add(Targets.Hash("wyaml:" + e.GetType().Name)); }
                try { DomainConfigReader.ApplyOverrides(c, new[] { "memory=64", lines?[0] ?? text.Split('\n', 2)[0] }); }
                catch (XenPSException e) { features.Add(Targets.Hash("ovr:" + e.GetType().Name)); }
            }
        }

        private static ConfigReadResult? Read(string text, string file, IReadOnlyList<string>? overrides, ConfigReadOptions options, HashSet<ulong> features, int pass)
        {
            try
            {
                var r = DomainConfigReader.AnalyzeText(text, file, overrides, options);
                ulong p = (ulong)pass << 56;
                foreach (var d in r.Diagnostics) features.Add(p ^ Targets.Hash(d.Code + "/" + d.Severity));
                if (r.Config is XenDomainConfig c)
                {
                    features.Add(p ^ 1);
                    foreach (var k in c.Settings.Keys.Cast<string>())
                        if (Known.Contains(k)) features.Add(p ^ Targets.Hash("key:" + k + ":" + (c.Get(k)?.GetType().Name ?? "null")));
                }
                return r;
            }
            catch (XenPSException e)
            {
                features.Add(Targets.Hash("exc:" + e.GetType().Name));
                return null;
            }
        }

        public string Save(byte[] input, string pathWithoutExtension)
        {
            string path = pathWithoutExtension + Ext;
            File.WriteAllBytes(path, input);
            return path;
        }

        public byte[] Load(string path) => File.ReadAllBytes(path);
    }
}
