using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>Test-XenDomainConfig: lints domain configs as `xl -N create` checks them (plus XenPS's own warnings) and writes each diagnostic (or, with -Quiet, one boolean per file).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "XenDomainConfig", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(XenDiagnostic))]
    [OutputType(typeof(bool))]
    public sealed class TestXenDomainConfigCommand : ConfigFileCmdletBase
    {
        /// <summary>Write $true when a file has no errors (warnings allowed), else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            var options = ReadOptions;
            options.CheckCreate = true; // the question is whether xl would create it (xl -N create)
            foreach (string file in InputFiles(_ => { if (Quiet) WriteObject(false); }))
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
