using System;
using System.Globalization;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>xapi://[user@]host[:port]: an XCP-ng or XenServer pool through XenAPI over HTTPS.</summary>
    internal sealed class XapiProvider : IXenBackendProvider
    {
        public string Scheme => "xapi";
        public string Forms => "xapi://[user@]host[:port] (an XCP-ng or XenServer pool through XenAPI, with -Credential)";
        public XenHostOptions CreateOptions() => new XapiHostOptions();

        public XenHostAddress Parse(string uri)
        {
            string rest = uri.Substring(uri.IndexOf("://", StringComparison.Ordinal) + 3);
            string Bad(string why) => $"'{uri}': {why} The form is xapi://[user@]host[:port], e.g. xapi://root@xcp1.example.org. " + XenBackendFactory.SupportedForms();
            int slash = rest.IndexOfAny(new[] { '/', '?', '#' });
            if (slash >= 0)
            {
                if (rest.Substring(slash).TrimEnd('/').Length != 0) throw new XenArgumentException(Bad("a xapi:// URI has no path, query or fragment."));
                rest = rest.Substring(0, slash);
            }
            string? user = null;
            int at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                user = Uri.UnescapeDataString(rest.Substring(0, at));
                if (user.Contains(':'))
                    throw new XenArgumentException(Bad("a password cannot be part of the URI (it would be kept in the command history and the connection's Uri); give it with -Credential."));
                if (user.Length == 0) throw new XenArgumentException(Bad("the user name before '@' is empty."));
                rest = rest.Substring(at + 1);
            }
            string host;
            int port = 0;
            if (rest.StartsWith("[", StringComparison.Ordinal))
            {
                int close = rest.IndexOf(']');
                if (close < 0) throw new XenArgumentException(Bad("an IPv6 address needs its closing ']'."));
                host = rest.Substring(1, close - 1);
                string after = rest.Substring(close + 1);
                if (after.Length > 0)
                {
                    if (after[0] != ':') throw new XenArgumentException(Bad("expected ':port' after the IPv6 address."));
                    port = ParsePort(after.Substring(1), Bad);
                }
            }
            else
            {
                int colon = rest.LastIndexOf(':');
                host = colon >= 0 ? rest.Substring(0, colon) : rest;
                if (colon >= 0) port = ParsePort(rest.Substring(colon + 1), Bad);
            }
            if (host.Length == 0 || host.IndexOfAny(new[] { ' ', '\t', '@', '[', ']', '\\' }) >= 0)
                throw new XenArgumentException(Bad("the host name is missing or not valid."));
            string name = rest.Length == 0 ? host : rest;
            return new XapiAddress(uri, name, host, port, user);
        }

        private static int ParsePort(string s, Func<string, string> bad)
        {
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
                throw new XenArgumentException(bad($"'{s}' is not a port number (1-65535)."));
            return p;
        }

        public IXenBackend Open(XenHostAddress address, XenHostOptions options, CancellationToken cancellationToken)
        {
            var a = (XapiAddress)address;
            var o = (XapiHostOptions)options;
            if (o.SkipCertificateCheck && o.CertificateThumbprint != null)
                throw new XenArgumentException("Give either -CertificateThumbprint (check the host's certificate against that thumbprint) or -SkipCertificateCheck (do not check it), not both.");
            var cred = o.Credential ?? throw new XenArgumentException(
                $"{a.Uri} needs a user name and password to log in: Connect-XenHost {a.Uri} -Credential (Get-Credential {a.User ?? "root"}).");
            if (a.User != null && !string.Equals(a.User, cred.UserName, StringComparison.Ordinal))
                throw new XenArgumentException($"The URI names the user '{a.User}' but -Credential is for '{cred.UserName}'; give the user once (in -Credential).");
            if (a.Port != 0 && o.Port != 0 && a.Port != o.Port)
                throw new XenArgumentException($"The URI names port {a.Port} but the Port option is {o.Port}; give the port once.");
            int port = a.Port != 0 ? a.Port : o.Port != 0 ? o.Port : 443;
            return new XapiBackend(a.Uri, a.Host, port, cred, o);
        }

        private sealed class XapiAddress : XenHostAddress
        {
            public XapiAddress(string uri, string name, string host, int port, string? user) : base(uri, "xapi", name)
            {
                Host = host;
                Port = port;
                User = user;
            }

            public string Host { get; }
            public int Port { get; }
            public string? User { get; }
        }
    }
}
