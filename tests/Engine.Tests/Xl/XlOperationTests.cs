using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using Xunit;

namespace XenPS.Tests
{
    public class XlOperationTests
    {
        private static XenDomainConfig Test1()
        {
            var c = new XenDomainConfig();
            c.Set("name", "test1");
            c.Set("type", "pv");
            c.Set("kernel", "/var/lib/xenlab/vmlinux.gz");
            c.Set("memory", "128");
            return c;
        }

        private static FakeRunner CreateFake(CommandResult createResult) => new FakeRunner((a, _) =>
            FakeRunner.IsCreate(a) ? createResult
            : FakeRunner.IsList(a) ? Fixture.ListCapture("15-list", "16-list-l")
            : new CommandResult(127, "", "unexpected"));

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void CreateSendsTheConfigOnStdinToAConstantScriptThenLists(bool paused)
        {
            var fake = CreateFake(new CommandResult(0, "", "Parsing config from /tmp/xenps-cfg.abc\n"));
            using var b = new XlBackend(fake, "ssh://lab");
            var d = b.CreateDomain(Test1(), new CreateDomainOptions { Paused = paused }, CancellationToken.None);
            Assert.Equal("test1", d.Name);
            Assert.Equal(1, d.Id);
            Assert.Equal(2, fake.Calls.Count);
            var expected = new List<string> { "sh", "-c", XlBackend.CreateScript, "sh", "xl", "/var/log/xen/console/guest-test1.log" };
            if (paused) expected.Add("-p");
            Assert.Equal(expected, fake.Calls[0].Args);
            Assert.Contains("name = \"test1\"", fake.Calls[0].Stdin);
            Assert.Contains("memory = 128", fake.Calls[0].Stdin);
            Assert.True(FakeRunner.IsList(fake.Calls[1].Args));
            // the script never sees the config or the name in its text
            Assert.DoesNotContain("test1", XlBackend.CreateScript);
            Assert.Contains("mktemp", XlBackend.CreateScript);
            Assert.Contains("rm -f", XlBackend.CreateScript);
        }

        [Fact]
        public void CreateDuplicateNameIsResourceExists()
        {
            using var b = new XlBackend(CreateFake(Fixture.Capture("49-create-dup-name")), "xl:///");
            var ex = Assert.Throws<XenResourceExistsException>(() => b.CreateDomain(Test1(), new CreateDomainOptions(), CancellationToken.None));
            Assert.Contains("Domain with name \"test1\" already exists", ex.Message);
        }

        [Theory]
        [InlineData("80-err-toomuchmem", "can't allocate low memory for domain")]
        [InlineData("47-mem-set-too-big", "memory_dynamic_max must be less than or equal to memory_static_max")]
        public void MemoryFailuresAreResourceUnavailable(string capture, string text)
        {
            var ex = XlErrorMapper.Map("xl create", "test1", Fixture.Capture(capture));
            var typed = Assert.IsType<XenResourceUnavailableException>(ex);
            Assert.Contains(text, typed.Message);
        }

        [Fact]
        public void TooLittleMemoryForTheKernelIsAConfigError()
        {
            using var b = new XlBackend(CreateFake(Fixture.Capture("81-err-mem-too-small")), "xl:///");
            var ex = Assert.Throws<XenConfigException>(() => b.CreateDomain(Test1(), new CreateDomainOptions(), CancellationToken.None));
            var d = Assert.Single(ex.Diagnostics);
            Assert.Equal("MemoryTooSmall", d.Code);
            Assert.Contains("segment kernel too large", d.Message);
        }

