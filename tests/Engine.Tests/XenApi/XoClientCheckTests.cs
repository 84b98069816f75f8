using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Tests.XenApi
{
    /// <summary>A fact that is skipped (counted as skipped, with the reason) where node or npm is not installed.</summary>
    public sealed class NodeFactAttribute : FactAttribute
    {
        public NodeFactAttribute()
        {
            if (XoClientCheckTests.Find("node") == null || XoClientCheckTests.Find("npm") == null)
                Skip = "node and npm are needed for the Xen Orchestra client check (Debian: apt-get install nodejs npm).";
        }
    }

    /// <summary>
    /// The fake checked by a real client nobody here wrote: Xen Orchestra's xen-api (npm, pinned in
    /// tests/FakeXapi/xo-check/package-lock.json) logs in through the supporter, lists VMs, watches events, runs async
    /// calls, over JSON-RPC and XML-RPC, with TLS verified against the fake's certificates.
    /// </summary>
    public sealed class XoClientCheckTests
    {
        private readonly ITestOutputHelper _out;
        public XoClientCheckTests(ITestOutputHelper o) { _out = o; }

        internal static string? Find(string program) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

        private static string CheckFolder()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "XenPS.slnx"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("The repository root (XenPS.slnx) is not above " + AppContext.BaseDirectory);
            return Path.Combine(dir.FullName, "tests", "FakeXapi", "xo-check");
        }

        private static (int, string) RunPsi(ProcessStartInfo psi, TimeSpan timeout, (string, string)[] env)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit((int)timeout.TotalMilliseconds))
            {
                p.Kill(true);
                return (-1, so.Result + se.Result + "\n(timed out)");
            }
            p.WaitForExit();
            return (p.ExitCode, so.Result + se.Result);
        }

        [NodeFact]
        public void Xen_Orchestra_s_xen_api_client_works_against_the_fake_pool()
        {
            string dir = CheckFolder();
            if (!File.Exists(Path.Combine(dir, "node_modules", "xen-api", "package.json")))
            {
                var npm = new ProcessStartInfo(Find("npm")!) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "ci", "--no-audit", "--no-fund" }) npm.ArgumentList.Add(a);
                var (rc, text) = RunPsi(npm, TimeSpan.FromMinutes(5), Array.Empty<(string, string)>());
                Assert.True(rc == 0, "npm ci (the pinned xen-api) failed in " + dir + ":\n" + text);
            }
            using var fake = FakeXapiServer.Start("--supporter", "--task-ms", "600");
            string bundle = Path.Combine(fake.CertDir, "all.pem");
            File.WriteAllText(bundle, File.ReadAllText(Path.Combine(fake.CertDir, "master.pem")) + File.ReadAllText(Path.Combine(fake.CertDir, "supporter.pem")));
            var node = new ProcessStartInfo(Find("node")!) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            node.ArgumentList.Add("xo-client-check.mjs");
            var (code, output) = RunPsi(node, TimeSpan.FromMinutes(2), new[]
            {
                ("XO_URL", $"https://127.0.0.2:{fake.Port}"), ("XO_USER", "root"), ("XO_PASSWORD", FakeXapiServer.Password),
                ("NODE_EXTRA_CA_CERTS", bundle),
            });
            _out.WriteLine(output);
            Assert.True(code == 0, "Xen Orchestra's client failed against the fake:\n" + output);
            Assert.Contains("PASS: Xen Orchestra xen-api works against the fake pool", output);
            Assert.Equal(0, fake.Tasks());
        }
    }
}
