using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>Get-XenHostConnection: lists the open host connections (the default is marked).</summary>
    [Cmdlet(VerbsCommon.Get, "XenHostConnection", DefaultParameterSetName = "Name")]
    [OutputType(typeof(XenHostConnection))]
    public sealed class GetXenHostConnectionCommand : XenCmdletBase
    {
        [Parameter(Position = 0, ParameterSetName = "Name", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Only the default connection.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Default")]
        public SwitchParameter Default { get; set; }

        protected override void ProcessRecord()
        {
            var all = HostRegistry.All;
            if (Default)
            {
                if (HostRegistry.Default is XenHostConnection d) WriteObject(d);
                return;
            }
            if (Name == null)
            {
                WriteObject(all, enumerateCollection: true);
                return;
            }
            foreach (string n in Name)
            {
                var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                var matches = all.Where(c => p.IsMatch(c.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                {
                    WriteItemError(new ItemNotFoundException($"No host connection is named '{n}'. Get-XenHostConnection lists them; Connect-XenHost opens one."),
                        "XenHostConnectionNotFound", ErrorCategory.ObjectNotFound, n);
                }
                WriteObject(matches, enumerateCollection: true);
            }
        }
    }
}
