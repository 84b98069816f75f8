using System;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>A host URI as its provider read it (once): the URI, its scheme, and the connection name it suggests.</summary>
    public class XenHostAddress
    {
        public XenHostAddress(string uri, string scheme, string defaultName)
        {
            Uri = uri;
            Scheme = scheme;
            DefaultName = defaultName;
        }

        public string Uri { get; }
        public string Scheme { get; }
        /// <summary>The connection name when none is given: the host part, or a sim host's name.</summary>
        public string DefaultName { get; }
    }

    /// <summary>
    /// A kind of backend, keyed by URI scheme: reads its URIs, owns its options type, opens backends. Adding a backend
    /// means writing one provider and registering it with <see cref="XenBackendFactory.Register"/>.
    /// </summary>
    public interface IXenBackendProvider
    {
        /// <summary>The URI scheme, lower case ("sim", "xl", "ssh").</summary>
        string Scheme { get; }

        /// <summary>The URI forms it takes, for messages ("ssh://[user@]host[:port] (xl over ssh)").</summary>
        string Forms { get; }

        /// <summary>A fresh options object of the provider's own type, with defaults.</summary>
        XenHostOptions CreateOptions();

        /// <summary>Reads a URI of this scheme; a malformed one is a XenArgumentException saying the right form.</summary>
        XenHostAddress Parse(string uri);

        /// <summary>Opens a backend (not yet proven reachable). <paramref name="options"/> is of this provider's type.</summary>
        IXenBackend Open(XenHostAddress address, XenHostOptions options, CancellationToken cancellationToken);
    }
}
