using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests.Conformance
{
    /// <summary>
    /// The capabilities of pools (XenAPI): waits told of changes, installs from templates, every member's facts,
    /// autostart without /etc/xen, starting kept (halted) domains, advice for what is missing. A backend without one
    /// must refuse it as OperationNotSupported through Require.
    /// </summary>
    public abstract partial class BackendConformance
    {
        /// <summary>A template the host has (backends with IXenTemplates say which).</summary>
        protected virtual string? TemplateName => null;

        private bool RefusedWithoutIt<T>() where T : class
        {
            if (Backend.Supports<T>()) return false;
            var e = Assert.Throws<XenOperationNotSupportedException>(() => Backend.Require<T>("the conformance check"));
            Assert.Equal(XenErrorReason.OperationNotSupported, e.Reason);
            return true;
        }

        [Fact]
        public virtual async Task AWaitToldOfChangesEndsAtTheChangeWithoutListingEachInterval()
        {
            if (RefusedWithoutIt<IXenDomainEvents>()) return;
            var d = CreateGuest();
            var waits = new DomainWaitService { Interval = TimeSpan.FromMinutes(5) };
            var stop = Task.Run(async () => { await Task.Delay(300); Power.DestroyDomain(d, CancellationToken.None); });
            var r = waits.WaitFor(new[] { Target(d) }, new WaitForOptions { State = XenWaitState.Halted, Timeout = TimeSpan.FromSeconds(30) }, null, CancellationToken.None).Single();
            await stop;
            Assert.True(r.Succeeded, r.Error?.Message);
        }

        [Fact]
        public virtual void ATemplateInstallIsListedRunningWithItsMemoryAndVCpus()
        {
            if (RefusedWithoutIt<IXenTemplates>()) return;
            var d = Lifecycle.CreateFromTemplate(Host, new TemplateInstallOptions { Template = TemplateName!, Name = "from-template", MemoryMiB = GuestMemoryMiB, VCpus = 1 }, null, CancellationToken.None);
            var listed = Listed(d)!;
            Assert.Equal(XenDomainState.Running, listed.State);
            Assert.Equal(GuestMemoryMiB, listed.MemoryMiB);
            Assert.Equal(1, listed.VCpus);
            Assert.Throws<XenTemplateNotFoundException>(() =>
                Lifecycle.CreateFromTemplate(Host, new TemplateInstallOptions { Template = "no such template", Name = "x" }, null, CancellationToken.None));
        }

        [Fact]
        public virtual void PoolHostInfoIsOnePerMemberStampedWithTheConnection()
        {
            if (RefusedWithoutIt<IXenPoolHosts>()) return;
            var r = new HostInfoService().Get(new[] { Host }, CancellationToken.None).Single();
            Assert.Null(r.Error);
            Assert.NotEmpty(r.Infos);
            Assert.Single(r.Infos, i => i.IsPoolMaster == true);
            Assert.All(r.Infos, i => { Assert.Equal(Host.Name, i.Host); Assert.True(i.TotalMemoryMiB > 0 && i.CpuCount > 0); });
        }

        /// <summary>
        /// A move inside the pool: to another member when the pool has one (the VM keeps its uuid and runs there), and
        /// always the refusals of the preflight: the member it runs on (NotOnDestination) and one the pool does not have
        /// (PoolMember); XAPI's own check runs for a member it can go to. Nothing moves on a refusal.
        /// </summary>
        [Fact]
        public virtual void AGuestMovesInsideThePoolOnlyToAnotherMemberItCanRunOn()
        {
            if (RefusedWithoutIt<IXenPoolMigration>()) return;
            var ct = CancellationToken.None;
            var d = Listed(CreateGuest())!;
            Assert.False(string.IsNullOrEmpty(d.ResidentOn));
            var svc = new MigrationService();
            var members = Backend.Require<IXenPoolMigration>("pool migration").GetPoolHostInfo(ct);
            Assert.Contains(members, m => m.HostName == d.ResidentOn);

            var here = svc.PoolPreflight(Target(d), d.ResidentOn!, null, false, ct);
            Assert.Equal(new[] { "NotOnDestination" }, here.Failed);
            var nowhere = svc.PoolPreflight(Target(d), "no-such-member", null, false, ct);
            Assert.Equal(new[] { "PoolMember" }, nowhere.Failed);
            var r = svc.Migrate(here, null!, false, TimeSpan.FromSeconds(30), null, ct);
            Assert.False(r.Succeeded);
            Assert.Equal(d.Id, Listed(d)!.Id);

            var other = members.FirstOrDefault(m => m.HostName != d.ResidentOn);
            if (other == null) return; // a pool of one member: nowhere else to go
            var moved = svc.MigrateInPool(Target(d), other.HostName, true, TimeSpan.FromSeconds(60), null, ct);
            Assert.True(moved.Succeeded, moved.Error?.Message);
            Assert.Equal(other.HostName, moved.Domain!.ResidentOn);
            Assert.Equal(d.Uuid, moved.Domain.Uuid);
            Assert.Equal(XenDomainState.Running, moved.Domain.State);
        }

        [Fact]
        public virtual void AutoStartWithoutStoredConfigsIsListed()
        {
            if (RefusedWithoutIt<IXenAutoStart>()) return;
            var d = CreateGuest();
            Assert.True(Backend.Require<IXenAutoStart>("autostart").SetDomainAutoStart(d, true, CancellationToken.None));
            Assert.True(Listed(d)!.AutoStart);
            Assert.False(Backend.Require<IXenAutoStart>("autostart").SetDomainAutoStart(Listed(d)!, true, CancellationToken.None));
        }

        [Fact]
        public virtual void AKeptHaltedDomainIsStartedAgain()
        {
            if (RefusedWithoutIt<IXenDomainStart>()) return;
            var d = CreateGuest();
            Power.DestroyDomain(d, CancellationToken.None);
            var halted = ElapseUntil(d, x => x?.State == XenDomainState.Halted, "halted")!;
            var started = Lifecycle.StartKept(Target(halted), false, CancellationToken.None);
            Assert.Equal(XenDomainState.Running, started.State);
            Assert.Equal(d.Uuid, started.Uuid);
        }

        [Fact]
        public virtual void AdviceForMissingCapabilitiesIsInTheirRefusal()
        {
            if (RefusedWithoutIt<IXenCapabilityAdvice>()) return;
            var advice = Backend.Require<IXenCapabilityAdvice>("advice");
            foreach (var cap in KnownCapabilities.Where(c => !Capabilities.Contains(c)))
            {
                var text = advice.Advice(cap, "the conformance check");
                if (text == null) continue;
                var e = Assert.Throws<XenOperationNotSupportedException>(() =>
                {
                    try { typeof(XenCapabilities).GetMethod(nameof(XenCapabilities.Require))!.MakeGenericMethod(cap).Invoke(null, new object[] { Backend, "the conformance check" }); }
                    catch (System.Reflection.TargetInvocationException t) when (t.InnerException != null) { throw t.InnerException; }
                });
                Assert.EndsWith(text, e.Message);
            }
        }
    }
}
