using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomainNetworkAdapter: a domain's virtual network interfaces (xl network-list), with their bridges from its config.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomainNetworkAdapter", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomainNetworkAdapter))]
    public sealed class GetXenDomainNetworkAdapterCommand : XenDeviceListingCmdletBase<XenDomainNetworkAdapter>
    {
        /// <summary>Only the interfaces with these MAC addresses (wildcards).</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? MacAddress { get; set; }

        protected override string[]? Filter => MacAddress;

        protected override IReadOnlyList<XenDeviceListResult<XenDomainNetworkAdapter>> List(IReadOnlyList<XenDomainTarget> targets, CancellationToken ct) =>
            Devices.ListNetworkAdapters(targets, ct);

        protected override IEnumerable<string> Keys(XenDomainNetworkAdapter n) => new[] { n.MacAddress };
    }
}
