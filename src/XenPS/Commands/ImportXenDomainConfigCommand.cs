using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>Import-XenDomainConfig: reads xl.cfg, legacy xm and YAML domain configs, applies name=value overrides.</summary>
    [Cmdlet(VerbsData.Import, "XenDomainConfig", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(XenDomainConfig))]
    public sealed class ImportXenDomainConfigCommand : ConfigFileCmdletBase
    {
        protected override void ProcessRecord()
        {
            var options = ReadOptions;
            foreach (string file in InputFiles())
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
