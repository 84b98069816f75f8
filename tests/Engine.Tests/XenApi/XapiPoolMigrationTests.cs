using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using XenPS.Services;
using Xunit;
using static XenPS.Tests.XenApi.FakePool;

namespace XenPS.Tests.XenApi
{
    /// <summary>
    /// Move-XenDomain inside a pool (MigrationService over IXenPoolMigration: VM.pool_migrate) against a fake pool of its
    /// own: the preflight's checks each with its failure (unknown member, already there, paused, disabled member, too
    /// little memory, a local disk XAPI refuses, xl-only options), the move with its task's progress, and Ctrl+C
    /// cancelling the task with the VM left running where it was.
    /// </summary>
    public sealed class XapiPoolMigrationTests : IClassFixture<FakePoolFixture>
    {
        private readonly FakeXapiServer _fake;
        private static readonly CancellationToken None = CancellationToken.None;

        public XapiPoolMigrationTests(FakePoolFixture f) { _fake = f.Server; }

        private (XapiBackend B, XenHostConnection Conn) Open()
        {
            var b = (XapiBackend)_fake.Open();
            return (b, new XenHostConnection("pool", _fake.Uri, b));
        }

        private static XenDomainTarget T(XenHostConnection c, string name) => new XenDomainTarget(c, DomainLifecycleService.Stamp(Vm(c.Backend, name), c));

        private static XenDomain Guest(XenHostConnection c, string name, long mem = 256) => FakePool.Guest(c, name, mem, vcpus: 1);

        private static string Other(XenDomain d) => d.ResidentOn == "xcp-host1" ? "xcp-host2" : "xcp-host1";

        private static XenMigrationCheck Check(XenMigrationPreflight p, string name) => p.Checks.Single(c => c.Name == name);

        [Fact]
        public void A_running_VM_moves_to_another_member_with_the_tasks_progress_and_keeps_its_uuid()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "pm1");
            string to = Other(d);
            var svc = new MigrationService();
            var pre = svc.PoolPreflight(T(c, "pm1"), to, null, false, None);
            Assert.True(pre.Passed, string.Join("; ", pre.Checks));
            Assert.Equal(new[] { "NotDomain0", "DomainRunning", "PoolMember", "NotOnDestination", "HostEnabled", "DestinationMemory", "CanRunThere" },
                pre.Checks.Select(x => x.Name).ToArray());
            Assert.Equal(to, pre.Destination);
            Assert.Equal(to, pre.DestinationMember);
            Assert.Equal(d.ResidentOn, pre.SourceMember);
            Assert.Equal(to == "xcp-host2" ? "127.0.0.2" : "127.0.0.1", pre.DestinationAddress);

            var seen = new List<XenProgress>();
            int calls = _fake.Calls("Async.VM.pool_migrate");
            var r = svc.Migrate(pre, null!, wait: true, TimeSpan.FromSeconds(30), new ListProgress(seen), None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(calls + 1, _fake.Calls("Async.VM.pool_migrate"));
            Assert.Equal(to, r.Domain!.ResidentOn);
            Assert.Equal(XenDomainState.Running, r.Domain.State);
            Assert.Equal(d.Uuid, r.Domain.Uuid);
            Assert.Equal("pool", r.Domain.Host);
            Assert.Contains(seen, p => p.Status.Contains("XAPI task 50%", StringComparison.Ordinal));
            Assert.True(seen.Last().Completed);
            Assert.Equal(0, _fake.Tasks()); // the task was destroyed
        }

