using System;

namespace XenPS
{
    /// <summary>A parsed xl disk spec (docs/misc/xl-disk-configuration.txt). OWNER: config helper; this is a placeholder shape.</summary>
    public sealed class DiskSpec
    {
        public string Spec { get; private set; } = "";
        public string? Target { get; private set; }
        public string Format { get; private set; } = "raw";
        public string? Vdev { get; private set; }
        public string Access { get; private set; } = "rw";
        public string? DevType { get; private set; }
        public string? BackendType { get; private set; }
        public string? Script { get; private set; }

        public static DiskSpec Parse(string spec)
        {
            // Placeholder: replaced by the real parser.
            return new DiskSpec { Spec = spec ?? throw new ArgumentNullException(nameof(spec)) };
        }

        public override string ToString() => Spec;
    }
}
