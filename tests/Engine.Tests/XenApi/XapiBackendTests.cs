using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.XenApi
{
    /// <summary>The xapi:// backend against the fake pool: login, listing, host facts, power actions, console, errors.</summary>
    public sealed class XapiBackendTests : IClassFixture<FakePoolFixture>
    {
        private readonly FakeXapiServer _fake;
        private static readonly CancellationToken None = CancellationToken.None;

        public XapiBackendTests(FakePoolFixture f) { _fake = f.Server; }

        private XenDomain Vm(IXenBackend b, string name) => b.ListDomains(None).Single(d => d.Name == name);

        [Fact]
        public void Logs_in_once_as_XenPS_with_its_own_user_agent_and_logs_out_on_dispose()
        {
            int before = _fake.Sessions().EnumerateArray().Count(s => s.GetProperty("originator").GetString() == "XenPS");
            using (var b = _fake.Open())
            {
                b.ListDomains(None);
                ((IXenHostFacts)b).GetHostInfo(None);
                var mine = _fake.Sessions().EnumerateArray().Where(s => s.GetProperty("originator").GetString() == "XenPS").ToList();
                Assert.Equal(before + 1, mine.Count);
                Assert.StartsWith("XenPS/", mine.Last().GetProperty("user_agent").GetString());
                Assert.Equal(1, ((XapiBackend)b).Session.Logins);
            }
            Assert.Equal(before, _fake.Sessions().EnumerateArray().Count(s => s.GetProperty("originator").GetString() == "XenPS"));
        }

        [Fact]
        public void Lists_VMs_in_one_call_without_templates_or_snapshots_control_domains_first_as_Domain_0()
        {
            using var b = _fake.Open();
            b.ListDomains(None); // warms the host names
            int calls = _fake.Calls("VM.get_all_records"), records = _fake.Calls("VM.get_record"), hosts = _fake.Calls("host.get_all_records");
            var list = b.ListDomains(None);
            Assert.Equal(calls + 1, _fake.Calls("VM.get_all_records"));
            Assert.Equal(records, _fake.Calls("VM.get_record"));
            Assert.Equal(hosts, _fake.Calls("host.get_all_records")); // host names come from the cache
            Assert.DoesNotContain(list, d => d.Name.Contains("Debian") || d.Name.Contains("before upgrade") || d.Name == "Other install media");
            Assert.True(list[0].IsControlDomain && list[1].IsControlDomain);
            Assert.Equal(new[] { "Domain-0", "Domain-0" }, list.Take(2).Select(d => d.Name));
            Assert.Equal(new[] { "xcp-host1", "xcp-host2" }, list.Take(2).Select(d => d.ResidentOn));
            Assert.True(list[0].IsDomain0);
            Assert.Equal(0, list[0].Id);

            var web1 = list.Single(d => d.Name == "web1");
            Assert.Equal(XenDomainState.Running, web1.State);
            Assert.NotNull(web1.Id);
            Assert.Equal("xcp-host1", web1.ResidentOn);
            Assert.Equal(1024, web1.MemoryMiB);
            Assert.Equal(1024, web1.MaxMemoryMiB);
            Assert.Equal(2, web1.VCpus);
            Assert.Equal(XenDomainType.PV, web1.Type);
            Assert.Matches("^[0-9a-f-]{36}$", web1.Uuid);

            var db1 = list.Single(d => d.Name == "db1");
            Assert.Equal(XenDomainState.Halted, db1.State);
            Assert.Null(db1.Id);
            Assert.Null(db1.ResidentOn);
            Assert.Equal(2048, db1.MemoryMiB);
            Assert.True((db1.Flags & XenDomainStateFlags.Shutdown) != 0);

            Assert.Equal(XenDomainType.HVM, list.Single(d => d.Name == "win1").Type);
            Assert.Equal(XenDomainType.PVH, list.Single(d => d.Name == "paused1").Type);
            Assert.Equal(XenDomainState.Paused, list.Single(d => d.Name == "paused1").State);
            Assert.Equal(XenDomainState.Suspended, list.Single(d => d.Name == "susp1").State);
            Assert.Null(list.Single(d => d.Name == "susp1").Id);
        }

        [Fact]
        public void Host_facts_are_the_pool_s()
        {
            using var b = _fake.Open();
            var info = ((IXenHostFacts)b).GetHostInfo(None);
            Assert.Equal("fake-pool", info.HostName);
            Assert.Equal("4.17.5-13", info.XenVersion);
            Assert.Equal(16, info.CpuCount);
            Assert.Equal(32768, info.TotalMemoryMiB);
            Assert.InRange(info.FreeMemoryMiB, 1, 32767);
        }

        [Fact]
        public void A_supporter_sends_XenPS_to_the_master_whose_certificate_it_names()
        {
            // Pinned to the SUPPORTER's certificate: the master's differs, and is pinned from the supporter's answer.
            using var b = (XapiBackend)_fake.Open(_fake.Options(_fake.SupporterThumbprint), _fake.SupporterUri);
            Assert.Contains(b.ListDomains(None), d => d.Name == "web1");
            Assert.Equal("127.0.0.1", b.Session.Endpoint.Host);
            Assert.Equal(_fake.MasterThumbprint, b.Session.Endpoint.Tls.PinnedSha256);
            Assert.Equal($"127.0.0.2:{_fake.Port}", b.Session.RedirectedFrom);
        }

        [Fact]
        public void A_pinned_thumbprint_that_does_not_match_is_refused_with_the_real_one()
        {
            using var b = _fake.Open(_fake.Options(new string('A', 64)));
            var e = Assert.Throws<XenConnectionException>(() => b.ListDomains(None));
            Assert.Equal(XenErrorReason.ConnectionFailed, e.Reason);
            Assert.Contains(Thumbprints.Display(_fake.MasterThumbprint), e.Message);
            Assert.Contains("not the pinned", e.Message);
        }

        [Fact]
        public void By_default_the_system_store_decides_and_a_self_signed_host_is_refused_with_advice()
        {
            var o = _fake.Options();
            o.CertificateThumbprint = null;
            using var b = _fake.Open(o);
            var e = Assert.Throws<XenConnectionException>(() => b.ListDomains(None));
            Assert.Contains("not trusted", e.Message);
            Assert.Contains("-CertificateThumbprint " + _fake.MasterThumbprint, e.Message);
            Assert.Contains("-SkipCertificateCheck", e.Message);
        }

        [Fact]
        public void SkipCertificateCheck_connects_to_a_self_signed_host()
        {
            using var b = _fake.Open(_fake.Options(skip: true));
            Assert.NotEmpty(b.ListDomains(None));
        }

        [Fact]
        public void A_wrong_password_is_ConnectionFailed_with_XAPI_s_code_and_never_shows_the_password()
        {
            using var b = _fake.Open(_fake.Options(password: "Sup3r-Secret-Wrong"));
            var e = Assert.Throws<XenConnectionException>(() => b.ListDomains(None));
            Assert.Equal(XenErrorReason.ConnectionFailed, e.Reason);
            Assert.Contains("SESSION_AUTHENTICATION_FAILED", e.Message);
            Assert.Equal("SESSION_AUTHENTICATION_FAILED", e.Data["XapiErrorCode"]);
            Assert.DoesNotContain("Sup3r-Secret-Wrong", e.ToString());
            Assert.DoesNotContain("Sup3r-Secret-Wrong", e.Data["XapiErrorParameters"]!.ToString());
        }

        [Fact]
        public void An_expired_session_is_renewed_once_and_the_call_retried()
        {
            using var b = (XapiBackend)_fake.Open();
            b.ListDomains(None);
            _fake.Control(new { action = "expire_sessions" });
            Assert.NotEmpty(b.ListDomains(None));
            Assert.Equal(2, b.Session.Logins);
            // Expiring in the middle of a call (the call itself answers SESSION_INVALID).
            _fake.Control(new { action = "fail_next", method = "VM.get_all_records", error = new[] { "SESSION_INVALID" } });
            Assert.NotEmpty(b.ListDomains(None));
            Assert.Equal(3, b.Session.Logins);
        }

        [Fact]
        public void A_session_that_stays_invalid_is_an_error_after_one_retry()
        {
            using var b = (XapiBackend)_fake.Open();
            b.ListDomains(None);
            _fake.Control(new { action = "fail_next", method = "host.get_all_records", error = new[] { "SESSION_INVALID" } });
            _fake.Control(new { action = "fail_next", method = "pool.get_all_records", error = new[] { "SESSION_INVALID" } });
            // pool.get_all_records fails, re-login, then succeeds; host.get_all_records fails, re-login, succeeds.
            Assert.Equal("fake-pool", ((IXenHostFacts)b).GetHostInfo(None).HostName);
            Assert.Equal(3, b.Session.Logins);
        }

        [Fact]
        public void HTTP_500_with_an_HTML_body_is_a_readable_HostCommandFailed()
        {
            using var b = _fake.Open();
            b.ListDomains(None);
            _fake.Control(new { action = "http500_next", method = "VM.get_all_records" });
            var e = Assert.Throws<XenPSException>(() => b.ListDomains(None));
            Assert.Equal(XenErrorReason.HostCommandFailed, e.Reason);
            Assert.Contains("HTTP 500", e.Message);
            Assert.Contains("injected fault", e.Message);
            Assert.DoesNotContain("<html>", e.Message);
            Assert.NotEmpty(b.ListDomains(None)); // the connection goes on
        }

        [Fact]
        public void Pause_and_unpause_run_as_tasks_that_are_destroyed()
        {
            using var b = _fake.Open();
            var power = (IXenPowerControl)b;
            int cancels = _fake.Calls("task.destroy");
            power.PauseDomain(Vm(b, "web1"), None);
            Assert.Equal(XenDomainState.Paused, Vm(b, "web1").State);
            power.UnpauseDomain(Vm(b, "web1"), None);
            Assert.Equal(XenDomainState.Running, Vm(b, "web1").State);
            Assert.True(_fake.Calls("Async.VM.pause") >= 1);
            Assert.Equal(cancels + 2, _fake.Calls("task.destroy"));
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void A_bad_power_state_is_InvalidOperation_with_XAPI_s_code_and_states()
        {
            using var b = _fake.Open();
            var e = Assert.Throws<XenInvalidOperationException>(() => ((IXenPowerControl)b).UnpauseDomain(Vm(b, "db1"), None));
            Assert.Equal(XenErrorReason.InvalidOperation, e.Reason);
            Assert.Contains("VM_BAD_POWER_STATE", e.Message);
            Assert.Contains("the VM is halted, and this needs it paused", e.Message);
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void A_VM_that_is_not_in_the_pool_is_DomainNotFound()
        {
            using var b = _fake.Open();
            var ghost = new XenDomain { Name = "ghost", Uuid = Guid.NewGuid().ToString() };
            var e = Assert.Throws<XenDomainNotFoundException>(() => ((IXenPowerControl)b).PauseDomain(ghost, None));
            Assert.Contains("UUID_INVALID", e.Message);
        }

        [Fact]
        public void Control_domains_are_refused_before_anything_is_sent()
        {
            using var b = _fake.Open();
            var dom0 = b.ListDomains(None)[0];
            int calls = _fake.Calls("Async.VM.hard_shutdown");
            var e = Assert.Throws<XenInvalidOperationException>(() => ((IXenPowerControl)b).DestroyDomain(dom0, None));
            Assert.Equal(XenErrorReason.Domain0Refused, e.Reason);
            Assert.Equal(calls, _fake.Calls("Async.VM.hard_shutdown"));
        }

        [Fact]
        public void An_HVM_guest_without_PV_drivers_cannot_be_asked_to_shut_down_but_can_be_turned_off()
        {
            using var b = _fake.Open();
            var power = (IXenPowerControl)b;
            var e = Assert.Throws<XenInvalidOperationException>(() => power.ShutdownDomain(Vm(b, "win1"), false, None));
            Assert.Equal(XenErrorReason.PvControlUnavailable, e.Reason);
            Assert.Contains("VM_LACKS_FEATURE", e.Message);
            power.DestroyDomain(Vm(b, "win1"), None);
            Assert.Equal(XenDomainState.Halted, Vm(b, "win1").State);
        }

        [Fact]
        public void Stop_through_the_lifecycle_service_waits_until_the_VM_is_halted()
        {
            using var b = _fake.Open();
            var conn = new XenHostConnection("pool", _fake.Uri, b);
            var svc = new DomainLifecycleService(new DomainWaitService { Interval = TimeSpan.FromMilliseconds(50) });
            var t = new XenDomainTarget(conn, DomainLifecycleService.Stamp(Vm(b, "app2"), conn)); // on the supporter host
            var o = new StopOptions { Timeout = TimeSpan.FromSeconds(20) };
            Assert.True(svc.RequestStop(t, o, None).Succeeded);
            var r = svc.WaitForStop(new[] { t }, o, null, null, null, None).Single();
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(XenDomainState.Halted, Vm(b, "app2").State);
            Assert.Null(Vm(b, "app2").ResidentOn);
        }

        [Fact]
        public void Cancelling_a_long_task_cancels_it_in_XAPI_and_destroys_it()
        {
            _fake.Control(new { action = "set", task_ms = 4000 });
            try
            {
                using var b = _fake.Open();
                var paused1 = Vm(b, "paused1");
                int cancels = _fake.Calls("task.cancel");
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
                var sw = Stopwatch.StartNew();
                Assert.ThrowsAny<OperationCanceledException>(() => ((IXenPowerControl)b).UnpauseDomain(paused1, cts.Token));
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3.5), sw.Elapsed.ToString());
                Assert.Equal(cancels + 1, _fake.Calls("task.cancel"));
                Assert.Equal(0, _fake.Tasks());
                Assert.Equal(XenDomainState.Paused, Vm(b, "paused1").State);
            }
            finally
            {
                _fake.Control(new { action = "set", task_ms = 150 });
            }
        }

        [Fact]
        public void EVENTS_LOST_while_waiting_for_a_task_starts_the_wait_again()
        {
            using var b = _fake.Open();
            var web1 = Vm(b, "web1");
            _fake.Control(new { action = "events_lost_next" });
            ((IXenPowerControl)b).PauseDomain(web1, None);
            ((IXenPowerControl)b).UnpauseDomain(Vm(b, "web1"), None);
            Assert.Equal(XenDomainState.Running, Vm(b, "web1").State);
        }

        [Fact]
        public void The_console_is_the_vt100_stream_of_the_current_boot()
        {
            using var b = _fake.Open();
            int connects = _fake.Calls("CONNECT /console");
            using var c = ((IXenConsoleAccess)b).OpenConsole(Vm(b, "web1"), None);
            var svc = new ConsoleService();
            var lines = svc.ReadUntil(c, "web1", new System.Text.RegularExpressions.Regex("login: $"), null, TimeSpan.FromSeconds(10), None);
            Assert.Contains(lines, l => l.Contains("Linux version"));
            lines = svc.ReadUntil(c, "web1", new System.Text.RegularExpressions.Regex(@"~# $"), new[] { "root" }, TimeSpan.FromSeconds(10), None);
            lines = svc.ReadUntil(c, "web1", new System.Text.RegularExpressions.Regex(@"^web1$"), new[] { "hostname" }, TimeSpan.FromSeconds(10), None);
            Assert.Equal("web1", lines.Last());
            Assert.Equal(connects + 1, _fake.Calls("CONNECT /console"));
        }

        [Fact]
        public void A_console_on_another_pool_member_is_reached_there_with_that_member_s_certificate_pinned()
        {
            using var fake = FakeXapiServer.Start("--supporter");
            using var b = fake.Open();
            var app2 = b.ListDomains(None).Single(d => d.Name == "app2");
            Assert.Equal("xcp-host2", app2.ResidentOn);
            using var c = ((IXenConsoleAccess)b).OpenConsole(app2, None);
            var lines = new ConsoleService().ReadUntil(c, "app2", new System.Text.RegularExpressions.Regex("login: $"), null, TimeSpan.FromSeconds(10), None);
            Assert.Contains(lines, l => l.Contains("Debian GNU/Linux 12 app2"));
            Assert.Equal(1, fake.Calls("host.get_server_certificate"));
            // The console ends when the VM stops.
            ((IXenPowerControl)b).DestroyDomain(app2, None);
            var e = Assert.Throws<XenDomainNotFoundException>(() =>
            {
                for (int i = 0; i < 50; i++) c.Read(TimeSpan.FromMilliseconds(100), None);
            });
            Assert.Contains("has ended", e.Message);
        }

        [Fact]
        public void Consoles_that_do_not_exist_are_explained()
        {
            using var b = _fake.Open();
            var console = (IXenConsoleAccess)b;
            var hvm = b.ListDomains(None).Single(d => d.Name == "bigvm");
            Assert.Contains("only a running VM", Assert.Throws<XenInvalidOperationException>(() => console.OpenConsole(hvm, None)).Message);
            Assert.Equal(XenErrorReason.Domain0Refused,
                Assert.Throws<XenInvalidOperationException>(() => console.OpenConsole(b.ListDomains(None)[0], None)).Reason);
        }

        [Fact]
        public void Creating_from_an_xl_config_is_refused_with_the_template_way()
        {
            using var b = _fake.Open();
            var e = Assert.Throws<XenArgumentException>(() => b.CreateDomain(new XenDomainConfig(), new CreateDomainOptions(), None));
            Assert.Contains("template", e.Message);
        }

        [Fact]
        public void Calls_after_dispose_are_ConnectionClosed()
        {
            var b = _fake.Open();
            b.Dispose();
            Assert.Equal(XenErrorReason.ConnectionClosed, Assert.Throws<XenConnectionException>(() => b.ListDomains(None)).Reason);
        }
    }
}
