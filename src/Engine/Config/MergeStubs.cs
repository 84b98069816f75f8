// TEMPORARY: stands in for classes being written on other branches; deleted when they merge.
using System;

namespace XenPS.Config
{
    public static class YamlConfigWriter { public static string Write(XenDomainConfig config) => throw new NotImplementedException(); }
}

namespace XenPS.Backends
{
    public sealed class XenBackendOptions
    {
        public long? TotalMemoryMiB { get; set; }
        public int? CpuCount { get; set; }
    }

    public static class XenBackendFactory
    {
        public static IXenBackend Open(string uri, XenBackendOptions? options = null) => throw new NotImplementedException();
    }
}
