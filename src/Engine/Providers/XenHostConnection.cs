using System;
using XenPS.Backends;

namespace XenPS
{
    /// <summary>An open connection to a Xen host: a name, the URI it was opened with, and its backend.</summary>
    public sealed class XenHostConnection : IDisposable
    {
        public XenHostConnection(string name, string uri, IXenBackend backend)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Uri = uri ?? throw new ArgumentNullException(nameof(uri));
            Backend = backend ?? throw new ArgumentNullException(nameof(backend));
            ConnectedAt = DateTimeOffset.Now;
        }

        public string Name { get; }
        public string Uri { get; }

        /// <summary>"sim", "xl" or "ssh": the URI's scheme.</summary>
        public string Kind
        {
            get
            {
                int i = Uri.IndexOf("://", StringComparison.Ordinal);
                return i > 0 ? Uri.Substring(0, i).ToLowerInvariant() : "";
            }
        }

        public bool IsDefault { get; private set; }
        public DateTimeOffset ConnectedAt { get; }
        public bool IsOpen { get; private set; } = true;

        /// <summary>The backend that does the work (for advanced use and tests).</summary>
        public IXenBackend Backend { get; }

        public void Dispose()
        {
            if (!IsOpen) return;
            IsOpen = false;
            Backend.Dispose();
        }

        public override string ToString() => Name;


        /// <summary>Marks the default flag (only the module's connection registry does this).</summary>
        internal void MarkDefault(bool value) => IsDefault = value;
    }
}
