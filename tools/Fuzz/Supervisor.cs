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
    /// The parent: for each target in turn (one worker process at a time), starts a worker, reads its progress,
    /// and when it dies (stack overflow, any process crash, killed by its watchdog for time or allocation, or
    /// silent for too long) saves the input it announced as a finding and starts a new one, until the target's
    /// time or execution budget is spent. Prints executions per second as it goes and a summary at the end.
    /// </summary>
    internal static class Supervisor
    {
        private sealed class Tally
        {
            public string Target = "";
            public long Execs;
            public double Seconds;
            /// <summary>Seconds the workers spent running inputs (no process start, JIT or seed generation).</summary>
            public double Busy;
            /// <summary>CPU seconds of the workers over <see cref="Busy"/> (the machine may be shared).</summary>
            public double Cpu;
            public long BusyExecs;
            public int Restarts;
            public readonly Dictionary<string, int> Findings = new Dictionary<string, int>(StringComparer.Ordinal);
            public readonly Dictionary<string, string> FirstPath = new Dictionary<string, string>(StringComparer.Ordinal);
            public readonly Dictionary<string, double> FirstAt = new Dictionary<string, double>(StringComparer.Ordinal);
            public readonly Dictionary<string, long> FirstExec = new Dictionary<string, long>(StringComparer.Ordinal);
            public string? Error;
        }

        public static int Run(Options o)
        {
            if (o.Seconds <= 0 && o.Executions <= 0) o.Seconds = 60;
            var tallies = new List<Tally>();
            string scratchRoot = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(),
                "xenps-fuzz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"XenPS fuzz: targets {string.Join(", ", o.Targets)}; per target {(o.Seconds > 0 ? o.Seconds + " s" : "no time limit")}" +
                $"{(o.Executions > 0 ? $", {o.Executions:N0} executions" : "")}; budgets {o.TimeBudgetMs} ms and {o.AllocBudgetMiB} MiB per input, " +
                $"stack {o.StackKiB} KiB; seed {o.Seed}");
            Console.WriteLine($"corpus {o.Corpus}; findings {Path.Combine(o.Out, "findings")}");
            try
            {
                foreach (string t in o.Targets) tallies.Add(RunTarget(o, Targets.Create(t), scratchRoot));
            }
            finally
            {
                try { if (Directory.Exists(scratchRoot)) Directory.Delete(scratchRoot, true); } catch (IOException) { }
            }

            Console.WriteLine();
            Console.WriteLine("Fuzz summary");
            int total = 0;
            foreach (var t in tallies)
            {
                int hits = t.Findings.Values.Sum();
                total += t.Findings.Count;
                Console.WriteLine($"  {t.Target,-5} {t.Execs,14:N0} executions in {t.Seconds,7:0} s ({t.Execs / Math.Max(t.Seconds, 0.001),9:N0}/s), " +
                    $"{t.Restarts} worker restart(s), {t.Findings.Count} distinct finding(s), {hits} hit(s){(t.Error != null ? "; " + t.Error : "")}");
                if (t.Busy > 0)
                    Console.WriteLine($"        steady rate inside a worker: {t.BusyExecs / t.Busy:N0}/s ({t.BusyExecs:N0} executions in {t.Busy:0} s between worker starts), " +
                        $"{t.BusyExecs / Math.Max(t.Cpu, 0.001):N0} per CPU second ({t.Cpu:0} CPU s)");
                foreach (var kv in t.Findings.OrderBy(k => t.FirstAt[k.Key]))
                    Console.WriteLine($"        {kv.Key}: {kv.Value} hit(s), first after {t.FirstAt[kv.Key]:0.0} s / {t.FirstExec[kv.Key]:N0} executions -> {t.FirstPath[kv.Key]}");
            }
            long all = tallies.Sum(t => t.Execs);
            Console.WriteLine($"fuzz: {all:N0} executions, {total} distinct finding(s)");
            return total > 0 || tallies.Any(t => t.Error != null) ? 1 : 0;
        }

        private static Tally RunTarget(Options o, ITarget target, string scratchRoot)
        {
            var tally = new Tally { Target = target.Name };
            string work = o.WorkDir(target.Name);
            Directory.CreateDirectory(work);
            // a new run: every seed runs again (a fixed bug's regression seed must pass now), and the last run's
            // findings move to findings/previous/TARGET
            File.Delete(Path.Combine(work, "crashers.txt"));
            string found = o.FindingsDir(target.Name);
            if (Directory.Exists(found) && Directory.EnumerateFileSystemEntries(found).Any())
            {
                string prev = Path.Combine(o.Out, "findings", "previous", target.Name);
                if (Directory.Exists(prev)) Directory.Delete(prev, true);
                Directory.CreateDirectory(Path.GetDirectoryName(prev)!);
                Directory.Move(found, prev);
            }
            string slot = Path.Combine(work, "current.bin");
            var sw = Stopwatch.StartNew();
            double lastReport = 0;
            int quickDeaths = 0;
            Console.WriteLine($"[{target.Name}] starting");
            while (true)
            {
                double left = o.Seconds > 0 ? o.Seconds - sw.Elapsed.TotalSeconds : 0;
                long execsLeft = o.Executions > 0 ? o.Executions - tally.Execs : 0;
                if ((o.Seconds > 0 && left <= 0.5) || (o.Executions > 0 && execsLeft <= 0)) break;

                var psi = WorkerStart(o, target.Name, left, execsLeft, o.Seed + (ulong)tally.Restarts * 7919UL,
                    Path.Combine(scratchRoot, target.Name + "-" + tally.Restarts.ToString(CultureInfo.InvariantCulture)));
                using var p = new Process { StartInfo = psi };
                var stderr = new StringBuilder();
                p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) if (stderr.Length < 64 << 10) stderr.AppendLine(e.Data); };
                long baseExecs = tally.Execs, workerExecs = 0;
                (long execs, long ms, long cpu)? firstStat = null;
                double workerBusy = 0, workerCpu = 0;
                long workerBusyExecs = 0;
                long lastBeat = Environment.TickCount64;
                var lines = new System.Collections.Concurrent.BlockingCollection<string>();
                p.OutputDataReceived += (_, e) => { if (e.Data != null) lines.Add(e.Data); else lines.CompleteAdding(); };
                p.Start();
                p.BeginErrorReadLine();
                p.BeginOutputReadLine();
                bool killedBySupervisor = false;
                while (!lines.IsCompleted)
                {
                    if (lines.TryTake(out string? line, 200))
                    {
                        lastBeat = Environment.TickCount64;
                        if (line.StartsWith("stat ", StringComparison.Ordinal))
                        {
                            var f = line.Split(' ');
                            workerExecs = long.Parse(f[1], CultureInfo.InvariantCulture);
                            tally.Execs = baseExecs + workerExecs;
                            if (f.Length > 6)
                            {
                                long ms = long.Parse(f[5], CultureInfo.InvariantCulture), cpu = long.Parse(f[6], CultureInfo.InvariantCulture);
                                if (firstStat is null) firstStat = (workerExecs, ms, cpu);
                                else
                                {
                                    workerBusy = (ms - firstStat.Value.ms) / 1000.0;
                                    workerCpu = (cpu - firstStat.Value.cpu) / 1000.0;
                                    workerBusyExecs = workerExecs - firstStat.Value.execs;
                                }
                            }
                        }
                        else if (line.StartsWith("finding ", StringComparison.Ordinal))
                        {
                            var f = line.Split(' ', 5);
                            Note(tally, f[1] + "-" + f[2], f[4], sw.Elapsed.TotalSeconds, baseExecs + long.Parse(f[3], CultureInfo.InvariantCulture));
                        }
                        else if (line.StartsWith("times ", StringComparison.Ordinal))
                            Console.WriteLine($"[{target.Name}] worker execution {line}");
                        else if (line.StartsWith("seeds ", StringComparison.Ordinal) && tally.Restarts == 0)
                            Console.WriteLine($"[{target.Name}] {line}");
                    }
                    double now = sw.Elapsed.TotalSeconds;
                    if (now - lastReport >= o.ReportEvery)
                    {
                        lastReport = now;
                        Console.WriteLine($"[{target.Name}] {now,7:0} s {tally.Execs,14:N0} executions ({tally.Execs / Math.Max(now, 0.001):N0}/s), " +
                            $"{tally.Findings.Count} distinct finding(s), {tally.Restarts} restart(s)");
                    }
                    // a worker whose watchdog could not act (stuck in the runtime): silent far past the time budget
                    if (!killedBySupervisor && Environment.TickCount64 - lastBeat > o.TimeBudgetMs + 60000)
                    {
                        killedBySupervisor = true;
                        try { p.Kill(true); } catch (InvalidOperationException) { }
                    }
                }
                p.WaitForExit();
                tally.Busy += workerBusy;
                tally.Cpu += workerCpu;
                tally.BusyExecs += workerBusyExecs;
                int code = p.ExitCode;
                string err;
                lock (stderr) err = stderr.ToString();
                if (code == 0 && !killedBySupervisor) { Credit(tally, slot, baseExecs, workerExecs); break; }

                // the worker died: what was it running?
                var cur = CurrentInput.Read(slot);
                tally.Restarts++;
                if (cur is null || cur.Value.status == CurrentInput.Idle)
                {
                    quickDeaths++;
                    Console.WriteLine($"[{target.Name}] worker exited with code {code} between executions:\n{Tail(err, 30)}");
                    if (quickDeaths >= 5) { tally.Error = $"the worker keeps dying outside an execution (exit code {code})"; break; }
                    continue;
                }
                var (status, detail, exec, input) = cur.Value;
                tally.Execs = baseExecs + Math.Max(workerExecs, exec);
                string kind, sig, reason;
                if (status == CurrentInput.OverAllocation)
                {
                    kind = "alloc"; sig = "over-budget";
                    reason = $"killed by the watchdog: {detail / 1048576.0:0} MiB allocated in one execution (budget {o.AllocBudgetMiB} MiB)";
                }
                else if (status == CurrentInput.OverTime || killedBySupervisor)
                {
                    kind = "hang"; sig = "timeout";
                    reason = killedBySupervisor ? "the worker stopped answering (killed by the supervisor)"
                        : $"killed by the watchdog: one execution ran {detail} ms (budget {o.TimeBudgetMs} ms)";
                }
                else
                {
                    (kind, sig) = CrashSignature(err, code);
                    reason = $"the worker process died (exit code {code}) in execution {exec}; its stderr:\n{Tail(err, 60)}";
                }
                Crashers.Add(work, input);
                var findings = new Findings(o.FindingsDir(target.Name), target);
                string? path = findings.Add(kind, sig, reason, input);
                Note(tally, kind + "-" + sig, path ?? "-", sw.Elapsed.TotalSeconds, tally.Execs);
                Console.WriteLine($"[{target.Name}] {kind} ({sig}) at execution {tally.Execs:N0}, {sw.Elapsed.TotalSeconds:0.0} s: {path ?? "(a 4th or later of its kind, not saved)"}");
                quickDeaths = workerExecs == 0 && exec <= 1 ? quickDeaths + 1 : 0;
                if (quickDeaths >= 20) { tally.Error = "the worker dies at once on every start"; break; }
            }
            tally.Seconds = sw.Elapsed.TotalSeconds;
            return tally;
        }

        private static void Credit(Tally t, string slot, long baseExecs, long workerExecs) => t.Execs = baseExecs + workerExecs;

        private static void Note(Tally t, string key, string path, double at, long exec)
        {
            t.Findings.TryGetValue(key, out int n);
            t.Findings[key] = n + 1;
            if (n == 0)
            {
                t.FirstAt[key] = at;
                t.FirstExec[key] = exec;
                t.FirstPath[key] = path;
            }
            else if (t.FirstPath[key] == "-" && path != "-") t.FirstPath[key] = path;
        }

        /// <summary>"Stack overflow" and the engine frame that recurs most (the recursion), or the exit code and first engine frame.</summary>
        private static (string kind, string sig) CrashSignature(string err, int code)
        {
            static string Method(string frame)
            {
                int paren = frame.IndexOf('(');
                string m = (paren > 0 ? frame.Substring(0, paren) : frame).Substring(3);
                int dot = m.LastIndexOf('.');
                int dot2 = dot > 0 ? m.LastIndexOf('.', dot - 1) : -1;
                return dot2 >= 0 ? m.Substring(dot2 + 1) : m;
            }
            var lines = err.Split('\n').Select(l => l.Trim()).ToList();
            var engine = lines.Where(l => l.StartsWith("at XenPS.", StringComparison.Ordinal) && !l.StartsWith("at XenPS.Fuzz.", StringComparison.Ordinal))
                .Select(Method).ToList();
            if (err.Contains("Stack overflow", StringComparison.Ordinal))
            {
                // frames inside a "Repeated N times:" block (between two dashed lines) count N times each
                var weight = new Dictionary<string, long>(StringComparer.Ordinal);
                long pending = 0, mult = 1;
                bool inBlock = false;
                foreach (string l in lines)
                {
                    if (l.StartsWith("Repeated ", StringComparison.Ordinal) && long.TryParse(l.Split(' ')[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long r)) pending = r;
                    else if (l.StartsWith("-----", StringComparison.Ordinal))
                    {
                        if (!inBlock && pending > 0) { inBlock = true; mult = pending; }
                        else { inBlock = false; mult = 1; pending = 0; }
                    }
                    else if (l.StartsWith("at XenPS.", StringComparison.Ordinal) && !l.StartsWith("at XenPS.Fuzz.", StringComparison.Ordinal))
                    {
                        string m = Method(l);
                        weight[m] = weight.GetValueOrDefault(m) + mult;
                    }
                }
                string top = weight.Count > 0 ? weight.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key : "unknown";
                return ("stackoverflow", top);
            }
            return ("crash", $"exit{code}-{engine.FirstOrDefault() ?? "noframe"}");
        }

        private static string Tail(string s, int lines)
        {
            var l = s.Split('\n');
            if (l.Length <= lines) return s.TrimEnd();
            // a stack overflow repeats one frame thousands of times: keep the head (what repeats) and the tail
            return string.Join('\n', l.Take(lines / 2)) + "\n   ...\n" + string.Join('\n', l.Skip(l.Length - lines / 2)).TrimEnd();
        }

        private static ProcessStartInfo WorkerStart(Options o, string target, double secondsLeft, long execsLeft, ulong seed, string scratch)
        {
            string self = Environment.ProcessPath ?? "dotnet";
            var psi = new ProcessStartInfo(self)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                psi.ArgumentList.Add(typeof(Supervisor).Assembly.Location);
            void A(string k, string v) { psi.ArgumentList.Add(k); psi.ArgumentList.Add(v); }
            psi.ArgumentList.Add("worker");
            A("--target", target);
            if (secondsLeft > 0) A("--seconds", secondsLeft.ToString("0.###", CultureInfo.InvariantCulture));
            if (execsLeft > 0) A("--execs", execsLeft.ToString(CultureInfo.InvariantCulture));
            A("--corpus", o.Corpus);
            A("--out", o.Out);
            A("--time-budget-ms", o.TimeBudgetMs.ToString(CultureInfo.InvariantCulture));
            A("--alloc-budget-mb", o.AllocBudgetMiB.ToString(CultureInfo.InvariantCulture));
            A("--stack-kb", o.StackKiB.ToString(CultureInfo.InvariantCulture));
            A("--max-len", o.MaxLen.ToString(CultureInfo.InvariantCulture));
            A("--seed", seed.ToString(CultureInfo.InvariantCulture));
            A("--scratch", scratch);
            // an unbounded allocation fails inside the worker's own heap limit, never on the machine
            psi.Environment["DOTNET_GCHeapHardLimit"] = "0x" + (o.HeapLimitMiB << 20).ToString("x", CultureInfo.InvariantCulture);
            psi.Environment["DOTNET_gcServer"] = "0";
            psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
            return psi;
        }
    }
}
