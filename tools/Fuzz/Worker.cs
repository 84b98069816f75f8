using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace XenPS.Fuzz
{
    /// <summary>
    /// The child process that fuzzes one target: runs every seed once, then mutates corpus entries forever (or until
    /// the budget the parent gave it). Before each execution the input goes into <see cref="CurrentInput"/>; a
    /// watchdog thread kills the process when one execution outlives the time budget or allocates past the
    /// allocation budget, leaving the reason there for the parent. Exceptions that escape are saved here.
    /// Prints "stat EXECS CORPUS FINDINGS MEANLEN WALLMS CPUMS" every second, and "finding KIND SIG EXEC PATH" per finding.
    /// </summary>
    internal sealed class Worker
    {
        private readonly Options _o;
        private readonly ITarget _target;
        private readonly CurrentInput _current;
        private readonly Findings _findings;
        private readonly HashSet<ulong> _seen = new HashSet<ulong>();
        private readonly HashSet<ulong> _features = new HashSet<ulong>();
        private readonly List<byte[]> _corpus = new List<byte[]>();
        private readonly HashSet<ulong> _skip;
        private long _execs;
        private long _allocStart;
        private const int CorpusCap = 4000;
        private const int CorpusMaxLen = 16 << 10;
        private const int QueueCap = 2000;

        private Worker(Options o)
        {
            _o = o;
            _target = Targets.Create(o.Targets[0]);
            _current = new CurrentInput(Path.Combine(o.WorkDir(_target.Name), "current.bin"));
            _findings = new Findings(o.FindingsDir(_target.Name), _target);
            _skip = Crashers.Load(o.WorkDir(_target.Name));
        }

        public static int Run(Options o)
        {
            var w = new Worker(o);
            int code = 0;
            var t = new Thread(() => code = w.Loop(), o.StackKiB * 1024) { Name = "fuzz" };
            var dog = new Thread(w.Watchdog) { IsBackground = true, Name = "watchdog", Priority = ThreadPriority.AboveNormal };
            dog.Start();
            t.Start();
            t.Join();
            return code;
        }

        // held by the fuzz thread only to start and end an execution, and by the watchdog while it judges one and kills
        // the process: the fuzz thread cannot move on to the next input in between (which would blame the wrong input)
        private readonly object _gate = new object();

        private void Watchdog()
        {
            long budget = _o.AllocBudgetMiB << 20;
            while (true)
            {
                Thread.Sleep(5);
                if (_current.Status != CurrentInput.Running) continue;
                lock (_gate)
                {
                    if (_current.Status != CurrentInput.Running) continue; // it just finished
                    long elapsed = Environment.TickCount64 - _current.StartTick;
                    long alloc = GC.GetTotalAllocatedBytes(false) - Volatile.Read(ref _allocStart);
                    int why = alloc > budget ? CurrentInput.OverAllocation : elapsed > _o.TimeBudgetMs ? CurrentInput.OverTime : 0;
                    if (why == 0) continue;
                    _current.Mark(why, why == CurrentInput.OverAllocation ? alloc : elapsed);
                    Console.Out.Flush();
                    Process.GetCurrentProcess().Kill();
                }
            }
        }

        private int Loop()
        {
            string scratch = _o.Scratch ?? Path.Combine(Path.GetTempPath(), "xenps-fuzz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(scratch);
            var rng = new Rng(_o.Seed);
            var sw = Stopwatch.StartNew();
            long lastStat = 0;
            var seeds = _target.LoadSeeds(_o, scratch);
            int skipped = 0;
            foreach (var s in seeds)
            {
                if (_skip.Contains(Targets.Hash(s))) { skipped++; continue; }
                Exec(s, addAlways: true);
            }
            // inputs kept by earlier workers join the corpus without a run each (a restart stays quick)
            foreach (string f in Targets.Files(_o.QueueDir(_target.Name)))
                if (_corpus.Count < CorpusCap) _corpus.Add(File.ReadAllBytes(f));
            Console.WriteLine($"seeds {seeds.Count} skipped {skipped} corpus {_corpus.Count} features {_features.Count}");
            if (_corpus.Count == 0) _corpus.Add(Array.Empty<byte>());
            double limitMs = _o.Seconds > 0 ? _o.Seconds * 1000 : double.MaxValue;
            long limitExecs = _o.Executions > 0 ? _o.Executions : long.MaxValue;
            while (_execs < limitExecs && sw.Elapsed.TotalMilliseconds < limitMs)
            {
                var parent = _corpus[rng.Next(_corpus.Count)];
                long m0 = Stopwatch.GetTimestamp();
                byte[] child = _target.Mutate(rng, parent, _corpus, Math.Min(_o.MaxLen, CurrentInput.Capacity));
                _mutateTicks += Stopwatch.GetTimestamp() - m0;
                Exec(child, addAlways: false);
                if ((_execs & 63) == 0 && sw.ElapsedMilliseconds - lastStat >= 1000)
                {
                    lastStat = sw.ElapsedMilliseconds;
                    Stat();
                }
            }
            Stat();
            string[] names = { "<0.1ms", "<1ms", "<10ms", "<100ms", ">=100ms" };
            Console.WriteLine("times " + string.Join(", ", names.Select((n, i) => $"{n}: {_histN[i]} runs {_histMs[i] / 1000:0.0} s")) +
                $"; mutating {(double)_mutateTicks / Stopwatch.Frequency:0.0} s; GC {GC.GetTotalPauseDuration().TotalSeconds:0.0} s");
            if (TextMutator.Profile)
                Console.WriteLine("text mutations " + string.Join(" ", TextMutator.OpCount.Select((n, i) => $"{i}:{n}/{TextMutator.OpTicks[i] * 1000.0 / Stopwatch.Frequency:0}ms")));
            Console.WriteLine("done");
            try { Directory.Delete(scratch, true); } catch (IOException) { }
            return 0;
        }

        private long _bytes;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Process _self = Process.GetCurrentProcess();

        // executions, corpus size, distinct findings, mean input bytes, wall ms, CPU ms of this process
        private void Stat()
        {
            _self.Refresh();
            Console.WriteLine($"stat {_execs} {_corpus.Count} {_findings.Unique} {_bytes / Math.Max(1, _execs)} {_clock.ElapsedMilliseconds} {(long)_self.TotalProcessorTime.TotalMilliseconds}");
        }

        private void Exec(byte[] input, bool addAlways)
        {
            _seen.Clear();
            _execs++;
            _bytes += input.Length;
            lock (_gate)
            {
                Volatile.Write(ref _allocStart, GC.GetTotalAllocatedBytes(false));
                _current.Begin(input, _execs);
            }
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            Exception? escaped = null;
            try
            {
                _target.Execute(input, _seen);
            }
            catch (Exception e)
            {
                escaped = e;
            }
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            int bucket = ms < 0.1 ? 0 : ms < 1 ? 1 : ms < 10 ? 2 : ms < 100 ? 3 : 4;
            _histN[bucket]++;
            _histMs[bucket] += ms;
            long alloc = GC.GetAllocatedBytesForCurrentThread() - a0;
            lock (_gate) _current.End();

            if (escaped is OutOfMemoryException)
                Report("alloc", escaped.GetType().Name, $"{escaped.GetType().FullName} after {alloc / 1048576.0:0.0} MiB\n{escaped}", input);
            else if (escaped != null)
                Report("crash", Findings.Signature(escaped), escaped.ToString(), input);
            else if (alloc > _o.AllocBudgetMiB << 20)
                Report("alloc", "over-budget", $"allocated {alloc / 1048576.0:0.0} MiB in one execution (budget {_o.AllocBudgetMiB} MiB), {ms:0} ms", input);
            else if (ms > _o.TimeBudgetMs)
                Report("hang", "slow", $"one execution took {ms:0} ms (budget {_o.TimeBudgetMs} ms), allocated {alloc / 1048576.0:0.0} MiB", input);

            bool fresh = false;
            foreach (ulong f in _seen) if (_features.Add(f)) fresh = true;
            if ((fresh || addAlways) && input.Length <= CorpusMaxLen)
            {
                if (_corpus.Count < CorpusCap) _corpus.Add(input);
                else _corpus[(int)(Targets.Hash(input) % CorpusCap)] = input;
                if (fresh && !addAlways) Queue(input);
            }
        }

        private int _queued;
        private long _mutateTicks;
        private readonly long[] _histN = new long[5];
        private readonly double[] _histMs = new double[5];

        /// <summary>Keeps inputs that showed new behaviour for the next run (out/fuzz/queue/TARGET).</summary>
        private void Queue(byte[] input)
        {
            string dir = _o.QueueDir(_target.Name);
            if (_queued == 0) _queued = Directory.Exists(dir) ? Directory.GetFiles(dir).Length : 0;
            if (_queued >= QueueCap) return;
            _queued++;
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, Targets.Hash(input).ToString("x16", CultureInfo.InvariantCulture) + ".q");
            if (!File.Exists(path)) File.WriteAllBytes(path, input);
        }

        private void Report(string kind, string sig, string detail, byte[] input)
        {
            string? path = _findings.Add(kind, sig, detail, input);
            Console.WriteLine($"finding {kind} {sig} {_execs} {path ?? "-"}");
        }
    }

    /// <summary>Findings of one target, saved as findings/TARGET/KIND-SIG-N(.ext) plus a .txt with the reason; at most 3 inputs per signature.</summary>
    internal sealed class Findings
    {
        private readonly string _dir;
        private readonly ITarget _target;
        private readonly Dictionary<string, int> _counts = new Dictionary<string, int>(StringComparer.Ordinal);

        public Findings(string dir, ITarget target)
        {
            _dir = dir;
            _target = target;
        }

        public int Unique => _counts.Count;

        public string? Add(string kind, string sig, string detail, byte[] input)
        {
            string key = kind + "-" + Safe(sig);
            _counts.TryGetValue(key, out int n);
            _counts[key] = ++n;
            Directory.CreateDirectory(_dir);
            int existing = Directory.GetFiles(_dir, key + "-*.txt").Length;
            if (existing >= 3) return null;
            string stem = Path.Combine(_dir, $"{key}-{existing + 1}");
            string path = _target.Save(input, stem);
            File.WriteAllText(stem + ".txt", $"target: {_target.Name}\nkind: {kind}\nsignature: {sig}\ninput: {Path.GetFileName(path)} ({input.Length} bytes)\n\n{detail}\n");
            return path;
        }

        private static string Safe(string s)
        {
            var sb = new StringBuilder();
            foreach (char c in s) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
            return sb.Length > 80 ? sb.ToString(0, 80) : sb.ToString();
        }

        /// <summary>Exception type and the innermost engine frame, hashed short.</summary>
        public static string Signature(Exception e)
        {
            string frame = (e.StackTrace ?? "").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at XenPS.", StringComparison.Ordinal) && !l.StartsWith("at XenPS.Fuzz.", StringComparison.Ordinal)) ?? "";
            int paren = frame.IndexOf('(');
            if (paren > 0) frame = frame.Substring(0, paren);
            return e.GetType().Name + "-" + (Targets.Hash(frame) & 0xffffff).ToString("x6", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Hashes of inputs that killed a worker: the next worker does not run them again as seeds.</summary>
    internal static class Crashers
    {
        public static HashSet<ulong> Load(string workDir)
        {
            var set = new HashSet<ulong>();
            string f = Path.Combine(workDir, "crashers.txt");
            if (File.Exists(f))
                foreach (string l in File.ReadAllLines(f))
                    if (ulong.TryParse(l, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong h)) set.Add(h);
            return set;
        }

        public static void Add(string workDir, byte[] input)
        {
            Directory.CreateDirectory(workDir);
            File.AppendAllText(Path.Combine(workDir, "crashers.txt"), Targets.Hash(input).ToString("x16", CultureInfo.InvariantCulture) + "\n");
        }
    }
}
