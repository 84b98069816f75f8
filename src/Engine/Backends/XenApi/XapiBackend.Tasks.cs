using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace XenPS.Backends.XenApi
{
    /// <summary>The task's state as last seen.</summary>
    internal sealed class XapiTaskState
    {
        public XapiTaskState(string status, double progress, string result, IReadOnlyList<string> errorInfo)
        {
            Status = status;
            Progress = progress;
            Result = result;
            ErrorInfo = errorInfo;
        }

        public string Status { get; }
        /// <summary>0 .. 1.</summary>
        public double Progress { get; }
        /// <summary>XML-RPC text, even over JSON-RPC ("&lt;value&gt;OpaqueRef:...&lt;/value&gt;", or "" for void).</summary>
        public string Result { get; }
        public IReadOnlyList<string> ErrorInfo { get; }
        public bool Pending => Status == "pending" || Status == "cancelling";

        public static XapiTaskState Of(XapiRecord r) =>
            new XapiTaskState(r.Str("status").ToLowerInvariant(), r.Double("progress"), r.Str("result"), r.Strings("error_info"));
    }

    public sealed partial class XapiBackend
    {
        /// <summary>
        /// Runs Async.<paramref name="method"/> and waits for its task through event.from (the task's own
        /// subscription, "task/OpaqueRef:..."), reporting its progress; returns the decoded result. On cancellation
        /// the task is cancelled (task.cancel) before OperationCanceledException goes on; after TaskTimeout it is
        /// cancelled and a XenTimeoutException says so. The task is destroyed when it is over, whatever happened.
        /// With <paramref name="returnAfter"/>: returns null if the task is still running then, and a background
        /// watcher of this connection waits for it and destroys it.
        /// </summary>
        internal object? RunTask(string method, string what, string? domain, CancellationToken ct, IProgress<double>? progress = null,
            TimeSpan? returnAfter = null, params object?[] args)
        {
            string task = XapiValue.AsString(Call("Async." + method, what, domain, ct, args)) ?? "";
            if (!task.StartsWith("OpaqueRef:", StringComparison.Ordinal))
                throw new XenPSException($"{what}: Async.{method} answered '{task}', not a task reference.", null, XenErrorReason.HostCommandFailed);
            bool handedOver = false;
            try
            {
                var deadline = DateTime.UtcNow + _options.TaskTimeout;
                var until = returnAfter.HasValue ? DateTime.UtcNow + returnAfter.Value : deadline;
                XapiTaskState? s;
                try
                {
                    s = WaitTask(task, until < deadline ? until : deadline, what, ct, progress);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    CancelTask(task, what);
                    throw;
                }
                if (s == null)
                {
                    if (returnAfter.HasValue && until < deadline)
                    {
                        handedOver = true;
                        Watch(task, deadline, what);
                        return null;
                    }
                    CancelTask(task, what);
                    throw new XenTimeoutException($"{what} did not finish within {_options.TaskTimeout.TotalSeconds:0.###} s; its XAPI task was cancelled. Raise the TaskTimeout option to wait longer.");
                }
                return Outcome(s, what, domain);
            }
            finally
            {
                if (!handedOver) DestroyTask(task);
            }
        }

        private object? Outcome(XapiTaskState s, string what, string? domain)
        {
            switch (s.Status)
            {
                case "success":
                    try { return XapiXmlRpc.ParseValueText(s.Result); }
                    catch (FormatException e) { throw new XenPSException($"{what}: the task's result cannot be read ({e.Message}).", null, XenErrorReason.HostCommandFailed); }
                case "failure":
                    var info = s.ErrorInfo.Count > 0 ? s.ErrorInfo : new[] { "UNKNOWN_ERROR" };
                    throw XapiErrors.Map(new XapiFailure(info[0], info.Skip(1).ToList()), what, domain);
                default: // cancelled by someone else
                    throw new XenInvalidOperationException($"{what}: its XAPI task was cancelled (by another client or an administrator).");
            }
        }

        /// <summary>Waits until the task is over (its state) or <paramref name="until"/> (null).</summary>
        private XapiTaskState? WaitTask(string task, DateTime until, string what, CancellationToken ct, IProgress<double>? progress)
        {
            var classes = new object?[] { new List<object?> { "task/" + task } };
            string token = "";
            bool useEvents = true;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return null;
                var wait = left < _options.EventWait ? left : _options.EventWait;
                if (useEvents)
                {
                    object? r;
                    try
                    {
                        r = _session.Call("event.from", new object?[] { classes[0], token, Math.Max(0.1, wait.TotalSeconds) }, ct, _options.Timeout + wait);
                    }
                    catch (XapiFailure f) when (f.Code == "MESSAGE_METHOD_UNKNOWN")
                    {
                        useEvents = false; // before event.from (XenServer 6.0): poll
                        continue;
                    }
                    catch (XapiFailure f) when (f.Code == "EVENTS_LOST" || f.Code == "EVENT_FROM_TOKEN_PARSE_FAILURE")
                    {
                        token = ""; // start again from the task's current state
                        continue;
                    }
                    catch (XapiFailure f)
                    {
                        throw XapiErrors.Map(f, what + " (waiting for its task)");
                    }
                    var res = XapiValue.AsStruct(r, "event.from");
                    token = XapiValue.AsString(res.TryGetValue("token", out var t) ? t : null) ?? "";
                    foreach (var ev in XapiValue.AsList(res.TryGetValue("events", out var evs) ? evs : null, "event.from"))
                    {
                        var e = XapiValue.AsStruct(ev, "event.from");
                        if (!string.Equals(XapiValue.AsString(e.TryGetValue("ref", out var er) ? er : null), task, StringComparison.Ordinal)) continue;
                        if (string.Equals(XapiValue.AsString(e.TryGetValue("operation", out var op) ? op : null), "del", StringComparison.Ordinal))
                            throw new XenPSException($"{what}: its XAPI task was destroyed before it finished (by another client, or xapi restarted).", null, XenErrorReason.HostCommandFailed);
                        if (!e.TryGetValue("snapshot", out var snap) || snap == null) continue;
                        var st = XapiTaskState.Of(new XapiRecord(task, XapiValue.AsStruct(snap, "event.from")));
                        progress?.Report(st.Progress);
                        if (!st.Pending) return st;
                    }
                }
                else
                {
                    var st = XapiTaskState.Of(new XapiRecord(task, XapiValue.AsStruct(Call("task.get_record", what, null, ct, task), "task.get_record")));
                    progress?.Report(st.Progress);
                    if (!st.Pending) return st;
                    var nap = wait < TimeSpan.FromMilliseconds(250) ? wait : TimeSpan.FromMilliseconds(250);
                    if (ct.WaitHandle.WaitOne(nap)) ct.ThrowIfCancellationRequested();
                }
            }
        }

        /// <summary>task.cancel, then a short wait for the task to stop (not cancellable: it runs after Ctrl+C).</summary>
        private void CancelTask(string task, string what)
        {
            try
            {
                _session.Call("task.cancel", new object?[] { task }, CancellationToken.None, TimeSpan.FromSeconds(10));
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                WaitTask(task, DateTime.UtcNow + TimeSpan.FromSeconds(10), what, bound.Token, null);
            }
            catch (Exception e) when (e is XapiFailure || e is XenPSException || e is OperationCanceledException)
            {
                // Already over, or the host is gone: nothing more to do.
            }
        }

        private void DestroyTask(string task)
        {
            try { _session.Call("task.destroy", new object?[] { task }, CancellationToken.None, TimeSpan.FromSeconds(10)); }
            catch (Exception e) when (e is XapiFailure || e is XenPSException) { /* xapi collects completed tasks after 65 min */ }
        }

        /// <summary>Waits in the background for a task this connection started and returned from early, then destroys it.</summary>
        private void Watch(string task, DateTime deadline, string what)
        {
            var token = _closing.Token;
            Task.Run(() =>
            {
                try
                {
                    if (WaitTask(task, deadline, what, token, null) != null) DestroyTask(task);
                }
                catch (Exception e) when (e is XapiFailure || e is XenPSException || e is OperationCanceledException || e is ObjectDisposedException)
                {
                    // The connection closed first: xapi collects the task itself.
                }
            });
        }
    }
}
