using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>ConvertTo-XenDomainConfig: writes a config as canonical xl.cfg or YAML text.</summary>
    [Cmdlet(VerbsData.ConvertTo, "XenDomainConfig")]
    [OutputType(typeof(string))]
    public sealed class ConvertToXenDomainConfigCommand : XenCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomainConfig InputObject { get; set; } = null!;

        [Parameter(Position = 1)]
        public ConfigFormat Format { get; set; } = ConfigFormat.Xl;

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Format == ConfigFormat.Yaml ? YamlConfigWriter.Write(InputObject) : XlConfigWriter.Write(InputObject));
            }
            catch (XenConfigException e)
            {
                WriteXenError(e, InputObject, "ConfigNotRepresentable");
            }
        }
    }
}
