using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Fuzz
{
    /// <summary>
    /// The simulated host's state reader. An input is a state folder (host.json, snapshot.json, journal-G.log, ...)
    /// packed as a bundle. Seeds are folders the engine itself writes (a host with domains created, paused, shut down,
    /// destroyed; one compacted into a snapshot), so the target follows the state format when it changes. Each run
    /// lays the folder out, opens it as sim:///folder, reads the host, lists the domains, acts on one and lists again.
    /// XenPSException is an accepted outcome (a damaged state must be reported as one); anything else is a finding.
    /// </summary>
    internal sealed class SimStateTarget : ITarget
    {
        private string? _execFolder;
        private readonly TextMutator _text = new TextMutator(false, new[] { "s", "put", "del", "next", "gen", "seq", "format", "domains" });

        private static readonly string[] JsonValues =
        {
            "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "1e308", "1e999",
            "-1e999", "0.5", "-0", "1.0", "NaN", "null", "true", "false", "\"\"", "\"x\"", "\"-1\"", "[]", "{}", "[1]", "{\"a\":1}", "\"\\u0000\"",
            "\"\\ud800\"", "\"Domain-0\"", "\"00000000-0000-0000-0000-000000000000\"", "253402300800000", "-62135596800001",
            "-1e308", "1e18", "-9e18", "-0.001", "4.9e-324", "\"rename-restart\"", "\"restart\"", "\"preserve\"", "\"destroy\"",
            "\"coredump-restart\"", "\"soft-reset\"", "\"1\"", "\"0\"",
        };

        public string Name => "sim";
        private const string SeedRecipe = "r2";

        public List<byte[]> LoadSeeds(Options options, string scratch)
        {
            _execFolder = Path.Combine(scratch, "exec");
            var seeds = new List<byte[]>();
            // regenerated whenever the engine changes (its module version id) or the seed recipe does
            string engine = typeof(XenBackendFactory).Assembly.ManifestModule.ModuleVersionId.ToString("N").Substring(0, 12);
            string cache = Path.Combine(options.WorkDir(Name), "seeds-" + engine + "-" + SeedRecipe);
            if (!Directory.Exists(cache) || Directory.GetFiles(cache).Length == 0)
            {
                string tmp = cache + ".tmp";
                if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
                Directory.CreateDirectory(tmp);
                int n = 0;
                foreach (var b in EngineStates(Path.Combine(scratch, "seedgen")))
                    File.WriteAllBytes(Path.Combine(tmp, $"state-{++n}.bundle"), b);
                if (Directory.Exists(cache)) Directory.Delete(cache, true);
                Directory.Move(tmp, cache);
            }
            foreach (string f in Targets.Files(cache)) seeds.Add(File.ReadAllBytes(f));
            foreach (string dir in new[] { Path.Combine(options.Corpus, "regressions", Name), Path.Combine(options.Corpus, Name) })
                if (Directory.Exists(dir))
                    foreach (string d in Directory.GetDirectories(dir).OrderBy(x => x, StringComparer.Ordinal))
                        seeds.Add(Bundle.FromFolder(d));
            return seeds;
        }

        private static XenDomain Named(IXenBackend b, string name) =>
            b.ListDomains(CancellationToken.None).First(d => d.Name == name);

        /// <summary>State folders written by the real engine.</summary>
        private static IEnumerable<byte[]> EngineStates(string root)
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
            var ct = CancellationToken.None;
            var opts = new SimHostOptions { TotalMemoryMiB = 1 << 20, CpuCount = 16, Dom0MemoryMiB = 2048, LockTimeout = TimeSpan.FromSeconds(5) };
            XenDomainConfig Cfg(string name, string extra) =>
                DomainConfigReader.LoadText($"name = \"{name}\"\nmemory = 64\nmaxmem = 128\nvcpus = 2\n{extra}", name + ".cfg");

            // 1: an empty host (host.json only)
            string f1 = Path.Combine(root, "empty");
            using (var b = XenBackendFactory.Open("sim://" + f1, opts)) b.ListDomains(ct);
            yield return Bundle.FromFolder(f1);

            // 2: domains in every state the journal can hold
            string f2 = Path.Combine(root, "mixed");
            using (var b = XenBackendFactory.Open("sim://" + f2, opts))
            {
                b.CreateDomain(Cfg("pv1", "type = \"pv\"\nkernel = \"/boot/vmlinuz\"\ndisk = [ 'phy:/dev/vg/pv1,xvda,w' ]\nvif = [ 'bridge=xenbr0' ]\n"), new CreateDomainOptions(), ct);
                b.CreateDomain(Cfg("hvm1", "type = \"hvm\"\nsim.pv_drivers = 0\nsim.ignore_shutdown = 1\non_crash = \"preserve\"\n"), new CreateDomainOptions { Paused = true }, ct);
                b.CreateDomain(Cfg("pvh1", "type = \"pvh\"\nkernel = \"/boot/vmlinuz\"\nsim.boot_seconds = 0\nsim.shutdown_seconds = 0\non_poweroff = \"preserve\"\n"), new CreateDomainOptions(), ct);
                b.CreateDomain(Cfg("crashy", "type = \"pvh\"\nkernel = \"/k\"\nsim.boot_seconds = 0\nsim.crash_after_seconds = 0\non_crash = \"preserve\"\n"), new CreateDomainOptions(), ct);
                b.CreateDomain(Cfg("gone", "type = \"pv\"\nkernel = \"/k\"\n"), new CreateDomainOptions(), ct);
                // running domains whose crash (in an hour) restarts them, or keeps them renamed
                b.CreateDomain(Cfg("renamer", "type = \"pvh\"\nkernel = \"/k\"\nsim.crash_after_seconds = 3600\non_crash = \"rename-restart\"\n"), new CreateDomainOptions(), ct);
                b.CreateDomain(Cfg("looper", "type = \"pv\"\nkernel = \"/k\"\nsim.crash_after_seconds = 3600\non_crash = \"restart\"\non_reboot = \"rename-restart\"\n"), new CreateDomainOptions(), ct);
                try { b.CreateDomain(Cfg("huge", "type = \"pv\"\nkernel = \"/k\"\nmemory = 99999999\nmaxmem = 99999999\n"), new CreateDomainOptions(), ct); }
                catch (XenPSException) { } // a failed create consumes a domid: a "next" line
                ((IXenPowerControl)b).ShutdownDomain(Named(b, "pvh1"), false, ct);
                ((IXenPowerControl)b).PauseDomain(Named(b, "pv1"), ct);
                ((IXenPowerControl)b).UnpauseDomain(Named(b, "pv1"), ct);
                ((IXenPowerControl)b).DestroyDomain(Named(b, "gone"), ct);
                b.ListDomains(ct);
            }
            yield return Bundle.FromFolder(f2);

            // 3: a journal long enough to be folded into snapshot.json (then a few more lines)
            string f3 = Path.Combine(root, "compacted");
            using (var b = XenBackendFactory.Open("sim://" + f3, opts))
            {
                b.CreateDomain(Cfg("keep1", "type = \"pv\"\nkernel = \"/k\"\n"), new CreateDomainOptions(), ct);
                b.CreateDomain(Cfg("keep2", "type = \"hvm\"\n"), new CreateDomainOptions { Paused = true }, ct);
                for (int i = 0; i < 6000 && !File.Exists(Path.Combine(f3, "snapshot.json")); i++)
                {
                    b.CreateDomain(Cfg("churn", "type = \"pv\"\nkernel = \"/k\"\n"), new CreateDomainOptions(), ct);
                    ((IXenPowerControl)b).DestroyDomain(Named(b, "churn"), ct);
                }
                b.CreateDomain(Cfg("after", "type = \"pvh\"\nkernel = \"/k\"\n"), new CreateDomainOptions(), ct);
                ((IXenPowerControl)b).ShutdownDomain(Named(b, "keep1"), false, ct);
                b.ListDomains(ct);
            }
            yield return Bundle.FromFolder(f3);
            Directory.Delete(root, true);
        }

        public byte[] Mutate(Rng rng, byte[] input, IReadOnlyList<byte[]> corpus, int maxLen)
        {
            var files = Bundle.Parse(input);
            int rounds = 1 << rng.Next(0, 4);
            for (int i = 0; i < rounds; i++) MutateOnce(rng, files, corpus, maxLen);
            return Bundle.Pack(files);
        }

        private void MutateOnce(Rng rng, List<(string name, byte[] data)> files, IReadOnlyList<byte[]> corpus, int maxLen)
        {
            int op = rng.Next(100);
            if (files.Count == 0 || op < 4)
            {
                // a file taken from another state (splice at the file level)
                if (corpus.Count == 0) return;
                var other = Bundle.Parse(rng.Pick(corpus));
                if (other.Count == 0) return;
                var f = rng.Pick(other);
                files.RemoveAll(x => x.name == f.name);
                files.Add(f);
                return;
            }
            int i = rng.Next(files.Count);
            var (name, data) = files[i];
            if (op < 8) { files.RemoveAt(i); return; } // a missing file
            if (op < 12)
            {
                // the journal of another generation, a stray file
                string[] names = { "journal-0.log", "journal-1.log", "journal-2.log", "journal--1.log", "snapshot.json", "host.json", ".lock", "journal-9223372036854775807.log" };
                string nn = rng.Pick(names);
                files[i] = (nn, data);
                for (int k = files.Count - 1; k >= 0; k--)
                    if (k != i && files[k].name == nn) files.RemoveAt(k);
                return;
            }
            if (op < 14) { files[i] = (name, Array.Empty<byte>()); return; }
            string text = Encoding.UTF8.GetString(data);
            string mutated;
            if (op < 50) mutated = JsonValueOp(rng, text);
            else if (op < 70) mutated = JsonLineOp(rng, text, maxLen);
            else if (op < 82) mutated = DeletePair(rng, text);
            else mutated = _text.Mutate(rng, text, corpus, Math.Min(maxLen, 256 << 10), 2); // the file-level rounds stack already
            byte[] bytes = Encoding.UTF8.GetBytes(mutated);
            if (bytes.Length > 0 && rng.Chance(10))
            {
                int p = rng.Next(bytes.Length);
                bytes[p] = (byte)(bytes[p] ^ (1 << rng.Next(8)));
            }
            if (rng.Chance(5) && bytes.Length > 0) Array.Resize(ref bytes, rng.Next(bytes.Length)); // a torn tail
            files[i] = (name, bytes.Length > maxLen ? bytes.AsSpan(0, maxLen).ToArray() : bytes);
        }

        /// <summary>Replaces one JSON value (number, string, literal) with an extreme or a value of another type.</summary>
        private static string JsonValueOp(Rng rng, string s)
        {
            var spans = new List<(int start, int len)>();
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == ':' || c == '[' || c == ',')
                {
                    int j = i + 1;
                    if (j >= s.Length) break;
                    if (s[j] == '"')
                    {
                        int k = j + 1;
                        while (k < s.Length && s[k] != '"') { if (s[k] == '\\') k++; k++; }
                        if (k < s.Length) spans.Add((j, k - j + 1));
                    }
                    else if (s[j] == '-' || char.IsAsciiDigit(s[j]) || s[j] == 't' || s[j] == 'f' || s[j] == 'n')
                    {
                        int k = j;
                        while (k < s.Length && s[k] != ',' && s[k] != '}' && s[k] != ']' && s[k] != '\n') k++;
                        spans.Add((j, k - j));
                    }
                }
            }
            if (spans.Count == 0) return s;
            var (st, len) = rng.Pick(spans);
            string v = rng.Chance(85) ? rng.Pick(JsonValues) : "\"" + new string('x', rng.HeavyCount(1 << 16)) + "\"";
            return s.Substring(0, st) + v + s.Substring(st + len);
        }

        /// <summary>Journal line operations: duplicate, drop, swap, repeat a line.</summary>
        private static string JsonLineOp(Rng rng, string s, int maxLen)
        {
            var lines = s.Split('\n').ToList();
            int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
            switch (rng.Next(5))
            {
                case 0: lines.Insert(b, lines[a]); break;
                case 1: lines.RemoveAt(a); break;
                case 2: (lines[a], lines[b]) = (lines[b], lines[a]); break;
                case 3:
                {
                    // a run of one line, within the size limit (a huge line repeated must not exhaust the heap)
                    int n = Math.Min(rng.HeavyCount(4096), maxLen / (lines[a].Length + 1));
                    lines.InsertRange(b, Enumerable.Repeat(lines[a], n));
                    break;
                }
                case 4: lines[a] = lines[a].Length > 1 ? lines[a].Substring(0, rng.Next(lines[a].Length)) : lines[a]; break;
            }
            return string.Join('\n', lines);
        }

        /// <summary>Removes one `"key":value` member (a missing property).</summary>
        private static string DeletePair(Rng rng, string s)
        {
            var starts = new List<int>();
            for (int i = 0; i + 1 < s.Length; i++)
                if ((s[i] == '{' || s[i] == ',') && s[i + 1] == '"') starts.Add(i + 1);
            if (starts.Count == 0) return s;
            int st = rng.Pick(starts);
            int depth = 0, k = st;
            bool inStr = false;
            for (; k < s.Length; k++)
            {
                char c = s[k];
                if (inStr) { if (c == '\\') k++; else if (c == '"') inStr = false; continue; }
                if (c == '"') inStr = true;
                else if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') { if (depth == 0) break; depth--; }
                else if (c == ',' && depth == 0) { k++; break; }
            }
            return s.Substring(0, st) + s.Substring(Math.Min(k, s.Length));
        }

        public void Execute(byte[] input, HashSet<ulong> features)
        {
            string folder = _execFolder ?? throw new InvalidOperationException("LoadSeeds first.");
            Bundle.WriteFolder(input, folder);
            var ct = CancellationToken.None;
            var opts = new SimHostOptions { LockTimeout = TimeSpan.FromSeconds(1) };
            try
            {
                using var b = XenBackendFactory.Open("sim://" + folder, opts);
                var info = ((IXenHostFacts)b).GetHostInfo(ct);
                features.Add(Targets.Hash("free:" + Math.Sign(info.FreeMemoryMiB)));
                var list = b.ListDomains(ct);
                features.Add(Targets.Hash("n:" + Math.Min(list.Count, 8)));
                foreach (var d in list)
                {
                    features.Add(Targets.Hash("st:" + d.StateFlags + d.Type));
                    _ = d.Config?.Settings.Count;
                }
                if (list.Count > 1)
                {
                    ulong h = Targets.Hash(input);
                    var d = list[1 + (int)(h % (ulong)(list.Count - 1))];
                    // by the listed object, or by a name/domid only (as a caller holding just xl's qualifier has it)
                    var who = (h & 1) == 0 ? d : new XenDomain { Name = d.Name, Id = (h & 2) == 0 ? d.Id : null };
                    var power = (IXenPowerControl)b;
                    try
                    {
                        switch ((h >> 8) % 5)
                        {
                            case 0: power.PauseDomain(who, ct); break;
                            case 1: power.UnpauseDomain(who, ct); break;
                            case 2: power.ShutdownDomain(who, true, ct); break;
                            case 3: power.DestroyDomain(who, ct); break;
                            case 4:
                                b.CreateDomain(DomainConfigReader.LoadText("name = \"fz\"\nmemory = 32\ntype = \"pv\"\nkernel = \"/k\"\n", "fz.cfg"), new CreateDomainOptions(), ct);
                                break;
                        }
                    }
                    catch (XenPSException e) { features.Add(Targets.Hash("op:" + e.GetType().Name)); }
                    b.ListDomains(ct);
                }
            }
            catch (XenPSException e)
            {
                features.Add(Targets.Hash("exc:" + e.GetType().Name + ":" + Shape(e.Message)));
            }
        }

        /// <summary>A message without its numbers and quoted parts, so that similar refusals count once.</summary>
        private static string Shape(string m)
        {
            var sb = new StringBuilder();
            bool q = false;
            foreach (char c in m.Length > 160 ? m.Substring(0, 160) : m)
            {
                if (c == '\'') { q = !q; continue; }
                if (!q && !char.IsAsciiDigit(c)) sb.Append(c);
            }
            return sb.ToString();
        }

        public string Save(byte[] input, string pathWithoutExtension)
        {
            Bundle.WriteFolder(input, pathWithoutExtension);
            return pathWithoutExtension;
        }

        public byte[] Load(string path) => Directory.Exists(path) ? Bundle.FromFolder(path) : File.ReadAllBytes(path);
    }

    /// <summary>A state folder as one byte array: per file "name\n" + decimal length + "\n" + bytes + "\n".</summary>
    internal static class Bundle
    {
        public static byte[] FromFolder(string folder)
        {
            var files = new List<(string, byte[])>();
            foreach (string f in Directory.GetFiles(folder).OrderBy(x => x, StringComparer.Ordinal))
            {
                string n = Path.GetFileName(f);
                if (n == ".lock" || n.EndsWith(".tmp", StringComparison.Ordinal) || n.EndsWith(".txt", StringComparison.Ordinal)) continue;
                files.Add((n, File.ReadAllBytes(f)));
            }
            return Pack(files);
        }

        public static byte[] Pack(List<(string name, byte[] data)> files)
        {
            var ms = new MemoryStream();
            foreach (var (name, data) in files)
            {
                byte[] head = Encoding.UTF8.GetBytes(name + "\n" + data.Length.ToString(CultureInfo.InvariantCulture) + "\n");
                ms.Write(head);
                ms.Write(data);
                ms.WriteByte((byte)'\n');
            }
            return ms.ToArray();
        }

        public static List<(string name, byte[] data)> Parse(byte[] b)
        {
            var list = new List<(string, byte[])>();
            int p = 0;
            while (p < b.Length)
            {
                int nl = Array.IndexOf(b, (byte)'\n', p);
                if (nl < 0) break;
                string name = Encoding.UTF8.GetString(b, p, nl - p);
                int nl2 = Array.IndexOf(b, (byte)'\n', nl + 1);
                if (nl2 < 0) break;
                if (!int.TryParse(Encoding.ASCII.GetString(b, nl + 1, nl2 - nl - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int len)) break;
                int start = nl2 + 1;
                if (len > b.Length - start) break;
                if (IsSafeName(name)) list.Add((name, b.AsSpan(start, len).ToArray()));
                p = start + len + 1;
            }
            return list;
        }

        private static bool IsSafeName(string n) =>
            n.Length > 0 && n.Length < 64 && n != "." && n != ".." && n.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.' || c == '_');

        /// <summary>Replaces the folder's content with the bundle's files.</summary>
        public static void WriteFolder(byte[] bundle, string folder)
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
            Directory.CreateDirectory(folder);
            foreach (var (name, data) in Parse(bundle)) File.WriteAllBytes(Path.Combine(folder, name), data);
        }
    }
}
