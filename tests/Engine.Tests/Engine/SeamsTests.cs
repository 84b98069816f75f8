using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;
using XenPS.Services;
using Xunit;

namespace XenPS.Tests
{
    /// <summary>The backend-neutral seams: capabilities, providers and their options, typed reasons.</summary>
    public class SeamsTests
    {
        /// <summary>A backend with only the core: every capability is missing.</summary>
        private sealed class CoreOnlyBackend : IXenBackend
        {
            public string Uri => "core://x";
            public string BackendName => "core-only";
            public IReadOnlyList<XenDomain> ListDomains(CancellationToken ct) => new[] { new XenDomain { Name = "a", Id = 3, Uuid = Guid.NewGuid().ToString() } };
            public XenDomain CreateDomain(XenDomainConfig c, CreateDomainOptions o, CancellationToken ct) => throw new NotSupportedException();
            public void Dispose() { }
        }

        [Fact]
        public void AMissingCapabilityIsOperationNotSupportedNamingBackendAndOperation()
        {
            using var host = new XenHostConnection("core", "core://x", new CoreOnlyBackend());
            var t = new XenDomainTarget(host, host.Backend.ListDomains(default)[0]);
            var r = new DomainLifecycleService().RequestStop(t, new StopOptions(), default);
            var e = Assert.IsType<XenOperationNotSupportedException>(r.Error);
            Assert.Equal(XenErrorReason.OperationNotSupported, e.Reason);
            Assert.Equal("OperationNotSupported", e.ErrorId);
            Assert.Contains("core-only", e.Message);
            Assert.Contains("shutting domains down", e.Message);
            Assert.Throws<XenOperationNotSupportedException>(() => new ConsoleService().Open(t, default));
        }

        [Fact]
        public void ProvidersAreKeyedBySchemeWithTheirOwnOptions()
        {
            Assert.Equal(new[] { "sim", "ssh", "xapi", "xl" }, XenBackendFactory.Providers.Select(p => p.Scheme).ToArray());
            Assert.IsType<XapiHostOptions>(XenBackendFactory.ProviderFor("xapi://pool1").CreateOptions());
            Assert.IsType<SimHostOptions>(XenBackendFactory.ProviderFor("sim://a").CreateOptions());
            Assert.IsType<SshHostOptions>(XenBackendFactory.ProviderFor("SSH://root@h").CreateOptions());
            Assert.Equal("h:2222", XenBackendFactory.Parse("ssh://root@h:2222").DefaultName);
            Assert.Equal("localhost", XenBackendFactory.Parse("xl:///").DefaultName);
            var e = Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open("sim://a", new SshHostOptions()));
            Assert.Contains("SimHostOptions", e.Message);
        }

        [Fact]
        public void OptionsAreSetByNameWithConversionAndClearErrors()
        {
            var o = new SshHostOptions();
            o.Set("connecttimeout", 5, "ssh");
            o.Set("HostKeyPolicy", "acceptnew", "ssh");
            Assert.Equal(TimeSpan.FromSeconds(5), o.ConnectTimeout);
            Assert.True(o.AcceptNewHostKey);
            var unknown = Assert.Throws<XenArgumentException>(() => o.Set("TotalMemoryMiB", 1, "ssh"));
            Assert.Contains("KeyFile", unknown.Message); // lists what ssh:// takes
            var bad = Assert.Throws<XenArgumentException>(() => new SimHostOptions().Set("CpuCount", 0, "sim"));
            Assert.Contains("CpuCount", bad.Message);
        }

        [Fact]
        public void XlsPvControlFailureIsATypedReasonNotText()
        {
            var r = new CommandResult(1, "", "PV control interface not available: external graceful shutdown not possible.\nUse \"-F\" to fallback to ACPI power event.\n");
            var e = XlErrorMapper.Map("xl shutdown win", "win", r);
            Assert.Equal(XenErrorReason.PvControlUnavailable, e.Reason);
            Assert.IsType<XenInvalidOperationException>(e);
        }

        [Fact]
        public void AClosedXlBackendIsAConnectionErrorNotObjectDisposed()
        {
            var b = new XlBackend(new FakeRunner((a, s) => new CommandResult(0, "", "")), "ssh://x");
            b.Dispose();
            var e = Assert.Throws<XenConnectionException>(() => b.ListDomains(default));
            Assert.Equal(XenErrorReason.ConnectionClosed, e.Reason);
        }

        [Fact]
        public void GenericHostFailureIdIsBackendNeutral()
        {
            Assert.Equal("HostCommandFailed", new XenCommandException("x", 1, "").ErrorId);
        }
    }
}