        [Fact]
        public void ParseErrorBecomesAConfigDiagnosticPointingAtTheLineSent()
        {
            using var b = new XlBackend(CreateFake(Fixture.Capture("78-err-syntax")), "xl:///");
            var ex = Assert.Throws<XenConfigException>(() => b.CreateDomain(Test1(), new CreateDomainOptions(), CancellationToken.None));
            var d = Assert.Single(ex.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal("XlParseError", d.Code);
            Assert.Equal(2, d.Line);
            Assert.Contains("near '128'", d.Message);
            Assert.Contains("syntax error, unexpected NUMBER", d.Message);
            Assert.Contains("type = \"pv\"", d.Message); // line 2 of the text XenPS sent
        }

        [Theory]
        [InlineData("79-err-nokernel", 3, "failed to open file '/nonexistent/vmlinuz': No such file or directory")]
        [InlineData("83-err-nofile", 3, "Failed to read config file: /etc/xen/does-not-exist.cfg: No such file or directory")]
        [InlineData("92-err-destroy-dom0", 1, "Not destroying domain 0; use -f to force.")]
        [InlineData("96-err-list-badopt", 2, "option `' not supported.")]
        public void OtherFailuresAreCommandExceptionsWithExitCodeAndStderr(string capture, int rc, string text)
        {
            var r = Fixture.Capture(capture);
            var ex = Assert.IsType<XenCommandException>(XlErrorMapper.Map("xl", null, r));
            Assert.Equal(rc, ex.ExitCode);
            Assert.Equal(r.StandardError, ex.StandardError);
            Assert.Contains(text, ex.Message);
            Assert.False(ex.Message.Contains('\0'), "NUL in message");
        }

        public static IEnumerable<object[]> NotFoundCases() => new[]
        {
            new object[] { "53-shutdown-gone", "test1", (Action<IXenBackend, string>)((b, d) => b.ShutdownDomain(d, false, default)), new[] { "xl", "shutdown", "test1" } },
            new object[] { "86-err-shutdown-nodom", "nosuchdom", (Action<IXenBackend, string>)((b, d) => b.ShutdownDomain(d, true, default)), new[] { "xl", "shutdown", "-F", "nosuchdom" } },
            new object[] { "87-err-destroy-nodom", "nosuchdom", (Action<IXenBackend, string>)((b, d) => b.DestroyDomain(d, default)), new[] { "xl", "destroy", "nosuchdom" } },
            new object[] { "88-err-pause-nodom", "nosuchdom", (Action<IXenBackend, string>)((b, d) => b.PauseDomain(d, default)), new[] { "xl", "pause", "nosuchdom" } },
            new object[] { "89-err-unpause-nodom", "nosuchdom", (Action<IXenBackend, string>)((b, d) => b.UnpauseDomain(d, default)), new[] { "xl", "unpause", "nosuchdom" } },
            new object[] { "91-err-domid-nodom", "nosuchdom", (Action<IXenBackend, string>)((b, d) => b.OpenConsole(d, default)), new[] { "xl", "domid", "nosuchdom" } },
        };

        [Theory]
        [MemberData(nameof(NotFoundCases))]
        public void UnknownDomainIsNotFound(string capture, string domain, Action<IXenBackend, string> act, string[] argv)
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture(capture));
            using var b = new XlBackend(fake, "xl:///");
            var ex = Assert.Throws<XenDomainNotFoundException>(() => act(b, domain));
            Assert.Equal(domain, ex.Domain);
            Assert.Equal(argv, Assert.Single(fake.Calls).Args);
        }

        [Fact]
        public void ListOfUnknownDomainCaptureMapsToNotFound()
        {
            Assert.IsType<XenDomainNotFoundException>(XlErrorMapper.Map("xl list", "nosuchdom", Fixture.Capture("84-err-list-nodom")));
        }

