using System;
using System.Diagnostics;
using System.Collections.Generic;
using System.IO;

namespace XenPS.Fuzz
{
    /// <summary>
    /// XenPS.Fuzz run    [--target xl,yaml,sim] [--seconds N] [--execs N] [--corpus DIR] [--out DIR] [budgets]
    /// XenPS.Fuzz repro  --target T --input FILE|FOLDER      (runs one input in this process and says what happened)
    /// XenPS.Fuzz worker ...                                 (started by run)
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            Options o;
            try { o = Options.Parse(args); }
            catch (Exception e) when (e is ArgumentException || e is FormatException || e is OverflowException)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine("usage: XenPS.Fuzz run [--target xl,yaml,sim] [--seconds N] [--execs N] [--corpus DIR] [--out DIR]\n" +
                    "                  [--time-budget-ms 2000] [--alloc-budget-mb 256] [--heap-limit-mb 2048] [--stack-kb 1024] [--max-len 262144] [--seed N]\n" +
                    "       XenPS.Fuzz repro --target T --input FILE|FOLDER");
                return 2;
            }
            switch (o.Command)
            {
                case "run": return Supervisor.Run(o);
                case "worker": return Worker.Run(o);
                case "repro": return Repro(o);
                default:
                    Console.Error.WriteLine($"Unknown command '{o.Command}': use run or repro.");
                    return 2;
            }
        }

        /// <summary>
        /// One input, in process, with the time and allocation budgets (a stack overflow still kills the process: that
        /// is the answer then). With --execs N (N &gt; 1) it times N runs instead, without budgets.
        /// </summary>
        private static int Repro(Options o)
        {
            if (o.Input is null) { Console.Error.WriteLine("repro needs --input."); return 2; }
            var target = Targets.Create(o.Targets[0]);
            string scratch = Path.Combine(Path.GetTempPath(), "xenps-fuzz-repro-" + Environment.ProcessId);
            target.LoadSeeds(o, scratch);
            byte[] input = target.Load(o.Input);
            int code = 0;
            bool running = true;
            long alloc0 = GC.GetTotalAllocatedBytes(false), tick0 = Environment.TickCount64;
            var dog = new System.Threading.Thread(() =>
            {
                while (System.Threading.Volatile.Read(ref running))
                {
                    System.Threading.Thread.Sleep(5);
                    long alloc = GC.GetTotalAllocatedBytes(false) - alloc0, ms = Environment.TickCount64 - tick0;
                    if (alloc <= o.AllocBudgetMiB << 20 && ms <= o.TimeBudgetMs) continue;
                    Console.WriteLine(alloc > o.AllocBudgetMiB << 20
                        ? $"FINDING: over the allocation budget ({alloc / 1048576} MiB > {o.AllocBudgetMiB} MiB after {ms} ms)"
                        : $"FINDING: over the time budget ({ms} ms > {o.TimeBudgetMs} ms, {alloc / 1048576} MiB allocated)");
                    Console.Out.Flush();
                    Environment.Exit(1);
                }
            }) { IsBackground = true };
            var t = new System.Threading.Thread(() =>
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                try
                {
                    target.Execute(input, new HashSet<ulong>());
                    Console.WriteLine($"ok: {sw.Elapsed.TotalMilliseconds:0.0} ms, {(GC.GetAllocatedBytesForCurrentThread() - a0) / 1048576.0:0.0} MiB allocated");
                    if (o.Executions > 1)
                    {
                        sw.Restart();
                        for (long i = 1; i < o.Executions; i++) target.Execute(input, new HashSet<ulong>());
                        Console.WriteLine($"{o.Executions - 1} more runs: {sw.Elapsed.TotalMilliseconds * 1000 / (o.Executions - 1):0.0} us each");
                    }
                }
                catch (Exception e)
                {
                    Console.WriteLine($"FINDING: {e.GetType().FullName} after {sw.Elapsed.TotalMilliseconds:0.0} ms\n{e}");
                    code = 1;
                }
            }, o.StackKiB * 1024);
            if (o.Executions <= 1) dog.Start();
            t.Start();
            t.Join();
            System.Threading.Volatile.Write(ref running, false);
            try { Directory.Delete(scratch, true); } catch (IOException) { }
            return code;
        }
    }
}
