using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Commands
{
    /// <summary>Get-XenDomain: lists domains like `xm list`, by name (wildcards), id or state.</summary>
    [Cmdlet(VerbsCommon.Get, "XenDomain", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomain))]
    public sealed class GetXenDomainCommand : XenHostCmdletBase
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";
        private const string ObjectSet = "InputObject";
        private readonly Dictionary<string, IReadOnlyList<XenDomain>> _listings = new Dictionary<string, IReadOnlyList<XenDomain>>();
        private IReadOnlyList<XenDomain>? _listing;
        private XenHostConnection? _host;

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

        /// <summary>Only domains with any of these state flags (None is the idle "------" state).</summary>
        [Parameter]
        public XenDomainState[]? State { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName != ObjectSet) _host = ResolveHost();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ObjectSet)
            {
                Refresh();
                return;
            }
            var host = _host!;
            // One listing per invocation and host, however many names come down the pipeline.
            if (_listing == null)
            {
                try
                {
                    _listing = host.Backend.ListDomains(CancelToken).Select(d => Stamp(d, host)).ToList();
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                catch (XenPSException e)
                {
                    ThrowXenError(e, host);
                    return;
                }
            }

            IEnumerable<XenDomain> selected = ParameterSetName == IdSet ? SelectById(_listing, Id, host)
                : Name == null ? _listing
                : SelectByName(_listing, Name, host);
            WriteObject(Filter(selected), enumerateCollection: true);
        }

        private IEnumerable<XenDomain> Filter(IEnumerable<XenDomain> domains) =>
            State == null || State.Length == 0
                ? domains
                : domains.Where(d => State.Any(s => s == XenDomainState.None ? d.State == XenDomainState.None : (d.State & s) == s));

        // A domain object read again from its own host; one listing per host for the whole invocation.
        private void Refresh()
        {
            foreach (var old in InputObject)
            {
                try
                {
                    var host = ResolveHostOf(old);
                    if (!_listings.TryGetValue(host.Name, out var list))
                    {
                        list = host.Backend.ListDomains(CancelToken).Select(d => Stamp(d, host)).ToList();
                        _listings[host.Name] = list;
                    }
                    var now = list.FirstOrDefault(d => d.Id == old.Id);
                    if (now == null)
                        WriteItemError(new XenDomainNotFoundException(old.Name, $"{old.Name} (id {old.Id}) is no longer on {host.Name}."),
                            "DomainNotFound", ErrorCategory.ObjectNotFound, old);
                    else
                        WriteObject(Filter(new[] { now }), enumerateCollection: true);
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                catch (XenPSException e)
                {
                    WriteXenError(e, old);
                }
            }
        }
    }
}
