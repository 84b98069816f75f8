using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.Conformance
{
    // IXenMigration: live migration through MigrationService, on one host (xl migrate d localhost, as Xen's own
    // test suite's "localmigrate" does); host-to-host moves are in the simulated host's and the lab's tests.
    public abstract partial class BackendConformance
    {
        protected readonly MigrationService Migration = new MigrationService { WaitInterval = TimeSpan.FromMilliseconds(1) };

        protected IXenMigration? Migrator => Backend as IXenMigration; // the capability test holds the backend to its declaration

        /// <summary>The test guest as PVH (the lab's kernel boots both ways): the guest type the lab's Xen migrates live.</summary>
        protected XenDomain CreatePvhGuest(string name = GuestName)
        {
            var c = GuestConfig(name);
            c.Set("type", "pvh");
            return Lifecycle.Create(Host, c, new CreateDomainOptions(), CancellationToken.None);
        }

        private sealed class MigrationProgressLog : IProgress<XenProgress>
        {
            public List<XenProgress> Seen { get; } = new List<XenProgress>();
            public void Report(XenProgress value) => Seen.Add(value);
        }

        [Fact]
        public virtual void MigratingAGuestToItsOwnHostGivesItANewDomidKeepsNameAndUuidAndItRuns()
        {
            if (Migrator == null) return;
            var d = CreatePvhGuest();
            ElapseUntil(d, x => x != null && x.State == XenDomainState.Running, "the guest runs");
            var progress = new MigrationProgressLog();
            var r = Migration.Migrate(Target(d), Host, "localhost", new MigrateDomainOptions(), wait: true, TimeSpan.FromSeconds(60), progress, CancellationToken.None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.True(r.Preflight!.Passed);
            var moved = r.Domain!;
            Assert.Equal(d.Name, moved.Name);
            Assert.Equal(d.Uuid, moved.Uuid);
            Assert.NotEqual(d.Id, moved.Id);
            Assert.Equal(Host.Name, moved.Host);
            Assert.Equal(XenDomainState.Running, moved.State);
            var named = List().Where(x => x.Name.StartsWith(d.Name, StringComparison.Ordinal)).ToList();
            Assert.Single(named); // no --incoming or --migratedaway copy is left
            Assert.Equal(moved.Id, named[0].Id);
            Assert.True(progress.Seen[^1].Completed);
            Assert.Single(progress.Seen, p => p.Completed);
            Assert.Contains(progress.Seen, p => p.Status.Contains("migration sender:", StringComparison.Ordinal));
        }

        [Fact]
        public virtual void APvGuestIsRefusedByThePreflightForLackOfShadowPagingAndKeepsRunning()
        {
            if (Migrator == null) return;
            var d = CreateGuest(); // PV, as the lab's guest; Debian's Xen (and the simulated host) has no shadow paging
            var pre = Migration.Preflight(Target(d), Host, "localhost", new MigrateDomainOptions(), CancellationToken.None);
            Assert.False(pre.Passed);
            var guestType = pre.Checks.Single(c => c.Name == "GuestType");
            Assert.False(guestType.Passed);
            Assert.Contains("shadow", guestType.Detail, StringComparison.Ordinal);
            Assert.Equal(XenErrorReason.MigrationGuestNotMigratable, pre.Error()!.Reason);
            Assert.Equal("MigrationGuestNotMigratable", pre.Error()!.ErrorId);
            var r = Migration.Migrate(Target(d), Host, "localhost", new MigrateDomainOptions(), wait: false, TimeSpan.FromSeconds(10), null, CancellationToken.None);
            Assert.False(r.Succeeded);
            Assert.Equal(XenErrorReason.MigrationGuestNotMigratable, r.Error!.Reason);
            var still = Listed(d)!;
            Assert.Equal(d.Id, still.Id);
            Assert.Equal(d.Name, still.Name);
        }

        [Fact]
        public virtual void TheMigrationPreflightOfDomain0FailsBeforeAnythingReachesTheHost()
        {
            if (Migrator == null) return;
            var dom0 = Domain0();
            string before = HostFootprint();
            var pre = Migration.Preflight(Target(dom0), Host, "localhost", new MigrateDomainOptions(), CancellationToken.None);
            Assert.False(pre.Passed);
            Assert.Equal("NotDomain0", pre.Failed.Single());
            Assert.Equal(XenErrorReason.Domain0Refused, pre.Error()!.Reason);
            Assert.Equal(before, HostFootprint());
        }

        [Fact]
        public virtual void AnAddressXlWouldSpliceIntoAShellLineIsRefusedBeforeAnythingRuns()
        {
            if (Migrator == null) return;
            var d = Listed(CreatePvhGuest())!;
            string before = HostFootprint();
            foreach (string bad in new[] { "xenlab2; reboot", "-oProxyCommand=x", "host name", "$(id)" })
            {
                var pre = Migration.Preflight(Target(d), Host, bad, new MigrateDomainOptions(), CancellationToken.None);
                Assert.Equal("Arguments", pre.Failed.Single());
                Assert.Equal(XenErrorReason.InvalidArgument, pre.Error()!.Reason);
                Assert.Throws<XenArgumentException>(() => Migrator.MigrateDomain(d, new MigrationDestination(Backend, bad), new MigrateDomainOptions(), null, CancellationToken.None));
            }
            Assert.Equal(before, HostFootprint());
        }
    }
}
