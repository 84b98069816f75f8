using System;
using System.Management.Automation;

namespace XenPS
{
    /// <summary>
    /// Rebuilds a XenDomain from its serialized form (Export-/Import-Clixml, Start-Job, remoting), so a domain that went
    /// through serialization is again a domain: its Host and HostUri find its host, its Uuid and Id the domain. Without
    /// it a deserialized domain binds only by property name, and its Name alone would select a domain on the default host.
    /// The config is not carried over (the host has it).
    /// </summary>
    public sealed class XenDomainTypeConverter : PSTypeConverter
    {
        private const string DeserializedName = "Deserialized.XenPS.XenDomain";

        public override bool CanConvertFrom(object sourceValue, Type destinationType) =>
            destinationType == typeof(XenDomain) && sourceValue is PSObject p && p.TypeNames.Contains(DeserializedName);

        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            if (!(sourceValue is PSObject p) || !p.TypeNames.Contains(DeserializedName))
                throw new PSInvalidCastException($"Only a serialized XenPS.XenDomain converts to XenPS.XenDomain.");
            T? Get<T>(string name)
            {
                object? v = p.Properties[name]?.Value;
                if (v is PSObject po) v = po.BaseObject;
                if (v == null) return default;
                return LanguagePrimitives.ConvertTo<T>(v);
            }
            var d = new XenDomain
            {
                Name = Get<string>("Name") ?? "",
                Id = p.Properties["Id"]?.Value is null ? null : Get<int>("Id"),
                Uuid = Get<string>("Uuid"),
                Type = Get<XenDomainType>("Type"),
                MemoryMiB = Get<long>("MemoryMiB"),
                MaxMemoryMiB = Get<long>("MaxMemoryMiB"),
                VCpus = Get<int>("VCpus"),
                MaxVCpus = Get<int>("MaxVCpus"),
                StateFlags = Get<string>("StateFlags") ?? "------",
                ShutdownReason = Get<XenShutdownReason>("ShutdownReason"),
                CpuTime = Get<double>("CpuTime"),
                Host = Get<string>("Host") ?? "",
                HostUri = Get<string>("HostUri") ?? "",
                IsControlDomain = Get<bool>("IsControlDomain"),
            };
            if (p.Properties["State"]?.Value != null) d.State = Get<XenDomainState>("State");
            return d;
        }

        public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
            throw new PSInvalidCastException("XenPS.XenDomain converts only from its serialized form.");
    }
}
