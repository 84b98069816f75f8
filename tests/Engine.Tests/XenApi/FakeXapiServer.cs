using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using XenPS.Backends;

namespace XenPS.Tests.XenApi
{
    /// <summary>
    /// Starts tests/FakeXapi as a separate process on loopback (its FakeXapi.dll is copied next to the tests) and
    /// stops it: closing its standard input ends it, and Dispose kills it (this process only) if it lingers.
    /// </summary>
    public sealed class FakeXapiServer : IDisposable
    {
        public const string Password = "fake-password-x9";
        private readonly Process _p;

        private FakeXapiServer(Process p, JsonElement info, string certDir)
        {
            _p = p;
            Port = info.GetProperty("port").GetInt32();
            MasterThumbprint = info.GetProperty("masterThumbprint").GetString()!;
            SupporterThumbprint = info.GetProperty("supporterThumbprint").ValueKind == JsonValueKind.String ? info.GetProperty("supporterThumbprint").GetString() : null;
            CertDir = certDir;
        }

        public int Port { get; }
        public string MasterThumbprint { get; }
        public string? SupporterThumbprint { get; }
        public string CertDir { get; }
        public string Uri => $"xapi://127.0.0.1:{Port}";
        public string SupporterUri => $"xapi://127.0.0.2:{Port}";

        public static FakeXapiServer Start(params string[] args)
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "FakeXapi.dll");
            string certDir = Path.Combine(Path.GetTempPath(), "xenps-fakexapi-" + Guid.NewGuid().ToString("N"));
            var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(dll);
            foreach (var a in new[] { "--password", Password, "--cert-dir", certDir }) psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            var line = p.StandardOutput.ReadLine();
            if (line == null)
            {
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit(5000);
                throw new InvalidOperationException("FakeXapi did not start: " + err);
            }
            p.ErrorDataReceived += (_, __) => { };
            p.BeginErrorReadLine();
            using var doc = JsonDocument.Parse(line);
            return new FakeXapiServer(p, doc.RootElement.Clone(), certDir);
        }

        public XapiHostOptions Options(string? thumbprint = null, bool skip = false, string password = Password)
        {
            var o = new XapiHostOptions { Credential = new XenCredential("root", password), Timeout = TimeSpan.FromSeconds(20) };
            if (skip) o.SkipCertificateCheck = true; else o.CertificateThumbprint = thumbprint ?? MasterThumbprint;
            return o;
        }

        public IXenBackend Open(XapiHostOptions? o = null, string? uri = null) => XenBackendFactory.Open(uri ?? Uri, o ?? Options());

        private static readonly HttpClient s_http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, __, ___, ____) => true },
        });

        /// <summary>POST /fake/control (faults, counters).</summary>
        public string Control(object body)
        {
            var r = s_http.PostAsync($"https://127.0.0.1:{Port}/fake/control",
                new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
            string text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException("control failed: " + text);
            return text;
        }

        public int Calls(string method)
        {
            using var doc = JsonDocument.Parse(Control(new { action = "calls" }));
            return doc.RootElement.TryGetProperty(method, out var v) ? v.GetInt32() : 0;
        }

        public JsonElement Sessions()
        {
            using var doc = JsonDocument.Parse(Control(new { action = "sessions" }));
            return doc.RootElement.Clone();
        }

        public int Tasks()
        {
            using var doc = JsonDocument.Parse(Control(new { action = "tasks" }));
            return doc.RootElement.GetArrayLength();
        }

        public void Dispose()
        {
            try { _p.StandardInput.Close(); } catch (IOException) { }
            if (!_p.WaitForExit(5000)) { try { _p.Kill(); } catch (InvalidOperationException) { } }
            _p.Dispose();
            try { Directory.Delete(CertDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>One fake pool (with a supporter) shared by the tests of a class.</summary>
    public sealed class FakePoolFixture : IDisposable
    {
        public FakeXapiServer Server { get; } = FakeXapiServer.Start("--supporter");
        public void Dispose() => Server.Dispose();
    }
}
