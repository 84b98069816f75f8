#pragma warning disable CA1416 // these tests run on Linux (POSIX shell)
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// xl save / xl restore: the argument vectors, the constant scripts (run for real with a local sh and a stand-in
    /// xl), progress streamed as xl writes it (locally and over the ssh runner), and the mapping of the real error texts
    /// captured on Xen 4.17.7 (Xl/Fixtures: 73-76 from shared/xen/captures, ckpt-* recorded for this work).
    /// </summary>
    public sealed class XlCheckpointTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("xenps-ckpt-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string Script(string name, string body)
        {
            string p = Path.Combine(_dir, name);
            File.WriteAllText(p, "#!/bin/sh\n" + body);
            File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return p;
        }

        private static XenDomain Test2 => new XenDomain { Name = "test2", Id = 8, Uuid = "2b1f3c52-6c0e-4a43-9e53-6b7f1c2d9e10" };

        private static FakeRunner SaveFake(CommandResult result) => new FakeRunner((a, _) =>
            a.Count > 2 && a[2] == XlBackend.SaveScript ? result
            : FakeRunner.IsList(a) ? Fixture.ListCapture("15-list", "16-list-l")
            : new CommandResult(127, "", "unexpected"));

        // ------------------------------------------------------------------ save: vectors and progress

        [Theory]
        [InlineData(false, false, false, null)]
        [InlineData(true, false, false, "-c")]
        [InlineData(false, true, false, "-p")]
        [InlineData(true, true, true, "-p")]
        public void SaveRunsTheConstantScriptWithThePathAndOptionsAsArguments(bool keep, bool paused, bool overwrite, string? flag)
        {
            var fake = SaveFake(Fixture.Capture("73-save"));
            using var b = new XlBackend(fake, "ssh://lab");
            string path = "/var/lib/xen/save/a b'; reboot; '.save";
            var info = b.SaveDomain(Test2, path, new SaveDomainOptions { KeepRunning = keep, Paused = paused, Overwrite = overwrite }, null, CancellationToken.None);
            var expected = new List<string> { "sh", "-c", XlBackend.SaveScript, "sh", "xl", path, overwrite ? "1" : "0" };
            if (flag != null) expected.Add(flag);
            expected.Add("8");
            Assert.Equal(expected, fake.Calls.Single().Args);
            Assert.Equal(path, info.Path);
            Assert.Equal("test2", info.DomainName);
            Assert.DoesNotContain("reboot", XlBackend.SaveScript);
        }

        [Fact]
        public void SaveReportsXlsProgressLinesFromTheCapture()
        {
            var seen = new List<CheckpointProgress>();
            using var b = new XlBackend(SaveFake(Fixture.Capture("73-save")), "ssh://lab");
            b.SaveDomain(Test2, "/var/lib/xenlab/test2.save", new SaveDomainOptions(), seen.Add, CancellationToken.None);
            // 73-save: 18 "Frames" lines (4096/65536 6% ... 65536/65536 100%), then "End of stream: 0/0 0%".
            Assert.Equal(19, seen.Count);
            Assert.Equal(("Frames", 4096L, 65536L, 6), (seen[0].Phase, seen[0].Done, seen[0].Total, seen[0].PercentComplete));
            Assert.Equal(("Frames", 65536L, 65536L, 100), (seen[17].Phase, seen[17].Done, seen[17].Total, seen[17].PercentComplete));
            Assert.Equal("End of stream", seen[18].Phase);
            Assert.True(seen.Take(18).Select(p => p.PercentComplete).SequenceEqual(seen.Take(18).Select(p => p.PercentComplete).OrderBy(x => x)));
        }

        [Theory]
        [InlineData("xc: progress: Frames: 11264/65536   17%", "Frames", 11264L, 65536L, 17)]
        [InlineData("xc: progress: End of stream: 0/0    0%", "End of stream", 0L, 0L, 0)]
        public void ProgressLinesAreParsed(string line, string phase, long done, long total, int pct)
        {
            var p = XlBackend.ParseProgress(line);
            Assert.NotNull(p);
            Assert.Equal((phase, done, total, pct), (p!.Phase, p.Done, p.Total, p.PercentComplete));
        }

        [Theory]
        [InlineData("xc: info: Saving domain 8, type x86 PV")]
        [InlineData("Saving to /var/lib/xenlab/test2.save new xl format (info 0x3/0x0/1232)")]
        [InlineData("xl save took 4.92s")]
        [InlineData("")]
        public void OtherStderrLinesAreNotProgress(string line) => Assert.Null(XlBackend.ParseProgress(line));

        [Theory]
        [InlineData("relative.save")]
        [InlineData("./x.save")]
        [InlineData("-c")]
        [InlineData("")]
        [InlineData("/var/lib/xen/save/")]
        [InlineData("/tmp/a\nb")]
        public void BadPathsAreRefusedBeforeAnythingReachesTheHost(string path)
        {
            var fake = SaveFake(Fixture.Capture("73-save"));
            using var b = new XlBackend(fake, "ssh://lab");
            var e = Assert.Throws<XenCheckpointException>(() => b.SaveDomain(Test2, path, new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.InvalidArgument, e.Reason);
            Assert.Equal("CheckpointPathInvalid", e.ErrorId);
            var r = Assert.Throws<XenCheckpointException>(() => b.RestoreDomain(path, new RestoreDomainOptions(), CancellationToken.None));
            Assert.Equal("CheckpointPathInvalid", r.ErrorId);
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void Domain0IsRefusedBeforeAnythingReachesTheHost()
        {
            var fake = SaveFake(Fixture.Capture("ckpt-save-dom0"));
            using var b = new XlBackend(fake, "ssh://lab");
            var e = Assert.Throws<XenInvalidOperationException>(() =>
                b.SaveDomain(new XenDomain { Name = "Domain-0", Id = 0 }, "/tmp/d0.save", new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.Domain0Refused, e.Reason);
            Assert.Empty(fake.Calls);
        }

        // ------------------------------------------------------------------ the real scripts, with a stand-in xl

        /// <summary>A stand-in xl: `save [opts] DOM FILE` writes FILE and prints 73-save's stderr; `restore` prints 75-restore's.</summary>
        private XlBackend LocalBackend(out string xlArgs, string? saveBody = null)
        {
            xlArgs = Path.Combine(_dir, "xl-args");
            string stderr73 = Path.Combine(AppContext.BaseDirectory, "Xl", "Fixtures", "73-save.stderr");
            string save = saveBody ?? "for f in \"$@\"; do :; done; printf 'checkpoint' > \"$f\"; cat '" + stderr73 + "' >&2; exit 0";
            string xl = Script("xl", "printf '%s\\n' \"$@\" > '" + xlArgs + "'\ncase \"$1\" in save) " + save + ";; *) exit 3;; esac\n");
            return new XlBackend(new LocalCommandRunner(), "xl:///", new XlBackendOptions { XlPath = xl });
        }

        [Fact]
        public void TheSaveScriptRefusesAnExistingFileUnlessOverwriting()
        {
            using var b = LocalBackend(out string xlArgs);
            string file = Path.Combine(_dir, "x.save");
            File.WriteAllText(file, "older checkpoint");
            var e = Assert.Throws<XenCheckpointException>(() => b.SaveDomain(Test2, file, new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.CheckpointExists, e.Reason);
            Assert.Equal("CheckpointExists", e.ErrorId);
            Assert.Equal("older checkpoint", File.ReadAllText(file));
            Assert.False(File.Exists(xlArgs)); // xl never ran

            var info = b.SaveDomain(Test2, file, new SaveDomainOptions { Overwrite = true }, null, CancellationToken.None);
            Assert.Equal("checkpoint", File.ReadAllText(file));
            Assert.Equal(10, info.SizeBytes);
            Assert.Equal(new[] { "save", "8", file }, File.ReadAllLines(xlArgs));
        }

        [Fact]
        public void TheSaveScriptRefusesAMissingFolderAndAFolderPath()
        {
            using var b = LocalBackend(out string xlArgs);
            var e = Assert.Throws<XenCheckpointException>(() =>
                b.SaveDomain(Test2, Path.Combine(_dir, "no-such-folder", "x.save"), new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, e.Reason);
            var f = Assert.Throws<XenCheckpointException>(() => b.SaveDomain(Test2, _dir, new SaveDomainOptions { Overwrite = true }, null, CancellationToken.None));
            Assert.Equal(XenErrorReason.InvalidArgument, f.Reason);
            Assert.False(File.Exists(xlArgs));
        }

        [Fact]
        public void TheRestoreScriptRefusesAMissingFileBeforeXlRuns()
        {
            string xlArgs = Path.Combine(_dir, "xl-args");
            string xl = Script("xl", "case \"$1\" in list) " +
                "if [ \"$2\" = -l ]; then echo '[]'; else printf 'Name ID Mem VCPUs State Time(s)\\nDomain-0 0 1024 1 r----- 1.0\\n'; fi;; " +
                "*) printf '%s\\n' \"$@\" > '" + xlArgs + "'; exit 1;; esac\n");
            using var b = new XlBackend(new LocalCommandRunner(), "xl:///", new XlBackendOptions { XlPath = xl });
            var e = Assert.Throws<XenCheckpointException>(() => b.RestoreDomain(Path.Combine(_dir, "none.save"), new RestoreDomainOptions(), CancellationToken.None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, e.Reason);
            Assert.Contains("does not exist on the host", e.Message);
            Assert.False(File.Exists(xlArgs));
        }

        [Fact]
        public void ProgressArrivesWhileTheLocalCommandRuns()
        {
            // The stand-in xl prints one progress line, then waits for the test to see it (a file the callback creates):
            // with output gathered only at the end it would wait out its 10 s and say so.
            string seen = Path.Combine(_dir, "seen");
            string body = "echo 'xc: progress: Frames: 2048/32768    6%' >&2; i=0; while [ ! -e '" + seen + "' ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; " +
                          "[ -e '" + seen + "' ] || { echo 'NOT STREAMED' >&2; exit 9; }; for f in \"$@\"; do :; done; : > \"$f\"; exit 0";
            using var b = LocalBackend(out _, body);
            var got = new List<CheckpointProgress>();
            b.SaveDomain(Test2, Path.Combine(_dir, "s.save"), new SaveDomainOptions(), p => { got.Add(p); File.WriteAllText(seen, ""); }, CancellationToken.None);
            Assert.Equal(2048, Assert.Single(got).Done);
        }

        [Fact]
        public void ProgressArrivesWhileTheCommandRunsOverSsh()
        {
            string seen = Path.Combine(_dir, "seen-ssh");
            string ssh = Script("ssh", "for last in \"$@\"; do :; done\nexec /bin/sh -c \"$last\"\n");
            using var r = new SshCommandRunner(new SshOptions { Host = "lab", SshPath = ssh, ControlPersistSeconds = 0 });
            var lines = new List<string>();
            var res = r.RunStreaming(new[] { "sh", "-c",
                    "echo one >&2; i=0; while [ ! -e \"$1\" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e \"$1\" ] || exit 9; printf 'two\\rthree\\n' >&2", "sh", seen },
                null, TimeSpan.FromSeconds(30), l => { lines.Add(l); File.WriteAllText(seen, ""); }, CancellationToken.None);
            Assert.Equal(0, res.ExitCode);
            Assert.Equal(new[] { "one", "two", "three" }, lines);
            Assert.Equal("one\ntwo\rthree\n", res.StandardError);
        }

        [Fact]
        public void StreamingKeepsTheTimeoutAndCancellationRules()
        {
            var runner = new LocalCommandRunner();
            Assert.Throws<XenTimeoutException>(() =>
                runner.RunStreaming(new[] { "sh", "-c", "echo a >&2; sleep 30" }, null, TimeSpan.FromMilliseconds(500), _ => { }, CancellationToken.None));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            Assert.ThrowsAny<OperationCanceledException>(() =>
                runner.RunStreaming(new[] { "sh", "-c", "echo a >&2; sleep 30" }, null, TimeSpan.FromSeconds(30), _ => { }, cts.Token));
        }

        [Fact]
        public void ARunnerThatCannotStreamReportsTheLinesAtTheEnd()
        {
            ICommandRunner fake = new FakeRunner((_, _) => Fixture.Capture("73-save"));
            var lines = new List<string>();
            var r = fake.RunStreaming(new[] { "xl" }, null, TimeSpan.FromSeconds(1), lines.Add, CancellationToken.None);
            Assert.Equal(22, lines.Count); // 73-save.stderr: 22 non-empty lines
            Assert.Equal(r.StandardError.TrimEnd('\n').Split('\n'), lines);
        }

        // ------------------------------------------------------------------ restore

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void RestoreRunsTheConstantScriptAndReturnsTheNewDomain(bool paused)
        {
            int lists = 0;
            var fake = new FakeRunner((a, _) =>
                a.Count > 2 && a[2] == XlBackend.RestoreScript ? Fixture.Capture(paused ? "ckpt-restore-p" : "75-restore")
                : FakeRunner.IsList(a) ? (lists++ == 0 ? Fixture.List(Fixture.Text("74-list-after-save.stdout"), Fixture.Text("05-list-l-dom0.stdout"))
                                                       : Fixture.List(Fixture.Text("76-list-restored.stdout"), Fixture.Text("05-list-l-dom0.stdout")))
                : new CommandResult(127, "", "unexpected"));
            using var b = new XlBackend(fake, "ssh://lab");
            var d = b.RestoreDomain("/var/lib/xenlab/test2.save", new RestoreDomainOptions { Paused = paused }, CancellationToken.None);
            Assert.Equal("test2", d.Name);
            Assert.Equal(9, d.Id); // 76-list-restored: the new domid (saved as 8)
            var expected = new List<string> { "sh", "-c", XlBackend.RestoreScript, "sh", "xl", "/var/lib/xenlab/test2.save" };
            if (paused) expected.Add("-p");
            Assert.Equal(expected, fake.Calls[1].Args);
            Assert.Equal(3, fake.Calls.Count);
        }

        [Theory]
        [InlineData("ckpt-restore-nofile", XenErrorReason.CheckpointNotFound, "CheckpointNotFound")]
        [InlineData("ckpt-restore-notckpt", XenErrorReason.CheckpointInvalid, "CheckpointInvalid")]
        [InlineData("ckpt-restore-dupname", XenErrorReason.DomainExists, "DomainExists")]
        public void RestoreFailuresAreMappedFromXlsTexts(string capture, XenErrorReason reason, string id)
        {
            var fake = new FakeRunner((a, _) =>
                a.Count > 2 && a[2] == XlBackend.RestoreScript ? Fixture.Capture(capture)
                : FakeRunner.IsList(a) ? Fixture.ListCapture("15-list", "16-list-l")
                : new CommandResult(127, "", "unexpected"));
            using var b = new XlBackend(fake, "ssh://lab");
            var e = Assert.ThrowsAny<XenPSException>(() => b.RestoreDomain("/var/lib/xenlab/xps-sav-probe.save", new RestoreDomainOptions(), CancellationToken.None));
            Assert.Equal(reason, e.Reason);
            Assert.Equal(id, e.ErrorId);
            if (capture == "ckpt-restore-dupname") Assert.Contains("Domain with name \"xps-sav-probe\" already exists", e.Message);
        }

        [Theory]
        [InlineData("ckpt-save-nodom", XenErrorReason.DomainNotFound)]
        [InlineData("ckpt-save-nofolder", XenErrorReason.HostCommandFailed)]
        public void SaveFailuresAreMappedFromXlsTexts(string capture, XenErrorReason reason)
        {
            using var b = new XlBackend(SaveFake(Fixture.Capture(capture)), "ssh://lab");
            var e = Assert.ThrowsAny<XenPSException>(() => b.SaveDomain(Test2, "/var/lib/xenlab/x.save", new SaveDomainOptions(), null, CancellationToken.None));
            Assert.Equal(reason, e.Reason);
        }

        [Fact]
        public void SaveKeepingTheDomainUsesTheCapturedDashCRun()
        {
            var seen = new List<CheckpointProgress>();
            var fake = SaveFake(Fixture.Capture("ckpt-save-c"));
            using var b = new XlBackend(fake, "ssh://lab");
            b.SaveDomain(Test2, "/var/lib/xenlab/xps-sav-probe.save", new SaveDomainOptions { KeepRunning = true }, seen.Add, CancellationToken.None);
            Assert.Equal(32768, seen[^2].Total); // a 128 MiB guest: 32768 frames of 4 KiB
            Assert.Contains("-c", fake.Calls.Single().Args);
        }
    }
}
