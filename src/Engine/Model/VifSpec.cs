using System;

namespace XenPS
{
    /// <summary>A parsed xl vif spec (docs/misc/xl-network-configuration.markdown). OWNER: config helper; placeholder shape.</summary>
    public sealed class VifSpec
    {
        public string Spec { get; private set; } = "";
        public string? Mac { get; private set; }
        public string Bridge { get; private set; } = "xenbr0";
        public string? Ip { get; private set; }

        public static VifSpec Parse(string spec)
        {
            return new VifSpec { Spec = spec ?? throw new ArgumentNullException(nameof(spec)) };
        }

        public override string ToString() => Spec;
    }
}