        [Fact]
        public void Each_check_fails_with_what_to_do_and_nothing_moves()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "pm2");
            var svc = new MigrationService();
            int before = _fake.Calls("Async.VM.pool_migrate");

            var p = svc.PoolPreflight(T(c, "pm2"), "nosuchhost", null, false, None);
            Assert.False(Check(p, "PoolMember").Passed);
            Assert.Contains("xcp-host1, xcp-host2", Check(p, "PoolMember").Detail);
            Assert.Equal(XenErrorReason.InvalidArgument, p.Error()!.Reason);

            p = svc.PoolPreflight(T(c, "pm2"), d.ResidentOn!, null, false, None);
            Assert.Equal(new[] { "NotOnDestination" }, p.Failed);
            Assert.Contains("already runs on " + d.ResidentOn, p.Error()!.Message);

            // a member given by uuid is taken, and named by its name afterwards
            string uuid = ((IXenPoolHosts)b).GetPoolHostInfo(None).Single(h => h.HostName == Other(d)).Raw["uuid"];
            p = svc.PoolPreflight(T(c, "pm2"), uuid.ToUpperInvariant(), null, false, None);
            Assert.True(p.Passed, string.Join("; ", p.Checks));
            Assert.Equal(Other(d), p.DestinationMember);

            p = svc.PoolPreflight(T(c, "pm2"), Other(d), new MigrateDomainOptions { Paused = true, ConfigPath = "/etc/xen/x.cfg" }, true, None);
            Assert.Equal(new[] { "Arguments" }, p.Failed);
            Assert.Contains("-Paused, -ConfigPath, -DestinationAddress are for xl migrate", p.Checks.Last().Detail);

            Assert.Equal(XenDomainState.Paused, Vm(b, "paused1").State);
            p = svc.PoolPreflight(T(c, "paused1"), Other(Vm(b, "paused1")), null, false, None);
            Assert.Contains("DomainRunning", p.Failed);
            Assert.Contains("Resume-XenDomain", Check(p, "DomainRunning").Detail);
            Assert.DoesNotContain(p.Checks, x => x.Name == "CanRunThere"); // XAPI is not asked about a VM that cannot go anyway

            Assert.Equal(before, _fake.Calls("Async.VM.pool_migrate"));
            Assert.Equal(d.ResidentOn, Vm(b, "pm2").ResidentOn);
        }

        [Fact]
        public void A_disabled_member_a_full_member_and_a_local_disk_are_refused_by_the_preflight()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new MigrationService();
            var d = Guest(c, "pm3");
            string to = Other(d);
            string host = XapiValue.AsString(((IReadOnlyList<object?>)b.Call("host.get_by_name_label", "", null, None, to)!)[0])!;
            b.Call("host.disable", "", null, None, host);
            try
            {
                var p = svc.PoolPreflight(T(c, "pm3"), to, null, false, None);
                Assert.Contains("HostEnabled", p.Failed);
                Assert.Contains("HOST_DISABLED", Check(p, "HostEnabled").Detail);
                Assert.Contains("HOST_DISABLED", Check(p, "CanRunThere").Detail); // XAPI agrees
            }
            finally { b.Call("host.enable", "", null, None, host); }

            // memory: a guest bigger than what the member with less room has left (the pool starts it on the other one)
            var infos = ((IXenPoolHosts)b).GetPoolHostInfo(None);
            var lo = infos.OrderBy(h => h.FreeMemoryMiB).First();
            var big = Guest(c, "pm3big", lo.FreeMemoryMiB + 256);
            Assert.NotEqual(lo.HostName, big.ResidentOn);
            var p2 = svc.PoolPreflight(T(c, "pm3big"), lo.HostName, null, false, None);
            Assert.Equal(new[] { "DestinationMemory", "CanRunThere" }, p2.Failed);
            Assert.Contains("HOST_NOT_ENOUGH_FREE_MEMORY", Check(p2, "CanRunThere").Detail);
            Assert.Equal(XenErrorReason.InsufficientResources, p2.Error()!.Reason);
            Assert.Equal("MigrationInsufficientMemory", p2.Error()!.ErrorId);
            Assert.Contains("Sort-Object FreeMemoryMiB", p2.Error()!.Message);
            ((IXenPowerControl)b).DestroyDomain(Vm(b, "pm3big"), None);

            // a disk on the master's local SR: only XAPI knows, and says so; a forced move fails the same way and the VM stays
            Assert.Equal("xcp-host1", Vm(b, "web1").ResidentOn);
            _fake.Control(new { action = "local_disks", name = "web1" });
            var p3 = svc.PoolPreflight(T(c, "web1"), "xcp-host2", null, false, None);
            Assert.Equal(new[] { "CanRunThere" }, p3.Failed);
            Assert.Contains("VM_REQUIRES_SR", Check(p3, "CanRunThere").Detail);
            Assert.Contains("shared storage", Check(p3, "CanRunThere").Detail);
            Assert.Equal("xcp-host1", Vm(b, "web1").ResidentOn);
            Assert.Equal(XenDomainState.Running, Vm(b, "web1").State);
        }

        [Fact]
        public void A_failure_of_the_task_itself_is_a_MigrationFailed_error_and_the_VM_stays()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new MigrationService();
            var d = Guest(c, "pm4");
            var pre = svc.PoolPreflight(T(c, "pm4"), Other(d), null, false, None);
            Assert.True(pre.Passed);
            _fake.Control(new { action = "fail_next", method = "Async.VM.pool_migrate", error = new[] { "VM_MIGRATE_FAILED", "OpaqueRef:x", "OpaqueRef:h1", "OpaqueRef:h2", "Failed_to_suspend" } });
            var r = svc.Migrate(pre, null!, true, TimeSpan.FromSeconds(10), null, None);
            Assert.False(r.Succeeded);
            Assert.Equal(XenErrorReason.MigrationFailed, r.Error!.Reason);
            Assert.Contains("VM_MIGRATE_FAILED", r.Error.Message);
            Assert.Contains($"The VM is on {d.ResidentOn}, running.", r.Error.Message);
            Assert.Equal(d.ResidentOn, Vm(b, "pm4").ResidentOn);
        }

        [Fact]
        public void Cancelling_cancels_the_XAPI_task_and_the_VM_runs_where_it_was()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new MigrationService();
            var d = Guest(c, "pm5");
            var pre = svc.PoolPreflight(T(c, "pm5"), Other(d), null, false, None);
            Assert.True(pre.Passed);
            _fake.Control(new { action = "set", task_ms = 4000 });
            try
            {
                int cancels = _fake.Calls("task.cancel");
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                var seen = new List<XenProgress>();
                Assert.ThrowsAny<OperationCanceledException>(() => svc.Migrate(pre, null!, true, TimeSpan.FromSeconds(30), new ListProgress(seen), cts.Token));
                Assert.Equal(cancels + 1, _fake.Calls("task.cancel"));
                Assert.Equal(0, _fake.Tasks());
                Assert.True(seen.Last().Completed);
            }
            finally { _fake.Control(new { action = "set", task_ms = 150 }); }
            var now = Vm(b, "pm5");
            Assert.Equal(d.ResidentOn, now.ResidentOn);
            Assert.Equal(XenDomainState.Running, now.State);
        }
    }
}
