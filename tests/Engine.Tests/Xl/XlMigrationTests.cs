#pragma warning disable CA1416 // these tests run on Linux (POSIX shell)
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>
    /// xl migrate: the argument vector, xl's progress lines (migrate-m04, a localhost migration of a PVH guest on the
    /// lab), the real failures (m08 unreachable host, m11 PV guest without shadow paging, m13 unknown domain), the
    /// constant scripts run for real with a local sh and a stand-in ssh, and the preflight's proof that an address
    /// reaches the destination connection's host and not another (two lab dom0s of one image share a host name).
    /// </summary>
    public sealed class XlMigrationTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("xenps-mig-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string Script(string name, string body)
        {
            string p = Path.Combine(_dir, name);
            File.WriteAllText(p, "#!/bin/sh\n" + body);
            File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return p;
        }

        private static XenDomain MigCap => new XenDomain { Name = "mig-cap", Id = 1, Uuid = "5a1f3c52-6c0e-4a43-9e53-6b7f1c2d9e10", Type = XenDomainType.PVH, MemoryMiB = 128, StateFlags = "-b----" };

        [Fact]
        public void MigrateRunsXlWithTheOptionsAndTheAddressAsSeparateArguments()
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture("migrate-m04-migrate-localhost"));
            using var b = new XlBackend(fake, "ssh://lab");
            b.MigrateDomain(MigCap, new MigrationDestination(b, "xenlab2"),
                new MigrateDomainOptions { SshCommand = new[] { "ssh", "-p", "2200" }, ConfigPath = "/etc/xen/mig cap.cfg", Paused = true, PreserveDomainId = true }, null, CancellationToken.None);
            Assert.Equal(new[] { "xl", "migrate", "-s", "ssh -p 2200", "-C", "/etc/xen/mig cap.cfg", "-p", "-D", "1", "xenlab2" }, fake.Calls.Single().Args);
        }

        [Theory]
        [InlineData("xenlab2; reboot")]
        [InlineData("-oProxyCommand=touch /tmp/x")]
        [InlineData("a b")]
        [InlineData("$(reboot)")]
        [InlineData("`id`")]
        [InlineData("")]
        public void AnAddressXlWouldSpliceIntoItsShellLineIsRefusedBeforeAnythingRuns(string address)
        {
            var fake = new FakeRunner((a, _) => throw new InvalidOperationException("nothing may run"));
            using var b = new XlBackend(fake, "ssh://lab");
            Assert.Throws<XenArgumentException>(() => b.MigrateDomain(MigCap, new MigrationDestination(b, address), new MigrateDomainOptions(), null, CancellationToken.None));
            Assert.Throws<XenArgumentException>(() => b.CheckMigrationPath(new MigrationDestination(b, address), new MigrateDomainOptions(), CancellationToken.None));
            Assert.Empty(fake.Calls);
        }

        [Theory]
        [InlineData("ssh;reboot")]
        [InlineData("-p")]
        [InlineData("ssh -p 22")]
        [InlineData("'ssh'")]
        public void AnSshCommandWordXlWouldHandToShIsRefused(string word)
        {
            var fake = new FakeRunner((a, _) => throw new InvalidOperationException("nothing may run"));
            using var b = new XlBackend(fake, "ssh://lab");
            Assert.Throws<XenArgumentException>(() => b.MigrateDomain(MigCap, new MigrationDestination(b, "xenlab2"),
                new MigrateDomainOptions { SshCommand = new[] { word } }, null, CancellationToken.None));
            Assert.Empty(fake.Calls);
        }

        [Fact]
        public void XlsMigrationMessagesAreProgressInTheOrderXlWritesThem()
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture("migrate-m04-migrate-localhost"));
            using var b = new XlBackend(fake, "ssh://lab");
            var seen = new List<MigrationProgress>();
            b.MigrateDomain(MigCap, new MigrationDestination(b, "localhost"), new MigrateDomainOptions(), seen.Add, CancellationToken.None);
            var msgs = seen.Select(p => p.Message).ToList();
            Assert.Equal("migration target: Ready to receive domain.", msgs[0]);
            Assert.Contains("migration sender: Target has acknowledged transfer.", msgs);
            Assert.Equal("Migration successful.", msgs[^1]);
            Assert.DoesNotContain(msgs, m => m != null && m.StartsWith("xc: info", StringComparison.Ordinal));
            var frames = XlBackend.ParseMigrationProgress("xc: progress: Frames: 4096/65536    6%")!;
            Assert.Equal(("Frames", 4096L, 65536L, 6), (frames.Phase, frames.Done, frames.Total, frames.PercentComplete));
        }

        [Theory]
        [InlineData("migrate-m08-migrate-nohost", XenErrorReason.MigrationDestinationUnreachable, "Could not resolve hostname")]
        [InlineData("migrate-m11-migrate-pv", XenErrorReason.MigrationGuestNotMigratable, "Failed to enable logdirty")]
        [InlineData("migrate-m13-migrate-nodom", XenErrorReason.DomainNotFound, "invalid domain identifier")]
        public void XlsRealFailuresAreTypedReasons(string capture, XenErrorReason reason, string text)
        {
            var fake = new FakeRunner((a, _) => Fixture.Capture(capture));
            using var b = new XlBackend(fake, "ssh://lab");
            var e = Assert.ThrowsAny<XenPSException>(() => b.MigrateDomain(MigCap, new MigrationDestination(b, "localhost"), new MigrateDomainOptions(), null, CancellationToken.None));
            Assert.Equal(reason, e.Reason);
            Assert.Contains(text, e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ThePathScriptRunsTheSshCommandWithBatchModeAndATimeoutAndReadsTheNameAndBootId()
        {
            string args = Path.Combine(_dir, "args");
            string ssh = Script("fake-ssh", $"for a; do echo \"$a\"; done > '{args}'; echo xenlab2; echo 0b9e1c1e-boot");
            using var b = new XlBackend(new LocalCommandRunner(), "xl:///");
            var r = b.CheckMigrationPath(new MigrationDestination(b, "xenlab2"), new MigrateDomainOptions { SshCommand = new[] { ssh, "-p", "2200" }, ConnectTimeout = TimeSpan.FromSeconds(7) },
                CancellationToken.None);
            Assert.True(r.Reachable, r.Detail);
            Assert.Equal("xenlab2", r.RemoteHostName);
            Assert.Equal("0b9e1c1e-boot", r.RemoteIdentity);
            Assert.Equal(new[] { "-p", "2200", "-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "xenlab2", "uname -n; cat /proc/sys/kernel/random/boot_id" },
                File.ReadAllLines(args));
        }

        [Fact]
        public void ASharedConnectionKeepsThePreflightsLoginOpenForXlAndIsReleasedAfterwards()
        {
            string args = Path.Combine(_dir, "args");
            string ssh = Script("ssh", $"for a; do echo \"$a\"; done > '{args}'; echo xenlab2; echo boot-2");
            var runner = new PathRunner(_dir); // finds this stand-in first on PATH, as dom0 finds ssh
            using var b = new XlBackend(runner, "xl:///", new XlBackendOptions { MigrationLoginKeepSeconds = 0 }); // ended after each migration
            var r = b.CheckMigrationPath(new MigrationDestination(b, "xenlab2"), new MigrateDomainOptions { ShareConnection = true }, CancellationToken.None);
            Assert.True(r.Reachable, r.Detail);
            Assert.Equal("boot-2", r.RemoteIdentity);
            string shared = r.SharedConnection!;
            Assert.Matches(@"^/tmp/xenps-mig\.[A-Za-z0-9]{10}/cm$", shared);
            Assert.True(Directory.Exists(Path.GetDirectoryName(shared)));
            var sent = File.ReadAllLines(args);
            Assert.Equal(new[] { "-o", "ControlMaster=auto", "-o", "ControlPath=" + shared, "-o", "ControlPersist=600", "-o", "BatchMode=yes" }, sent.Take(8));
            Assert.Equal(new[] { "migrate", "-s", "ssh -o ControlPath=" + shared, "1", "xenlab2" },
                XlBackend.MigrateArguments("1", "xenlab2", new MigrateDomainOptions { SharedConnection = shared }));
            b.ReleaseSharedConnection(new MigrationDestination(b, "xenlab2"), shared, CancellationToken.None);
            // the master is told to exit in the background (nothing waits for ssh's start on a busy dom0); its folder goes after it
            Assert.True(SpinWait.SpinUntil(() => !Directory.Exists(Path.GetDirectoryName(shared)), TimeSpan.FromSeconds(10)), "the shared login's folder was removed");
            Assert.Contains("-O", File.ReadAllLines(args));
            Assert.Contains("exit", File.ReadAllLines(args));
            // an explicit -SshCommand is used as given, without a shared login
            Assert.Equal(new[] { "migrate", "-s", "ssh -p 2200", "1", "xenlab2" },
                XlBackend.MigrateArguments("1", "xenlab2", new MigrateDomainOptions { SshCommand = new[] { "ssh", "-p", "2200" }, SharedConnection = shared }));
        }

        [Fact]
        public void TheSharedLoginsReleaseDoesNotWaitForSshOnTheDom0()
        {
            // ssh's start on a dom0 busy after a migration takes a second or more: the release returns without waiting for it
            string done = Path.Combine(_dir, "exited");
            Script("ssh", $"sleep 5; echo exited > '{done}'");
            var runner = new PathRunner(_dir);
            using var b = new XlBackend(runner, "xl:///");
            string folder = Directory.CreateTempSubdirectory("xenps-mig.").FullName;
            Assert.StartsWith("/tmp/xenps-mig.", folder, StringComparison.Ordinal);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            b.ReleaseSharedConnection(new MigrationDestination(b, "xenlab2"), folder + "/cm", CancellationToken.None);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"took {sw.Elapsed.TotalSeconds:F1} s");
            Assert.False(File.Exists(done));
            Assert.True(SpinWait.SpinUntil(() => File.Exists(done) && !Directory.Exists(folder), TimeSpan.FromSeconds(20)), "ssh -O exit ran and the folder went after it");
        }

        /// <summary>
        /// The preflight asks each host once (an ssh round trip each, the source's with its dom0's login to the
        /// destination): the facts scripts run here for real with a local sh, a stand-in xl and ssh. Each part is read on
        /// its own, so a part that fails (xl info refused, an unreachable destination) says why and the others still come.
        /// </summary>
        [Fact]
        public void TheFactsOfEachHostComeInOneCommandAndAFailedPartDoesNotHideTheOthers()
        {
            string info = Path.Combine(Fixture.Dir, "migrate-m01-info.stdout");
            string list = Path.Combine(Fixture.Dir, "migrate-m03-list-before.stdout");
            string xl = Script("fake-xl", $"case \"$1\" in info) cat '{info}';; list) cat '{list}';; *) exit 9;; esac");
            Script("ssh", "echo xenlab2; echo boot-of-host2");
            string kernel = Script("kernel", "");
            using var b = new XlBackend(new PathRunner(_dir), "xl:///", new XlBackendOptions { XlPath = xl });
            var paths = new[] { kernel, "/nonexistent/initrd" };

            var src = b.GatherSourceFacts(new MigrationDestination(b, "xenlab2"), paths, new MigrateDomainOptions(), CancellationToken.None);
            Assert.Null(src.InfoError);
            Assert.Equal("4.17.7", src.Info!.XenVersion);
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), src.Identity);
            Assert.Equal(new[] { true, false }, src.PathsExist);
            Assert.True(src.Path!.Reachable, src.Path.Detail);
            Assert.Equal("boot-of-host2", src.Path.RemoteIdentity);

            var dst = b.GatherDestinationFacts(paths, CancellationToken.None);
            Assert.Equal("4.17.7", dst.Info!.XenVersion);
            Assert.Contains(dst.Domains!, d => d.Name == "Domain-0" && d.Id == 0);
            Assert.Equal(new[] { true, false }, dst.PathsExist);

            // within one boot the source's xl info is not read again (its Xen version and virt_caps cannot change); as its own
            // destination (a migration on one host, which needs its free memory) it is
            string ran = Path.Combine(_dir, "info-ran");
            Script("fake-xl", $"case \"$1\" in info) touch '{ran}'; cat '{info}';; *) exit 9;; esac");
            using var other = new XlBackend(new PathRunner(_dir), "xl:///other", new XlBackendOptions { XlPath = xl });
            src = b.GatherSourceFacts(new MigrationDestination(other, "xenlab2"), paths, new MigrateDomainOptions(), CancellationToken.None);
            Assert.False(File.Exists(ran), "xl info ran again within the same boot");
            Assert.Equal("4.17.7", src.Info!.XenVersion);
            Assert.Null(src.InfoError);
            src = b.GatherSourceFacts(new MigrationDestination(b, "xenlab2"), paths, new MigrateDomainOptions(), CancellationToken.None);
            Assert.True(File.Exists(ran), "xl info did not run for a migration on the host itself");

            // xl refuses info, the destination does not answer: those parts say so, the rest is there (a new connection knows no boot)
            Script("fake-xl", "echo 'libxl: error: cannot connect to xenstored' >&2; exit 1");
            Script("ssh", "echo 'ssh: connect to host xenlab2 port 22: No route to host' >&2; exit 255");
            using var b2 = new XlBackend(new PathRunner(_dir), "xl:///", new XlBackendOptions { XlPath = xl });
            src = b2.GatherSourceFacts(new MigrationDestination(b, "xenlab2"), paths, new MigrateDomainOptions(), CancellationToken.None);
            Assert.Null(src.Info);
            Assert.Contains("xenstored", src.InfoError, StringComparison.Ordinal);
            Assert.False(src.Path!.Reachable);
            Assert.Contains("No route to host", src.Path.Detail, StringComparison.Ordinal);
            Assert.Equal(new[] { true, false }, src.PathsExist);
            Assert.NotNull(src.Identity);
        }

        /// <summary>
        /// With MigrationLoginKeepSeconds (default 120) the login stays for the next migration to that address: the next
        /// check runs through it once its master answers `ssh -O check`; a master that has gone is replaced, its folder
        /// removed; closing the connection ends the kept login. The stand-in ssh plays the master: alive from a login
        /// until `-O exit`.
        /// </summary>
        [Fact]
        public void ALoginIsKeptForTheNextMigrationToThatAddressReplacedWhenItsMasterHasGoneAndEndedWithTheConnection()
        {
            string log = Path.Combine(_dir, "calls"), alive = Path.Combine(_dir, "alive");
            Script("ssh", $"echo \"$*\" >> '{log}'; case \" $* \" in *' -O check '*) [ -e '{alive}' ]; exit $?;; *' -O exit '*) rm -f '{alive}'; exit 0;; esac; " +
                          $"touch '{alive}'; echo xenlab2; echo boot-2");
            var b = new XlBackend(new PathRunner(_dir), "xl:///", new XlBackendOptions { MigrationLoginKeepSeconds = 90 });
            var dest = new MigrationDestination(b, "xenlab2");
            var share = new MigrateDomainOptions { ShareConnection = true };
            try
            {
                var first = b.CheckMigrationPath(dest, share, CancellationToken.None);
                string shared = first.SharedConnection!;
                Assert.Contains("-o ControlMaster=auto -o ControlPath=" + shared + " -o ControlPersist=90 ", File.ReadAllText(log), StringComparison.Ordinal);
                Assert.DoesNotContain("kept", first.Detail, StringComparison.Ordinal);
                b.ReleaseSharedConnection(dest, shared, CancellationToken.None); // kept, not ended
                Thread.Sleep(300);
                Assert.True(Directory.Exists(Path.GetDirectoryName(shared)));
                Assert.DoesNotContain(" -O exit ", File.ReadAllText(log), StringComparison.Ordinal);

                // the next check goes through it
                var second = b.CheckMigrationPath(dest, share, CancellationToken.None);
                Assert.True(second.Reachable, second.Detail);
                Assert.Equal(shared, second.SharedConnection);
                Assert.Contains("through its login kept from an earlier migration", second.Detail, StringComparison.Ordinal);
                Assert.Contains("-o ControlPath=" + shared + " -O check xenlab2", File.ReadAllText(log), StringComparison.Ordinal);

                // its master has gone (ControlPersist ran out on the dom0): a new login in a new folder, the old folder removed
                File.Delete(alive);
                var third = b.CheckMigrationPath(dest, share, CancellationToken.None);
                Assert.True(third.Reachable, third.Detail);
                Assert.NotEqual(shared, third.SharedConnection);
                Assert.DoesNotContain("kept", third.Detail, StringComparison.Ordinal);
                Assert.False(Directory.Exists(Path.GetDirectoryName(shared)));

                // closing the connection ends the kept login (in the background on the dom0) and removes its folder
                b.Dispose();
                Assert.True(SpinWait.SpinUntil(() => !Directory.Exists(Path.GetDirectoryName(third.SharedConnection!)), TimeSpan.FromSeconds(10)), "the kept login's folder was removed");
                Assert.Contains("-o ControlPath=" + third.SharedConnection + " -O exit xenlab2", File.ReadAllText(log), StringComparison.Ordinal);
            }
            finally
            {
                b.Dispose();
                foreach (var d in Directory.GetDirectories("/tmp", "xenps-mig.*"))
                    if (File.ReadAllText(log).Contains(d, StringComparison.Ordinal)) Directory.Delete(d, true);
            }
        }

        [Fact]
        public void AFailedLoginLeavesNoSharedConnectionBehind()
        {
            Script("ssh", "echo 'Permission denied (publickey).' >&2; exit 255");
            using var b = new XlBackend(new PathRunner(_dir), "xl:///");
            var before = Directory.GetDirectories("/tmp", "xenps-mig.*").ToHashSet();
            var r = b.CheckMigrationPath(new MigrationDestination(b, "xenlab2"), new MigrateDomainOptions { ShareConnection = true }, CancellationToken.None);
            Assert.False(r.Reachable);
            Assert.Null(r.SharedConnection);
            Assert.Contains("Permission denied", r.Detail, StringComparison.Ordinal);
            Assert.Empty(Directory.GetDirectories("/tmp", "xenps-mig.*").Where(d => !before.Contains(d)));
        }

        /// <summary>xenconsoled logs a domain that arrived by xl migrate to guest-NAME--incoming.log (measured on the lab): the console reads the log written last.</summary>
        [Fact]
        public void TheConsoleOfAMigratedDomainIsReadFromTheLogXenconsoledOpenedForItsIncomingName()
        {
            string xl = Script("xl", "exit 0");
            string logs = Directory.CreateDirectory(Path.Combine(_dir, "console")).FullName;
            string old = Path.Combine(logs, "guest-mig-1.log"), inc = Path.Combine(logs, "guest-mig-1--incoming.log");
            File.WriteAllText(old, "[2026-12-02 02:23:30] Logfile Opened\n[2026-12-02 02:23:46] before the migration\n");
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddMinutes(-5));
            File.WriteAllText(inc, "[2026-12-02 02:27:00] Logfile Opened\n[2026-12-02 02:27:01] MIG-READY-1\n");
            string Read()
            {
                var o = new XlBackendOptions { XlPath = xl, ConsoleLogDirectory = logs };
                using var b = new XlBackend(new LocalCommandRunner(), "xl:///", o);
                using var c = new XlConsole(b, "mig-1", o, XlConsole.CurrentBoot);
                return c.Read(TimeSpan.Zero, CancellationToken.None);
            }
            Assert.Equal("MIG-READY-1\n", Read());
            File.SetLastWriteTimeUtc(inc, DateTime.UtcNow.AddMinutes(-10)); // a domain created since writes guest-mig-1.log again
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow);
            Assert.Equal("before the migration\n", Read());
        }

        /// <summary>Runs locally with a folder of stand-in programs first on PATH.</summary>
        private sealed class PathRunner : ICommandRunner
        {
            private readonly LocalCommandRunner _inner = new LocalCommandRunner();
            private readonly string _bin;
            public PathRunner(string bin) => _bin = bin;
            public string Description => "local dom0 (stand-in ssh)";
            public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken)
            {
                var a = new List<string> { "env", "PATH=" + _bin + ":" + Environment.GetEnvironmentVariable("PATH") };
                a.AddRange(arguments);
                return _inner.Run(a, standardInput, timeout, cancellationToken);
            }
            public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => arguments;
            public void Dispose() => _inner.Dispose();
        }

        [Fact]
        public void AnUnreachableDestinationIsReportedWithSshsOwnWords()
        {
            string ssh = Script("fake-ssh", "echo 'ssh: Could not resolve hostname nosuchhost.invalid: Temporary failure in name resolution' >&2; exit 255");
            using var b = new XlBackend(new LocalCommandRunner(), "xl:///");
            var r = b.CheckMigrationPath(new MigrationDestination(b, "nosuchhost.invalid"), new MigrateDomainOptions { SshCommand = new[] { ssh } }, CancellationToken.None);
            Assert.False(r.Reachable);
            Assert.Contains("Could not resolve hostname", r.Detail, StringComparison.Ordinal);
            Assert.Contains("authorized_keys", r.Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void PathsAreTestedOnTheHostAsArgumentsOfAConstantScript()
        {
            string there = Path.Combine(_dir, "kernel 'x'");
            File.WriteAllText(there, "k");
            using var b = new XlBackend(new LocalCommandRunner(), "xl:///");
            Assert.Equal(new[] { true, false }, b.PathsExist(new[] { there, there + "; rm -rf /" }, CancellationToken.None));
        }

        [Fact]
        public void TheDomidHistoryIsReadAsLibxlReadsIt()
        {
            // the lab's dom0 after two failed xl migrate -D of domid 4 (/proc/uptime's first field, then /var/run/xen/domid-history)
            var r = XlBackend.ParseRecentDomids("498.28\n478 4\n488 4\n420 7\n437 9\nnot a line\n");
            Assert.NotNull(r);
            Assert.Equal(new[] { 4 }, r!.Keys);
            Assert.Equal(51, r[4]);  // used 10 s ago (the later entry counts): free again in 51 s
            Assert.False(r.ContainsKey(9)); // used 61 s ago: no longer kept
            Assert.False(r.ContainsKey(7));
            Assert.Empty(XlBackend.ParseRecentDomids("12.50\n")!); // no history file: nothing kept
            Assert.Null(XlBackend.ParseRecentDomids(""));
        }

        [Fact]
        public void TheDefaultAddressIsTheMigrationAddressOptionElseTheSshHost()
        {
            var fake = new FakeRunner((a, _) => throw new InvalidOperationException("nothing may run"));
            using var plain = new XlBackend(fake, "ssh://root@127.0.0.1:2223");
            Assert.Equal("127.0.0.1", plain.DefaultMigrationAddress(CancellationToken.None));
            using var named = new XlBackend(fake, "ssh://root@127.0.0.1:2223", new XlBackendOptions { MigrationAddress = "xenlab2" });
            Assert.Equal("xenlab2", named.DefaultMigrationAddress(CancellationToken.None));
        }

        /// <summary>
        /// The lab's trap: ssh://root@127.0.0.1:2223 is the second host to XenPS, but 127.0.0.1 from the first dom0 is the
        /// first dom0 itself, and both dom0s are named xenps-lab-dom0. The boot id tells them apart; the preflight fails.
        /// </summary>
        [Fact]
        public void AnAddressThatReachesTheSourceItselfInsteadOfTheDestinationFailsThePreflight()
        {
            CommandResult Host(IReadOnlyList<string> a, string boot)
            {
                if (a[0] == "cat") return new CommandResult(0, boot + "\n", "");
                if (a.Count > 2 && a[2] == XlBackend.PathScript) return new CommandResult(0, XlBackend.PathOkMarker + "\nxenps-lab-dom0\nboot-of-host1\n", ""); // 127.0.0.1 from host 1
                if (a.Count > 1 && a[1] == "info") return Fixture.Capture("migrate-m01-info");
                if (FakeRunner.IsList(a)) return Fixture.List(Fixture.Text("migrate-m03-list-before.stdout").Split("mig-cap")[0], "[]");
                if (a.Count > 2 && a[2] == XlBackend.PathsScript) return new CommandResult(0, string.Concat(a.Skip(4).Select(_ => "1\n")), "");
                // the preflight's one command per host: its parts as the facts scripts print them
                string Part(string name, string text) => $"{XlBackend.PartMarker} {name}\n{text}{XlBackend.PartEndMarker} 0\n";
                string info = Fixture.Capture("migrate-m01-info").StandardOutput;
                if (a.Count > 12 && a[2] == XlBackend.SourceFactsScript)
                    return new CommandResult(0, Part("info", info) + Part("id", boot + "\n") + Part("paths", string.Concat(Enumerable.Repeat("1\n", int.Parse(a[12])))) +
                        Part("path", XlBackend.PathOkMarker + "\nxenps-lab-dom0\nboot-of-host1\n"), ""); // 127.0.0.1 from host 1
                if (a.Count > 4 && a[2] == XlBackend.DestinationFactsScript)
                    return new CommandResult(0, Part("info", info) + Part("list", Fixture.Text("migrate-m03-list-before.stdout").Split("mig-cap")[0]) + Part("id", boot + "\n") +
                        Part("paths", string.Concat(a.Skip(5).Select(_ => "1\n"))), "");
                return new CommandResult(127, "", "unexpected " + string.Join(" ", a));
            }
            using var h1 = new XlBackend(new FakeRunner((a, _) => Host(a, "boot-of-host1")), "ssh://root@127.0.0.1:2222");
            using var h2 = new XlBackend(new FakeRunner((a, _) => Host(a, "boot-of-host2")), "ssh://root@127.0.0.1:2223");
            var src = new XenHostConnection("lab", h1.Uri, h1);
            var dst = new XenHostConnection("lab2", h2.Uri, h2);
            var d = MigCap;
            d.Config = new XenDomainConfig();
            d.Config.Set("kernel", "/var/lib/xenlab/guest-kernel");
            var pre = new MigrationService().Preflight(new XenDomainTarget(src, d), dst, null, new MigrateDomainOptions(), CancellationToken.None);
            Assert.Equal("127.0.0.1", pre.DestinationAddress);
            Assert.Equal(new[] { "DestinationReachable" }, pre.Failed);
            string detail = pre.Checks.Single(c => c.Name == "DestinationReachable").Detail;
            Assert.Contains("it is the source host itself", detail, StringComparison.Ordinal);
            Assert.Contains("-DestinationAddress", detail, StringComparison.Ordinal);
            Assert.Equal("MigrationDestinationUnreachable", pre.Error()!.ErrorId);
        }
    }
}
