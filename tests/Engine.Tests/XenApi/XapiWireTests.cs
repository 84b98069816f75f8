using System;
using System.Collections.Generic;
using System.Linq;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using Xunit;

namespace XenPS.Tests.XenApi
{
    /// <summary>The decoders, error mapping, URIs and options, without a server.</summary>
    public sealed class XapiWireTests
    {
        [Fact]
        public void JSON_takes_bare_NaN_and_Infinity_duplicate_keys_and_big_numbers()
        {
            var v = (IReadOnlyDictionary<string, object?>)XapiJson.Parse(
                "{\"a\":NaN,\"b\":Infinity,\"c\":-Infinity,\"d\":+Infinity,\"k\":1,\"k\":2,\"big\":18446744073709551615,\"n\":8589934592,\"s\":\"x\\u00e9\\n\"}")!;
            Assert.True(double.IsNaN((double)v["a"]!));
            Assert.Equal(double.PositiveInfinity, v["b"]);
            Assert.Equal(double.NegativeInfinity, v["c"]);
            Assert.Equal(double.PositiveInfinity, v["d"]);
            Assert.Equal(2L, v["k"]);
            Assert.IsType<double>(v["big"]);
            Assert.Equal(8589934592L, v["n"]);
            Assert.Equal("x\u00e9\n", v["s"]);
            Assert.Throws<FormatException>(() => XapiJson.Parse("{\"a\":1,}"));
            Assert.Throws<FormatException>(() => XapiJson.Parse(new string('[', 300) + new string(']', 300)));
        }

        [Fact]
        public void Typed_reads_take_ints_as_strings_and_float_strings()
        {
            var r = new XapiRecord("OpaqueRef:x", new Dictionary<string, object?>
            {
                ["domid"] = "-1", ["mem"] = "2147483648", ["f1"] = "+Inf", ["f2"] = "NaN", ["f3"] = 1L, ["b"] = "true", ["m"] = new Dictionary<string, object?> { ["cpu_count"] = 4L },
            });
            Assert.Equal(-1, r.Long("domid"));
            Assert.Equal(2147483648L, r.Long("mem"));
            Assert.Equal(double.PositiveInfinity, r.Double("f1"));
            Assert.True(double.IsNaN(r.Double("f2")));
            Assert.Equal(1.0, r.Double("f3"));
            Assert.True(r.Bool("b"));
            Assert.Equal("4", r.Map("m")["cpu_count"]);
            Assert.Equal(7, r.Long("not_there", 7)); // a field an older server lacks
        }

        [Fact]
        public void XML_RPC_reads_XAPI_s_bare_strings_types_and_repeated_members()
        {
            string xml = "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>" +
                         "<member><name>Status</name><value>Success</value></member><member><name>Value</name><value><struct>" +
                         "<member><name>s</name><value> spaced </value></member><member><name>i</name><value><i4>-3</i4></value></member>" +
                         "<member><name>d</name><value><double>inf</double></value></member><member><name>n</name><value><double>nan</double></value></member>" +
                         "<member><name>b</name><value><boolean>1</boolean></value></member>" +
                         "<member><name>t</name><value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value></member>" +
                         "<member><name>a</name><value><array><data><value>x</value><value><string>y</string></value></data></array></value></member>" +
                         "<member><name>k</name><value>first</value></member><member><name>k</name><value>last</value></member>" +
                         "<member><name>e</name><value>a &amp; &lt;b&gt;</value></member>" +
                         "</struct></value></member></struct></value></param></params></methodResponse>";
            var status = (IReadOnlyDictionary<string, object?>)XapiXmlRpc.ParseResponse(xml)!;
            var v = (IReadOnlyDictionary<string, object?>)status["Value"]!;
            Assert.Equal(" spaced ", v["s"]);
            Assert.Equal(-3L, v["i"]);
            Assert.Equal(double.PositiveInfinity, v["d"]);
            Assert.True(double.IsNaN((double)v["n"]!));
            Assert.Equal(true, v["b"]);
            Assert.Equal("19700101T00:00:00Z", v["t"]);
            Assert.Equal(new object?[] { "x", "y" }, ((IReadOnlyList<object?>)v["a"]!).ToArray());
            Assert.Equal("last", v["k"]);
            Assert.Equal("a & <b>", v["e"]);
        }

