using System;
using System.Linq;
using System.IO;
using System.Management.Automation;
using System.Text;
using XenPS.Backends;
using XenPS.Config;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Export-XenDomainConfig: writes configs to files (xl.cfg, or YAML for .yaml/.yml or -Format Yaml). A folder
    /// path (the current location by default) gets one file per domain, named after it. Takes configs, or domains
    /// (their Config). Never overwrites without -Force; writes atomically. With -XenHost the config is stored on those
    /// hosts, in their /etc/xen (xl format, as NAME.cfg unless -Path names the file), where Start-XenDomain and the
    /// host's xendomains find it.
    /// </summary>
    [Cmdlet(VerbsData.Export, "XenDomainConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(FileInfo))]
    [OutputType(typeof(XenDomain))]
    public sealed class ExportXenDomainConfigCommand : XenMultiHostCmdletBase
    {
        private const string ConfigSet = "Config";
        private const string DomainSet = "Domain";

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ConfigSet)]
        [ValidateNotNull]
        public XenDomainConfig InputObject { get; set; } = null!;

        /// <summary>A domain (Get-XenDomain): its Config, the config it was created with, is written.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = DomainSet)]
        [ValidateNotNull]
        public XenDomain Domain { get; set; } = null!;

        /// <summary>
        /// A file, or an existing folder (then the file is NAME.cfg or NAME.yaml in it). Default: the current location.
        /// With -XenHost: the file name in the host's /etc/xen (default NAME.cfg), or its full path there.
        /// </summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Default: Yaml for a .yaml/.yml path, else Xl.</summary>
        [Parameter]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            XenDomainConfig? config = ParameterSetName == DomainSet ? Domain.Config : InputObject;
            if (config == null)
            {
                WriteItemError(new ArgumentException(
                        $"The domain '{Domain.Name}' (id {Domain.Id}) carries no config to export: Domain-0 has none, and a real host's domain " +
                        "has none when `xl list -l` did not return it. Export the config file it was created from instead."),
                    "DomainHasNoConfig", ErrorCategory.InvalidArgument, Domain);
                return;
            }
            if (XenHost != null && XenHost.Length > 0)
            {
                StoreOnHosts(config);
                return;
            }
            string target = Path != null
                ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path)
                : SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            string text;
            ConfigFormat format;
            try
            {
                if (Directory.Exists(target))
                {
                    format = Format == ConfigFormat.Auto ? ConfigFormat.Xl : Format;
                    target = ConfigFileService.FileIn(target, config, format);
                }
                else format = ConfigFileService.FormatFor(target, Format);
                try
                {
                    text = ConfigFileService.Render(config, format);
                }
                catch (XenConfigException e)
                {
                    WriteXenError(e, config, "ConfigNotRepresentable");
                    return;
                }
                ConfigFileService.CheckTarget(target, Force.IsPresent);
                if (!ShouldProcess(target, $"Write {format} config of domain '{config.Name}'")) return;
                ConfigFileService.Write(target, text, Force.IsPresent, CancelToken);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (XenConfigFileException e)
            {
                WriteXenError(e, e.Problem == ConfigFileProblem.NoName || e.Problem == ConfigFileProblem.NameNotAFileName ? config : (object)e.Path);
                return;
            }
            if (PassThru) WriteFileItem(target);
        }

        // Into each host's /etc/xen, atomically on the host; one error per host that fails.
        private void StoreOnHosts(XenDomainConfig config)
        {
            if (Format == ConfigFormat.Yaml)
            {
                WriteItemError(new XenArgumentException("A config stored on a host must be in xl format: xl and xendomains read only xl.cfg files. Leave -Format out (or use Xl)."),
                    "HostConfigMustBeXl", ErrorCategory.InvalidArgument, config);
                return;
            }
            string text;
            try { text = ConfigFileService.Render(config, ConfigFormat.Xl); }
            catch (XenConfigException e) { WriteXenError(e, config, "ConfigNotRepresentable"); return; }
            foreach (var host in ResolveHosts())
            {
                IXenStoredConfigs store;
                string fileName;
                try
                {
                    store = host.Backend.Require<IXenStoredConfigs>("storing domain configs (/etc/xen)");
                    fileName = HostFileName(config, store.ConfigDirectory);
                    XenStoredConfigNames.Check(fileName);
                }
                catch (XenPSException e) { WriteXenError(e, config); continue; }
                string hostPath = store.ConfigDirectory + "/" + fileName;
                if (!ShouldProcess($"{hostPath} on {host.Name}", $"Store xl config of domain '{config.Name}'" + (Force ? " (replacing the file)" : ""))) continue;
                // Written on the host's own worker (hosts in parallel, -ThrottleLimit); reported here as it arrives.
                bool force = Force.IsPresent, passThru = PassThru;
                var h = host;
                Dispatch(host, ct =>
                {
                    try
                    {
                        store.WriteStoredConfig(fileName, text, force, ct);
                        if (!passThru) return () => { };
                        var mine = new StoredConfigService().Read(h, ct).Where(x => x.File.FileName == fileName).Select(x => StoredConfigService.Defined(h, x)).ToList();
                        return () => { foreach (var d in mine) WriteObject(d); };
                    }
                    catch (XenPSException e)
                    {
                        return () => WriteXenError(e, e is XenConfigFileException f ? (object)$"{f.Path} on {h.Name}" : h);
                    }
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();

        private string HostFileName(XenDomainConfig config, string dir)
        {
            if (Path == null)
            {
                if (string.IsNullOrEmpty(config.Name))
                    throw new XenConfigFileException(ConfigFileProblem.NoName, dir, "The config has no name, so there is no file name to store it under. Give -Path NAME.cfg or set name.");
                return XenStoredConfigNames.ForDomain(config.Name!);
            }
            if (Path.StartsWith(dir + "/", StringComparison.Ordinal)) return Path.Substring(dir.Length + 1);
            if (Path.StartsWith("/", StringComparison.Ordinal))
                throw new XenArgumentException($"'{Path}' is not in the host's config directory {dir}: a stored config is a file directly in {dir}.");
            return Path;
        }

        // The file as Get-Item gives it: a FileInfo with the provider's PSPath, PSParentPath, PSIsContainer... so that
        // it formats, pipes to Remove-Item or Copy-Item, and compares like any other file object.
        private void WriteFileItem(string target)
        {
            System.Collections.ObjectModel.Collection<PSObject> items;
            try
            {
                items = InvokeProvider.Item.Get(new[] { target }, force: true, literalPath: true);
            }
            catch (Exception e) when (e is ProviderInvocationException || e is ItemNotFoundException || e is IOException ||
                                      e is UnauthorizedAccessException || e is NotSupportedException)
            {
                WriteObject(new FileInfo(target));
                return;
            }
            foreach (PSObject item in items) WriteObject(item);
        }
    }
}
