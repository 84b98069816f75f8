using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomain: lists domains like `xm list`, on one or several hosts, by name (wildcards), id, uuid or state; with -All also the defined ones (stored configs).</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomain", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomain))]
    public sealed class GetXenDomainCommand : XenDomainSelectingCmdletBase
    {
        private const string PipedHostSet = "PipedXenHost";
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

        /// <summary>
        /// Host connections piped in (Get-XenHostConnection | Get-XenDomain): each is listed as if named by -XenHost. A
        /// parameter of its own, without -XenHost's name transformation, so that piped strings still bind to -Name.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = PipedHostSet, ValueFromPipeline = true, DontShow = true)]
        public XenHostConnection? PipedXenHost
        {
            get => XenHost?.Length == 1 ? XenHost[0] : null;
            set => XenHost = value == null ? null : new[] { value };
        }

        /// <summary>Only domains in any of these lifecycle states (Running, Paused, Halted, ...).</summary>
        [Parameter]
        public XenDomainState[]? State { get; set; }

        /// <summary>Also the domains that are defined on the host but not running: its stored configs in /etc/xen (State Halted, no Id).</summary>
        [Parameter(ParameterSetName = NameSet)]
        [Parameter(ParameterSetName = PipedHostSet)]
        public SwitchParameter All { get; set; }

        protected override StoredConfigListing StoredConfigs => All ? StoredConfigListing.WithDefined : StoredConfigListing.Annotate;

        private bool _manyHosts;

        protected override void BeginProcessing()
        {
            _manyHosts = (XenHost?.Length ?? 0) > 1;
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ObjectSet)
            {
                Refresh();
                return;
            }
            var hosts = ResolveHosts();
            bool many = _manyHosts || ParameterSetName == PipedHostSet || hosts.Count > 1;
            // Each host's domains are written as its listing arrives: a slow host holds back only its own.
            var targets = ParameterSetName == IdSet ? Select(null, Id, hosts) : Select(ParameterSetName == NameSet ? Name : null, null, hosts);
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
