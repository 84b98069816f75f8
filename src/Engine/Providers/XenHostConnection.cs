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
            var measured = (backend as IXenConnectionHealthSource)?.Health;
            HealthMeasuredByBackend = measured != null;
            Health = measured ?? new XenConnectionHealth();
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

        /// <summary>How the connection is doing (see LastContact, LatencyMs, LastError, State).</summary>
        public XenConnectionHealth Health { get; }

        /// <summary>Open (the last call reached the host), Degraded (it did not; the next call connects again) or Closed.</summary>
        public XenConnectionState State => IsOpen ? Health.State : XenConnectionState.Closed;

        /// <summary>When the host last answered.</summary>
        public DateTimeOffset? LastContact => Health.LastContact;

        /// <summary>The last round trip to the host, in milliseconds.</summary>
        public double? LatencyMs => Health.LatencyMs;

        /// <summary>The last connection error, also one a reconnect recovered from.</summary>
        public string? LastError => Health.LastError;

        /// <summary>How many times a dropped connection was re-established.</summary>
        public int Reconnects => Health.Reconnects;

        /// <summary>Whether the backend measures its own round trips (xl over ssh); else the fan-out records what it sees.</summary>
        internal bool HealthMeasuredByBackend { get; }

        /// <summary>
        /// What one piece of the fan-out's work on this host saw, for backends that do not measure themselves: an answer
        /// (also a toolstack error) is contact; a connection failure or timeout is a failure.
        /// </summary>
        internal void Observe(TimeSpan elapsed, XenPSException? error)
        {
            if (HealthMeasuredByBackend || !IsOpen) return;
            if (error != null && (error.Reason == XenErrorReason.ConnectionFailed || error.Reason == XenErrorReason.Timeout))
                Health.RecordFailure(error.Message);
            else if (error == null || error.Reason != XenErrorReason.ConnectionClosed)
                Health.RecordContact(elapsed);
        }

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
