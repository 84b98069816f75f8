using System;
using System.Runtime.InteropServices;
using System.Security;
using XenPS.Backends.XenApi;

namespace XenPS.Backends
{
    /// <summary>The protocol a xapi:// connection speaks.</summary>
    public enum XapiTransport
    {
        /// <summary>JSON-RPC, falling back to XML-RPC for hosts too old for it (detected as Xen Orchestra does).</summary>
        Auto = 0,
        JsonRpc = 1,
        XmlRpc = 2,
    }

    /// <summary>
    /// A user name and password with no PowerShell type in it (Connect-XenHost turns a PSCredential into one). The
    /// password stays in a read-only SecureString; it is read only to log in and is never printed (ToString is the
    /// user name), logged or written anywhere.
    /// </summary>
    public sealed class XenCredential
    {
        private readonly SecureString _password;

        public XenCredential(string userName, SecureString password)
        {
            if (string.IsNullOrEmpty(userName)) throw new ArgumentException("A user name is required.", nameof(userName));
            UserName = userName;
            _password = (password ?? throw new ArgumentNullException(nameof(password))).Copy();
            _password.MakeReadOnly();
        }

        public XenCredential(string userName, string password) : this(userName, ToSecure(password)) { }

        public string UserName { get; }

        /// <summary>A read-only copy of the password.</summary>
        public SecureString Password => _password.Copy();

        internal string RevealPassword()
        {
            IntPtr p = IntPtr.Zero;
            try
            {
                p = Marshal.SecureStringToGlobalAllocUnicode(_password);
                return Marshal.PtrToStringUni(p) ?? "";
            }
            finally
            {
                if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p);
            }
        }

        private static SecureString ToSecure(string password)
        {
            var s = new SecureString();
            foreach (char c in password ?? throw new ArgumentNullException(nameof(password))) s.AppendChar(c);
            return s;
        }

        public override string ToString() => UserName;
    }

    /// <summary>
    /// xapi:// options (XCP-ng and XenServer pools through XenAPI). The TLS certificate is checked against the
    /// system's trusted roots unless <see cref="CertificateThumbprint"/> pins it or <see cref="SkipCertificateCheck"/>
    /// turns the check off.
    /// </summary>
    public sealed class XapiHostOptions : XenHostOptions
    {
        private string? _thumbprint;
        private int _port;

        /// <summary>Who logs in (session.login_with_password). Required.</summary>
        public XenCredential? Credential { get; set; }

        /// <summary>
        /// The SHA-256 thumbprint the host's certificate must have (64 hex digits, colons allowed: what
        /// `openssl x509 -fingerprint -sha256` prints), whoever signed it.
        /// </summary>
        public string? CertificateThumbprint
        {
            get => _thumbprint;
            set
            {
                if (value == null) { _thumbprint = null; return; }
                string? n = Thumbprints.Normalize(value);
                if (n == null)
                {
                    string hex = value.Replace(":", "").Replace(" ", "").Trim();
                    throw new ArgumentException(hex.Length == 40
                        ? "that is a SHA-1 thumbprint (40 hex digits); XenPS pins SHA-256 (64 hex digits): on the host, openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256."
                        : "a SHA-256 thumbprint is 64 hexadecimal digits (AB:CD:... or ABCD...): on the host, openssl x509 -in /etc/xensource/xapi-ssl.pem -noout -fingerprint -sha256.");
                }
                _thumbprint = n;
            }
        }

        /// <summary>Do not check the host's certificate at all (anyone on the path can then read the password).</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>The HTTPS port when the URI gives none (default 443).</summary>
        public int Port
        {
            get => _port;
            set => _port = value >= 0 && value <= 65535 ? value : throw new ArgumentException("a port is between 1 and 65535 (0: from the URI, else 443).");
        }

        /// <summary>The bound on each XAPI call (not on the tasks long operations wait for). Default 60 s.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The bound on waiting for a long operation's task (VM.clean_shutdown, ...). Default 1 h, as Xen Orchestra.</summary>
        public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromHours(1);

        /// <summary>Auto (JSON-RPC, else XML-RPC), JsonRpc or XmlRpc.</summary>
        public XapiTransport Transport { get; set; } = XapiTransport.Auto;

        /// <summary>Test hook: how long a task is polled between event.from waits.</summary>
        internal TimeSpan EventWait { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Test hook: how long ShutdownDomain waits for an early answer before it returns.</summary>
        internal TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(2);
    }
}
