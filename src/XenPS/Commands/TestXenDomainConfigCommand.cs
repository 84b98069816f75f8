using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>Test-XenDomainConfig: lints domain configs and writes each diagnostic (or, with -Quiet, one boolean per file).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "XenDomainConfig", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(XenDiagnostic))]
    [OutputType(typeof(bool))]
    public sealed class TestXenDomainConfigCommand : XenCmdletBase
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

        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        [AllowEmptyCollection]
        public string[] Set { get; set; } = System.Array.Empty<string>();

        [Parameter]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter]
        public SwitchParameter AllowLegacyXm { get; set; }

        /// <summary>Write $true when a file has no errors (warnings allowed), else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            var options = new ConfigReadOptions { Format = Format, AllowLegacyXm = AllowLegacyXm.IsPresent };
            foreach (string file in ResolveFilePaths(literal ? LiteralPath : Path, literal, _ => { if (Quiet) WriteObject(false); }))
            {
                CancelToken.ThrowIfCancellationRequested();
                ConfigReadResult result;
                try
                {
                    result = DomainConfigReader.Analyze(file, Set, options, CancelToken);
                }
                catch (XenConfigException e)
                {
                    if (Quiet) WriteObject(false);
                    else WriteObject(e.Diagnostics, enumerateCollection: true);
                    continue;
                }
                if (Quiet) WriteObject(!result.HasErrors);
                else WriteObject(result.Diagnostics, enumerateCollection: true);
            }
        }
    }
}
