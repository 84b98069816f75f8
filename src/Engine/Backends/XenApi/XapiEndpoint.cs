using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>How the host's TLS certificate is checked.</summary>
    internal sealed class XapiTlsPolicy
    {
        private XapiTlsPolicy(bool skip, string? pinned) { Skip = skip; PinnedSha256 = pinned; }

        /// <summary>Against the system's trusted roots (the default).</summary>
        public static readonly XapiTlsPolicy System = new XapiTlsPolicy(false, null);
        /// <summary>No check at all (-SkipCertificateCheck).</summary>
        public static readonly XapiTlsPolicy None = new XapiTlsPolicy(true, null);
        /// <summary>The certificate must have this SHA-256 thumbprint (64 hex digits, upper case), whatever signed it.</summary>
        public static XapiTlsPolicy Pinned(string sha256) => new XapiTlsPolicy(false, sha256);

        public bool Skip { get; }
        public string? PinnedSha256 { get; }

        public override string ToString() => Skip ? "not checked" : PinnedSha256 != null ? "pinned " + Thumbprints.Display(PinnedSha256) : "system store";
    }

    internal static class Thumbprints
    {
        private static readonly Regex Hex64 = new Regex("^[0-9A-F]{64}$", RegexOptions.CultureInvariant);

        /// <summary>"AB:CD:...", "abcd...", "sha-256:AB:CD..." → 64 upper-case hex digits; null when it is not a SHA-256 thumbprint.</summary>
        public static string? Normalize(string? text)
        {
            if (text == null) return null;
            string t = text.Trim();
            if (t.StartsWith("sha-256:", StringComparison.OrdinalIgnoreCase)) t = t.Substring(8);
            t = new string(t.Where(c => c != ':' && c != ' ' && c != '-').ToArray()).ToUpperInvariant();
            return Hex64.IsMatch(t) ? t : null;
        }

        /// <summary>As XAPI and openssl print them: AB:CD:...</summary>
        public static string Display(string hex64)
        {
            var sb = new StringBuilder(95);
            for (int i = 0; i < hex64.Length; i += 2)
            {
                if (i > 0) sb.Append(':');
                sb.Append(hex64, i, 2);
            }
            return sb.ToString();
        }

        public static string Of(X509Certificate cert) => cert.GetCertHashString(HashAlgorithmName.SHA256).ToUpperInvariant();

        public static string Of(byte[] der) => Convert.ToHexString(SHA256.HashData(der));
    }

    /// <summary>What one HTTP exchange brought back.</summary>
    internal sealed class XapiHttpAnswer
    {
        public int Status;
        public string MediaType = "";
        public string Body = "";
        public string? MasterThumbprint;
    }

    /// <summary>
    /// One XAPI host over HTTPS: JSON-RPC 2.0 at /jsonrpc, or XML-RPC at / for hosts without JSON-RPC, chosen as Xen
    /// Orchestra does it: JSON first; a host that answers /jsonrpc with text/xml is too old for JSON-RPC, and it and
    /// every later call go over XML-RPC. TLS is checked per <see cref="XapiTlsPolicy"/>; connections are kept alive.
    /// </summary>
    internal sealed class XapiEndpoint : IDisposable
    {
        internal const string ThumbprintRequestHeader = "x-xenapi-request-host-certificate-thumbprint";
        internal const string ThumbprintResponseHeader = "x-xenapi-response-host-certificate-thumbprint";

        private readonly HttpClient _http;
        private readonly string _userAgent;
        private int _mode; // XapiTransport as int
        private int _nextId;
        private string? _lastSeen;
        private string? _tlsProblem;

        public XapiEndpoint(string host, int port, XapiTlsPolicy tls, XapiTransport transport, TimeSpan connectTimeout, string userAgent)
        {
            Host = host;
            Port = port;
            Tls = tls;
            _mode = (int)transport;
            _userAgent = userAgent;
            string h = host.Contains(':') && !host.StartsWith("[", StringComparison.Ordinal) ? "[" + host + "]" : host;
            BaseUri = new Uri("https://" + h + ":" + port.ToString(CultureInfo.InvariantCulture) + "/");
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = connectTimeout,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            };
            handler.SslOptions.RemoteCertificateValidationCallback = Validate;
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public string Host { get; }
        public int Port { get; }
        public Uri BaseUri { get; }
        public XapiTlsPolicy Tls { get; }

        /// <summary>The protocol in use: JsonRpc, XmlRpc, or Auto until the first answer decided it.</summary>
        public XapiTransport Transport => (XapiTransport)Volatile.Read(ref _mode);

        /// <summary>The SHA-256 thumbprint of the certificate the host presented last (for messages and pinning).</summary>
        public string? LastSeenThumbprint => Volatile.Read(ref _lastSeen);

        private bool Validate(object sender, X509Certificate? cert, X509Chain? chain, SslPolicyErrors errors)
        {
            if (cert == null) { _tlsProblem = "the host presented no certificate"; return Tls.Skip; }
            string tp = Thumbprints.Of(cert);
            Volatile.Write(ref _lastSeen, tp);
            if (Tls.Skip) return true;
            if (Tls.PinnedSha256 != null)
            {
                if (tp == Tls.PinnedSha256) return true;
                _tlsProblem = $"The TLS certificate of {Host} has the SHA-256 thumbprint {Thumbprints.Display(tp)}, not the pinned " +
                              $"{Thumbprints.Display(Tls.PinnedSha256)}. Either its certificate was replaced or this is not the host you meant; " +
                              "check the thumbprint on the host (openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256) before connecting with the new one.";
                return false;
            }
            if (errors == SslPolicyErrors.None) return true;
            _tlsProblem = $"The TLS certificate of {Host} is not trusted ({errors}). Its SHA-256 thumbprint is {Thumbprints.Display(tp)}. " +
                          "If that is the host's own certificate (check on the host: openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256), " +
                          "connect with -CertificateThumbprint " + tp + ", or add the certificate's CA to the system store; -SkipCertificateCheck turns the check off (not recommended).";
            return false;
        }

        /// <summary>
        /// Calls a method; returns its decoded result or throws <see cref="XapiFailure"/> (XAPI said no) or a
        /// XenPSException (the host could not be reached, TLS failed, the answer was not XAPI's). With
        /// <paramref name="askMasterThumbprint"/> the request asks a supporter for the master's SHA-256 thumbprint.
        /// </summary>
        public object? Call(string method, IReadOnlyList<object?> args, bool askMasterThumbprint, TimeSpan timeout, CancellationToken ct)
        {
            var mode = Transport;
            if (mode != XapiTransport.XmlRpc)
            {
                int id = Interlocked.Increment(ref _nextId);
                var sb = new StringBuilder(128);
                sb.Append("{\"jsonrpc\":\"2.0\",\"method\":");
                XapiJson.WriteString(sb, method);
                sb.Append(",\"params\":");
                XapiJson.Write(sb, args);
                sb.Append(",\"id\":").Append(id.ToString(CultureInfo.InvariantCulture)).Append('}');
                var a = Post("jsonrpc", "application/json", sb.ToString(), askMasterThumbprint, method, timeout, ct);
                if (IsXml(a.MediaType) && mode == XapiTransport.Auto)
                {
                    // Too old for JSON-RPC: /jsonrpc fell through to the XML-RPC handler. Use XML-RPC from now on.
                    Interlocked.CompareExchange(ref _mode, (int)XapiTransport.XmlRpc, (int)XapiTransport.Auto);
                }
                else
                {
                    if (mode == XapiTransport.Auto) Interlocked.CompareExchange(ref _mode, (int)XapiTransport.JsonRpc, (int)XapiTransport.Auto);
                    return DecodeJson(a, method);
                }
            }
            var x = Post("", "text/xml", XapiXmlRpc.FormatCall(method, args), askMasterThumbprint, method, timeout, ct);
            return DecodeXml(x, method);
        }

        private static bool IsXml(string mediaType) =>
            string.Equals(mediaType, "text/xml", StringComparison.OrdinalIgnoreCase) || string.Equals(mediaType, "application/xml", StringComparison.OrdinalIgnoreCase);

        private object? DecodeJson(XapiHttpAnswer a, string method)
        {
            if (a.Status != 200) throw HttpError(a, method);
            if (!string.Equals(a.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
                throw NotXapi($"answered {method} with content of type '{a.MediaType}' instead of JSON");
            object? doc;
            try { doc = XapiJson.Parse(a.Body); }
            catch (FormatException e) { throw NotXapi($"answered {method} with JSON XenPS cannot read ({e.Message})"); }
            if (!(doc is IReadOnlyDictionary<string, object?> env)) throw NotXapi($"answered {method} with a JSON {XapiValue.Describe(doc)}, not a JSON-RPC response");
            if (env.TryGetValue("error", out var err) && err != null) throw XapiFailure.From(err, a.MasterThumbprint);
            if (!env.TryGetValue("result", out var result)) throw NotXapi($"answered {method} with a JSON-RPC response that has neither result nor error");
            return result;
        }

        private object? DecodeXml(XapiHttpAnswer a, string method)
        {
            if (a.Status != 200) throw HttpError(a, method);
            if (!IsXml(a.MediaType)) throw NotXapi($"answered {method} with content of type '{a.MediaType}' instead of XML");
            object? v;
            try { v = XapiXmlRpc.ParseResponse(a.Body); }
            catch (FormatException e) { throw NotXapi($"answered {method} with XML-RPC XenPS cannot read ({e.Message})"); }
            if (v is IReadOnlyDictionary<string, object?> s && s.TryGetValue("Status", out var st))
            {
                if (string.Equals(XapiValue.AsString(st), "Success", StringComparison.Ordinal))
                    return s.TryGetValue("Value", out var val) ? val : "";
                throw XapiFailure.From(s.TryGetValue("ErrorDescription", out var ed) ? ed : null, a.MasterThumbprint);
            }
            return v; // not XAPI's Status struct: the plain value, as XO's transport does
        }

        private XenPSException NotXapi(string what) =>
            new XenPSException($"{BaseUri.Authority} {what}; is it a XenAPI (XAPI) host?", null, XenErrorReason.HostCommandFailed);

        private XenPSException HttpError(XapiHttpAnswer a, string method)
        {
            string text = a.Body;
            if (a.MediaType.IndexOf("html", StringComparison.OrdinalIgnoreCase) >= 0 || text.TrimStart().StartsWith("<", StringComparison.Ordinal))
                text = Regex.Replace(Regex.Replace(text, "<[^>]*>", " "), @"\s+", " ").Trim();
            if (text.Length > 300) text = text.Substring(0, 300) + "...";
            string reason = a.Status == 500 ? "Internal Server Error" : ((HttpStatusCode)a.Status).ToString();
            return new XenPSException(
                $"XAPI at {BaseUri.Authority} answered {method} with HTTP {a.Status} {reason}" + (text.Length > 0 ? ": " + text : "") +
                ". The host rejected the request or failed while handling it; see its xensource.log.", null, XenErrorReason.HostCommandFailed);
        }

        /// <summary>One POST; the body is never part of any message (it may hold a password).</summary>
        internal XapiHttpAnswer Post(string path, string contentType, string body, bool askMasterThumbprint, string method, TimeSpan timeout, CancellationToken ct)
        {
            using var timeoutCts = new CancellationTokenSource(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
            using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUri, path));
            req.Version = HttpVersion.Version11;
            req.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            req.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            req.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
            req.Headers.TryAddWithoutValidation("Accept", contentType);
            if (askMasterThumbprint) req.Headers.TryAddWithoutValidation(ThumbprintRequestHeader, "sha-256:master");
            _tlsProblem = null;
            try
            {
                using var resp = _http.Send(req, HttpCompletionOption.ResponseContentRead, linked.Token);
                var a = new XapiHttpAnswer
                {
                    Status = (int)resp.StatusCode,
                    MediaType = resp.Content.Headers.ContentType?.MediaType ?? "",
                };
                if (resp.Headers.TryGetValues(ThumbprintResponseHeader, out var tps)) a.MasterThumbprint = tps.FirstOrDefault();
                using var stream = resp.Content.ReadAsStream(linked.Token);
                using var reader = new System.IO.StreamReader(stream, Encoding.UTF8);
                a.Body = reader.ReadToEnd();
                return a;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }
            catch (OperationCanceledException)
            {
                throw new XenTimeoutException($"XAPI at {BaseUri.Authority} did not answer {method} within {timeout.TotalSeconds:0.###} s. " +
                                              "Check the host, or raise the Timeout option (Connect-XenHost -Option @{ Timeout = 300 }).");
            }
            catch (HttpRequestException e) when (Find<AuthenticationException>(e) != null)
            {
                throw new XenConnectionException(_tlsProblem ?? $"The TLS handshake with {BaseUri.Authority} failed: {Find<AuthenticationException>(e)!.Message}", e);
            }
            catch (HttpRequestException e)
            {
                throw new XenConnectionException($"Cannot reach XAPI at {BaseUri.Authority}: {Inner(e)}. Check the address and port, and that xapi runs on the host.", e);
            }
            catch (System.IO.IOException e)
            {
                throw new XenConnectionException($"The connection to XAPI at {BaseUri.Authority} dropped during {method}: {e.Message}", e);
            }
        }

        private static T? Find<T>(Exception e) where T : Exception
        {
            for (Exception? x = e; x != null; x = x.InnerException) if (x is T t) return t;
            return null;
        }

        private static string Inner(Exception e)
        {
            var x = e;
            while (x.InnerException != null) x = x.InnerException;
            return x.Message.TrimEnd('.');
        }

        public void Dispose() => _http.Dispose();
    }
}
