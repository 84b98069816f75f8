using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace XenPS.Services
{
    /// <summary>What a fan-out hands to the draining thread: an item one host's work produced, or the XenPSException that ended it.</summary>
    public readonly struct HostOutcome<T>
    {
        public HostOutcome(XenHostConnection host, T? value, XenPSException? error, TimeSpan elapsed)
        {
            Host = host;
            Value = value;
            Error = error;
            Elapsed = elapsed;
        }

        public XenHostConnection Host { get; }
        /// <summary>The item (default when <see cref="Error"/> is set).</summary>
        public T? Value { get; }
        /// <summary>Why the host's piece of work failed: a per-host error whose target is the host.</summary>
        public XenPSException? Error { get; }
        /// <summary>How long the host's piece of work had been running when this arrived.</summary>
        public TimeSpan Elapsed { get; }
    }

    /// <summary>
    /// The one streaming fan-out over hosts. Work is queued per host (<see cref="Add"/>, <see cref="AddMany"/>, also while
    /// draining): each host's work runs in order on a worker thread, hosts in parallel, at most <see cref="Degree"/> at
    /// once, so a slow or dead host holds back only its own work (until its own timeout). What the work produces goes into
    /// a BlockingCollection that the draining thread (the pipeline thread) empties with <see cref="TakeReady"/> (what has
    /// arrived, without waiting) or <see cref="Drain"/> (until all queued work is done), items in order of arrival. Workers
    /// never call the caller's code except through <see cref="OnDrainer{TR}"/> / <see cref="Post"/>, which run it on the
    /// draining thread (confirmations, progress, warnings). Cancelling the token (Ctrl+C) or disposing cancels the workers.
    /// </summary>
    public sealed class HostFanOut<T> : IDisposable
    {
        private enum Kind { Item, Error, Done, Call, Fault }

        private sealed class Message
        {
            public Kind Kind;
            public HostOutcome<T> Outcome;
            public Action? Call;
            public ExceptionDispatchInfo? Fault;
        }

        private readonly object _gate = new object();
        private readonly Dictionary<XenHostConnection, Queue<Func<CancellationToken, IEnumerable<T>>>> _queues =
            new Dictionary<XenHostConnection, Queue<Func<CancellationToken, IEnumerable<T>>>>();
        private readonly HashSet<XenHostConnection> _busy = new HashSet<XenHostConnection>();
        private readonly Queue<XenHostConnection> _ready = new Queue<XenHostConnection>();
        private readonly BlockingCollection<Message> _messages = new BlockingCollection<Message>();
        private readonly CancellationTokenSource _cts;
        private readonly CancellationToken _callerToken;
        private int _workers;
        private int _outstanding;
        private int _drainerThread = -1;
        private bool _disposed;

        public HostFanOut(int degree, CancellationToken ct)
        {
            Degree = Math.Max(1, degree);
            _callerToken = ct;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        /// <summary>At most this many hosts are worked on at once (-ThrottleLimit).</summary>
        public int Degree { get; }

        /// <summary>Pieces of work queued or running.</summary>
        public int Outstanding { get { lock (_gate) return _outstanding; } }

        /// <summary>Queues one piece of work for <paramref name="host"/>; its result arrives as one item.</summary>
        public void Add(XenHostConnection host, Func<CancellationToken, T> work)
        {
            if (work == null) throw new ArgumentNullException(nameof(work));
            AddMany(host, ct => new[] { work(ct) });
        }

        /// <summary>Queues work for <paramref name="host"/> that produces items one by one; each is handed over as it is produced.</summary>
        public void AddMany(XenHostConnection host, Func<CancellationToken, IEnumerable<T>> work)
        {
            if (host == null) throw new ArgumentNullException(nameof(host));
            if (work == null) throw new ArgumentNullException(nameof(work));
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(HostFanOut<T>));
                if (!_queues.TryGetValue(host, out var q)) _queues[host] = q = new Queue<Func<CancellationToken, IEnumerable<T>>>();
                q.Enqueue(work);
                _outstanding++;
                if (!_busy.Contains(host) && !_ready.Contains(host)) _ready.Enqueue(host);
                if (_workers < Degree && _ready.Count > 0)
                {
                    _workers++;
                    var t = new Thread(Worker) { IsBackground = true, Name = "XenPS host fan-out" };
                    t.Start();
                }
            }
        }

        private void Worker()
        {
            while (true)
            {
                XenHostConnection host;
                lock (_gate)
                {
                    if (_ready.Count == 0) { _workers--; return; }
                    host = _ready.Dequeue();
                    _busy.Add(host);
                }
                while (true)
                {
                    Func<CancellationToken, IEnumerable<T>> work;
                    lock (_gate)
                    {
                        var q = _queues[host];
                        if (q.Count == 0) { _busy.Remove(host); break; }
                        work = q.Dequeue();
                    }
                    RunOne(host, work);
                }
            }
        }

        private void RunOne(XenHostConnection host, Func<CancellationToken, IEnumerable<T>> work)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                var ct = _cts.Token;
                if (ct.IsCancellationRequested) return;
                foreach (var item in work(ct))
                    Send(new Message { Kind = Kind.Item, Outcome = new HostOutcome<T>(host, item, null, sw.Elapsed) });
                host.Observe(sw.Elapsed, null);
            }
            catch (XenPSException e)
            {
                host.Observe(sw.Elapsed, e);
                Send(new Message { Kind = Kind.Error, Outcome = new HostOutcome<T>(host, default, e, sw.Elapsed) });
            }
            catch (OperationCanceledException) when (_cts.IsCancellationRequested)
            {
                // Cancelled: the draining thread sees the caller's token (or has stopped draining).
            }
            catch (Exception e)
            {
                // Not an engine failure: a bug. It is rethrown on the draining thread, where it can be reported.
                Send(new Message { Kind = Kind.Fault, Fault = ExceptionDispatchInfo.Capture(e) });
            }
            finally
            {
                lock (_gate) _outstanding--;
                Send(new Message { Kind = Kind.Done });
            }
        }

        private void Send(Message m)
        {
            try { _messages.Add(m); }
            catch (InvalidOperationException) { } // disposed: nobody drains any more
        }

        /// <summary>
        /// From a worker: runs <paramref name="call"/> on the draining thread (the next time it takes what has arrived) and
        /// waits for its result; cancelled with the fan-out. Called on the draining thread itself, it just runs.
        /// </summary>
        public TR OnDrainer<TR>(Func<TR> call)
        {
            if (call == null) throw new ArgumentNullException(nameof(call));
            if (Environment.CurrentManagedThreadId == Volatile.Read(ref _drainerThread)) return call();
            TR result = default!;
            ExceptionDispatchInfo? error = null;
            using var done = new ManualResetEventSlim(false);
            Send(new Message
            {
                Kind = Kind.Call,
                Call = () =>
                {
                    try { result = call(); }
                    catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
                    finally { done.Set(); }
                },
            });
            try { done.Wait(_cts.Token); }
            catch (ObjectDisposedException) { throw new OperationCanceledException(_cts.Token); }
            error?.Throw();
            return result;
        }

        /// <summary>From a worker: runs <paramref name="call"/> on the draining thread, without waiting for it (progress, warnings).</summary>
        public void Post(Action call)
        {
            if (call == null) throw new ArgumentNullException(nameof(call));
            if (Environment.CurrentManagedThreadId == Volatile.Read(ref _drainerThread)) { call(); return; }
            Send(new Message { Kind = Kind.Call, Call = call });
        }

        /// <summary>What has arrived so far, without waiting (calls posted by workers run here, on this thread).</summary>
        public IEnumerable<HostOutcome<T>> TakeReady()
        {
            Volatile.Write(ref _drainerThread, Environment.CurrentManagedThreadId);
            while (_messages.TryTake(out var m))
            {
                if (Handle(m, out var o)) yield return o;
            }
        }

        /// <summary>Everything until all queued work (also work queued meanwhile) is done, in order of arrival.</summary>
        public IEnumerable<HostOutcome<T>> Drain()
        {
            Volatile.Write(ref _drainerThread, Environment.CurrentManagedThreadId);
            while (true)
            {
                bool finished;
                lock (_gate) finished = _outstanding == 0;
                if (finished && _messages.Count == 0) yield break;
                var m = _messages.Take(_callerToken); // Ctrl+C: OperationCanceledException here, on the pipeline thread
                if (Handle(m, out var o)) yield return o;
            }
        }

        private static bool Handle(Message m, out HostOutcome<T> outcome)
        {
            outcome = m.Outcome;
            switch (m.Kind)
            {
                case Kind.Item:
                case Kind.Error:
                    return true;
                case Kind.Call:
                    m.Call!();
                    return false;
                case Kind.Fault:
                    m.Fault!.Throw();
                    return false;
                default:
                    return false;
            }
        }

        /// <summary>Cancels what is still running; nothing more is handed over.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            try { _cts.Cancel(); } catch (ObjectDisposedException) { }
            _messages.CompleteAdding();
        }
    }

    /// <summary>The fan-out for a fixed set of hosts: one piece of work per host, results as they arrive.</summary>
    public static class HostFanOut
    {
        /// <summary>How many hosts are worked on at once unless -ThrottleLimit says otherwise (as Invoke-Command's 32).</summary>
        public const int DefaultDegree = 32;

        /// <summary>
        /// <paramref name="work"/> for every host, at most <paramref name="degree"/> at once, each result (or the host's
        /// XenPSException) yielded on the enumerating thread as soon as it arrives. Stopping the enumeration cancels the rest.
        /// </summary>
        public static IEnumerable<HostOutcome<T>> Stream<T>(IReadOnlyList<XenHostConnection> hosts, Func<XenHostConnection, CancellationToken, T> work,
            int degree, CancellationToken ct)
        {
            using var fan = new HostFanOut<T>(degree, ct);
            foreach (var h in hosts)
            {
                var host = h;
                fan.Add(host, t => work(host, t));
            }
            foreach (var o in fan.Drain()) yield return o;
        }

        /// <summary>
        /// <see cref="Stream{T}"/>, gathered: a result per host in the order given (for callers that need every host's
        /// answer before going on, such as one round of a wait).
        /// </summary>
        public static IReadOnlyList<(XenHostConnection Host, T? Value, XenPSException? Error)> Run<T>(
            IReadOnlyList<XenHostConnection> hosts, Func<XenHostConnection, CancellationToken, T> work, int degree, CancellationToken ct)
        {
            var results = new (XenHostConnection, T?, XenPSException?)[hosts.Count];
            using var fan = new HostFanOut<(int Index, T Value)>(degree, ct);
            for (int i = 0; i < hosts.Count; i++)
            {
                int index = i;
                var host = hosts[i];
                results[i] = (host, default, null);
                fan.Add(host, t => (index, work(host, t)));
            }
            // An error carries no index: the host's pieces run in order, so its first unanswered index is the failed one.
            var answered = new HashSet<int>();
            var failed = new List<HostOutcome<(int, T)>>();
            foreach (var o in fan.Drain())
            {
                if (o.Error == null)
                {
                    results[o.Value.Index] = (o.Host, o.Value.Value, null);
                    answered.Add(o.Value.Index);
                }
                else failed.Add(o);
            }
            foreach (var f in failed)
            {
                for (int i = 0; i < hosts.Count; i++)
                {
                    if (hosts[i] != f.Host || answered.Contains(i)) continue;
                    results[i] = (f.Host, default, f.Error);
                    answered.Add(i);
                    break;
                }
            }
            return results;
        }

        /// <summary>Distinct hosts of some targets, in first-seen order.</summary>
        public static IReadOnlyList<XenHostConnection> HostsOf(IEnumerable<XenDomainTarget> targets) =>
            targets.Select(t => t.Host).Distinct().ToList();
    }
}
