using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomainNetworkAdapter: a domain's virtual network interfaces (xl network-list), with their bridges from its config.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomainNetworkAdapter", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomainNetworkAdapter))]
    public sealed class GetXenDomainNetworkAdapterCommand : XenDomainSelectingCmdletBase
    {
        private readonly DeviceService _devices = new DeviceService();

        /// <summary>Domains by name, domid or uuid (wildcards); default: every domain.</summary>
        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Domain objects (Get-XenDomain), each read at its own host.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomain[] InputObject { get; set; } = null!;

        /// <summary>Only the interfaces with these MAC addresses (wildcards).</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? MacAddress { get; set; }

        protected override void ProcessRecord()
        {
            var targets = (ParameterSetName == ObjectSet ? Piped(InputObject) : Select(Name, null)).ToList();
            if (targets.Count == 0) return;
            var patterns = MacAddress?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToList();
            try
            {
                foreach (var r in _devices.ListNetworkAdapters(targets, CancelToken))
                {
                    if (r.Error != null) { WriteXenError(r.Error, r.Target.Domain); continue; }
                    foreach (var n in r.Devices)
                        if (patterns == null || patterns.Any(p => p.IsMatch(n.MacAddress)))
                            WriteObject(n);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }
    }
}
