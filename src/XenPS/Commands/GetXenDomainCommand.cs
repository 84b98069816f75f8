using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomain: lists domains like `xm list`, on one or several hosts, by name (wildcards), id, uuid or state.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomain", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomain))]
    public sealed class GetXenDomainCommand : XenDomainSelectingCmdletBase
    {
        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("DomId")]
        [ValidateRange(0, int.MaxValue)]
        public int[] Id { get; set; } = null!;

        /// <summary>Domains to read again, each from the host it came from (its current state).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomain[] InputObject { get; set; } = null!;

        /// <summary>The hosts to list: connections (also from the pipeline: Get-XenHostConnection | Get-XenDomain), names or wildcards.</summary>
        [Parameter(ParameterSetName = NameSet, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = IdSet)]
        [Parameter(ParameterSetName = ObjectSet)]
        [XenHostTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNullOrEmpty]
        public override XenHostConnection[]? XenHost { get => base.XenHost; set => base.XenHost = value; }

        /// <summary>Only domains in any of these lifecycle states (Running, Paused, Halted, ...).</summary>
        [Parameter]
        public XenDomainState[]? State { get; set; }

        private bool _manyHosts;

        protected override void BeginProcessing()
        {
            _manyHosts = (XenHost?.Length ?? 0) > 1 || MyInvocation.ExpectingInput && ParameterSetName == NameSet && Name == null;
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ObjectSet)
            {
                Refresh();
                return;
            }
            var targets = ParameterSetName == IdSet ? Select(null, Id) : Select(Name, null);
            bool many = _manyHosts || ResolveHosts().Count > 1;
            foreach (var t in targets)
                if (Keep(t.Domain)) WriteDomain(t.Domain, many);
        }

        private bool Keep(XenDomain d) => State == null || State.Length == 0 || State.Contains(d.State);

        // A domain object read again from its own host; one listing per host for the whole invocation.
        private void Refresh()
        {
            foreach (var t in Piped(InputObject))
            {
                var list = ListAll(new[] { t.Host });
                if (list.Count == 0) continue;
                var now = list[0].Listing.FirstOrDefault(d => DomainWaitService.Same(t.Domain, d));
                if (now == null)
                    WriteItemError(new XenDomainNotFoundException(t.Domain.Name, $"{t.Description} is no longer there."),
                        "DomainNotFound", ErrorCategory.ObjectNotFound, t.Domain);
                else if (Keep(now)) WriteDomain(now, _manyHosts);
            }
        }
    }
}
