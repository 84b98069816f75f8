using System;
using System.IO;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>
    /// New-XenDomain: `xm create configfile name=value ...`. Reads the config (xl.cfg, legacy xm with
    /// -AllowLegacyXm, YAML), applies the overrides, validates, and creates and starts the domain.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "XenDomain", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class NewXenDomainCommand : XenHostCmdletBase
    {
        private const string PathSet = "Path";
        private const string ConfigSet = "Config";
        private const string TemplateSet = "Template";
        private readonly XenPS.Services.DomainLifecycleService _lifecycle = new XenPS.Services.DomainLifecycleService();

        /// <summary>The config file; /dev/null means "overrides only". A relative path not found here is looked up in /etc/xen, as xm did.</summary>
        // Not bound from the pipeline: a pipeline of configs must choose the Config set unambiguously
        // (files go through Import-XenDomainConfig first: Get-ChildItem *.cfg | Import-XenDomainConfig | New-XenDomain).
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomainConfig Config { get; set; } = null!;

        /// <summary>name=value overrides, as remaining arguments (several per string, separated by ';').</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true, ParameterSetName = PathSet)]
        [Parameter(Position = 1, ValueFromRemainingArguments = true, ParameterSetName = ConfigSet)]
        [AllowEmptyCollection]
        public string[] Set { get; set; } = Array.Empty<string>();

        /// <summary>Leave the domain paused after it is built (xl create -p).</summary>
        [Parameter]
        public SwitchParameter Paused { get; set; }

        /// <summary>A XenAPI pool's template (its name or uuid) to install the domain from: VM.clone, provision, start.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TemplateSet)]
        [ValidateNotNullOrEmpty]
        public string Template { get; set; } = null!;

        /// <summary>The new domain's name (with -Template).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TemplateSet)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = null!;

        /// <summary>Its memory in MiB (with -Template); default: the template's.</summary>
        [Parameter(ParameterSetName = TemplateSet)]
        [ValidateRange(1, long.MaxValue)]
        public long MemoryMiB { get; set; }

        /// <summary>Its vCPUs (with -Template); default: the template's.</summary>
        [Parameter(ParameterSetName = TemplateSet)]
        [ValidateRange(1, 4096)]
        public int VCpus { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter AllowLegacyXm { get; set; }

        protected override void ProcessRecord()
        {
            var host = ResolveSingleHost();
            if (ParameterSetName == TemplateSet)
            {
                CreateFromTemplate(host);
                return;
            }
            XenDomainConfig config;
            object target;
            try
            {
                if (ParameterSetName == ConfigSet)
                {
                    target = Config;
                    config = Set.Length > 0 ? DomainConfigReader.ApplyOverrides(Config, Set) : Config;
                }
                else
                {
                    string file = ResolveConfigPath(Path);
                    target = file;
                    config = DomainConfigReader.Load(file, Set,
                        new ConfigReadOptions { Format = Format, AllowLegacyXm = AllowLegacyXm.IsPresent }, CancelToken);
                    foreach (var d in config.Diagnostics)
                        if (d.Severity == DiagnosticSeverity.Warning) WriteWarning(d.ToString());
                }
            }
            catch (XenConfigException e)
            {
                WriteXenError(e, ParameterSetName == ConfigSet ? (object)Config : Path);
                return;
            }

            string name = config.Name ?? "";
            if (!ShouldProcess($"{name} on {host.Name}", "Create Xen domain" + (Paused ? " (paused)" : ""))) return;
            try
            {
                WriteObject(_lifecycle.Create(host, config, new CreateDomainOptions { Paused = Paused.IsPresent }, CancelToken));
                WriteBackendNotes(host);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (XenPSException e)
            {
                WriteXenError(e, target);
            }
        }

        private void CreateFromTemplate(XenHostConnection host)
        {
            var o = new TemplateInstallOptions
            {
                Template = Template,
                Name = Name,
                MemoryMiB = MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMiB)) ? MemoryMiB : (long?)null,
                VCpus = MyInvocation.BoundParameters.ContainsKey(nameof(VCpus)) ? VCpus : (int?)null,
                Paused = Paused.IsPresent,
            };
            if (!ShouldProcess($"{Name} on {host.Name}", $"Create Xen domain from template '{Template}'" + (Paused ? " (paused)" : ""))) return;
            var progress = new SyncProgress<XenPS.Services.XenProgress>(p => WriteServiceProgress(1, p));
            try
            {
                WriteObject(_lifecycle.CreateFromTemplate(host, o, progress, CancelToken));
                WriteBackendNotes(host);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (XenPSException e)
            {
                WriteXenError(e, Template);
            }
        }

        private string ResolveConfigPath(string path)
        {
            if (DomainConfigReader.IsNullDevice(path)) return DomainConfigReader.NullDevice;
            string p = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (File.Exists(p) || System.IO.Path.IsPathRooted(path)) return p;
            string etc = System.IO.Path.Combine("/etc/xen", path);
            if (File.Exists(etc))
            {
                WriteVerbose($"'{path}' is not in the current folder; using {etc} as xm did.");
                return etc;
            }
            return p;
        }
    }
}
