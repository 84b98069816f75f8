using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Get-XenDomainDisk / Get-XenDomainNetworkAdapter: the same selection (-Name, or domain objects read at their own
    /// host), one device listing per domain through DeviceService, per-domain errors, and a wildcard filter on the
    /// devices; only the listing and what the filter matches differ.
    /// </summary>
    public abstract class XenDeviceListingCmdletBase<T> : XenDomainSelectingCmdletBase where T : XenDomainDevice
    {
        protected readonly DeviceService Devices = new DeviceService();

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

        /// <summary>The wildcard patterns of the cmdlet's filter parameter, or null for every device.</summary>
        protected abstract string[]? Filter { get; }

        /// <summary>The devices of each target.</summary>
        protected abstract IReadOnlyList<XenDeviceListResult<T>> List(IReadOnlyList<XenDomainTarget> targets, CancellationToken ct);

        /// <summary>The texts of a device the filter is matched against.</summary>
        protected abstract IEnumerable<string> Keys(T device);

        protected override void ProcessRecord()
        {
            var targets = (ParameterSetName == ObjectSet ? Piped(InputObject) : Select(Name, null)).ToList();
            if (targets.Count == 0) return;
            var patterns = Filter?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToList();
            try
            {
                foreach (var r in List(targets, CancelToken))
                {
                    if (r.Error != null) { WriteXenError(r.Error, r.Target.Domain); continue; }
                    foreach (var d in r.Devices)
                        if (patterns == null || Keys(d).Any(k => patterns.Any(p => p.IsMatch(k))))
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
