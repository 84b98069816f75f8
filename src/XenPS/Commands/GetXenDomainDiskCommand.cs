using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomainDisk: a domain's virtual block devices (xl block-list), with their targets from the domain's config.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomainDisk", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomainDisk))]
    public sealed class GetXenDomainDiskCommand : XenDeviceListingCmdletBase<XenDomainDisk>
    {
        /// <summary>Only these guest devices (xvdb, hd*, ...; wildcards).</summary>
        [Parameter]
        [SupportsWildcards]
        [Alias("Vdev")]
        [ValidateNotNullOrEmpty]
        public string[]? VirtualDevice { get; set; }

        protected override string[]? Filter => VirtualDevice;

        protected override IReadOnlyList<XenDeviceListResult<XenDomainDisk>> List(IReadOnlyList<XenDomainTarget> targets, CancellationToken ct) =>
            Devices.ListDisks(targets, ct);

        protected override IEnumerable<string> Keys(XenDomainDisk d) => new[] { d.Vdev, d.DevId.ToString(CultureInfo.InvariantCulture) };
    }
}
