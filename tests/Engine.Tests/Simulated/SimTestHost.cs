using System;
using System.IO;
using XenPS.Backends;

namespace XenPS.Tests
{
    /// <summary>A temp state folder plus a hand-driven clock for simulated-host tests.</summary>
    public sealed class SimTestHost : IDisposable
    {
        public SimTestHost()
        {
            Folder = Path.Combine(Path.GetTempPath(), "xenps-sim-tests", Guid.NewGuid().ToString("N"));
            Now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        }

        public string Folder { get; }
        public DateTimeOffset Now { get; set; }
        public string Uri => "sim://" + Folder;

        public void Advance(double seconds) => Now = Now.AddSeconds(seconds);

        public SimHostOptions Options(long totalMiB = 8192, int cpus = 4, long dom0MiB = 1024, int compactAfter = 4096) => new SimHostOptions
        {
            TotalMemoryMiB = totalMiB,
            CpuCount = cpus,
            Dom0MemoryMiB = dom0MiB,
            Clock = () => Now,
            Sleep = (t, ct) => Now = Now + t,
            CompactAfterLines = compactAfter,
        };

        public IXenBackend Open(SimHostOptions? options = null) => XenBackendFactory.Open(Uri, options ?? Options());

        public static XenDomainConfig Config(string name, params (string key, string value)[] settings)
        {
            var c = new XenDomainConfig();
            c.Set("name", name);
            c.Set("kernel", "/boot/vmlinuz-sim");
            c.Set("extra", "console=hvc0 quiet");
            foreach (var (k, v) in settings) c.Set(k, v);
            return c;
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
