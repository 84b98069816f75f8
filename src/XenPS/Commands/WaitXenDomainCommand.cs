using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Wait-XenDomain: waits until domains are in a state (-State; Gone = no longer on the host) and/or their current
    /// boot's console shows a pattern (-Until), for all of them together: one listing per host per interval. Writes each
    /// domain when it gets there (so no -PassThru); -Any ends at the first; a timeout is a per-domain WaitTimeout error.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "XenDomain", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenDomain))]
    public sealed class WaitXenDomainCommand : XenDomainTargetCmdletBase
    {
        private readonly List<XenDomainTarget> _targets = new List<XenDomainTarget>();
        private readonly DomainWaitService _waits = new DomainWaitService();
        private Regex? _until;
        private bool _manyHosts;

        /// <summary>The state to wait for. Halted is also met by a domain no longer on the host; Gone only by that.</summary>
        [Parameter(Position = 1)]
        public XenWaitState State { get; set; }

        /// <summary>A regular expression the console of the domain's current boot must show (a line, or the partial last line).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Until { get; set; }

        /// <summary>Seconds to wait (default 300).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int Timeout { get; set; } = 300;

        /// <summary>Return as soon as one of the domains gets there (it alone is written).</summary>
        [Parameter]
        public SwitchParameter Any { get; set; }

        private bool HasState => MyInvocation.BoundParameters.ContainsKey(nameof(State));

        protected override void BeginProcessing()
        {
            _manyHosts = (XenHost?.Length ?? 0) > 1;
            _waits.Degree = ThrottleLimit;
            if (!HasState && Until == null)
                ThrowTerminating(new ArgumentException("Say what to wait for: -State <state> (for example Running, Halted, Gone), -Until <console pattern>, or both."),
                    "WaitConditionMissing", ErrorCategory.InvalidArgument, null);
            if (Until != null)
            {
                try { _until = new Regex(Until, RegexOptions.CultureInvariant); }
                catch (ArgumentException e)
                {
                    ThrowTerminating(new ArgumentException($"-Until '{Until}' is not a valid regular expression: {e.Message}", e),
                        "InvalidUntilPattern", ErrorCategory.InvalidArgument, Until);
                }
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
                if (!_targets.Any(x => x.Host == t.Host && DomainWaitService.SameGuest(x.Domain, t.Domain))) _targets.Add(t);
        }

        protected override void EndProcessing()
        {
            if (_targets.Count == 0) return;
            var progress = new SyncProgress<XenProgress>(p => WriteServiceProgress(1, p));
            bool many = _manyHosts || _targets.Select(p => p.Host).Distinct().Count() > 1;
            var o = new WaitForOptions
            {
                State = HasState ? State : (XenWaitState?)null,
                Until = _until,
                Timeout = TimeSpan.FromSeconds(Timeout),
                Any = Any.IsPresent,
            };
            try
            {
                foreach (var r in _waits.WaitFor(_targets, o, progress, CancelToken))
                {
                    if (r.Error != null)
                    {
                        WriteXenError(r.Error, r.Target.Domain, r.Error is XenTimeoutException ? "WaitTimeout" : null);
                        continue;
                    }
                    if (r.Note != null) WriteVerbose($"{r.Target.Description} {r.Note}.");
                    WriteDomain(r.Domain!, many);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }
    }
}
