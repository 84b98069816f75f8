using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace XenPS.Tests.XenApi
{
    /// <summary>
    /// Real XAPI traffic nobody here wrote (fog-xenserver's VCR cassettes, XenServer 6.2, MIT; see Cassettes/README.md)
    /// through XenPS's XML-RPC decoder and its VM mapping.
    /// </summary>
    public sealed class XapiCassetteReplayTests
    {
        private sealed class Exchange
        {
            public string Request = "";
            public string Response = "";
            public string ContentType = "";
            public string Method => XDocument.Parse(Request).Root!.Element("methodName")!.Value;
        }

        private static List<Exchange> Load(string name)
        {
            var yaml = new YamlStream();
            using (var r = new StreamReader(Path.Combine(AppContext.BaseDirectory, "XenApi", "Cassettes", name + ".yml"))) yaml.Load(r);
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            var list = new List<Exchange>();
            foreach (YamlMappingNode i in (YamlSequenceNode)root["http_interactions"])
            {
                var req = (YamlMappingNode)i["request"];
                var resp = (YamlMappingNode)i["response"];
                list.Add(new Exchange
                {
                    Request = ((YamlScalarNode)((YamlMappingNode)req["body"])["string"]).Value!,
                    Response = ((YamlScalarNode)((YamlMappingNode)resp["body"])["string"]).Value!,
                    ContentType = ((YamlScalarNode)((YamlSequenceNode)((YamlMappingNode)resp["headers"])["Content-Type"])[0]).Value!,
                });
            }
            return list;
        }

        private static object? Value(Exchange x)
        {
            Assert.Equal("text/xml", x.ContentType);
            var status = (IReadOnlyDictionary<string, object?>)XapiXmlRpc.ParseResponse(x.Response)!;
            Assert.Equal("Success", status["Status"]);
            return status["Value"];
        }

        [Theory]
        [InlineData("open_connection")]
        [InlineData("get_all_hosts")]
        [InlineData("clone_server")]
        [InlineData("get_vm_by_name")]
        [InlineData("builtin_templates")]
        public void Every_recorded_answer_decodes_and_every_recorded_call_re_encodes_the_same(string cassette)
        {
            foreach (var x in Load(cassette))
            {
                Value(x);
                // The recorded request, read and written again by XenPS, carries the same method and values.
                var call = XDocument.Parse(x.Request).Root!;
                var ps = call.Element("params")!.Elements("param").Select(p => XapiXmlRpc.ParseValue(p.Element("value")!)).ToList();
                var again = XDocument.Parse(XapiXmlRpc.FormatCall(x.Method, ps)).Root!;
                Assert.Equal(x.Method, again.Element("methodName")!.Value);
                Assert.Equal(ps, again.Element("params")!.Elements("param").Select(p => XapiXmlRpc.ParseValue(p.Element("value")!)).ToList());
            }
        }

        [Fact]
        public void A_real_login_answer_is_a_session_reference()
        {
            var x = Load("open_connection").Single();
            Assert.Equal("session.login_with_password", x.Method);
            Assert.Equal("OpaqueRef:3364a807-6433-eb77-84fd-f3452db26947", Value(x));
        }

        [Fact]
        public void A_real_VM_get_all_records_maps_to_domains_without_templates_or_snapshots()
        {
            var hosts = XapiRecord.All(Value(Load("get_all_hosts").Single()), "host.get_all_records");
            var vms = XapiRecord.All(Value(Load("builtin_templates").Single()), "VM.get_all_records");
            Assert.Equal(74, vms.Count);
            // 553 KB of bare strings, int64 as strings, <boolean>, <dateTime.iso8601>, XML-escaped maps.
            var win8 = vms.Single(v => v.Str("name_label") == "Windows 8 (64-bit)");
            Assert.True(win8.Bool("is_a_template"));
            Assert.Equal(4294967296L, win8.Long("memory_static_max"));
            Assert.Equal(36700160L, win8.Long("memory_overhead"));
            Assert.Equal(-1, win8.Long("domid"));
            Assert.StartsWith("<provision>", win8.Map("other_config")["disks"]);
            Assert.Equal("19700101T00:00:00Z", win8.Str("snapshot_time"));
            Assert.False(win8.Has("domain_type")); // XenServer 6.2 predates it

            using var b = new XapiBackend("xapi://192.168.10.2", "192.168.10.2", 443, new XenCredential("root", "x"), new XapiHostOptions());
            b.KnowHosts(hosts);
            var domains = b.Domains(vms);
            Assert.DoesNotContain(domains, d => vms.Any(v => v.Str("uuid") == d.Uuid && (v.Bool("is_a_template") || v.Bool("is_a_snapshot"))));
            var dom0s = domains.Where(d => d.IsControlDomain).ToList();
            Assert.Equal(2, dom0s.Count);
            Assert.All(dom0s, d => Assert.Equal("Domain-0", d.Name));
            Assert.Equal(dom0s, domains.Take(2));
            Assert.All(dom0s, d => Assert.Equal(0, d.Id));
            Assert.All(dom0s, d => Assert.Contains(hosts, h => h.Str("name_label") == d.ResidentOn));
            var running = domains.Where(d => !d.IsControlDomain && d.State == XenDomainState.Running).ToList();
            Assert.NotEmpty(running);
            Assert.All(running, d => Assert.True(d.Id > 0 && d.MemoryMiB > 0 && d.VCpus > 0 && d.ResidentOn != null));
            Assert.All(domains.Where(d => d.State == XenDomainState.Halted), d => Assert.Null(d.Id));
        }

        [Fact]
        public void Real_host_records_give_the_facts_XenPS_reads()
        {
            var hosts = XapiRecord.All(Value(Load("get_all_hosts").Single()), "host.get_all_records");
            Assert.Equal(2, hosts.Count);
            Assert.All(hosts, h =>
            {
                Assert.StartsWith("6.2", h.Map("software_version")["product_version"]);
                Assert.True(long.Parse(h.Map("cpu_info")["cpu_count"]) > 0);
                Assert.False(string.IsNullOrEmpty(h.Str("address")));
            });
        }

        [Fact]
        public void A_real_clone_answer_is_the_new_VM_s_reference()
        {
            var clone = Load("clone_server").First(x => x.Method == "VM.clone");
            Assert.StartsWith("OpaqueRef:", (string)Value(clone)!);
        }
    }
}