        [Fact]
        public void LifecycleCommandsSendExactlyTheXlArguments()
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "xl:///", new XlBackendOptions { XlPath = "/usr/sbin/xl" });
            b.ShutdownDomain("test1", false, default);
            b.ShutdownDomain("7", true, default);
            b.DestroyDomain("test1", default);
            b.PauseDomain("test1", default);
            b.UnpauseDomain("test1", default);
            Assert.Equal(new[]
            {
                "/usr/sbin/xl shutdown test1", "/usr/sbin/xl shutdown -F 7", "/usr/sbin/xl destroy test1",
                "/usr/sbin/xl pause test1", "/usr/sbin/xl unpause test1",
            }, fake.Calls.Select(c => string.Join(" ", c.Args)));
        }

        public static IEnumerable<object[]> Dom0Cases()
        {
            foreach (string d in new[] { "Domain-0", "0", "00" })
            {
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.ShutdownDomain(x, false, default)) };
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.ShutdownDomain(x, true, default)) };
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.DestroyDomain(x, default)) };
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.PauseDomain(x, default)) };
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.UnpauseDomain(x, default)) };
                yield return new object[] { d, (Action<IXenBackend, string>)((b, x) => b.OpenConsole(x, default)) };
            }
        }

        [Theory]
        [MemberData(nameof(Dom0Cases))]
        public void Domain0IsRefusedBeforeAnyCommandIsSent(string dom0, Action<IXenBackend, string> act)
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "xl:///");
            Assert.Throws<XenInvalidOperationException>(() => act(b, dom0));
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void CreatingADomainNamedDomain0IsRefusedBeforeAnyCommand()
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "xl:///");
            var c = Test1();
            c.Set("name", "Domain-0");
            Assert.Throws<XenInvalidOperationException>(() => b.CreateDomain(c, new CreateDomainOptions(), default));
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void ANameThatXlWouldReadAsAnOptionIsRefused()
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "", ""));
            using var b = new XlBackend(fake, "xl:///");
            Assert.Throws<XenInvalidOperationException>(() => b.DestroyDomain("-f", default));
            Assert.Throws<XenDomainNotFoundException>(() => b.PauseDomain("", default));
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void ConsoleReadsTheGuestLogFromARememberedOffset()
        {
            var log = "XENPS-GUEST-UP uptime=3.94\n";
            var more = "/ # hello\n";
            var reads = new List<string>();
            var fake = new FakeRunner((a, _) =>
            {
                if (a[0] == "xl" && a[1] == "domid") return new CommandResult(0, "1\n", "");
                if (a[0] == "sh" && a[2] == XlConsole.ReadScript)
                {
                    reads.Add(a[7]);
                    return a[7] switch
                    {
                        "-1" => new CommandResult(0, log.Length + " 0\n" + log, ""),
                        _ when a[7] == log.Length.ToString() && reads.Count == 2 => new CommandResult(0, log.Length + " " + log.Length + "\n", ""),
                        _ when a[7] == log.Length.ToString() => new CommandResult(0, (log.Length + more.Length) + " " + log.Length + "\n" + more, ""),
                        _ => new CommandResult(0, "@@XENPS-DOMAIN-GONE@@\n", ""),
                    };
                }
                return new CommandResult(127, "", "unexpected");
            });
            using var b = new XlBackend(fake, "xl:///", new XlBackendOptions { ConsolePollInterval = TimeSpan.FromMilliseconds(10) });
            using var con = b.OpenConsole("test1", default);
            Assert.Equal(log, con.Read(TimeSpan.Zero, default));
            Assert.Equal(more, con.Read(TimeSpan.FromSeconds(5), default)); // first poll empty, second has data
            Assert.Throws<XenDomainNotFoundException>(() => con.Read(TimeSpan.Zero, default));
            var first = fake.Calls.First(c => c.Args[0] == "sh").Args;
            // A domain this backend did not create: "-1", the start of its current boot as the log marks it.
            Assert.Equal(new[] { "sh", "-c", XlConsole.ReadScript, "sh", "xl", "test1", "/var/log/xen/console/guest-test1.log", "-1" }, first);
        }

        [Fact]
        public void TheConsoleOfACreatedDomainStartsAtItsOwnBootNotAtEarlierRunsOfTheName()
        {
            // xenconsoled appends every run of a name to one log: the create script reports where this boot starts.
            var fake = new FakeRunner((a, _) =>
                FakeRunner.IsCreate(a) ? new CommandResult(0, XlBackend.ConsoleOffsetMarker + " 4321\n", "Parsing config from /tmp/x\n")
                : FakeRunner.IsList(a) ? Fixture.ListCapture("15-list", "16-list-l")
                : a.Count == 3 && a[1] == "domid" ? new CommandResult(0, "1\n", "")
                : a.Count == 3 && a[1] == "domname" ? new CommandResult(0, "test1\n", "")
                : a[0] == "sh" && a[2] == XlConsole.ReadScript ? new CommandResult(0, "4400 4321\n" + new string('x', 79), "")
                : new CommandResult(127, "", "unexpected"));
            using var b = new XlBackend(fake, "xl:///");
            var d = b.CreateDomain(Test1(), new CreateDomainOptions(), CancellationToken.None);
            using (var con = b.OpenConsole("test1", default)) con.Read(TimeSpan.Zero, default);
            var read = fake.Calls.Last(c => c.Args[0] == "sh" && c.Args[2] == XlConsole.ReadScript).Args;
            Assert.Equal("4321", read[7]);
            using (var byId = b.OpenConsole(d.Id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), default)) byId.Read(TimeSpan.Zero, default);
            read = fake.Calls.Last(c => c.Args[0] == "sh" && c.Args[2] == XlConsole.ReadScript).Args;
            Assert.Equal("4321", read[7]);
        }

        [Fact]
        public void ConsoleWritePassesKeysAndNameAsArgumentsToAConstantScript()
        {
            var fake = new FakeRunner((a, _) => new CommandResult(0, "1\n", ""));
            using var b = new XlBackend(fake, "xl:///");
            using var con = b.OpenConsole("evil'$(reboot)", default);
            con.Write("echo hi\n", default);
            var w = fake.Calls.Last().Args;
            Assert.Equal(new[] { "sh", "-c", XlConsole.WriteScript, "sh", "xl", "evil'$(reboot)", "echo hi\r" }, w);
            Assert.Contains("script -qfc '\"$XENPS_XL\" console \"$XENPS_DOM\"'", XlConsole.WriteScript);
        }
    
        [Fact]
        public void TimestampPrefixesAndLogfileOpenedLinesAreNotGuestOutput()
        {
            var con = new XlConsole(new XlBackend(new FakeRunner((a, _) => new CommandResult(0, "", "")), "xl:///"), "g", new XlBackendOptions());
            Assert.Equal("boot 1\nlogin: ", con.Clean("[2026-12-01 20:10:00] Logfile Opened\n[2026-12-01 20:10:01] boot 1\n[2026-12-01 20:10:02] login: "));
            // a prefix cut by the read is held back until the rest arrives; text mid-line is never touched
            Assert.Equal("x [2026-12-01 20:10:00] y\n", con.Clean("x [2026-12-01 20:10:00] y\n[2026-12"));
            Assert.Equal("second\n", con.Clean("-01 20:10:03] second\n"));
            Assert.Equal("", con.Clean("[2026-12-01 20:10:04] Logfile Op"));
            Assert.Equal("third\n", con.Clean("ened\n[2026-12-01 20:10:05] third\n"));
            // the marker xenconsoled appends to an unfinished line (one needs-timestamp flag for all guests)
            Assert.Equal("/ # \n", con.Clean("[2026-12-01 20:10:06] / # Logfile Opened\n"));
            // a log without timestamps passes through unchanged
            Assert.Equal("[    0.000000] Linux version\n", con.Clean("[    0.000000] Linux version\n"));
        }

        [Fact]
        public void TheReadScriptStartsAtTheLastBootMarkerOfTheRealLog()
        {
            if (OperatingSystem.IsWindows()) return;
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xenps-con-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                string xl = System.IO.Path.Combine(dir, "xl");
                System.IO.File.WriteAllText(xl, "#!/bin/sh\ncase \"$1\" in domname) echo web;; domid) echo 7;; esac\nexit 0\n");
                System.IO.File.SetUnixFileMode(xl, System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.UserExecute);
                // Two runs of the same name, as xenconsoled --log=guest --timestamp=guest appends them.
                System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "guest-web.log"),
                    "Logfile Opened\n[2026-12-01 20:00:01] old boot\n[2026-12-01 20:00:02] / # " +
                    "Logfile Opened\n[2026-12-01 20:05:01] new boot\n"); // as Xen 4.17's xenconsoled wrote it in the lab
                using var b = new XlBackend(new LocalCommandRunner(), "xl:///", new XlBackendOptions { XlPath = xl, ConsoleLogDirectory = dir });
                using var con = b.OpenConsole(new XenDomain { Name = "web", Id = 7 }, default);
                Assert.Equal("new boot\n", con.Read(TimeSpan.Zero, default));
                System.IO.File.AppendAllText(System.IO.Path.Combine(dir, "guest-web.log"), "[2026-12-01 20:05:02] login: ");
                Assert.Equal("login: ", con.Read(TimeSpan.Zero, default));
            }
            finally
            {
                System.IO.Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void AConsoleReadWithAWaitWaitsAtTheHostAndAnswersWhenTheGuestWrites()
        {
            if (OperatingSystem.IsWindows()) return;
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xenps-conw-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                // xl is a script that counts its runs: a host-side wait runs it once per read, not once per poll
                string xl = System.IO.Path.Combine(dir, "xl"), runs = System.IO.Path.Combine(dir, "runs");
                System.IO.File.WriteAllText(xl, "#!/bin/sh\necho x >> '" + runs + "'\ncase \"$1\" in domname) echo web;; domid) echo 7;; esac\nexit 0\n");
                System.IO.File.SetUnixFileMode(xl, System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.UserExecute);
                string log = System.IO.Path.Combine(dir, "guest-web.log");
                System.IO.File.WriteAllText(log, "Logfile Opened\n[2026-12-01 20:05:01] booting\n");
                var calls = new List<IReadOnlyList<string>>();
                var runner = new RecordingRunner(new LocalCommandRunner(), calls);
                using var b = new XlBackend(runner, "xl:///", new XlBackendOptions { XlPath = xl, ConsoleLogDirectory = dir, ConsolePollInterval = TimeSpan.FromSeconds(5) });
                using var con = b.OpenConsole(new XenDomain { Name = "web", Id = 7 }, default);
                Assert.Equal("booting\n", con.Read(TimeSpan.Zero, default));
                int before = calls.Count, xlRuns = System.IO.File.ReadAllLines(runs).Length;
                var writer = System.Threading.Tasks.Task.Run(() =>
                {
                    System.Threading.Thread.Sleep(600);
                    System.IO.File.AppendAllText(log, "[2026-12-01 20:05:02] login: ");
                });
                // one read, waiting at the host: the text written while it waited comes back from that same call
                Assert.Equal("login: ", con.Read(TimeSpan.FromSeconds(30), default));
                writer.Wait();
                Assert.Equal(1, calls.Count - before);
                var args = calls[^1];
                Assert.Equal(10, args.Count);
                Assert.Equal("-1", args[8]);                       // no reboot floor
                Assert.Equal("20", args[9]);                       // at most HostWaitLimit (2 s) in tenths
                Assert.Equal(xlRuns + 1, System.IO.File.ReadAllLines(runs).Length); // xl ran once for the read (domid), not per poll
            }
            finally
            {
                System.IO.Directory.Delete(dir, true);
            }
        }

        private sealed class RecordingRunner : ICommandRunner
        {
            private readonly ICommandRunner _inner;
            private readonly List<IReadOnlyList<string>> _calls;
            public RecordingRunner(ICommandRunner inner, List<IReadOnlyList<string>> calls) { _inner = inner; _calls = calls; }
            public string Description => _inner.Description;
            public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken)
            {
                lock (_calls) _calls.Add(arguments.ToList());
                return _inner.Run(arguments, standardInput, timeout, cancellationToken);
            }
            public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => _inner.TerminalCommand(arguments);
            public void Dispose() => _inner.Dispose();
        }
    }
}
