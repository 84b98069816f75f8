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

        /// <summary>Only domains with any of these state flags (None is the idle "------" state).</summary>
        [Parameter]
        public XenDomainState[]? State { get; set; }

        protected override void BeginProcessing()
        {
            _host = ResolveHost();
        }

        protected override void ProcessRecord()
        {
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

            IEnumerable<XenDomain> selected;
            if (ParameterSetName == IdSet)
            {
                var list = new List<XenDomain>();
                foreach (int id in Id)
                {
                    var d = _listing.FirstOrDefault(x => x.Id == id);
                    if (d == null)
                        WriteItemError(new XenDomainNotFoundException(id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                $"{id} is an invalid domain identifier: no domain has id {id} on {host.Name}."),
                            "DomainNotFound", ErrorCategory.ObjectNotFound, id);
                    else list.Add(d);
                }
                selected = list;
            }
            else if (Name == null)
            {
                selected = _listing;
            }
            else
            {
                var list = new List<XenDomain>();
                foreach (string n in Name)
                {
                    var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                    var matches = _listing.Where(d => p.IsMatch(d.Name)).ToList();
                    if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                        WriteItemError(new XenDomainNotFoundException(n, $"{n} is an invalid domain identifier: no domain is named '{n}' on {host.Name}."),
                            "DomainNotFound", ErrorCategory.ObjectNotFound, n);
                    list.AddRange(matches.Where(m => !list.Contains(m)));
                }
                selected = list;
            }

            if (State != null && State.Length > 0)
                selected = selected.Where(d => State.Any(s => s == XenDomainState.None ? d.State == XenDomainState.None : (d.State & s) == s));
            WriteObject(selected, enumerateCollection: true);
        }
    }
}