        [Fact]
        public void XML_RPC_refuses_a_DTD_and_writes_ints_as_strings()
        {
            Assert.Throws<FormatException>(() => XapiXmlRpc.ParseResponse("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><methodResponse/>"));
            string call = XapiXmlRpc.FormatCall("event.from", new object?[] { "OpaqueRef:s", new List<object?> { "vm" }, "", 60.0, 5L, true });
            Assert.Contains("<value><double>60.0</double></value>", call);
            Assert.Contains("<value><string>5</string></value>", call);
            Assert.Contains("<value><boolean>1</boolean></value>", call);
        }

        [Fact]
        public void A_task_result_is_an_XML_RPC_value()
        {
            Assert.Equal("OpaqueRef:abc", XapiXmlRpc.ParseValueText("<value>OpaqueRef:abc</value>"));
            Assert.Equal("", XapiXmlRpc.ParseValueText(""));
        }

        [Fact]
        public void Failures_decode_from_v1_v2_and_odd_shapes()
        {
            var v1 = XapiFailure.From(new List<object?> { "SESSION_INVALID", "OpaqueRef:x" });
            Assert.Equal("SESSION_INVALID", v1.Code);
            Assert.Equal(new[] { "OpaqueRef:x" }, v1.Parameters);
            var v2 = XapiFailure.From(new Dictionary<string, object?> { ["code"] = 1L, ["message"] = "HOST_IS_SLAVE", ["data"] = new List<object?> { "10.0.0.1" } });
            Assert.Equal("HOST_IS_SLAVE", v2.Code);
            Assert.Equal("10.0.0.1", v2.Param(0));
            var stringData = XapiFailure.From(new Dictionary<string, object?> { ["code"] = "1", ["message"] = "X", ["data"] = "one" });
            Assert.Equal(new[] { "one" }, stringData.Parameters);
        }

        [Theory]
        [InlineData("VM_BAD_POWER_STATE", XenErrorReason.InvalidOperation, typeof(XenInvalidOperationException))]
        [InlineData("OPERATION_NOT_ALLOWED", XenErrorReason.InvalidOperation, typeof(XenInvalidOperationException))]
        [InlineData("OTHER_OPERATION_IN_PROGRESS", XenErrorReason.InvalidOperation, typeof(XenInvalidOperationException))]
        [InlineData("HOST_NOT_ENOUGH_FREE_MEMORY", XenErrorReason.InsufficientResources, typeof(XenResourceUnavailableException))]
        [InlineData("NO_HOSTS_AVAILABLE", XenErrorReason.InsufficientResources, typeof(XenResourceUnavailableException))]
        [InlineData("VM_MISSING_PV_DRIVERS", XenErrorReason.PvControlUnavailable, typeof(XenInvalidOperationException))]
        [InlineData("SESSION_AUTHENTICATION_FAILED", XenErrorReason.ConnectionFailed, typeof(XenConnectionException))]
        [InlineData("MESSAGE_METHOD_UNKNOWN", XenErrorReason.OperationNotSupported, typeof(XenOperationNotSupportedException))]
        [InlineData("SR_BACKEND_FAILURE_44", XenErrorReason.HostCommandFailed, typeof(XenApiException))]
        public void XAPI_codes_become_typed_exceptions_with_the_code_in_the_message(string code, XenErrorReason reason, Type type)
        {
            var e = XapiErrors.Map(new XapiFailure(code, new[] { "OpaqueRef:vm", "running", "halted" }), "Doing it");
            Assert.IsType(type, e);
            Assert.Equal(reason, e.Reason);
            Assert.Contains(code, e.Message);
            Assert.Contains("Doing it", e.Message);
            Assert.Equal(code, e.Data["XapiErrorCode"]);
        }

