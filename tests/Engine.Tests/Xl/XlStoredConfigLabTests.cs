using System;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// The host's /etc/xen through the xl backend against the live lab (tests/XenLab), in a scratch directory of its own
    /// (/tmp/xenps-etc-xen-*) so the lab's real /etc/xen is left alone; tests/Pester/LabStoredConfigs.Tests.ps1 proves
    /// the real /etc/xen with xendomains.
    /// </summary>
    public sealed class XlStoredConfigLabTests : IDisposable
    {
        private readonly string _dir = "/tmp/xenps-etc-xen-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        private readonly XlBackend _xl;

        public XlStoredConfigLabTests()
        {
            string? uri = Environment.GetEnvironmentVariable("XENPS_LAB_URI");
            _xl = null!;
            if (string.IsNullOrEmpty(uri)) return;
            var o = SshOptions.FromUri(uri);
            o.IdentityFile = Environment.GetEnvironmentVariable("XENPS_LAB_IDENTITY");
            o.KnownHostsFile = Environment.GetEnvironmentVariable("XENPS_LAB_KNOWN_HOSTS");
            var runner = new SshCommandRunner(o);
            _xl = new XlBackend(runner, uri, new XlBackendOptions { ConfigDirectory = _dir }, ownsRunner: true, backendName: "xl over ssh");
        }

        private string Sh(string script, params string[] args)
        {
            var v = new System.Collections.Generic.List<string> { "sh", "-c", script, "sh" };
            v.AddRange(args);
            var r = _xl.Runner.Run(v, null, TimeSpan.FromSeconds(60), CancellationToken.None);
            return r.StandardOutput.Trim();
        }

        public void Dispose()
        {
            if (_xl == null) return;
            Sh("rm -rf \"$1\"", _dir);
            _xl.Dispose();
        }

        [LabFact]
        public void WritesListsAutostartsAndRemovesAsFilesAndLinksOnTheHost()
        {
            _xl.WriteStoredConfig("web.cfg", "name = \"web\"\nmemory = 128\n", overwrite: false, CancellationToken.None);
            Assert.Equal("name = \"web\"\nmemory = 128", Sh("cat \"$1/web.cfg\"", _dir));
            Assert.Equal("-rw-r--r--", Sh("stat -c %A \"$1/web.cfg\"", _dir));
            var ex = Assert.Throws<XenConfigFileException>(() => _xl.WriteStoredConfig("web.cfg", "name = \"other\"\n", false, CancellationToken.None));
            Assert.Equal(ConfigFileProblem.Exists, ex.Problem);
            Assert.Equal("name = \"web\"\nmemory = 128", Sh("cat \"$1/web.cfg\"", _dir));
            _xl.WriteStoredConfig("web.cfg", "name = \"web\"\nmemory = 256\n", overwrite: true, CancellationToken.None);
            Assert.Contains("256", Sh("cat \"$1/web.cfg\"", _dir));
            Assert.Equal("", Sh("ls -A \"$1\" | grep '^\\.xenps-' || true", _dir)); // no temporary file left

            Sh("printf 'x' > \"$1/xl.conf\"; printf 'y' > \"$1/notes.txt\"; printf 'name = \"legacy\"' > \"$1/legacy\"; mkdir -p \"$1/scripts\"", _dir);
            var list = _xl.ListStoredConfigs(CancellationToken.None);
            Assert.Equal(new[] { "legacy", "web.cfg" }, list.Select(f => f.FileName).ToArray());
            Assert.All(list, f => Assert.False(f.AutoStart));
            Assert.Equal(_dir + "/web.cfg", list[1].Path);

            Assert.True(_xl.SetAutoStart("web.cfg", true, CancellationToken.None));
            Assert.False(_xl.SetAutoStart("web.cfg", true, CancellationToken.None)); // idempotent
            Assert.Equal(_dir + "/web.cfg", Sh("readlink \"$1/auto/web.cfg\"", _dir));
            Assert.True(_xl.ListStoredConfigs(CancellationToken.None).Single(f => f.FileName == "web.cfg").AutoStart);
            Assert.True(_xl.SetAutoStart("web.cfg", false, CancellationToken.None));
            Assert.False(_xl.SetAutoStart("web.cfg", false, CancellationToken.None));
            Assert.Equal("gone", Sh("[ -e \"$1/auto/web.cfg\" ] || [ -L \"$1/auto/web.cfg\" ] || echo gone", _dir));

            _xl.SetAutoStart("web.cfg", true, CancellationToken.None);
            _xl.RemoveStoredConfig("web.cfg", CancellationToken.None);
            Assert.Equal("gone gone", Sh("[ -e \"$1/web.cfg\" ] || echo gone; [ -L \"$1/auto/web.cfg\" ] || echo gone", _dir).Replace("\n", " "));
            var nf = Assert.Throws<XenConfigFileException>(() => _xl.RemoveStoredConfig("web.cfg", CancellationToken.None));
            Assert.Equal(ConfigFileProblem.NotFound, nf.Problem);
        }

        [LabFact]
        public void AWriteWhoseTextDoesNotArriveWholeLeavesTheOldFile()
        {
            _xl.WriteStoredConfig("db.cfg", "name = \"db\"\n", false, CancellationToken.None);
            // what a dropped connection does: stdin ends before the announced length
            var r = _xl.Runner.Run(new[] { "sh", "-c", XlBackend.WriteConfigScript, "sh", _dir, "db.cfg", "1000", new string('0', 64), "replace" },
                "name = \"db\"\nmem", TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.Equal(124, r.ExitCode);
            Assert.Equal("name = \"db\"", Sh("cat \"$1/db.cfg\"", _dir));
            Assert.Equal("", Sh("ls -A \"$1\" | grep '^\\.xenps-' || true", _dir));
        }

        [LabFact]
        public void HostileNamesNeverReachTheHostAndOddOnesAreStoredLiterally()
        {
            foreach (string bad in new[] { "../evil.cfg", "a/b.cfg", "-rf.cfg", ".hidden.cfg", "..", "x\n.cfg", "notes.txt", "xl.conf" })
                Assert.Throws<XenArgumentException>(() => _xl.WriteStoredConfig(bad, "name = \"x\"\n", false, CancellationToken.None));
            foreach (string odd in new[] { "a;touch PWNED;b.cfg", "$(touch PWNED).cfg", "sp ace.cfg", "q'uo\"te.cfg", "`id`.cfg" })
            {
                _xl.WriteStoredConfig(odd, "name = \"odd\"\n", false, CancellationToken.None);
                _xl.SetAutoStart(odd, true, CancellationToken.None);
            }
            var names = _xl.ListStoredConfigs(CancellationToken.None).Select(f => f.FileName).ToArray();
            Assert.Equal(new[] { "$(touch PWNED).cfg", "`id`.cfg", "a;touch PWNED;b.cfg", "q'uo\"te.cfg", "sp ace.cfg" }.OrderBy(x => x, StringComparer.Ordinal), names);
            Assert.All(_xl.ListStoredConfigs(CancellationToken.None), f => Assert.True(f.AutoStart));
            Assert.Equal("none", Sh("find / -xdev -maxdepth 4 -name PWNED 2>/dev/null | grep -q . && echo found || echo none"));
            Assert.Equal("5", Sh("ls -A \"$1\" | grep -v '^auto$' | wc -l", _dir));
        }
    }
}
