using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>
    /// Export-XenDomainConfig: writes configs to files (xl.cfg, or YAML for .yaml/.yml or -Format Yaml). A folder
    /// path gets one file per domain, named after it. Never overwrites without -Force; writes atomically.
    /// </summary>
    [Cmdlet(VerbsData.Export, "XenDomainConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportXenDomainConfigCommand : XenCmdletBase
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomainConfig InputObject { get; set; } = null!;

        /// <summary>A file, or an existing folder (then the file is NAME.cfg or NAME.yaml in it).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>Default: Yaml for a .yaml/.yml path, else Xl.</summary>
        [Parameter]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            ConfigFormat format = Format;
            if (Directory.Exists(target))
            {
                if (string.IsNullOrEmpty(InputObject.Name))
                {
                    WriteItemError(new ArgumentException("The config has no name, so no file name can be made for it in a folder. Give -Path a file name."),
                        "ConfigHasNoName", ErrorCategory.InvalidArgument, InputObject);
                    return;
                }
                string n = InputObject.Name!;
                if (n == "." || n == ".." || n.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || n.Contains('/') || n.Contains('\\'))
                {
                    WriteItemError(new ArgumentException($"The domain name '{n}' cannot be used as a file name. Give -Path a file name instead of a folder."),
                        "ConfigNameNotAFileName", ErrorCategory.InvalidArgument, InputObject);
                    return;
                }
                if (format == ConfigFormat.Auto) format = ConfigFormat.Xl;
                target = System.IO.Path.Combine(target, InputObject.Name + (format == ConfigFormat.Yaml ? ".yaml" : ".cfg"));
            }
            if (format == ConfigFormat.Auto)
            {
                string ext = System.IO.Path.GetExtension(target).ToLowerInvariant();
                format = ext == ".yaml" || ext == ".yml" ? ConfigFormat.Yaml : ConfigFormat.Xl;
            }

            string text;
            try
            {
                text = format == ConfigFormat.Yaml ? YamlConfigWriter.Write(InputObject) : XlConfigWriter.Write(InputObject);
            }
            catch (XenConfigException e)
            {
                WriteXenError(e, InputObject, "ConfigNotRepresentable");
                return;
            }

            if (File.Exists(target) && !Force)
            {
                WriteItemError(new IOException($"The file '{target}' already exists. Use -Force to overwrite it."),
                    "ConfigFileExists", ErrorCategory.ResourceExists, target);
                return;
            }
            if (!ShouldProcess(target, $"Write {format} config of domain '{InputObject.Name}'")) return;

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
            if (PassThru) WriteObject(new FileInfo(target));
        }
    }
}
