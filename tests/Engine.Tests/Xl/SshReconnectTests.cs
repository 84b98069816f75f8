#pragma warning disable CA1416 // these tests run on Linux (POSIX shell)
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// SshCommandRunner re-establishes a dropped shared connection on the next call, and says so in its health; an
    /// error only when that fails. The OpenSSH client is played by a script that keeps a fake control socket in the
    /// runner's control directory: "alive", "hung" (every client through it hangs, as behind a stopped master or a dead
    /// network path) or "stale" (the master has gone).
    /// </summary>
    public sealed class SshReconnectTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("xenps-reconnect-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string FakeSsh()
        {
            string p = Path.Combine(_dir, "ssh");
            File.WriteAllText(p, "#!/bin/sh\n" +
                "cp=''; op=''; prev=''\n" +
                "for a in \"$@\"; do case \"$a\" in ControlPath=*) cp=\"${a#ControlPath=}\";; esac; [ \"$prev\" = -O ] && op=\"$a\"; prev=\"$a\"; last=\"$a\"; done\n" +
                "ctl=\"$(dirname \"$cp\")/cm-fake\"\n" +
                "state=$(cat \"$ctl\" 2>/dev/null)\n" +
                "if [ -n \"$op\" ]; then\n" +
                "  case \"$op\" in\n" +
                "    check) case \"$state\" in alive) echo \"Master running (pid=$$)\" >&2; exit 0;; hung) sleep 30;; *) echo \"Control socket connect($ctl): Connection refused\" >&2; exit 255;; esac;;\n" +
                "    exit) rm -f \"$ctl\"; exit 0;;\n" +
                "  esac\n" +
                "fi\n" +
                "[ \"$state\" = hung ] && sleep 30\n" +
                // an injected failure of ssh itself: one line per attempt, used up as it is read
                "if [ -s \"" + _dir + "/fail\" ]; then msg=$(head -n1 \"" + _dir + "/fail\"); sed -i 1d \"" + _dir + "/fail\"; echo \"$msg\" >&2; exit 255; fi\n" +
                "echo alive > \"$ctl\"\n" +
                "echo run >> \"" + _dir + "/runs\"\n" +
                "exec /bin/sh -c \"$last\"\n");
            File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return p;
        }

        private SshCommandRunner Runner() => new SshCommandRunner(new SshOptions { Host = "lab", User = "root", SshPath = FakeSsh(), ControlPersistSeconds = 60 });

        private string Socket(SshCommandRunner r) => Path.Combine(r.ControlDirectory!, "cm-fake");

        private int Runs => File.Exists(Path.Combine(_dir, "runs")) ? File.ReadAllLines(Path.Combine(_dir, "runs")).Length : 0;

        private void FailNext(params string[] messages) => File.WriteAllLines(Path.Combine(_dir, "fail"), messages);

        private static CommandResult Echo(SshCommandRunner r, string text) =>
            r.Run(new[] { "echo", text }, null, TimeSpan.FromSeconds(20), CancellationToken.None);

        [Fact]
        public void AHungSharedConnectionIsReplacedAndTheCallSucceeds()
        {
            using var r = Runner();
            Assert.Equal("one\n", Echo(r, "one").StandardOutput);
            Assert.Equal(XenConnectionState.Open, r.Health.State);
            Assert.Equal(0, r.Health.Reconnects);
            File.WriteAllText(Socket(r), "hung"); // the master stops answering (a stopped process, a dead network path)
            var sw = Stopwatch.StartNew();
            Assert.Equal("two\n", Echo(r, "two").StandardOutput);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed.TotalSeconds:F1} s: the check is bounded, not the command timeout");
            Assert.Equal(1, r.Health.Reconnects);
            Assert.Contains("did not answer", r.Health.LastError);
            Assert.Equal(XenConnectionState.Open, r.Health.State);
            Assert.NotNull(r.Health.LastContact);
            Assert.Equal("alive", File.ReadAllText(Socket(r)).Trim());
        }

        [Fact]
        public void AMasterThatHasGoneIsClearedAndTheCallSucceeds()
        {
            using var r = Runner();
            Echo(r, "one");
            File.WriteAllText(Socket(r), "stale");
            Assert.Equal("two\n", Echo(r, "two").StandardOutput);
            Assert.Equal(1, r.Health.Reconnects);
            Assert.Contains("had gone", r.Health.LastError);
        }

        [Fact]
        public void AFailureBeforeTheCommandStartedIsTriedOnceMoreOverANewConnection()
        {
            using var r = Runner();
            Echo(r, "one");
            FailNext("kex_exchange_identification: read: Connection reset by peer");
            Assert.Equal("two\n", Echo(r, "two").StandardOutput);
            Assert.Equal(2, Runs); // the command itself ran once per call
            Assert.Equal(1, r.Health.Reconnects);
            Assert.Contains("kex_exchange_identification", r.Health.LastError);
            Assert.Equal(XenConnectionState.Open, r.Health.State);
        }

        [Fact]
        public void AConnectionThatDroppedWhileTheCommandRanIsAnErrorAndTheNextCallConnectsAgain()
        {
            using var r = Runner();
            Echo(r, "one");
            FailNext("Connection to lab closed by remote host.");
            var e = Assert.Throws<XenConnectionException>(() => Echo(r, "two"));
            Assert.Equal(XenErrorReason.ConnectionFailed, e.Reason);
            Assert.Contains("may or may not have taken effect", e.Message);
            Assert.Equal(XenConnectionState.Degraded, r.Health.State);
            Assert.False(File.Exists(Socket(r)), "the broken shared connection was cleared");
            Assert.Equal("three\n", Echo(r, "three").StandardOutput);
            Assert.Equal(XenConnectionState.Open, r.Health.State);
        }

        [Fact]
        public void WhenReconnectingFailsTooTheErrorSaysWhatWasTried()
        {
            using var r = Runner();
            Echo(r, "one");
            FailNext("ssh: connect to host lab port 22: Connection refused", "ssh: connect to host lab port 22: Connection refused");
            var e = Assert.Throws<XenConnectionException>(() => Echo(r, "two"));
            Assert.Equal(XenErrorReason.ConnectionFailed, e.Reason);
            Assert.Contains("tried again over a new connection", e.Message);
            Assert.Equal(XenConnectionState.Degraded, r.Health.State);
            Assert.Contains("Connection refused", r.Health.LastError);
            Assert.Equal(1, Runs);
        }

        [Fact]
        public void AuthenticationFailuresAreNotRetried()
        {
            using var r = Runner();
            FailNext("root@lab: Permission denied (publickey).", "should not be read");
            Assert.Throws<XenConnectionException>(() => Echo(r, "one"));
            Assert.Single(File.ReadAllLines(Path.Combine(_dir, "fail")));
        }
    }
}