        [Fact]
        public void HANDLE_INVALID_of_a_VM_is_DomainNotFound_of_another_class_is_not()
        {
            Assert.IsType<XenDomainNotFoundException>(XapiErrors.Map(new XapiFailure("HANDLE_INVALID", new[] { "VM", "OpaqueRef:x" }), "x", "web1"));
            Assert.IsType<XenDomainNotFoundException>(XapiErrors.Map(new XapiFailure("UUID_INVALID", new[] { "VM", "u" }), "x"));
            Assert.IsType<XenApiException>(XapiErrors.Map(new XapiFailure("HANDLE_INVALID", new[] { "task", "OpaqueRef:x" }), "x"));
            var mem = XapiErrors.Map(new XapiFailure("HOST_NOT_ENOUGH_FREE_MEMORY", new[] { "2147483648", "1073741824" }), "Starting");
            Assert.Contains("needed 2048 MiB, available 1024 MiB", mem.Message);
        }

        [Theory]
        [InlineData("xapi://pool1", "pool1")]
        [InlineData("xapi://root@pool1.example.org:8443", "pool1.example.org:8443")]
        [InlineData("xapi://root@[::1]:443/", "[::1]:443")]
        public void URIs_parse(string uri, string name)
        {
            Assert.Equal(name, XenBackendFactory.Parse(uri).DefaultName);
        }

        [Theory]
        [InlineData("xapi://root:secret@pool1", "password cannot be part of the URI")]
        [InlineData("xapi://pool1:99999", "not a port number")]
        [InlineData("xapi://pool1/api", "no path")]
        [InlineData("xapi://", "host name is missing")]
        public void Bad_URIs_say_what_is_wrong(string uri, string why)
        {
            var e = Assert.Throws<XenArgumentException>(() => XenBackendFactory.Parse(uri));
            Assert.Contains(why, e.Message);
            Assert.Contains("xapi://[user@]host[:port]", e.Message);
            Assert.DoesNotContain("secret", e.Message.Replace(uri, ""));
        }

        [Fact]
        public void Options_check_thumbprints_credentials_and_conflicts()
        {
            var o = new XapiHostOptions();
            o.Set("CertificateThumbprint", "ab:" + string.Concat(Enumerable.Repeat("CD", 31)), "xapi");
            Assert.Equal("AB" + string.Concat(Enumerable.Repeat("CD", 31)), o.CertificateThumbprint);
            var sha1 = Assert.Throws<XenArgumentException>(() => o.Set("CertificateThumbprint", new string('a', 40), "xapi"));
            Assert.Contains("SHA-1", sha1.Message);
            Assert.Contains("openssl x509", sha1.Message);
            Assert.Contains("needs a user name and password",
                Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open("xapi://pool1", new XapiHostOptions())).Message);
            var both = new XapiHostOptions { Credential = new XenCredential("root", "x"), SkipCertificateCheck = true, CertificateThumbprint = new string('A', 64) };
            Assert.Contains("not both", Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open("xapi://pool1", both)).Message);
            var other = new XapiHostOptions { Credential = new XenCredential("admin", "x") };
            Assert.Contains("give the user once", Assert.Throws<XenArgumentException>(() => XenBackendFactory.Open("xapi://root@pool1", other)).Message);
        }

        [Fact]
        public void A_credential_never_shows_its_password()
        {
            var c = new XenCredential("root", "Pa55-word");
            Assert.Equal("root", c.ToString());
            Assert.Equal("Pa55-word", c.RevealPassword());
            Assert.True(c.Password.IsReadOnly() || c.Password.Length == 9);
            var o = new XapiHostOptions { Credential = c };
            Assert.DoesNotContain("Pa55-word", string.Join(",", typeof(XapiHostOptions).GetProperties().Select(p => p.GetValue(o)?.ToString())));
        }
    }
}
