using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>DomainSettingsService: every check before any change, the safe order, per-setting outcomes.</summary>
    public class DomainSettingsServiceTests
    {
        /// <summary>A host that records the settings calls and can be told to refuse one.</summary>
        private sealed class RecordingHost : IXenBackend, IXenDomainSettings, IXenHostFacts
        {
            public List<string> Calls { get; } = new List<string>();
            public List<XenDomain> Domains { get; } = new List<XenDomain>();
            public string? Refuse { get; set; }
            public int CpuCount { get; set; } = 4;
            public long FreeMiB { get; set; } = 4096;
            public string Uri => "fake://host";
            public string BackendName => "fake";
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) => Domains.Select(d => d.Clone()).ToList();
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => throw new NotSupportedException();
            public XenHostInfo GetHostInfo(CancellationToken ct) { Calls.Add("info"); return new XenHostInfo { CpuCount = CpuCount, TotalMemoryMiB = 8192, FreeMemoryMiB = FreeMiB }; }
            public void Dispose() { }

            private void Do(string call, XenDomain d, Action<XenDomain> change)
            {
                Calls.Add(call);
                if (Refuse != null && call.StartsWith(Refuse, StringComparison.Ordinal))
                    throw new XenCommandException($"{call} failed (exit code 1): refused", 1, "refused");
                change(Domains.Single(x => x.Id == d.Id));
            }

            public void SetMemoryTarget(XenDomain d, long m, CancellationToken ct) => Do($"mem-set {m}", d, x => x.MemoryMiB = m);
            public void SetMaxMemory(XenDomain d, long m, CancellationToken ct) => Do($"mem-max {m}", d, x => x.MaxMemoryMiB = m);
            public void SetVCpus(XenDomain d, int n, bool over, CancellationToken ct) => Do($"vcpu-set {n}{(over ? " --ignore-host" : "")}", d, x => x.VCpus = n);
            public void RenameDomain(XenDomain d, string name, CancellationToken ct) => Do($"rename {name}", d, x => x.Name = name);
        }

        private readonly RecordingHost _b = new RecordingHost();
        private readonly XenHostConnection _host;
        private readonly DomainSettingsService _svc = new DomainSettingsService();

        public DomainSettingsServiceTests()
        {
            _b.Domains.Add(new XenDomain { Name = "Domain-0", Id = 0, MemoryMiB = 1024, MaxMemoryMiB = 1024, VCpus = 4, MaxVCpus = 4, StateFlags = "r-----" });
            _b.Domains.Add(new XenDomain { Name = "web1", Id = 1, Uuid = "11111111-1111-1111-1111-111111111111", MemoryMiB = 512, MaxMemoryMiB = 1024, VCpus = 1, MaxVCpus = 2, StateFlags = "-b----" });
            _b.Domains.Add(new XenDomain { Name = "db1", Id = 2, Uuid = "22222222-2222-2222-2222-222222222222", MemoryMiB = 256, MaxMemoryMiB = 256, VCpus = 1, MaxVCpus = 1, StateFlags = "-b----" });
            _host = new XenHostConnection("lab", _b.Uri, _b);
        }

        private XenDomainTarget T(string name) => new XenDomainTarget(_host, _b.ListDomains(default).Single(d => d.Name == name));

        private XenDomainSettingsResult Apply(string name, DomainSettings s) => _svc.Apply(T(name), s, CancellationToken.None);

        private IEnumerable<string> Changes => _b.Calls.Where(c => c != "info");

        [Fact]
        public void RaisingBothSetsTheMaximumFirst()
        {
            var r = Apply("web1", new DomainSettings { MemoryMiB = 2048, MaxMemoryMiB = 3072 });
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(new[] { "mem-max 3072", "mem-set 2048" }, Changes);
            Assert.Equal(2048, r.Domain!.MemoryMiB);
            Assert.Equal(3072, r.Domain.MaxMemoryMiB);
        }

        [Fact]
        public void LoweringBothSetsTheMemoryFirst()
        {
            var r = Apply("web1", new DomainSettings { MemoryMiB = 128, MaxMemoryMiB = 256 });
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(new[] { "mem-set 128", "mem-max 256" }, Changes);
        }

        [Fact]
        public void EverySettingAtOnceRenamesLastAndReportsEachInTheOrderAsked()
        {
            var r = Apply("web1", new DomainSettings { NewName = "web2", VCpus = 2, MemoryMiB = 768, MaxMemoryMiB = 1536 });
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(new[] { "mem-max 1536", "mem-set 768", "vcpu-set 2", "rename web2" }, Changes);
            Assert.Equal(new[] { "MaxMemoryMiB", "MemoryMiB", "VCpus", "NewName" }, r.Outcomes.Select(o => o.Setting));
            Assert.All(r.Outcomes, o => Assert.Equal(XenSettingStatus.Applied, o.Status));
            Assert.Equal("web2", r.Domain!.Name);
        }

        [Theory]
        [InlineData(2048L, null, null, null, "MemoryMiB", XenErrorReason.SettingOutOfRange)]    // above the current maximum
        [InlineData(800L, 700L, null, null, "MemoryMiB", XenErrorReason.SettingOutOfRange)]     // above the new maximum
        [InlineData(null, 256L, null, null, "MaxMemoryMiB", XenErrorReason.SettingOutOfRange)]  // below the current memory
        [InlineData(null, null, 3, null, "VCpus", XenErrorReason.SettingOutOfRange)]             // above maxvcpus 2
        [InlineData(null, null, 0, null, "VCpus", XenErrorReason.SettingOutOfRange)]
        [InlineData(600L, null, null, "db1", "NewName", XenErrorReason.DomainExists)]            // the name is in use
        [InlineData(600L, null, null, "Domain-0", "NewName", XenErrorReason.DomainExists)]
        [InlineData(600L, null, null, "a/b", "NewName", XenErrorReason.InvalidArgument)]
        public void AnyValueOutsideTheRulesIsRefusedBeforeAnythingChanges(long? mem, long? max, int? vcpus, string? name, string setting, XenErrorReason reason)
        {
            var r = Apply("web1", new DomainSettings { MemoryMiB = mem, MaxMemoryMiB = max, VCpus = vcpus, NewName = name });
            Assert.False(r.Succeeded);
            Assert.Empty(Changes);
            Assert.Equal(reason, r.Error!.Reason);
            Assert.Equal(setting, r.Error.Setting);
            Assert.Empty(r.Error.Applied);
            Assert.Contains("Nothing was changed.", r.Error.Message);
            Assert.StartsWith("web1 (id 1) on lab: " + setting, r.Error.Message);
            Assert.Equal(XenSettingStatus.Failed, r.Outcomes.Single(o => o.Setting == setting).Status);
            Assert.All(r.Outcomes.Where(o => o.Setting != setting), o => Assert.Equal(XenSettingStatus.NotAttempted, o.Status));
        }

        [Fact]
        public void MoreVCpusThanTheHostHasNeedOvercommit()
        {
            _b.Domains[1].MaxVCpus = 8;
            var r = Apply("web1", new DomainSettings { VCpus = 6 });
            Assert.Equal(XenErrorReason.InsufficientResources, r.Error!.Reason);
            Assert.Contains("-AllowOvercommit", r.Error.Message);
            Assert.Empty(Changes);
            r = Apply("web1", new DomainSettings { VCpus = 6, AllowOvercommit = true });
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(new[] { "vcpu-set 6 --ignore-host" }, Changes);
        }

        [Fact]
        public void RaisingTheMemoryNeedsFreeHostMemoryAndTheFactsAreAskedOncePerHost()
        {
            _b.FreeMiB = 100;
            var r = Apply("web1", new DomainSettings { MemoryMiB = 700 });
            Assert.Equal(XenErrorReason.InsufficientResources, r.Error!.Reason);
            Assert.Equal("MemoryMiB", r.Error.Setting);
            Assert.True(Apply("web1", new DomainSettings { MemoryMiB = 600 }).Succeeded);
            Assert.Equal(1, _b.Calls.Count(c => c == "info"));
        }

        [Fact]
        public void OneCallCountsTheMemoryItGaveEarlierTargetsOfTheSameHost()
        {
            _b.FreeMiB = 500; // enough for either alone, not for both
            _b.Domains[2].MaxMemoryMiB = 1024;
            var rs = _svc.Apply(new[] { T("web1"), T("db1") }, new DomainSettings { MemoryMiB = 700 }, CancellationToken.None).ToList();
            Assert.True(rs[0].Succeeded, rs[0].Error?.Message);             // +188 of 500 free
            Assert.Equal(XenErrorReason.InsufficientResources, rs[1].Error!.Reason); // +444 of the 312 left
            Assert.Equal(new[] { "mem-set 700" }, Changes);
        }

        [Fact]
        public void AFailureNamesTheSettingWhatWasAppliedAndWhatWasNotAttempted()
        {
            _b.Refuse = "vcpu-set";
            var r = Apply("web1", new DomainSettings { MemoryMiB = 2048, MaxMemoryMiB = 3072, VCpus = 2, NewName = "web9" });
            Assert.False(r.Succeeded);
            Assert.Equal(new[] { "mem-max 3072", "mem-set 2048", "vcpu-set 2" }, Changes);
            Assert.Equal("VCpus", r.Error!.Setting);
            Assert.Equal(XenErrorReason.HostCommandFailed, r.Error.Reason);
            Assert.Equal("HostCommandFailed", r.Error.ErrorId);
            Assert.Equal(new[] { "MaxMemoryMiB = 3072 MiB", "MemoryMiB = 2048 MiB" }, r.Error.Applied);
            Assert.Contains("Already applied: MaxMemoryMiB = 3072 MiB, MemoryMiB = 2048 MiB.", r.Error.Message);
            Assert.Contains("Not attempted: NewName.", r.Error.Message);
            Assert.Equal(XenSettingStatus.NotAttempted, r.Outcomes.Single(o => o.Setting == "NewName").Status);
            Assert.Equal(2048, r.Domain!.MemoryMiB); // the domain afterwards shows what was applied
        }

        [Fact]
        public void Domain0KeepsItsNameButItsMemoryMayChange()
        {
            var r = Apply("Domain-0", new DomainSettings { NewName = "host0" });
            Assert.Equal(XenErrorReason.Domain0Refused, r.Error!.Reason);
            Assert.Equal("NewName", r.Error.Setting);
            Assert.Empty(Changes);
            Assert.True(Apply("Domain-0", new DomainSettings { MemoryMiB = 900 }).Succeeded);
            Assert.Equal(new[] { "mem-set 900" }, Changes);
        }

        [Fact]
        public void ARenameToTheSameNameSendsNothing()
        {
            var r = Apply("web1", new DomainSettings { NewName = "web1" });
            Assert.True(r.Succeeded);
            Assert.Equal(XenSettingStatus.Unchanged, r.Outcomes.Single().Status);
            Assert.Empty(Changes);
        }

        [Fact]
        public void NoSettingAndAHaltedDomainAreRefused()
        {
            Assert.Equal(XenErrorReason.InvalidArgument, Apply("web1", new DomainSettings()).Error!.Reason);
            var halted = new XenDomain { Name = "off", Uuid = "33333333-3333-3333-3333-333333333333", StateFlags = "---s--" };
            var r = _svc.Apply(new XenDomainTarget(_host, halted), new DomainSettings { MemoryMiB = 64 }, CancellationToken.None);
            Assert.Equal(XenErrorReason.InvalidOperation, r.Error!.Reason);
            Assert.Empty(Changes);
        }

        [Fact]
        public void ABackendWithoutTheCapabilityIsNotSupported()
        {
            using var plain = new NoSettingsHost();
            var h = new XenHostConnection("plain", plain.Uri, plain);
            var r = _svc.Apply(new XenDomainTarget(h, new XenDomain { Name = "x", Id = 3, StateFlags = "-b----" }), new DomainSettings { VCpus = 1 }, CancellationToken.None);
            Assert.Equal(XenErrorReason.OperationNotSupported, r.Error!.Reason);
        }

        private sealed class NoSettingsHost : IXenBackend
        {
            public string Uri => "fake://plain";
            public string BackendName => "plain";
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) => Array.Empty<XenDomain>();
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => throw new NotSupportedException();
            public void Dispose() { }
        }
    }
}
