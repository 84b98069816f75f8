using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace XenPS.Fuzz
{
    /// <summary>Command line: `run`, `worker` (internal) and `repro`, with --name value options.</summary>
    internal sealed class Options
    {
        public string Command = "run";
        public List<string> Targets = new List<string> { "xl", "yaml", "sim" };
        /// <summary>Per target: stop after this many seconds (0 = no time limit).</summary>
        public double Seconds;
        /// <summary>Per target: stop after this many executions (0 = no count limit).</summary>
        public long Executions;
        public string Corpus = "";
        public string Out = "";
        public int TimeBudgetMs = 2000;
        public long AllocBudgetMiB = 256;
        /// <summary>Hard heap limit of the worker process (an unbounded allocation fails there, not on the machine).</summary>
        public long HeapLimitMiB = 2048;
        /// <summary>Stack of the thread that runs the readers: 1 MiB, the smallest default a host (Windows) gives.</summary>
        public int StackKiB = 1024;
        public int MaxLen = 256 << 10;
        public ulong Seed;
        public string? Input;
        public string? Scratch;
        public int ReportEvery = 10;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            o.Seed = (ulong)DateTime.UtcNow.Ticks;
            int i = 0;
            if (args.Length > 0 && !args[0].StartsWith("-", StringComparison.Ordinal)) { o.Command = args[0]; i = 1; }
            for (; i < args.Length; i++)
            {
                string a = args[i];
                string Next()
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"{a} needs a value.");
                    return args[++i];
                }
                switch (a)
                {
                    case "--target": o.Targets = new List<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                    case "--seconds": o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--execs": o.Executions = long.Parse(Next(), NumberStyles.Integer | NumberStyles.AllowThousands, CultureInfo.InvariantCulture); break;
                    case "--corpus": o.Corpus = Next(); break;
                    case "--out": o.Out = Next(); break;
                    case "--time-budget-ms": o.TimeBudgetMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--alloc-budget-mb": o.AllocBudgetMiB = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--heap-limit-mb": o.HeapLimitMiB = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--stack-kb": o.StackKiB = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--max-len": o.MaxLen = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": o.Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--input": o.Input = Next(); break;
                    case "--scratch": o.Scratch = Next(); break;
                    case "--report-every": o.ReportEvery = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"Unknown option '{a}'.");
                }
            }
            if (o.Corpus.Length == 0) o.Corpus = Path.Combine(AppContext.BaseDirectory, "corpus");
            if (o.Out.Length == 0) o.Out = Path.Combine(Directory.GetCurrentDirectory(), "out", "fuzz");
            o.Corpus = Path.GetFullPath(o.Corpus);
            o.Out = Path.GetFullPath(o.Out);
            return o;
        }

        public string WorkDir(string target) => Path.Combine(Out, "work", target);
        public string FindingsDir(string target) => Path.Combine(Out, "findings", target);
        public string QueueDir(string target) => Path.Combine(Out, "queue", target);
    }

    /// <summary>xoshiro256** seeded by splitmix64: fast, reproducible.</summary>
    internal sealed class Rng
    {
        private ulong _a, _b, _c, _d;

        public Rng(ulong seed)
        {
            ulong Split()
            {
                seed += 0x9E3779B97F4A7C15UL;
                ulong z = seed;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
            _a = Split(); _b = Split(); _c = Split(); _d = Split();
        }

        public ulong NextU64()
        {
            ulong result = RotL(_b * 5, 7) * 9;
            ulong t = _b << 17;
            _c ^= _a; _d ^= _b; _b ^= _c; _a ^= _d; _c ^= t; _d = RotL(_d, 45);
            return result;
        }

        private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

        /// <summary>0 &lt;= n &lt; max (max &gt; 0).</summary>
        public int Next(int max) => max <= 1 ? 0 : (int)(NextU64() % (ulong)max);
        public int Next(int min, int max) => min + Next(max - min);
        public bool Chance(int percent) => Next(100) < percent;
        public T Pick<T>(IReadOnlyList<T> list) => list[Next(list.Count)];

        /// <summary>A count with a heavy tail: mostly 1..127, one time in twenty up to 2^18 (deep nesting, huge words).</summary>
        public int HeavyCount(int max)
        {
            int bits = Chance(95) ? Next(0, 7) : Next(0, 18);
            int n = (1 << bits) + Next(1 << bits);
            return Math.Max(1, Math.Min(n, max));
        }
    }
}
