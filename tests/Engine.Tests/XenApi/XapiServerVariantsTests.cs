using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Tests.XenApi
{
    /// <summary>Servers that differ from the default fake: older, quirkier, bigger.</summary>
    public sealed class XapiServerVariantsTests
    {
        private static readonly CancellationToken None = CancellationToken.None;
        private readonly ITestOutputHelper _out;

        public XapiServerVariantsTests(ITestOutputHelper o) { _out = o; }

        [Fact]
        public void Quirky_records_decode_duplicate_keys_non_finite_floats_new_fields_and_ints_as_strings()
        {
            using var fake = FakeXapiServer.Start("--fault", "duplicate_keys", "--fault", "non_finite", "--fault", "extra_fields", "--fault", "ints_as_strings");
            using var b = fake.Open();
            var list = b.ListDomains(None);
            var web1 = list.Single(d => d.Name == "web1");
            Assert.Equal(1024, web1.MemoryMiB);
            Assert.Equal(2, web1.VCpus);
            Assert.NotNull(web1.Id);
            Assert.Equal(32768 / 2, ((IXenHostFacts)b).GetHostInfo(None).TotalMemoryMiB);
            ((IXenPowerControl)b).PauseDomain(web1, None); // task records and event.from answers go through the same decoder
            Assert.Equal(XenDomainState.Paused, b.ListDomains(None).Single(d => d.Name == "web1").State);
        }

        [Fact]
        public void The_same_faults_over_XML_RPC()
        {
            using var fake = FakeXapiServer.Start("--fault", "duplicate_keys", "--fault", "non_finite", "--fault", "extra_fields");
            var o = fake.Options();
            o.Transport = XapiTransport.XmlRpc;
            using var b = (XapiBackend)fake.Open(o);
            Assert.Equal(1024, b.ListDomains(None).Single(d => d.Name == "web1").MemoryMiB);
            ((IXenPowerControl)b).PauseDomain(b.ListDomains(None).Single(d => d.Name == "web1"), None);
            Assert.Equal(0, fake.Calls("VM.get_all_records") - fake.Calls("VM.get_all_records")); // (no JSON-RPC was tried)
            Assert.Equal(XapiTransport.XmlRpc, b.Session.Endpoint.Transport);
        }

        [Fact]
        public void A_host_too_old_for_JSON_RPC_is_detected_and_spoken_to_in_XML_RPC()
        {
            using var fake = FakeXapiServer.Start("--legacy-xmlrpc");
            using var b = (XapiBackend)fake.Open();
            Assert.Equal(XapiTransport.Auto, b.Session.Endpoint.Transport);
            var list = b.ListDomains(None);
            Assert.Equal(XapiTransport.XmlRpc, b.Session.Endpoint.Transport);
            Assert.Contains(list, d => d.Name == "web1" && d.State == XenDomainState.Running);
            ((IXenPowerControl)b).PauseDomain(list.Single(d => d.Name == "web1"), None);
            Assert.Equal(XenDomainState.Paused, b.ListDomains(None).Single(d => d.Name == "web1").State);
        }

        [Fact]
        public void An_older_xapi_login_without_originator_is_retried_with_two_parameters()
        {
            using var fake = FakeXapiServer.Start("--old-xapi");
            using var b = fake.Open();
            Assert.NotEmpty(b.ListDomains(None));
            Assert.Equal(2, fake.Calls("session.login_with_password"));
        }

        [Fact]
        public void Without_the_thumbprint_header_a_pin_for_the_supporter_cannot_cover_the_master_and_says_so()
        {
            using var fake = FakeXapiServer.Start("--supporter", "--old-xapi");
            using var b = fake.Open(fake.Options(fake.SupporterThumbprint), fake.SupporterUri);
            var e = Assert.Throws<XenConnectionException>(() => b.ListDomains(None));
            Assert.Contains("is a pool supporter; its master is 127.0.0.1", e.Message);
            Assert.Contains("did not send the master's certificate thumbprint", e.Message);
            Assert.Contains(Thumbprints.Display(fake.MasterThumbprint), e.Message);
            // With the check off, the redirection works on old servers too.
            using var skip = fake.Open(fake.Options(skip: true), fake.SupporterUri);
            Assert.NotEmpty(skip.ListDomains(None));
        }

        [Fact]
        public void Bench_listing_1000_VMs_takes_one_VM_get_all_records_round_trip()
        {
            using var fake = FakeXapiServer.Start("--vms", "1000");
            using var b = fake.Open();
            b.ListDomains(None);
            int before = fake.Calls("VM.get_all_records");
            var sw = Stopwatch.StartNew();
            const int rounds = 5;
            int count = 0;
            for (int i = 0; i < rounds; i++) count = b.ListDomains(None).Count;
            sw.Stop();
            Assert.True(count >= 1000, count.ToString());
            Assert.Equal(before + rounds, fake.Calls("VM.get_all_records"));
            _out.WriteLine($"listing {count} VMs: {sw.Elapsed.TotalMilliseconds / rounds:0.0} ms per listing (one VM.get_all_records each)");
        }
    }
}
