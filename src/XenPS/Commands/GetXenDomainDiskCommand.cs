using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomainDisk: a domain's virtual block devices (xl block-list), with their targets from the domain's config.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomainDisk", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomainDisk))]
    public sealed class GetXenDomainDiskCommand : XenDomainSelectingCmdletBase
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

        /// <summary>Only these guest devices (xvdb, hd*, ...; wildcards).</summary>
        [Parameter]
        [SupportsWildcards]
        [Alias("Vdev")]
        [ValidateNotNullOrEmpty]
        public string[]? VirtualDevice { get; set; }

        protected override void ProcessRecord()
        {
            var targets = (ParameterSetName == ObjectSet ? Piped(InputObject) : Select(Name, null)).ToList();
            if (targets.Count == 0) return;
            var patterns = VirtualDevice?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToList();
            try
            {
                foreach (var r in _devices.ListDisks(targets, CancelToken))
                {
                    if (r.Error != null) { WriteXenError(r.Error, r.Target.Domain); continue; }
                    foreach (var d in r.Devices)
                        if (patterns == null || patterns.Any(p => p.IsMatch(d.Vdev) || p.IsMatch(d.DevId.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                            WriteObject(d);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }
    }
}
