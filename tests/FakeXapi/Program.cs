using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace FakeXapi
{
    /// <summary>
    /// A fake XCP-ng pool on loopback. Prints one JSON line (port, addresses, certificate thumbprints) and serves until
    /// its standard input closes (so it never outlives the test that started it) or it gets SIGTERM.
    /// </summary>
    public static class Program
    {
        private const string Usage =
            "FakeXapi [--port N] [--password P] [--user U] [--supporter] [--vms N] [--legacy-xmlrpc] [--old-xapi] [--task-ms N] [--empty]\n" +
            "         [--cert-dir DIR] [--fault duplicate_keys|non_finite|extra_fields|ints_as_strings]... [--no-stdin]";

        public static int Main(string[] args)
        {
            int port = 0, extraVms = 0, taskMs = 150;
            string user = "root", password = "fake-password", certDir = "";
            bool supporter = false, legacy = false, oldXapi = false, watchStdin = true, empty = false;
            var faults = new List<string>();
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value");
                    switch (args[i])
                    {
                        case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                        case "--user": user = Next(); break;
                        case "--password": password = Next(); break;
                        case "--supporter": supporter = true; break;
                        case "--vms": extraVms = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                        case "--legacy-xmlrpc": legacy = true; break;
                        case "--old-xapi": oldXapi = true; break;
                        case "--task-ms": taskMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                        case "--cert-dir": certDir = Next(); break;
                        case "--fault": faults.Add(Next()); break;
                        case "--no-stdin": watchStdin = false; break;
                        case "--empty": empty = true; break;
                        default: throw new ArgumentException("unknown argument " + args[i]);
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException || e is FormatException)
            {
                Console.Error.WriteLine(e.Message + "\n" + Usage);
                return 2;
            }

            var pool = new Pool { User = user, Password = password, LegacyXmlRpcOnly = legacy, OldXapi = oldXapi };
            pool.Faults.TaskMs = taskMs;
            foreach (var f in faults)
            {
                switch (f)
                {
                    case "duplicate_keys": pool.Faults.DuplicateKeys = true; break;
                    case "non_finite": pool.Faults.NonFinite = true; break;
                    case "extra_fields": pool.Faults.ExtraFields = true; break;
                    case "ints_as_strings": pool.Faults.IntsAsStrings = true; break;
                    default: Console.Error.WriteLine("unknown fault " + f); return 2;
                }
            }

            var cert1 = MakeCert("xcp-host1", IPAddress.Loopback);
            var cert2 = supporter ? MakeCert("xcp-host2", IPAddress.Parse("127.0.0.2")) : null;
            var stop = new CancellationTokenSource(); // not disposed: ProcessExit may cancel it after Main returns
            HttpEndpoint? master = null, second = null;
            FakeHost? h1 = null, h2 = null;
            for (int attempt = 0; attempt < 20 && second == null; attempt++)
            {
                master?.Stop();
                master = new HttpEndpoint(IPAddress.Loopback, port, cert1, r => pool.Handle(r, h1!), (r, s, rd, ct) => pool.Connect(r, s, rd, h1!, ct));
                if (!supporter) break;
                try
                {
                    second = new HttpEndpoint(IPAddress.Parse("127.0.0.2"), master.Port, cert2!, r => pool.Handle(r, h2!), (r, s, rd, ct) => pool.Connect(r, s, rd, h2!, ct));
                }
                catch (System.Net.Sockets.SocketException) when (port == 0) { /* that port is taken on 127.0.0.2: try another */ }
            }
            if (supporter && second == null) { Console.Error.WriteLine("cannot listen on 127.0.0.2"); return 1; }
            pool.Port = master!.Port;

            lock (pool.Db.Lock)
            {
                h1 = pool.AddHost("xcp-host1", "127.0.0.1", Sha256(cert1), cert1.Thumbprint, cert1.ExportCertificatePem(), 16384, 8);
                if (supporter) h2 = pool.AddHost("xcp-host2", "127.0.0.2", Sha256(cert2!), cert2!.Thumbprint, cert2.ExportCertificatePem(), 16384, 8);
                pool.AddPool();
                pool.AddStorageAndNetwork();
                Seed(pool, extraVms, empty);
            }
            if (certDir.Length > 0)
            {
                Directory.CreateDirectory(certDir);
                File.WriteAllText(Path.Combine(certDir, "master.pem"), cert1.ExportCertificatePem() + "\n");
                if (cert2 != null) File.WriteAllText(Path.Combine(certDir, "supporter.pem"), cert2.ExportCertificatePem() + "\n");
            }
            master.Run(stop.Token);
            second?.Run(stop.Token);

            var info = new Dictionary<string, object?>
            {
                ["port"] = (long)pool.Port,
                ["master"] = "127.0.0.1",
                ["supporter"] = supporter ? "127.0.0.2" : null,
                ["masterThumbprint"] = Sha256(cert1),
                ["supporterThumbprint"] = cert2 != null ? Sha256(cert2) : null,
                ["user"] = user,
                ["pid"] = (long)Environment.ProcessId,
            };
            Console.Out.WriteLine(Json.Write(info, new WireStyle()));
            Console.Out.Flush();

            AppDomain.CurrentDomain.ProcessExit += (_, __) => stop.Cancel();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            if (watchStdin)
            {
                var t = new Thread(() =>
                {
                    try { while (Console.In.ReadLine() != null) { } } catch (IOException) { }
                    stop.Cancel();
                }) { IsBackground = true };
                t.Start();
            }
            stop.Token.WaitHandle.WaitOne();
            master.Stop();
            second?.Stop();
            return 0;
        }

        /// <summary>
        /// The pool's objects: per host a control domain; templates; a snapshot; guests in every power state, each with a
        /// system disk (xvda) and an interface (device 0). With <paramref name="empty"/>: the control domains and templates only.
        /// </summary>
        private static void Seed(Pool p, int extraVms, bool empty = false)
        {
            foreach (var h in p.Hosts)
            {
                var dom0 = p.AddVm("Control domain on host: " + h.Rec.S("name_label"), "pv", 1024, 4, control: true);
                h.Rec.F["control_domain"] = dom0.Ref;
                p.Boot(dom0, h, false);
            }
            p.AddVm("Debian Bookworm 12", "pv", 1024, 1, template: true);
            p.AddVm("Other install media", "hvm", 2048, 2, template: true);
            if (empty) return;
            var host1 = p.Hosts[0];
            var host2 = p.Hosts.Count > 1 ? p.Hosts[1] : host1;
            var web1 = p.AddVm("web1", "pv", 1024, 2);
            p.Boot(web1, host1, false);
            p.AddVm("web1 before upgrade", "pv", 1024, 2, snapshot: true, snapshotOf: web1.Ref);
            p.AddVm("db1", "pv", 2048, 2);
            var app2 = p.AddVm("app2", "pv", 512, 1);
            p.Boot(app2, host2, false);
            var win1 = p.AddVm("win1", "hvm", 2048, 2, agent: false);
            p.Boot(win1, host1, false);
            var paused = p.AddVm("paused1", "pvh", 512, 1);
            p.Boot(paused, host1, true);
            var susp = p.AddVm("susp1", "pv", 512, 1);
            p.Boot(susp, host1, false);
            p.Unplug(susp, "Suspended");
            p.AddVm("bigvm", "hvm", 65536, 8);
            foreach (var vm in new[] { "web1", "db1", "app2", "win1", "paused1", "susp1", "bigvm" }.Select(n => p.Db.All("VM").First(v => v.S("name_label") == n)))
            {
                p.AddDisk(vm, 10L * 1024 * Pool.MiB, "0", true);
                p.AddNic(vm, "0");
            }
            for (int i = 1; i <= extraVms; i++) p.AddVm("bench-" + i.ToString("D4", CultureInfo.InvariantCulture), "pv", 256, 1);
        }

        private static string Sha256(X509Certificate2 c) => Convert.ToHexString(SHA256.HashData(c.RawData));

        /// <summary>A self-signed server certificate for one loopback address, as gencert makes one per host (valid 10 years).</summary>
        private static X509Certificate2 MakeCert(string name, IPAddress ip)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(ip);
            san.AddDnsName(name);
            req.CertificateExtensions.Add(san.Build());
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }
    }
}
