using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>
    /// Export-XenDomainConfig: writes configs to files (xl.cfg, or YAML for .yaml/.yml or -Format Yaml). A folder
    /// path (the current location by default) gets one file per domain, named after it. Takes configs, or domains
    /// (their Config). Never overwrites without -Force; writes atomically.
    /// </summary>
    [Cmdlet(VerbsData.Export, "XenDomainConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportXenDomainConfigCommand : XenCmdletBase
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

        /// <summary>A file, or an existing folder (then the file is NAME.cfg or NAME.yaml in it). Default: the current location.</summary>
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
            string target = Path != null
                ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path)
                : SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            ConfigFormat format = Format;
            if (Directory.Exists(target))
            {
                if (string.IsNullOrEmpty(config.Name))
                {
                    WriteItemError(new ArgumentException("The config has no name, so no file name can be made for it in a folder. Give -Path a file name."),
                        "ConfigHasNoName", ErrorCategory.InvalidArgument, config);
                    return;
                }
                string n = config.Name!;
                if (n == "." || n == ".." || n.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || n.Contains('/') || n.Contains('\\'))
                {
                    WriteItemError(new ArgumentException($"The domain name '{n}' cannot be used as a file name. Give -Path a file name instead of a folder."),
                        "ConfigNameNotAFileName", ErrorCategory.InvalidArgument, config);
                    return;
                }
                if (format == ConfigFormat.Auto) format = ConfigFormat.Xl;
                target = System.IO.Path.Combine(target, config.Name + (format == ConfigFormat.Yaml ? ".yaml" : ".cfg"));
            }
            if (format == ConfigFormat.Auto)
            {
                string ext = System.IO.Path.GetExtension(target).ToLowerInvariant();
                format = ext == ".yaml" || ext == ".yml" ? ConfigFormat.Yaml : ConfigFormat.Xl;
            }

            string text;
            try
            {
                text = format == ConfigFormat.Yaml ? YamlConfigWriter.Write(config) : XlConfigWriter.Write(config);
            }
            catch (XenConfigException e)
            {
                WriteXenError(e, config, "ConfigNotRepresentable");
                return;
            }

            if (File.Exists(target) && !Force)
            {
                WriteItemError(new IOException($"The file '{target}' already exists. Use -Force to overwrite it."),
                    "ConfigFileExists", ErrorCategory.ResourceExists, target);
                return;
            }
            if (!ShouldProcess(target, $"Write {format} config of domain '{config.Name}'")) return;

            string? dir = System.IO.Path.GetDirectoryName(target);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                WriteItemError(new DirectoryNotFoundException($"The folder '{dir}' does not exist. Create it first."),
                    "ParentFolderNotFound", ErrorCategory.ObjectNotFound, target);
                return;
            }
            string temp = System.IO.Path.Combine(dir ?? ".", "." + System.IO.Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                File.WriteAllText(temp, text, new UTF8Encoding(false));
                File.Move(temp, target, overwrite: true);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                WriteItemError(e, "ConfigFileWriteFailed", ErrorCategory.WriteError, target);
                return;
            }
            if (PassThru) WriteFileItem(target);
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
