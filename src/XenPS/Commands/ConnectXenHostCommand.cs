using System;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>Connect-XenHost: opens a connection to a Xen host (sim://, sim:///path, xl:///, ssh://).</summary>
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

        protected override void ProcessRecord()
        {
            string name = Name ?? DefaultName(Uri);
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

            var options = new XenBackendOptions();
            if (MyInvocation.BoundParameters.ContainsKey(nameof(TotalMemoryMiB))) options.TotalMemoryMiB = TotalMemoryMiB;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(CpuCount))) options.CpuCount = CpuCount;
            if (KeyFile != null) options.KeyFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(KeyFile);
            if (KnownHostsFile != null) options.KnownHostsFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownHostsFile);
            if (AcceptNewHostKey) options.HostKeyPolicy = XenPS.Backends.Xl.SshHostKeyPolicy.AcceptNew;
            options.CommandTimeout = TimeSpan.FromSeconds(CommandTimeout);
            IXenBackend backend;
            try
            {
                backend = XenBackendFactory.Open(Uri, options);
            }
            catch (Exception e) when (e is XenConnectionException || e is XenStateDamagedException)
            {
                WriteXenError((XenPSException)e, Uri, "XenHostConnectionFailed");
                return;
            }
            catch (XenPSException e)
            {
                WriteItemError(e, "InvalidXenHostUri", ErrorCategory.InvalidArgument, Uri);
                return;
            }
            var connection = new XenHostConnection(name, Uri, backend);
            try
            {
                // Prove the connection before handing it out.
                backend.GetHostInfo(CancelToken);
                HostRegistry.Add(connection, SetDefault.IsPresent);
            }
            catch (XenPSException e)
            {
                connection.Dispose();
                WriteXenError(e, Uri, "XenHostConnectionFailed");
                return;
            }
            if (PassThru) WriteObject(connection);
        }

        internal static string DefaultName(string uri)
        {
            int i = uri.IndexOf("://", StringComparison.Ordinal);
            if (i < 0) return uri;
            string rest = uri.Substring(i + 3);
            if (rest.StartsWith("/", StringComparison.Ordinal))
            {
                string trimmed = rest.TrimEnd('/');
                return trimmed.Length == 0 ? "localhost" : System.IO.Path.GetFileName(trimmed);
            }
            int at = rest.IndexOf('@');
            if (at >= 0) rest = rest.Substring(at + 1);
            int slash = rest.IndexOf('/');
            if (slash >= 0) rest = rest.Substring(0, slash);
            return rest.Length == 0 ? "localhost" : rest;
        }
    }
}
