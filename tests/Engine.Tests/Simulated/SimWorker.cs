using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;

namespace XenPS.Tests
{
    /// <summary>The test assembly's entry point (xunit does not use it): `sim-worker ...` runs a <see cref="SimWorker"/>.</summary>
    public static class TestProgram
    {
        public static int Main(string[] args) => args.Length > 0 && args[0] == SimWorker.Verb ? SimWorker.Run(args) : 0;
    }

    /// <summary>
    /// One process hammering a simulated host: creates, pauses, unpauses, destroys its own domains, lists and reads
    /// consoles. Before each change it writes "?OP NAME" to its ack file, after it "OP NAME [ID]" (flushed), so a
    /// checker knows exactly which changes were acknowledged, even when the process is killed (-9) at any point.
    /// Every list checks that the host still holds every acknowledged change of this process.
    /// </summary>
    public static class SimWorker
    {
        public const string Verb = "sim-worker";

        /// <summary>
        /// Starts a worker: dotnet exec THIS-ASSEMBLY sim-worker FOLDER PREFIX OPS SEED ACKFILE COMPACTAFTER [POINT:N]; with
        /// POINT:N it kills itself (SIGKILL) the Nth time the store passes that crash point (see SimStore.TestCrashPoint).
        /// </summary>
        public static Process Start(string folder, string prefix, int ops, int seed, string ackFile, int compactAfter, string? crashAt = null)
        {
            var psi = new ProcessStartInfo(DotnetHost())
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var a in new[] { "exec", typeof(SimWorker).Assembly.Location, Verb, folder, prefix,
                         ops.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture), ackFile,
                         compactAfter.ToString(CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            if (crashAt != null) psi.ArgumentList.Add(crashAt);
            return Process.Start(psi)!;
        }

        private static string DotnetHost()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            string? self = Environment.ProcessPath;
            if (self != null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            return "dotnet";
        }

        public static int Run(string[] args)
        {
            string folder = args[1], prefix = args[2], ackPath = args[5];
            int ops = int.Parse(args[3], CultureInfo.InvariantCulture);
            var rnd = new Random(int.Parse(args[4], CultureInfo.InvariantCulture));
            var opts = new SimHostOptions
            {
                TotalMemoryMiB = 1L << 30,
                LockTimeout = TimeSpan.FromMinutes(2),
                CompactAfterLines = int.Parse(args[6], CultureInfo.InvariantCulture),
            };
            var ct = CancellationToken.None;
            if (args.Length > 7)
            {
                string point = args[7].Split(':')[0];
                int at = int.Parse(args[7].Split(':')[1], CultureInfo.InvariantCulture), seen = 0;
                XenPS.Backends.Simulated.SimStore.TestCrashPoint = p =>
                {
                    if (p == point && ++seen == at) Process.GetCurrentProcess().Kill(); // SIGKILL, mid-operation
                };
            }
            using var ack = new StreamWriter(new FileStream(ackPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            var alive = new List<string>();
            var ids = new Dictionary<string, int>();
            var paused = new HashSet<string>();
            using var b = XenBackendFactory.Open("sim://" + folder, opts);

            string? Verify()
            {
                var byName = b.ListDomains(ct).ToDictionary(d => d.Name);
                foreach (var n in alive)
                {
                    if (!byName.TryGetValue(n, out var d)) return $"{n} (created as domain {ids[n]}) is gone";
                    if (d.Id != ids[n]) return $"{n} has domid {d.Id}, created as {ids[n]}";
                    if (d.StateFlags.Contains('p') != paused.Contains(n)) return $"{n} is '{d.StateFlags}', expected paused={paused.Contains(n)}";
                }
                return null;
            }

            for (int k = 0; k < ops; k++)
            {
                int r = rnd.Next(100);
                if (alive.Count < 3 || r < 30)
                {
                    string n = prefix + "-" + k.ToString(CultureInfo.InvariantCulture);
                    ack.WriteLine("?C " + n);
                    var c = new XenDomainConfig();
                    c.Set("name", n);
                    c.Set("memory", "1");
                    c.Set("sim.boot_seconds", "0");
                    c.Set("disk", new object[] { "phy:/dev/vg/" + n + ",xvda,w" });
                    var d = b.CreateDomain(c, new CreateDomainOptions { Paused = r % 7 == 0 }, ct);
                    ack.WriteLine("C " + n + " " + d.Id!.Value.ToString(CultureInfo.InvariantCulture) + (r % 7 == 0 ? " paused" : ""));
                    alive.Add(n);
                    ids[n] = d.Id!.Value;
                    if (r % 7 == 0) paused.Add(n);
                    continue;
                }
                string name = alive[rnd.Next(alive.Count)];
                if (r < 50)
                {
                    ack.WriteLine("?P " + name);
                    b.PauseDomain(name, ct);
                    ack.WriteLine("P " + name);
                    paused.Add(name);
                }
                else if (r < 65)
                {
                    ack.WriteLine("?U " + name);
                    b.UnpauseDomain(name, ct);
                    ack.WriteLine("U " + name);
                    paused.Remove(name);
                }
                else if (r < 88)
                {
                    ack.WriteLine("?D " + name);
                    b.DestroyDomain(name, ct);
                    ack.WriteLine("D " + name);
                    alive.Remove(name);
                    paused.Remove(name);
                }
                else if (r < 94)
                {
                    string? wrong = Verify();
                    if (wrong != null)
                    {
                        Console.Error.WriteLine("LOST UPDATE: " + wrong);
                        return 3;
                    }
                }
                else
                {
                    using var con = b.OpenConsole(name, ct);
                    string text = con.Read(TimeSpan.Zero, ct);
                    if (!text.Contains("Linux version", StringComparison.Ordinal) && !paused.Contains(name))
                    {
                        Console.Error.WriteLine($"CONSOLE of {name} does not start with its boot log: '{text}'");
                        return 4;
                    }
                }
            }
            string? last = Verify();
            if (last != null)
            {
                Console.Error.WriteLine("LOST UPDATE: " + last);
                return 3;
            }
            foreach (var w in ((XenPS.Backends.Simulated.SimulatedXenBackend)b).TakeWarnings()) Console.WriteLine("store: " + w);
            return 0;
        }
    }
}
