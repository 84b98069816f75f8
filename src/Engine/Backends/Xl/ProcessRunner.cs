using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace XenPS.Backends.Xl
{
    /// <summary>Starts a local process with an argument vector and waits for it, bounded and cancellable.</summary>
    internal static class ProcessRunner
    {
        /// <summary>Runs the process; throws Win32Exception when the program cannot be started.</summary>
        public static CommandResult Run(string fileName, IEnumerable<string> arguments, string? standardInput,
            TimeSpan timeout, CancellationToken cancellationToken, string what,
            IDictionary<string, string>? environment = null, Action<string>? onStandardErrorLine = null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var psi = new ProcessStartInfo(fileName)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
                CreateNoWindow = true,
            };
            foreach (string a in arguments) psi.ArgumentList.Add(a);
            if (environment != null)
                foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;

            var sw = Stopwatch.StartNew();
            using var p = new Process { StartInfo = psi };
            p.Start();
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = onStandardErrorLine == null ? p.StandardError.ReadToEndAsync() : ReadLinesAsync(p.StandardError, onStandardErrorLine);
            try
            {
                if (standardInput != null)
                {
                    var enc = new UTF8Encoding(false);
                    byte[] bytes = enc.GetBytes(standardInput);
                    p.StandardInput.BaseStream.Write(bytes, 0, bytes.Length);
                }
                p.StandardInput.Close();
            }
            catch (System.IO.IOException)
            {
                // The child closed its stdin early (or died): its exit code will tell.
            }

            bool exited;
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task wait = p.WaitForExitAsync(linked.Token);
                try
                {
                    exited = wait.Wait(timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout);
                }
                catch (AggregateException)
                {
                    exited = false; // cancelled
                }
                if (!exited) linked.Cancel();
            }

            if (!exited)
            {
                Kill(p);
                if (cancellationToken.IsCancellationRequested)
                    throw new OperationCanceledException($"{what} was cancelled; the process was killed.", cancellationToken);
                string partial = TryGet(stderr);
                throw new XenTimeoutException(
                    $"{what} did not finish within {timeout.TotalSeconds:0.#} s; the process was killed.",
                    LastLines(partial, 5));
            }

            p.WaitForExit(); // drains the async readers
            string o = stdout.GetAwaiter().GetResult();
            string e = stderr.GetAwaiter().GetResult();
            return new CommandResult(p.ExitCode, o, e, sw.Elapsed);
        }

        /// <summary>Reads a stream to its end, calling back with each non-empty line ("\n" or "\r" ends one) as it arrives.</summary>
        internal static async Task<string> ReadLinesAsync(System.IO.TextReader reader, Action<string> onLine)
        {
            var all = new StringBuilder();
            var line = new StringBuilder();
            var buf = new char[4096];
            int n;
            while ((n = await reader.ReadAsync(buf, 0, buf.Length).ConfigureAwait(false)) > 0)
            {
                all.Append(buf, 0, n);
                for (int i = 0; i < n; i++)
                {
                    char c = buf[i];
                    if (c == '\n' || c == '\r')
                    {
                        if (line.Length > 0) onLine(line.ToString());
                        line.Clear();
                    }
                    else line.Append(c);
                }
            }
            if (line.Length > 0) onLine(line.ToString());
            return all.ToString();
        }

        private static void Kill(Process p)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (Win32Exception) { }
            try { p.WaitForExit(5000); } catch (InvalidOperationException) { }
        }

        private static string TryGet(Task<string> t)
        {
            try { return t.Wait(1000) ? t.Result : ""; } catch (AggregateException) { return ""; }
        }

        internal static IReadOnlyList<string> LastLines(string text, int n)
        {
            var lines = text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int start = Math.Max(0, lines.Length - n);
            var r = new List<string>();
            for (int i = start; i < lines.Length; i++) r.Add(lines[i]);
            return r;
        }
    }
}
