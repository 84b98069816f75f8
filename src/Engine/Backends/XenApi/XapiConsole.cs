using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    public sealed partial class XapiBackend : IXenConsoleAccess
    {
        /// <summary>
        /// The VM's text console (its console of protocol vt100; PV guests have one, HVM guests only a graphical one):
        /// an HTTP CONNECT to the console's location (on the host the VM is resident on, not necessarily the master)
        /// with the session cookie; after "200 OK" the socket is the console's byte stream.
        /// </summary>
        public IXenConsole OpenConsole(XenDomain domain, CancellationToken cancellationToken)
        {
            if (domain.IsDomain0)
                throw new XenInvalidOperationException("A control domain's console is its host's own console; XenPS opens guest consoles only.", XenErrorReason.Domain0Refused);
            string what = $"Opening the console of VM '{domain.Name}'";
            var (location, powerState) = WithVm(domain, cancellationToken, vm =>
            {
                var rec = new XapiRecord(vm, XapiValue.AsStruct(Call("VM.get_record", what, domain.Name, cancellationToken, vm), "VM.get_record"));
                string? loc = null;
                foreach (string c in rec.Strings("consoles"))
                {
                    var con = new XapiRecord(c, XapiValue.AsStruct(Call("console.get_record", what, domain.Name, cancellationToken, c), "console.get_record"));
                    if (string.Equals(con.Str("protocol"), "vt100", StringComparison.OrdinalIgnoreCase)) { loc = con.Str("location"); break; }
                }
                return (loc, rec.Str("power_state"));
            });
            if (!string.Equals(powerState, "Running", StringComparison.OrdinalIgnoreCase))
                throw new XenInvalidOperationException($"VM '{domain.Name}' is {powerState.ToLowerInvariant()}: only a running VM has a console. Start or resume it first.");
            if (string.IsNullOrEmpty(location))
                throw new XenInvalidOperationException(
                    $"VM '{domain.Name}' has no text (vt100) console: XAPI gives one to PV guests; HVM guests have only a graphical (RFB) console. " +
                    "Use the pool's graphical console (Xen Orchestra, XenCenter) for it.");
            if (!System.Uri.TryCreate(location, UriKind.Absolute, out var u) || (u.Scheme != "https" && u.Scheme != "http"))
                throw new XenPSException($"{what}: XAPI gave the console location '{location}', which is not an http(s) URL.", null, XenErrorReason.HostCommandFailed);
            var ep = _session.Endpoint;
            // A real pool's locations name no port (443); the console is then on the port this connection uses.
            int port = u.IsDefaultPort ? ep.Port : u.Port;
            string host = u.Host.Trim('[', ']');
            var policy = string.Equals(host, ep.Host, StringComparison.OrdinalIgnoreCase) ? ep.Tls : MemberPolicy(host, what, cancellationToken);
            string session = _session.SessionRef(cancellationToken);
            var console = XapiConsole.Connect(host, port, u.PathAndQuery, session, u.Scheme == "https", policy, domain.Name, _options.Timeout, cancellationToken);
            console.BackendClosing = _closing.Token;
            console.BackendUri = Uri;
            return console;
        }

        /// <summary>
        /// How to check another pool member's certificate: not at all with SkipCertificateCheck; else pinned to the
        /// certificate the master reports for it (host.get_server_certificate, over the already verified connection).
        /// </summary>
        private XapiTlsPolicy MemberPolicy(string address, string what, CancellationToken ct)
        {
            if (_options.SkipCertificateCheck) return XapiTlsPolicy.None;
            RefreshHosts(ct);
            var member = _hosts.Values.FirstOrDefault(h => string.Equals(h.Str("address"), address, StringComparison.OrdinalIgnoreCase));
            if (member == null) return XapiTlsPolicy.System;
            string pem = XapiValue.AsString(Call("host.get_server_certificate", what, null, ct, member.Ref)) ?? "";
            try
            {
                using var cert = X509Certificate2.CreateFromPem(pem);
                return XapiTlsPolicy.Pinned(Thumbprints.Of(cert));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException || e is ArgumentException)
            {
                return XapiTlsPolicy.System;
            }
        }
    }

    /// <summary>A vt100 console stream: a reader thread fills a buffer that Read drains; Write sends keys.</summary>
    internal sealed class XapiConsole : IXenConsole
    {
        private readonly TcpClient _tcp;
        private readonly Stream _stream;
        private readonly string _name;
        private readonly object _lock = new object();
        private readonly StringBuilder _buffer = new StringBuilder();
        private readonly ManualResetEventSlim _arrived = new ManualResetEventSlim(false);
        private readonly Thread _reader;
        private bool _closed;
        private string? _closeReason;
        private int _disposed;

        private XapiConsole(TcpClient tcp, Stream stream, string name, byte[] early)
        {
            _tcp = tcp;
            _stream = stream;
            _name = name;
            var decoder = Encoding.UTF8.GetDecoder();
            if (early.Length > 0) Append(decoder, early, early.Length);
            _reader = new Thread(() => ReadLoop(decoder)) { IsBackground = true, Name = "XenPS XAPI console " + name };
            _reader.Start();
        }

        public static XapiConsole Connect(string host, int port, string pathAndQuery, string session, bool tls, XapiTlsPolicy policy,
            string name, TimeSpan timeout, CancellationToken ct)
        {
            var tcp = new TcpClient();
            Stream? stream = null;
            string authority = (host.Contains(':') ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
            try
            {
                using (var connectBound = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    connectBound.CancelAfter(timeout);
                    try { tcp.ConnectAsync(host, port, connectBound.Token).AsTask().GetAwaiter().GetResult(); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new XenTimeoutException($"The console of '{name}' at {authority} did not accept a connection within {timeout.TotalSeconds:0.###} s.");
                    }
                }
                stream = tcp.GetStream();
                string? problem = null;
                if (tls)
                {
                    var ssl = new SslStream(stream, false);
                    stream = ssl;
                    var o = new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        RemoteCertificateValidationCallback = (s, cert, chain, errors) =>
                        {
                            if (policy.Skip) return true;
                            if (cert == null) { problem = "no certificate"; return false; }
                            string tp = Thumbprints.Of(cert);
                            if (policy.PinnedSha256 != null)
                            {
                                if (tp == policy.PinnedSha256) return true;
                                problem = $"its certificate has the SHA-256 thumbprint {Thumbprints.Display(tp)}, not {Thumbprints.Display(policy.PinnedSha256)}";
                                return false;
                            }
                            if (errors == SslPolicyErrors.None) return true;
                            problem = $"its certificate ({Thumbprints.Display(tp)}) is not trusted ({errors})";
                            return false;
                        },
                    };
                    try { ssl.AuthenticateAsClientAsync(o, ct).GetAwaiter().GetResult(); }
                    catch (System.Security.Authentication.AuthenticationException e)
                    {
                        throw new XenConnectionException($"The console host {authority} of '{name}' failed the TLS check: {problem ?? e.Message}.", e);
                    }
                }
                var req = "CONNECT " + pathAndQuery + " HTTP/1.0\r\nHost: " + authority + "\r\nCookie: session_id=" + session +
                          "\r\nUser-Agent: " + XapiSession.UserAgent + "\r\n\r\n";
                byte[] bytes = Encoding.ASCII.GetBytes(req);
                stream.WriteAsync(bytes, 0, bytes.Length, ct).GetAwaiter().GetResult();
                stream.Flush();
                var (status, early) = ReadHead(stream, authority, name, timeout, ct);
                if (status != 200)
                    throw status == 404
                        ? new XenDomainNotFoundException(name, $"The console of '{name}' is not at {authority} (HTTP 404): the VM moved or stopped; list it again.")
                        : new XenConnectionException($"The console of '{name}' at {authority} refused the connection (HTTP {status})" +
                                                     (status == 503 ? ": someone else is connected and the pool limits console sessions." : "."));
                var c = new XapiConsole(tcp, stream, name, early);
                stream = null;
                return c;
            }
            catch (SocketException e)
            {
                throw new XenConnectionException($"Cannot reach the console of '{name}' at {authority}: {e.Message}.", e);
            }
            catch (IOException e)
            {
                throw new XenConnectionException($"The console connection of '{name}' at {authority} dropped: {e.Message}.", e);
            }
            finally
            {
                if (stream != null) { stream.Dispose(); tcp.Dispose(); }
            }
        }

        /// <summary>Reads "HTTP/1.x NNN ..." and the headers up to the blank line; returns the status and any bytes after them.</summary>
        private static (int, byte[]) ReadHead(Stream s, string authority, string name, TimeSpan timeout, CancellationToken ct)
        {
            var head = new MemoryStream();
            var buf = new byte[4096];
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(timeout);
            while (true)
            {
                int n;
                try { n = s.ReadAsync(buf, 0, buf.Length, bound.Token).GetAwaiter().GetResult(); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new XenTimeoutException($"The console of '{name}' at {authority} did not answer the CONNECT within {timeout.TotalSeconds:0.###} s.");
                }
                if (n == 0) throw new XenConnectionException($"The console host {authority} closed the connection before answering the CONNECT for '{name}'.");
                head.Write(buf, 0, n);
                var all = head.ToArray();
                int end = IndexOf(all, new byte[] { 13, 10, 13, 10 });
                if (end < 0)
                {
                    if (all.Length > 65536) throw new XenConnectionException($"The console host {authority} sent no HTTP answer to the CONNECT.");
                    continue;
                }
                string text = Encoding.ASCII.GetString(all, 0, end);
                string first = text.Split('\n')[0].Trim();
                var parts = first.Split(' ');
                if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) ||
                    !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status))
                    throw new XenConnectionException($"The console host {authority} answered the CONNECT with '{first}', not HTTP.");
                return (status, all.Skip(end + 4).ToArray());
            }
        }

        private static int IndexOf(byte[] hay, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= hay.Length; i++)
            {
                int k = 0;
                while (k < needle.Length && hay[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private void Append(Decoder decoder, byte[] data, int count)
        {
            var chars = new char[Encoding.UTF8.GetMaxCharCount(count)];
            int n = decoder.GetChars(data, 0, count, chars, 0, false);
            lock (_lock) _buffer.Append(chars, 0, n);
            _arrived.Set();
        }

        private void ReadLoop(Decoder decoder)
        {
            var buf = new byte[8192];
            string reason = "the console was closed by the host (the VM stopped, rebooted or moved)";
            try
            {
                while (true)
                {
                    int n = _stream.Read(buf, 0, buf.Length);
                    if (n == 0) break;
                    Append(decoder, buf, n);
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is SocketException)
            {
                reason = Volatile.Read(ref _disposed) != 0 ? "the console was closed" : "the console connection dropped: " + e.Message;
            }
            lock (_lock)
            {
                _closed = true;
                _closeReason = reason;
            }
            _arrived.Set();
        }

        /// <summary>Cancelled when the connection (the backend) is closed: the console then fails as ConnectionClosed.</summary>
        internal CancellationToken BackendClosing;
        internal string BackendUri = "";

        private void ThrowIfBackendClosed()
        {
            if (BackendClosing.IsCancellationRequested)
                throw new XenConnectionException($"The connection to {BackendUri} has been closed, and its consoles with it.", XenErrorReason.ConnectionClosed);
        }

        public string Read(TimeSpan wait, CancellationToken cancellationToken)
        {
            ThrowIfBackendClosed();
            var deadline = DateTime.UtcNow + (wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                lock (_lock)
                {
                    if (_buffer.Length > 0)
                    {
                        string s = _buffer.ToString();
                        _buffer.Clear();
                        if (!_closed) _arrived.Reset();
                        return s;
                    }
                    if (_closed) throw new XenDomainNotFoundException(_name, $"The console of '{_name}' has ended: {_closeReason}.");
                    _arrived.Reset();
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return "";
                try { _arrived.Wait(left, cancellationToken); }
                catch (OperationCanceledException) { cancellationToken.ThrowIfCancellationRequested(); throw; }
            }
        }

        public void Write(string text, CancellationToken cancellationToken)
        {
            ThrowIfBackendClosed();
            if (string.IsNullOrEmpty(text)) return;
            string keys = text.Replace("\r\n", "\r").Replace('\n', '\r');
            byte[] b = Encoding.UTF8.GetBytes(keys);
            try
            {
                _stream.WriteAsync(b, 0, b.Length, cancellationToken).GetAwaiter().GetResult();
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException)
            {
                throw new XenDomainNotFoundException(_name, $"The console of '{_name}' has ended: {e.Message}.");
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try { _stream.Dispose(); } catch (IOException) { }
            _tcp.Dispose();
            _reader.Join(TimeSpan.FromSeconds(2));
            _arrived.Dispose();
        }
    }
}
