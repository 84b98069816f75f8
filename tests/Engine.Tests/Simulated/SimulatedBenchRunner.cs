using System;
using System.IO;
using XenPS.Backends.Simulated;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Tests
{
    /// <summary>Runs <see cref="SimBench"/> only when XENPS_SIM_BENCH=1 (it asserts nothing about time).</summary>
    public class SimulatedBenchRunner
    {
        private readonly ITestOutputHelper _out;
        public SimulatedBenchRunner(ITestOutputHelper output) => _out = output;

        [Fact]
        public void BenchWhenAskedTo()
        {
            if (Environment.GetEnvironmentVariable("XENPS_SIM_BENCH") != "1") return;
            string folder = Path.Combine(Path.GetTempPath(), "xenps-sim-bench", Guid.NewGuid().ToString("N"));
            try
            {
                string report = SimBench.Run(folder, 10000);
                _out.WriteLine(report);
                File.WriteAllText(Path.Combine(Path.GetTempPath(), "xenps-sim-bench.txt"), report);
            }
            finally
            {
                try { Directory.Delete(folder, true); } catch (IOException) { }
            }
        }
    }
}
