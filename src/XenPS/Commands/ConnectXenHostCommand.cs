using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>Connect-XenHost: opens a connection to a Xen host (sim://, sim:///path, xl:///, ssh://, xapi://).</summary>
    [Cmdlet(VerbsCommunications.Connect, "XenHost", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(XenHostConnection))]
    public sealed class ConnectXenHostCommand : XenCmdletBase
    {
        /// <summary>sim://NAME, sim:///absolute/path, xl:/// or ssh://[user@]host[:port].</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = null!;

        /// <summary>The connection's name (default: the host part of the URI, or the folder name for sim:///path).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Make this the default connection even when one exists already (the first connection always is).</summary>
        [Parameter]
        public SwitchParameter SetDefault { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>For a simulated host created by this call: its memory in MiB (default 8192).</summary>
        [Parameter]
        [ValidateRange(256, 16 * 1024 * 1024)]
        public long TotalMemoryMiB { get; set; }

        /// <summary>For a simulated host created by this call: its physical CPUs (default 4).</summary>
        [Parameter]
        [ValidateRange(1, 4096)]
        public int CpuCount { get; set; }

        /// <summary>ssh://: the private key file to log in with (ssh -i). Default: the agent and ~/.ssh/config.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyFile { get; set; }

        /// <summary>ssh://: the known_hosts file to check the host key against. Default: ssh's own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>ssh://: record the host key when it is seen for the first time (a changed key is still refused).</summary>
        [Parameter]
        public SwitchParameter AcceptNewHostKey { get; set; }

        /// <summary>xl:/// and ssh://: seconds each xl command may take (creates get three times as long). Default 60.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int CommandTimeout { get; set; } = 60;

        /// <summary>xapi://: the user name and password to log in to the pool with (never written anywhere).</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>xapi://: the SHA-256 thumbprint the host's TLS certificate must have (64 hex digits, colons allowed).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        /// <summary>xapi://: do not check the host's TLS certificate at all (as Invoke-WebRequest -SkipCertificateCheck).</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>
        /// Further options of the URI's backend, by name: a hashtable (@{ ConnectTimeout = 5 }) or the backend's own
        /// options object ([XenPS.Backends.SshHostOptions]). Each backend lists what it takes in the error for a wrong name.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object? Option { get; set; }

        // The backend parameters above, by the option each one sets.
        private static readonly string[] BackendParameters = { nameof(TotalMemoryMiB), nameof(CpuCount), nameof(KeyFile), nameof(KnownHostsFile), nameof(AcceptNewHostKey), nameof(CommandTimeout),
            nameof(Credential), nameof(CertificateThumbprint), nameof(SkipCertificateCheck) };

        protected override void ProcessRecord()
        {
            IXenBackendProvider provider;
            XenHostAddress address;
            XenHostOptions options;
            try
            {
                provider = XenBackendFactory.ProviderFor(Uri);
                address = provider.Parse(Uri.Trim());
                options = BuildOptions(provider);
            }
            catch (XenPSException e)
            {
                WriteItemError(e, "InvalidXenHostUri", ErrorCategory.InvalidArgument, Uri);
                return;
            }
            string name = Name ?? address.DefaultName;
            if (HostRegistry.Find(name) is XenHostConnection existing)
            {
                if (existing.Uri == Uri)
                {
                    // Connecting again to the same URI under the same name is not an error: it is already done.
                    WriteVerbose($"Already connected to {Uri} as '{name}'.");
                    if (SetDefault && ShouldProcess(name, "Make the default Xen host connection")) HostRegistry.SetDefault(existing);
                    if (PassThru) WriteObject(existing);
                    return;
                }
                WriteItemError(new XenResourceExistsException(
                        $"A host connection named '{name}' already exists ({existing.Uri}). Use -Name to choose another name, or Disconnect-XenHost '{name}' first."),
                    "XenHostConnectionExists", ErrorCategory.ResourceExists, Uri);
                return;
            }
            if (!ShouldProcess(Uri, $"Connect to Xen host as '{name}'")) return;

            IXenBackend backend;
            try
            {
                backend = provider.Open(address, options, CancelToken);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (XenPSException e)
            {
                WriteXenError(e, Uri, e.Reason == XenErrorReason.InvalidArgument ? "InvalidXenHostUri" : "XenHostConnectionFailed");
                return;
            }
            var connection = new XenHostConnection(name, Uri, backend);
            try
            {
                // Prove the connection before handing it out (its first contact, in the connection's health).
                var sw = System.Diagnostics.Stopwatch.StartNew();
                if (backend is IXenHostFacts facts) facts.GetHostInfo(CancelToken);
                else backend.ListDomains(CancelToken);
                connection.Observe(sw.Elapsed, null);
                HostRegistry.Add(connection, SetDefault.IsPresent);
                WriteBackendNotes(connection);
            }
            catch (OperationCanceledException)
            {
                connection.Dispose();
                throw new PipelineStoppedException();
            }
            catch (XenPSException e)
            {
                connection.Dispose();
                WriteXenError(e, Uri, "XenHostConnectionFailed");
                return;
            }
            if (PassThru) WriteObject(connection);
        }

        /// <summary>The provider's options from -Option and the backend parameters; one that does not apply to the scheme is an error.</summary>
        private XenHostOptions BuildOptions(IXenBackendProvider provider)
        {
            XenHostOptions options;
            object? opt = Option is PSObject p ? p.BaseObject : Option;
            if (opt is XenHostOptions given)
            {
                var expected = provider.CreateOptions().GetType();
                if (!expected.IsInstanceOfType(given))
                    throw new XenArgumentException($"-Option is a {given.GetType().Name}; {provider.Scheme}:// hosts take a {expected.Name} (or a hashtable).");
                options = given;
            }
            else
            {
                options = provider.CreateOptions();
                if (opt is System.Collections.IDictionary table)
                {
                    foreach (System.Collections.DictionaryEntry e in table)
                        options.Set(e.Key?.ToString() ?? "", Unwrap(e.Value is PSObject v ? v.BaseObject : e.Value), provider.Scheme);
                }
                else if (opt != null)
                    throw new XenArgumentException($"-Option takes a hashtable of {provider.Scheme}:// options or a {provider.CreateOptions().GetType().Name}.");
            }
            foreach (string param in BackendParameters)
            {
                if (!MyInvocation.BoundParameters.TryGetValue(param, out object? value)) continue;
                if (!options.OptionNames.Any(n => string.Equals(n, param, StringComparison.OrdinalIgnoreCase)))
                    throw new XenArgumentException($"-{param} does not apply to {provider.Scheme}:// hosts. Their options: {string.Join(", ", options.OptionNames)}.");
                if (value is SwitchParameter sw) value = sw.IsPresent;
                value = Unwrap(value);
                if (param == nameof(KeyFile) || param == nameof(KnownHostsFile))
                    value = SessionState.Path.GetUnresolvedProviderPathFromPSPath((string)value!);
                options.Set(param, value, provider.Scheme);
            }
            if (options is XapiHostOptions x && x.SkipCertificateCheck)
                WriteWarning($"The TLS certificate of {Uri} will not be checked (-SkipCertificateCheck): anyone on the network path can pose as the host and read the password. Pin the certificate with -CertificateThumbprint instead.");
            return options;
        }

        /// <summary>A PSCredential becomes the engine's XenCredential (the engine has no PowerShell types).</summary>
        private static object? Unwrap(object? value) =>
            value is PSCredential c ? new XenCredential(c.UserName, c.Password) : value;
    }
}
