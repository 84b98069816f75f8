using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>Import-XenDomainConfig: reads xl.cfg, legacy xm and YAML domain configs, applies name=value overrides.</summary>
    [Cmdlet(VerbsData.Import, "XenDomainConfig", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(XenDomainConfig))]
    public sealed class ImportXenDomainConfigCommand : XenCmdletBase
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        /// <summary>xl create's name=value overrides, appended after the file (several per string, separated by ';').</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        [AllowEmptyCollection]
        public string[] Set { get; set; } = System.Array.Empty<string>();

        [Parameter]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter]
        public SwitchParameter AllowLegacyXm { get; set; }

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            var options = new ConfigReadOptions { Format = Format, AllowLegacyXm = AllowLegacyXm.IsPresent };
            foreach (string file in ResolveFilePaths(literal ? LiteralPath : Path, literal))
            {
                CancelToken.ThrowIfCancellationRequested();
                try
                {
                    var config = DomainConfigReader.Load(file, Set, options, CancelToken);
                    foreach (var d in config.Diagnostics)
                    {
                        if (d.Severity == DiagnosticSeverity.Warning) WriteWarning(d.ToString());
                        else WriteVerbose(d.ToString());
                    }
                    WriteObject(config);
                }
                catch (XenConfigException e)
                {
                    WriteXenError(e, file);
                }
            }
        }
    }
}
