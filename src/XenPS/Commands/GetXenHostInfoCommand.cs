using System;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Get-XenHostInfo: the facts of each host (xm info / xl info) as typed objects: Xen version, capabilities,
    /// scheduler, CPUs, memory, Domain-0's memory and kernel. Several hosts are asked in parallel; a host that cannot
    /// answer is a non-terminating error with the host as its target.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "XenHostInfo")]
    [OutputType(typeof(XenHostInfo))]
    public sealed class GetXenHostInfoCommand : XenMultiHostCmdletBase
    {
        /// <summary>The hosts to ask: connections (also from the pipeline: Get-XenHostConnection | Get-XenHostInfo), their names, or wildcards. Default: the default connection.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [XenPS.Infrastructure.XenHostTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNullOrEmpty]
        public override XenHostConnection[]? XenHost { get => base.XenHost; set => base.XenHost = value; }

        protected override void ProcessRecord()
        {
            var hosts = ResolveHosts();
            if (hosts.Count == 0) return;
            // Each host's facts are written as they arrive: a slow or dead host holds back only itself.
            foreach (var o in FanOut(hosts, HostInfoService.All))
            {
                WriteBackendNotes(o.Host);
                if (o.Error != null) WriteXenError(o.Error, o.Host);
                else foreach (var info in o.Value!) WriteObject(info);
            }
        }
    }
}
