using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// One XAPI session per connection, reused by every call: session.login_with_password with originator "XenPS"
    /// (and a User-Agent of its own), so XAPI's per-originator session limits and rate limiting count XenPS apart.
    /// SESSION_INVALID: log in again once and retry. HOST_IS_SLAVE [master]: go to the master (asking, in the same
    /// request, for the master's certificate thumbprint where xapi supports it, and pinning it), once. Logout on Dispose.
    /// </summary>
    internal sealed class XapiSession : IDisposable
    {
        public const string Originator = "XenPS";
        internal static readonly string UserAgent =
            "XenPS/" + (typeof(XapiSession).Assembly.GetName().Version?.ToString(3) ?? "0") + " (XenAPI; " + Environment.OSVersion.Platform + ")";

        private readonly object _lock = new object();
        private readonly XenCredential _credential;
        private readonly XapiHostOptions _options;
        private readonly List<XapiEndpoint> _retired = new List<XapiEndpoint>();
        private XapiEndpoint _endpoint;
        private string? _session;
        private int _disposed;

        public XapiSession(string host, int port, XenCredential credential, XapiHostOptions options)
        {
            _credential = credential;
            _options = options;
            _endpoint = new XapiEndpoint(host, port, PolicyFor(options), options.Transport, ConnectTimeout, UserAgent);
        }

        private TimeSpan ConnectTimeout => _options.Timeout < TimeSpan.FromSeconds(15) ? _options.Timeout : TimeSpan.FromSeconds(15);

        internal static XapiTlsPolicy PolicyFor(XapiHostOptions o) =>
            o.SkipCertificateCheck ? XapiTlsPolicy.None : o.CertificateThumbprint != null ? XapiTlsPolicy.Pinned(o.CertificateThumbprint) : XapiTlsPolicy.System;

        /// <summary>The pool master's endpoint (after any redirection).</summary>
        public XapiEndpoint Endpoint { get { lock (_lock) return _endpoint; } }

        /// <summary>The host first connected to, when it was a supporter that sent XenPS to the master.</summary>
        public string? RedirectedFrom { get; private set; }

        /// <summary>How many times this connection has logged in (tests read it).</summary>
        public int Logins { get; private set; }

        public string UserName => _credential.UserName;

        /// <summary>The session reference, logging in first if needed.</summary>
        public string SessionRef(CancellationToken ct)
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                if (_session == null) LoginLocked(ct);
                return _session!;
            }
        }

        /// <summary>
        /// Calls <paramref name="method"/> with the session first; throws <see cref="XapiFailure"/> for XAPI errors
        /// (the caller maps them, knowing what it was doing) and XenPSException for transport failures.
        /// </summary>
        public object? Call(string method, IReadOnlyList<object?> args, CancellationToken ct, TimeSpan? timeout = null)
        {
            for (int attempt = 0; ; attempt++)
            {
                string session;
                XapiEndpoint ep;
                lock (_lock)
                {
                    ThrowIfDisposed();
                    if (_session == null) LoginLocked(ct);
                    session = _session!;
                    ep = _endpoint;
                }
                var full = new object?[args.Count + 1];
                full[0] = session;
                for (int i = 0; i < args.Count; i++) full[i + 1] = args[i];
                try
                {
                    return ep.Call(method, full, false, timeout ?? _options.Timeout, ct);
                }
                catch (XapiFailure f) when (attempt == 0 && f.Code == "SESSION_INVALID")
                {
                    // Expired (or xapi restarted): log in again once, then retry.
                    lock (_lock) { if (_session == session) _session = null; }
                }
                catch (XapiFailure f) when (attempt == 0 && f.Code == "HOST_IS_SLAVE" && f.Parameters.Count > 0)
                {
                    // The master moved (designate_new_master, HA): follow it once.
                    lock (_lock)
                    {
                        if (_endpoint == ep)
                        {
                            Redirect(f, ep);
                            _session = null;
                        }
                    }
                }
            }
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The connection to {_endpoint.BaseUri.Authority} has been closed.", XenErrorReason.ConnectionClosed);
        }

        private void LoginLocked(CancellationToken ct)
        {
            for (int hop = 0; ; hop++)
            {
                var ep = _endpoint;
                try
                {
                    _session = LoginOnce(ep, ct);
                    Logins++;
                    return;
                }
                catch (XapiFailure f) when (f.Code == "HOST_IS_SLAVE" && hop == 0 && f.Parameters.Count > 0)
                {
                    Redirect(f, ep);
                }
                catch (XapiFailure f)
                {
                    throw XapiErrors.Map(f, $"Logging in to {ep.BaseUri.Authority} as '{_credential.UserName}'");
                }
                catch (XenConnectionException e) when (hop > 0 && RedirectedFrom != null)
                {
                    throw new XenConnectionException(
                        $"{RedirectedFrom} is a pool supporter; its master is {ep.Host}, which could not be used: {e.Message}" +
                        (ep.Tls.PinnedSha256 != null && ep.Tls.PinnedSha256 == _options.CertificateThumbprint
                            ? $" The supporter did not send the master's certificate thumbprint (xapi before 24.1.0), so the pin given applies to the master too: connect to xapi://{ep.Host} with its own -CertificateThumbprint."
                            : ""), e);
                }
            }
        }

        private string LoginOnce(XapiEndpoint ep, CancellationToken ct)
        {
            object? r;
            try
            {
                r = ep.Call("session.login_with_password",
                    new object?[] { _credential.UserName, _credential.RevealPassword(), "1.1", Originator }, true, _options.Timeout, ct);
            }
            catch (XapiFailure f) when (f.Code == "MESSAGE_PARAMETER_COUNT_MISMATCH")
            {
                // A host older than the version/originator parameters (as the C# SDK falls back).
                r = ep.Call("session.login_with_password", new object?[] { _credential.UserName, _credential.RevealPassword() }, true, _options.Timeout, ct);
            }
            string? s = XapiValue.AsString(r);
            if (string.IsNullOrEmpty(s) || !s.StartsWith("OpaqueRef:", StringComparison.Ordinal))
                throw new XenPSException($"{ep.BaseUri.Authority} answered the login with {XapiValue.Describe(r)}, not a session reference; is it a XenAPI host?", null, XenErrorReason.ConnectionFailed);
            return s;
        }

        /// <summary>Replaces the endpoint with the master's: same port and protocol; its certificate pinned when the supporter told it.</summary>
        private void Redirect(XapiFailure f, XapiEndpoint from)
        {
            string master = f.Param(0).Trim();
            if (master.Length == 0 || string.Equals(master, from.Host, StringComparison.OrdinalIgnoreCase))
                throw new XenConnectionException($"{from.BaseUri.Authority} says it is not the pool master but names no other master ({f.Message}).");
            XapiTlsPolicy policy = from.Tls;
            string? told = Thumbprints.Normalize(f.MasterThumbprint);
            if (!policy.Skip && told != null) policy = XapiTlsPolicy.Pinned(told);
            RedirectedFrom ??= from.BaseUri.Authority;
            _retired.Add(from);
            _endpoint = new XapiEndpoint(master, from.Port, policy, from.Transport, ConnectTimeout, UserAgent);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            string? s;
            XapiEndpoint ep;
            lock (_lock)
            {
                s = _session;
                _session = null;
                ep = _endpoint;
            }
            if (s != null)
            {
                try { ep.Call("session.logout", new object?[] { s }, false, TimeSpan.FromSeconds(5), CancellationToken.None); }
                catch (Exception e) when (e is XapiFailure || e is XenPSException) { /* the session expires on its own */ }
            }
            ep.Dispose();
            foreach (var r in _retired) r.Dispose();
        }
    }
}
