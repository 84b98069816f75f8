using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FakeXapi
{
    /// <summary>An HTTP request as the fake read it.</summary>
    public sealed class HttpRequest
    {
        public string Method = "";
        public string Target = "";
        public string Version = "HTTP/1.1";
        public Dictionary<string, string> Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public byte[] Body = Array.Empty<byte>();

        public string Path => Target.Split('?')[0];

        public string? Query(string name)
        {
            int q = Target.IndexOf('?');
            if (q < 0) return null;
            foreach (var part in Target.Substring(q + 1).Split('&'))
            {
                int eq = part.IndexOf('=');
                string k = Uri.UnescapeDataString(eq < 0 ? part : part.Substring(0, eq));
                if (k == name) return eq < 0 ? "" : Uri.UnescapeDataString(part.Substring(eq + 1));
            }
            return null;
        }

        public string? Cookie(string name)
        {
            if (!Headers.TryGetValue("Cookie", out var c)) return null;
            foreach (var part in c.Split(';'))
            {
                var kv = part.Trim().Split('=', 2);
                if (kv.Length == 2 && kv[0] == name) return kv[1];
            }
            return null;
        }

        public bool KeepAlive =>
            Version == "HTTP/1.1"
                ? !(Headers.TryGetValue("Connection", out var c) && c.Equals("close", StringComparison.OrdinalIgnoreCase))
                : Headers.TryGetValue("Connection", out var k) && k.Equals("keep-alive", StringComparison.OrdinalIgnoreCase);
    }

    public sealed class HttpResponse
    {
        public int Status = 200;
        public string Reason = "OK";
        public List<KeyValuePair<string, string>> Headers = new List<KeyValuePair<string, string>>();
        public byte[] Body = Array.Empty<byte>();

        public static HttpResponse Of(int status, string reason, string contentType, string body)
        {
            var r = new HttpResponse { Status = status, Reason = reason, Body = Encoding.UTF8.GetBytes(body) };
            r.Headers.Add(new KeyValuePair<string, string>("content-type", contentType));
            return r;
        }

        /// <summary>What XAPI answers a malformed request with: HTTP 500 and an HTML page.</summary>
        public static HttpResponse Html500(string what) =>
            Of(500, "Internal Server Error", "text/html",
                "<html><head><title>500 Internal Error</title></head><body><h1>500 Internal Error</h1>" + WebUtility.HtmlEncode(what) + "</body></html>");
    }

    /// <summary>Buffered reading of HTTP/1.x requests off a stream (Content-Length and chunked bodies).</summary>
    public sealed class HttpReader
    {
        private readonly Stream _s;
        private readonly byte[] _buf = new byte[16384];
        private int _pos, _len;

        public HttpReader(Stream s) { _s = s; }

        /// <summary>Bytes already read past the last request (a CONNECT's first console bytes).</summary>
        public byte[] TakeBuffered()
        {
            var b = new byte[_len - _pos];
            Array.Copy(_buf, _pos, b, 0, b.Length);
            _pos = _len = 0;
            return b;
        }

        private async Task<bool> Fill(CancellationToken ct)
        {
            if (_pos < _len) return true;
            _pos = 0;
            _len = await _s.ReadAsync(_buf.AsMemory(0, _buf.Length), ct);
            return _len > 0;
        }

        private async Task<string?> Line(CancellationToken ct)
        {
            var sb = new StringBuilder();
            while (true)
            {
                if (!await Fill(ct)) return sb.Length == 0 ? null : sb.ToString();
                byte b = _buf[_pos++];
                if (b == '\n') return sb.ToString().TrimEnd('\r');
                sb.Append((char)b);
                if (sb.Length > 65536) throw new InvalidDataException("header line too long");
            }
        }

        private async Task<byte[]> Exactly(long n, CancellationToken ct)
        {
            if (n > 64L * 1024 * 1024) throw new InvalidDataException("body too large");
            var body = new byte[n];
            int got = 0;
            while (got < n)
            {
                if (!await Fill(ct)) throw new EndOfStreamException();
                int take = (int)Math.Min(n - got, _len - _pos);
                Array.Copy(_buf, _pos, body, got, take);
                _pos += take;
                got += take;
            }
            return body;
        }

        public async Task<HttpRequest?> Read(CancellationToken ct)
        {
            string? first;
            do { first = await Line(ct); if (first == null) return null; } while (first.Length == 0);
            var parts = first.Split(' ');
            if (parts.Length != 3) throw new InvalidDataException("bad request line");
            var r = new HttpRequest { Method = parts[0], Target = parts[1], Version = parts[2] };
            while (true)
            {
                string? h = await Line(ct);
                if (h == null) throw new EndOfStreamException();
                if (h.Length == 0) break;
                int c = h.IndexOf(':');
                if (c > 0) r.Headers[h.Substring(0, c).Trim()] = h.Substring(c + 1).Trim();
            }
            if (r.Method == "CONNECT") return r;
            if (r.Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                var ms = new MemoryStream();
                while (true)
                {
                    string? size = await Line(ct) ?? throw new EndOfStreamException();
                    long n = long.Parse(size.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (n == 0) { while ((await Line(ct))?.Length > 0) { } break; }
                    ms.Write(await Exactly(n, ct));
                    await Line(ct);
                }
                r.Body = ms.ToArray();
            }
            else if (r.Headers.TryGetValue("Content-Length", out var cl))
                r.Body = await Exactly(long.Parse(cl, CultureInfo.InvariantCulture), ct);
            return r;
        }
    }

    /// <summary>One listening address of a fake host: TLS with its own certificate, HTTP/1.1 keep-alive.</summary>
    public sealed class HttpEndpoint
    {
        private readonly TcpListener _listener;
        private readonly X509Certificate2 _cert;
        private readonly Func<HttpRequest, HttpResponse> _handle;
        private readonly Func<HttpRequest, Stream, HttpReader, CancellationToken, Task> _connect;

        public HttpEndpoint(IPAddress address, int port, X509Certificate2 cert, Func<HttpRequest, HttpResponse> handle,
            Func<HttpRequest, Stream, HttpReader, CancellationToken, Task> connect)
        {
            _listener = new TcpListener(address, port);
            _listener.Start();
            _cert = cert;
            _handle = handle;
            _connect = connect;
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Run(CancellationToken ct) => _ = Accept(ct);

        public void Stop() => _listener.Stop();

        private async Task Accept(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient c;
                try { c = await _listener.AcceptTcpClientAsync(ct); }
                catch (Exception) { return; }
                _ = Task.Run(() => Serve(c, ct));
            }
        }

        private async Task Serve(TcpClient c, CancellationToken ct)
        {
            using (c)
            {
                c.NoDelay = true;
                try
                {
                    using var ssl = new SslStream(c.GetStream(), false);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _cert }, ct);
                    var reader = new HttpReader(ssl);
                    while (true)
                    {
                        var req = await reader.Read(ct);
                        if (req == null) return;
                        if (req.Method == "CONNECT")
                        {
                            await _connect(req, ssl, reader, ct);
                            return;
                        }
                        HttpResponse resp;
                        try { resp = _handle(req); }
                        catch (Exception e) { resp = HttpResponse.Html500(e.GetType().Name + ": " + e.Message); }
                        await Write(ssl, resp, req.KeepAlive);
                        if (!req.KeepAlive) return;
                    }
                }
                catch (Exception) { /* the client went away, or sent garbage */ }
            }
        }

        public static async Task Write(Stream s, HttpResponse r, bool keepAlive)
        {
            var sb = new StringBuilder();
            sb.Append("HTTP/1.1 ").Append(r.Status).Append(' ').Append(r.Reason).Append("\r\n");
            foreach (var h in r.Headers) sb.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
            sb.Append("content-length: ").Append(r.Body.Length).Append("\r\n");
            sb.Append("access-control-allow-origin: *\r\naccess-control-allow-headers: X-Requested-With\r\n");
            sb.Append("cache-control: no-cache, no-store\r\n");
            sb.Append("connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n\r\n");
            await s.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
            await s.WriteAsync(r.Body);
            await s.FlushAsync();
        }
    }
}
