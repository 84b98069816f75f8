using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Backends;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on hosts: -XenHost (one or several connections, names, or wildcards over names), else
    /// the default connection; with none at all the invocation cannot proceed and terminates with a message that says
    /// how to connect. Domains piped in find their own host again through their Host name (or, failing that, their HostUri).
    /// </summary>
    public abstract class XenHostCmdletBase : XenCmdletBase
    {
        private readonly List<XenHostConnection> _transient = new List<XenHostConnection>();

        /// <summary>The hosts to act on: connections from Connect-XenHost, their names, or wildcards over names. Default: the default connection.</summary>
        [Parameter]
        [XenHostTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNullOrEmpty]
        public virtual XenHostConnection[]? XenHost { get; set; }

        /// <summary>The connections -XenHost names (closed ones are per-host errors), or the default; terminates when there is none.</summary>
        protected IReadOnlyList<XenHostConnection> ResolveHosts()
        {
            if (XenHost != null && XenHost.Length > 0)
            {
                var open = new List<XenHostConnection>();
                foreach (var h in XenHost)
                {
                    if (h.IsOpen) open.Add(h);
                    else WriteItemError(new XenConnectionException($"The host connection '{h.Name}' is closed. Connect-XenHost '{h.Uri}' again.", XenErrorReason.ConnectionClosed),
                        "XenHostConnectionClosed", ErrorCategory.ConnectionError, h);
                }
                if (open.Count == 0 && XenHost.Length == 1)
                    ThrowTerminating(new XenConnectionException($"The host connection '{XenHost[0].Name}' is closed. Connect-XenHost '{XenHost[0].Uri}' again.", XenErrorReason.ConnectionClosed),
                        "XenHostConnectionClosed", ErrorCategory.ConnectionError, XenHost[0]);
                return open;
            }
            var d = HostRegistry.Default;
            if (d == null)
            {
                ThrowTerminating(new XenConnectionException(
                        "No Xen host is connected. Connect first, for example: Connect-XenHost sim://lab (an embedded simulated host) " +
                        "or Connect-XenHost ssh://root@dom0.example.org (a real host), or pass -XenHost."),
                    "NoXenHostConnection", ErrorCategory.ConnectionError, null);
            }
            return new[] { d! };
        }

        /// <summary>The one host a creating cmdlet acts on: -XenHost must name exactly one.</summary>
        protected XenHostConnection ResolveSingleHost()
        {
            var hosts = ResolveHosts();
            if (hosts.Count != 1)
                ThrowTerminating(new ArgumentException($"This command acts on one host; -XenHost names {hosts.Count} ({string.Join(", ", hosts.Select(h => h.Name))})."),
                    "OneXenHostExpected", ErrorCategory.InvalidArgument, XenHost);
            return hosts[0];
        }

        /// <summary>The host a domain object came from: by connection name, then URI, then a connection opened for this command.</summary>
        protected XenHostConnection ResolveHostOf(XenDomain domain)
        {
            if (XenHost != null && XenHost.Length > 0)
            {
                var named = XenHost.FirstOrDefault(h => h.Uri == domain.HostUri || string.Equals(h.Name, domain.Host, StringComparison.OrdinalIgnoreCase));
                if (named != null) return named;
                if (XenHost.Length == 1) return ResolveSingleHost();
            }
            var c = (string.IsNullOrEmpty(domain.Host) ? null : HostRegistry.Find(domain.Host)) ??
                    (string.IsNullOrEmpty(domain.HostUri) ? null : HostRegistry.FindByUri(domain.HostUri));
            if (c != null && c.IsOpen && (string.IsNullOrEmpty(domain.HostUri) || c.Uri == domain.HostUri)) return c;
            if (string.IsNullOrEmpty(domain.HostUri)) return ResolveSingleHost();
            var byUri = HostRegistry.FindByUri(domain.HostUri);
            if (byUri != null && byUri.IsOpen) return byUri;
            foreach (var t in _transient)
                if (t.Uri == domain.HostUri) return t;
            var opened = new XenHostConnection(string.IsNullOrEmpty(domain.Host) ? XenBackendFactory.Parse(domain.HostUri).DefaultName : domain.Host,
                domain.HostUri, XenBackendFactory.Open(domain.HostUri, null, CancelToken));
            _transient.Add(opened);
            return opened;
        }

        private readonly HashSet<XenHostConnection> _seenHosts = new HashSet<XenHostConnection>();

        /// <summary>Notes a host this invocation acts on (selected or piped domains): from the second one on, domains are written with the Host column.</summary>
        protected void NoteHost(XenHostConnection host) => _seenHosts.Add(host);

        /// <summary>Writes domains; when they come from several hosts, the table view with a Host column is chosen.</summary>
        protected void WriteDomain(XenDomain d, bool manyHosts)
        {
            if (!manyHosts && _seenHosts.Count < 2) { WriteObject(d); return; }
            var pso = PSObject.AsPSObject(d);
            if (!pso.TypeNames.Contains(MultiHostTypeName)) pso.TypeNames.Insert(0, MultiHostTypeName);
            WriteObject(pso);
        }

        /// <summary>The type name that selects the domain table with a Host column.</summary>
        internal const string MultiHostTypeName = "XenPS.XenDomain#MultiHost";

        protected static XenDomain Stamp(XenDomain d, XenHostConnection host) => DomainLifecycleService.Stamp(d, host);

        /// <summary>Writes a service's progress report (on the pipeline thread: services report on the enumerating thread).</summary>
        protected void WriteServiceProgress(int activityId, XenProgress p)
        {
            var r = new ProgressRecord(activityId, p.Activity, p.Status) { PercentComplete = p.PercentComplete };
            if (p.Completed) r.RecordType = ProgressRecordType.Completed;
            WriteProgress(r);
        }

        // Connections opened for piped domains whose own connection was closed: kept for the whole invocation
        // (Stop-XenDomain -Wait still needs them in EndProcessing), closed however the pipeline ends.
        protected override void OnDispose()
        {
            foreach (var t in _transient) t.Dispose();
            _transient.Clear();
        }
    }

    /// <summary>
    /// Base of the cmdlets that act on several hosts at once: -ThrottleLimit bounds how many hosts are worked on in
    /// parallel (as ForEach-Object -Parallel and Invoke-Command). Work on hosts goes through the engine's one streaming
    /// fan-out (HostFanOut): it runs on worker threads, per host in order, hosts in parallel, and what it produces is
    /// written here, on the pipeline thread, as it arrives. Ctrl+C cancels the workers.
    /// </summary>
    public abstract class XenMultiHostCmdletBase : XenHostCmdletBase
    {
        private HostFanOut<Action>? _dispatch;

        /// <summary>At most this many hosts are worked on at once (default 32). Work on one host is done in order.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = HostFanOut.DefaultDegree;

        private HostFanOut<Action> Dispatcher => _dispatch ??= new HostFanOut<Action>(ThrottleLimit, CancelToken);

        /// <summary>
        /// Queues <paramref name="work"/> for <paramref name="host"/> (run on a worker thread, after the host's earlier
        /// work): it returns what to write, which runs on the pipeline thread when it has arrived. A XenPSException that
        /// escapes the work is a non-terminating error with the host as target. Writes whatever has arrived meanwhile.
        /// </summary>
        protected void Dispatch(XenHostConnection host, Func<CancellationToken, Action> work)
        {
            Dispatcher.Add(host, work);
            WriteArrived();
        }

        /// <summary>Like <see cref="Dispatch"/>, for work that produces several things to write, each written as it arrives.</summary>
        protected void DispatchMany(XenHostConnection host, Func<CancellationToken, IEnumerable<Action>> work)
        {
            Dispatcher.AddMany(host, work);
            WriteArrived();
        }

        /// <summary>From a worker: runs <paramref name="call"/> on the pipeline thread and returns its result (a confirmation).</summary>
        protected T OnPipelineThread<T>(Func<T> call) => Dispatcher.OnDrainer(call);

        /// <summary>From a worker: runs <paramref name="call"/> on the pipeline thread without waiting (progress, warnings, verbose).</summary>
        protected void PostToPipeline(Action call) => Dispatcher.Post(call);

        /// <summary>Writes what dispatched work has produced so far, without waiting.</summary>
        protected void WriteArrived()
        {
            if (_dispatch == null) return;
            try
            {
                foreach (var o in _dispatch.TakeReady()) Write(o);
            }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        }

        /// <summary>Waits for all dispatched work, writing each result as it arrives (call from EndProcessing).</summary>
        protected void DrainDispatched()
        {
            if (_dispatch == null) return;
            try
            {
                foreach (var o in _dispatch.Drain()) Write(o);
            }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        }

        private void Write(HostOutcome<Action> o)
        {
            if (o.Error != null) WriteXenError(o.Error, o.Host);
            else o.Value?.Invoke();
        }

        /// <summary>
        /// One piece of work per host, in parallel (bounded by -ThrottleLimit), each result yielded here as soon as it
        /// arrives; a host that fails is yielded with its error (the caller writes it with the host as target).
        /// </summary>
        protected IEnumerable<HostOutcome<T>> FanOut<T>(IReadOnlyList<XenHostConnection> hosts, Func<XenHostConnection, CancellationToken, T> work)
        {
            using var e = HostFanOut.Stream(hosts, work, ThrottleLimit, CancelToken).GetEnumerator();
            while (true)
            {
                try
                {
                    if (!e.MoveNext()) yield break;
                }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                yield return e.Current;
            }
        }

        protected override void OnDispose()
        {
            _dispatch?.Dispose();
            _dispatch = null;
            base.OnDispose();
        }
    }

    /// <summary>IProgress that calls back synchronously (services report on the thread that enumerates their results).</summary>
    internal sealed class SyncProgress<T> : IProgress<T>
    {
        private readonly Action<T> _report;
        public SyncProgress(Action<T> report) { _report = report; }
        public void Report(T value) => _report(value);
    }
}
