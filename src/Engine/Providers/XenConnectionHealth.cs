using System;

namespace XenPS
{
    /// <summary>How a host connection is doing, as Get-XenHostConnection shows it.</summary>
    public enum XenConnectionState
    {
        /// <summary>The last call reached the host (or none has been made yet).</summary>
        Open = 0,
        /// <summary>The last call could not reach the host; the next call tries to connect again.</summary>
        Degraded = 1,
        /// <summary>Closed by Disconnect-XenHost: it is not used again.</summary>
        Closed = 2,
    }

    /// <summary>
    /// The health of one host connection: when the host last answered, how long its last round trip took, the last
    /// connection error (also one recovered from by reconnecting) and how often the connection was re-established.
    /// Thread-safe: the fan-out's worker threads record into it while the pipeline thread reads it.
    /// </summary>
    public sealed class XenConnectionHealth
    {
        private readonly object _lock = new object();
        private readonly Func<DateTimeOffset> _clock;
        private DateTimeOffset? _lastContact;
        private double? _latencyMs;
        private string? _lastError;
        private DateTimeOffset? _lastErrorAt;
        private int _reconnects;
        private bool _failing;

        public XenConnectionHealth(Func<DateTimeOffset>? clock = null)
        {
            _clock = clock ?? (() => DateTimeOffset.Now);
        }

        /// <summary>When the host last answered (any answer, also an error of the toolstack); null before the first call.</summary>
        public DateTimeOffset? LastContact { get { lock (_lock) return _lastContact; } }

        /// <summary>The last round trip to the host, in milliseconds.</summary>
        public double? LatencyMs { get { lock (_lock) return _latencyMs; } }

        /// <summary>The last connection error: why the host could not be reached, or what a reconnect recovered from.</summary>
        public string? LastError { get { lock (_lock) return _lastError; } }

        /// <summary>When <see cref="LastError"/> happened.</summary>
        public DateTimeOffset? LastErrorAt { get { lock (_lock) return _lastErrorAt; } }

        /// <summary>How many times a dropped connection was re-established.</summary>
        public int Reconnects { get { lock (_lock) return _reconnects; } }

        /// <summary>Open, or Degraded while the last call could not reach the host.</summary>
        public XenConnectionState State { get { lock (_lock) return _failing ? XenConnectionState.Degraded : XenConnectionState.Open; } }

        /// <summary>The host answered after <paramref name="roundTrip"/>.</summary>
        public void RecordContact(TimeSpan roundTrip)
        {
            lock (_lock)
            {
                _lastContact = _clock();
                _latencyMs = Math.Round(roundTrip.TotalMilliseconds, 1);
                _failing = false;
            }
        }

        /// <summary>The host could not be reached: <paramref name="error"/> says why.</summary>
        public void RecordFailure(string error)
        {
            lock (_lock)
            {
                _lastError = error;
                _lastErrorAt = _clock();
                _failing = true;
            }
        }

        /// <summary>A dropped connection was re-established; <paramref name="recoveredFrom"/> is what had gone wrong.</summary>
        public void RecordReconnect(string recoveredFrom)
        {
            lock (_lock)
            {
                _lastError = recoveredFrom;
                _lastErrorAt = _clock();
                _reconnects++;
            }
        }
    }
}

namespace XenPS.Backends
{
    /// <summary>
    /// A backend that measures its own connection (xl over ssh: each ssh round trip, reconnects of the shared
    /// connection). Health is null when the backend does not measure it; the connection then records what the
    /// engine's fan-out sees.
    /// </summary>
    public interface IXenConnectionHealthSource
    {
        XenConnectionHealth? Health { get; }
    }
}
