#pragma warning disable CA1416 // these tests run on Linux (POSIX shell, /proc)
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    public sealed class CommandRunnerTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("xenps-runner-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string Script(string name, string body)
        {
            string p = Path.Combine(_dir, name);
            File.WriteAllText(p, "#!/bin/sh\n" + body);
            File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return p;
        }

        /// <summary>
        /// Stands in for the OpenSSH client: records its argument vector, then gives the LAST argument (the remote
        /// command) to a POSIX shell, exactly as sshd hands it to the remote user's shell.
        /// </summary>
        private string FakeSsh() => Script("ssh", "printf '%s\\n' \"$@\" > \"" + _dir + "/ssh-argv\"\nfor last in \"$@\"; do :; done\nexec /bin/sh -c \"$last\"\n");

        [Theory]
        [InlineData("plain", "'plain'")]
        [InlineData("", "''")]
        [InlineData("a;touch pwned", "'a;touch pwned'")]
        [InlineData("$(reboot)", "'$(reboot)'")]
        [InlineData("it's", "'it'\\''s'")]
        [InlineData("`id` && \"x\" | y\nz", "'`id` && \"x\" | y\nz'")]
        public void PosixSingleQuoting(string input, string quoted) => Assert.Equal(quoted, SshCommandRunner.Quote(input));

        [Fact]
        public void SshArgumentVectorIsExact()
        {
            using var r = new SshCommandRunner(new SshOptions
            {
                Host = "dom0.example", User = "root", Port = 2222, IdentityFile = "/k/id", KnownHostsFile = "/k/known_hosts",
                HostKeyPolicy = SshHostKeyPolicy.AcceptNew, ConnectTimeout = TimeSpan.FromSeconds(7), ControlPersistSeconds = 0,
            });
            var argv = r.BuildSshArguments(new[] { "xl", "shutdown", "a;touch pwned" });
            Assert.Equal(new[]
            {
                "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=7",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR",
                "-o", "UserKnownHostsFile=/k/known_hosts", "-o", "IdentitiesOnly=yes", "-i", "/k/id",
                "-p", "2222", "--", "root@dom0.example", "'xl' 'shutdown' 'a;touch pwned'",
            }, argv);
        }

        [Fact]
        public void SshDefaultsAreStrictAndReuseAPrivateControlSocket()
        {
            using var r = new SshCommandRunner("ssh://admin@xenhost");
            var argv = r.BuildSshArguments(new[] { "xl", "list" });
            Assert.Contains("StrictHostKeyChecking=yes", argv);
            Assert.Contains("BatchMode=yes", argv);
            Assert.Contains("ControlMaster=auto", argv);
            Assert.Contains("ControlPersist=60", argv);
            string cp = argv.Single(a => a.StartsWith("ControlPath=", StringComparison.Ordinal)).Substring("ControlPath=".Length);
            string dir = Path.GetDirectoryName(cp)!;
            Assert.True(Directory.Exists(dir));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            Assert.DoesNotContain("-p", argv);
            Assert.Equal(new[] { "--", "admin@xenhost", "'xl' 'list'" }, argv.Skip(argv.Count - 3));
            r.Dispose();
            Assert.False(Directory.Exists(dir));
        }

        [Theory]
        [InlineData("ssh://root@127.0.0.1:2222", "root", "127.0.0.1", 2222)]
        [InlineData("ssh://xenhost", null, "xenhost", 0)]
        [InlineData("ssh://[::1]:22", null, "::1", 22)]
        public void SshUriIsParsed(string uri, string? user, string host, int port)
        {
            var o = SshOptions.FromUri(uri);
            Assert.Equal(user, o.User);
            Assert.Equal(host, o.Host);
            Assert.Equal(port, o.Port);
        }

        [Theory]
        [InlineData("-oProxyCommand=touch x")]
        [InlineData("host;reboot")]
        public void HostileSshHostsAreRefused(string host) =>
            Assert.Throws<XenConnectionException>(() => new SshCommandRunner(new SshOptions { Host = host }));

        [Fact]
        public void HostileArgumentsReachTheRemoteProgramAsOneLiteralArgumentEach()
        {
            string pwned = Path.Combine(_dir, "pwned");
            var hostile = new[] { "a;touch " + pwned, "$(touch " + pwned + ")", "`touch " + pwned + "`", "it's", "x\ny", "", "*", "-f" };
            using var r = new SshCommandRunner(new SshOptions { Host = "lab", SshPath = FakeSsh(), ControlPersistSeconds = 0 });
            var args = new List<string> { "printf", "[%s]\\n" };
            args.AddRange(hostile);
            var res = r.Run(args, null, TimeSpan.FromSeconds(20), default);
            Assert.Equal(0, res.ExitCode);
            Assert.Equal(string.Concat(hostile.Select(h => "[" + h + "]\n")), res.StandardOutput);
            Assert.False(File.Exists(pwned));
        }

        [Fact]
        public void XlBackendOverSshSendsTheExactRemoteString()
        {
            string xlArgs = Path.Combine(_dir, "xl-args");
            string xl = Script("xl", "printf '%s\\n' \"$@\" > \"" + xlArgs + "\"\n");
            using var b = new XlBackend(new SshCommandRunner(new SshOptions { Host = "lab", User = "root", Port = 2222, SshPath = FakeSsh(), ControlPersistSeconds = 0 }),
                "ssh://root@lab:2222", new XlBackendOptions { XlPath = xl });
            b.ShutdownDomain("a;touch pwned", false, default);
            var sshArgv = File.ReadAllLines(Path.Combine(_dir, "ssh-argv"));
            Assert.Equal("root@lab", sshArgv[^2]);
            Assert.Equal("'" + xl + "' 'shutdown' 'a;touch pwned'", sshArgv[^1]);
            Assert.Equal(new[] { "shutdown", "a;touch pwned" }, File.ReadAllLines(xlArgs));

            b.PauseDomain("$(reboot)", default);
            Assert.Equal("'" + xl + "' 'pause' '$(reboot)'", File.ReadAllLines(Path.Combine(_dir, "ssh-argv"))[^1]);
            Assert.Equal(new[] { "pause", "$(reboot)" }, File.ReadAllLines(xlArgs));
        }

        [Fact]
        public void ConfigTextTravelsOnStdinAndTheTempFileIsRemoved()
        {
            // The constant create script, run by a real shell with a fake xl that copies the file it is given.
            string seen = Path.Combine(_dir, "seen");
            string xl = Script("xl", "echo \"$@\" > \"" + seen + ".args\"; for f; do :; done; cat \"$f\" > \"" + seen + "\"; ls -l \"$f\" | cut -c1-10 > \"" + seen + ".mode\"\n");
            var runner = new LocalCommandRunner();
            var res = runner.Run(new[] { "sh", "-c", XlBackend.CreateScript, "sh", xl, Path.Combine(_dir, "guest-x.log"), "-p" }, "name = \"x'; reboot\"\n", TimeSpan.FromSeconds(20), default);
            Assert.Equal(0, res.ExitCode);
            Assert.Equal("name = \"x'; reboot\"\n", File.ReadAllText(seen));
            Assert.Equal("-rw-------", File.ReadAllText(seen + ".mode").Trim());
            string tmp = File.ReadAllText(seen + ".args").Trim().Split(' ').Last();
            Assert.StartsWith("create -p /tmp/xenps-cfg.", File.ReadAllText(seen + ".args").Trim());
            Assert.False(File.Exists(tmp));
        }

        [Fact]
        public void SshExit255IsAConnectionErrorCarryingSshsText()
        {
            string ssh = Script("ssh-fail", "echo 'ssh: connect to host lab port 22: Connection refused' >&2\nexit 255\n");
            using var r = new SshCommandRunner(new SshOptions { Host = "lab", SshPath = ssh, ControlPersistSeconds = 0 });
            var ex = Assert.Throws<XenConnectionException>(() => r.Run(new[] { "xl", "list" }, null, TimeSpan.FromSeconds(20), default));
            Assert.Contains("Connection refused", ex.Message);
        }

        [Fact]
        public void RealSshToAClosedLoopbackPortIsAConnectionError()
        {
            if (!File.Exists("/usr/bin/ssh")) return;
            using var r = new SshCommandRunner(new SshOptions { Host = "127.0.0.1", Port = 1, ControlPersistSeconds = 0, ConnectTimeout = TimeSpan.FromSeconds(3) });
            var ex = Assert.Throws<XenConnectionException>(() => r.Run(new[] { "xl", "list" }, null, TimeSpan.FromSeconds(20), default));
            Assert.Contains("127.0.0.1", ex.Message);
        }

        [Fact]
        public void MissingProgramIsAConnectionError()
        {
            var ex = Assert.Throws<XenConnectionException>(() =>
                new LocalCommandRunner().Run(new[] { "/nonexistent/xl", "list" }, null, TimeSpan.FromSeconds(5), default));
            Assert.Contains("/nonexistent/xl", ex.Message);
        }

        [Fact]
        public void StdoutStderrExitCodeAndStdin()
        {
            var r = new LocalCommandRunner().Run(new[] { "sh", "-c", "cat; echo err >&2; exit 3" }, "in\n", TimeSpan.FromSeconds(10), default);
            Assert.Equal(3, r.ExitCode);
            Assert.Equal("in\n", r.StandardOutput);
            Assert.Equal("err\n", r.StandardError);
        }

        private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");

        private int ReadPid(string file)
        {
            for (int i = 0; i < 100 && !File.Exists(file); i++) Thread.Sleep(20);
            return int.Parse(File.ReadAllText(file).Trim());
        }

        [Fact]
        public void TimeoutKillsTheWholeProcessTreeQuickly()
        {
            string pidFile = Path.Combine(_dir, "child.pid");
            var sw = Stopwatch.StartNew();
            var ex = Assert.Throws<XenTimeoutException>(() => new LocalCommandRunner().Run(
                new[] { "sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", pidFile }, null, TimeSpan.FromSeconds(1), default));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
            Assert.Contains("1 s", ex.Message);
            int child = ReadPid(pidFile);
            for (int i = 0; i < 50 && Alive(child); i++) Thread.Sleep(20);
            Assert.False(Alive(child), "the grandchild 'sleep 30' survived");
        }

        [Fact]
        public void CancellationKillsTheChildAndThrowsOperationCanceled()
        {
            string pidFile = Path.Combine(_dir, "cancel.pid");
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var sw = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => new LocalCommandRunner().Run(
                new[] { "sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", pidFile }, null, TimeSpan.FromSeconds(60), cts.Token));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
            int child = ReadPid(pidFile);
            for (int i = 0; i < 50 && Alive(child); i++) Thread.Sleep(20);
            Assert.False(Alive(child), "the grandchild 'sleep 30' survived");
        }

        [Fact]
        public void AlreadyCancelledTokenRunsNothing()
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => new LocalCommandRunner().Run(new[] { "sh", "-c", "exit 0" }, null, TimeSpan.FromSeconds(5), cts.Token));
        }
    }
}
