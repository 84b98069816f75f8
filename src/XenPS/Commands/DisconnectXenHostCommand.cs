using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>Disconnect-XenHost: closes host connections (a simulated host's state stays on disk).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "XenHost", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    public sealed class DisconnectXenHostCommand : XenCmdletBase
    {
        private const string NameSet = "Name";
        private const string ObjectSet = "InputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenHostConnection[] InputObject { get; set; } = null!;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ObjectSet)
            {
                foreach (var c in InputObject) Close(c);
                return;
            }
            foreach (string n in Name)
            {
                var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                var matches = HostRegistry.All.Where(c => p.IsMatch(c.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                    WriteItemError(new ItemNotFoundException($"No host connection is named '{n}'. Get-XenHostConnection lists them."),
                        "XenHostConnectionNotFound", ErrorCategory.ObjectNotFound, n);
                foreach (var c in matches) Close(c);
            }
        }

        private void Close(XenHostConnection c)
        {
            if (!ShouldProcess($"{c.Name} ({c.Uri})", "Disconnect from Xen host")) return;
            HostRegistry.Remove(c);
            c.Dispose();
        }
    }
}
