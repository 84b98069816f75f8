using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Waits on a pool through event.from instead of listing it over and over (Wait-XenDomain, Stop -Wait,
    /// Restart -Wait): as Xen Orchestra does, a token from event.inject("pool", pool), then VM.get_all_records, then
    /// event.from(["vm"], token, timeout) in a loop, each VM event's snapshot replacing the cached record ("del": removed).
    /// EVENTS_LOST (or a token XAPI no longer reads) starts again from event.inject and a full listing, so no change is
    /// missed; a host without event.from (MESSAGE_METHOD_UNKNOWN) is listed every 200 ms instead.
    /// </summary>
    public sealed partial class XapiBackend : IXenDomainEvents
    {
        /// <summary>How many times the watches of this connection listed the pool again after losing events (tests read it).</summary>
        internal int EventResyncs;

        public IXenDomainWatch WatchDomains(CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            return new XapiDomainWatch(this);
        }

        private sealed class XapiDomainWatch : IXenDomainWatch
        {
            private readonly XapiBackend _b;
            private Dictionary<string, XapiRecord>? _vms;
            private string _token = "";
            private bool _polling;

            public XapiDomainWatch(XapiBackend b) { _b = b; }

            public IReadOnlyList<XenDomain> Next(TimeSpan maxWait, CancellationToken ct)
            {
                if (_vms == null)
                {
                    Resync(ct);
                    return Listing(ct);
                }
                var deadline = DateTime.UtcNow + maxWait;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) return Listing(ct);
                    if (_polling)
                    {
                        var nap = left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200);
                        if (ct.WaitHandle.WaitOne(nap)) ct.ThrowIfCancellationRequested();
                        return _b.ListDomains(ct);
                    }
                    var wait = left < _b._options.EventWait ? left : _b._options.EventWait;
                    object? r;
                    try
                    {
                        r = _b._session.Call("event.from", new object?[] { new List<object?> { "vm" }, _token, Math.Max(0.1, wait.TotalSeconds) },
                            ct, _b._options.Timeout + wait);
                    }
                    catch (XapiFailure f) when (f.Code == "EVENTS_LOST" || f.Code == "EVENT_FROM_TOKEN_PARSE_FAILURE")
                    {
                        Interlocked.Increment(ref _b.EventResyncs);
                        Resync(ct);
                        return Listing(ct); // whatever was lost is in the new listing
                    }
                    catch (XapiFailure f) when (f.Code == "MESSAGE_METHOD_UNKNOWN")
                    {
                        _polling = true;
                        continue;
                    }
                    catch (XapiFailure f)
                    {
                        throw XapiErrors.Map(f, "Watching the pool's VMs (event.from)");
                    }
                    var res = XapiValue.AsStruct(r, "event.from");
                    _token = XapiValue.AsString(res.TryGetValue("token", out var t) ? t : null) ?? "";
                    bool changed = false;
                    foreach (var ev in XapiValue.AsList(res.TryGetValue("events", out var evs) ? evs : null, "event.from"))
                    {
                        var e = XapiValue.AsStruct(ev, "event.from");
                        if (!string.Equals(XapiValue.AsString(e.TryGetValue("class", out var c) ? c : null), "vm", StringComparison.OrdinalIgnoreCase)) continue;
                        string reference = XapiValue.AsString(e.TryGetValue("ref", out var er) ? er : null) ?? "";
                        string op = XapiValue.AsString(e.TryGetValue("operation", out var o) ? o : null) ?? "";
                        if (op == "del") changed |= _vms.Remove(reference);
                        else if (e.TryGetValue("snapshot", out var snap) && snap != null)
                        {
                            _vms[reference] = new XapiRecord(reference, XapiValue.AsStruct(snap, "event.from"));
                            changed = true;
                        }
                    }
                    if (changed) return Listing(ct);
                }
            }

            /// <summary>event.inject("pool", pool) for a token, then every VM record (changes after the token follow as events).</summary>
            private void Resync(CancellationToken ct)
            {
                try
                {
                    var pools = XapiValue.AsList(_b.Call("pool.get_all", "Reading the pool", null, ct), "pool.get_all");
                    string pool = XapiValue.AsString(pools.FirstOrDefault()) ?? "";
                    _token = XapiValue.AsString(_b._session.Call("event.inject", new object?[] { "pool", pool }, ct)) ?? "";
                }
                catch (XapiFailure f) when (f.Code == "MESSAGE_METHOD_UNKNOWN")
                {
                    _polling = true;
                }
                catch (XapiFailure f)
                {
                    throw XapiErrors.Map(f, "Watching the pool's VMs (event.inject)");
                }
                _vms = XapiRecord.All(_b.Call("VM.get_all_records", "Listing the pool's VMs", null, ct), "VM.get_all_records")
                    .ToDictionary(v => v.Ref, StringComparer.Ordinal);
            }

            private IReadOnlyList<XenDomain> Listing(CancellationToken ct)
            {
                if (_vms!.Values.Any(v => !XapiValue.IsNullRef(v.Str("resident_on")) && !_b._hosts.ContainsKey(v.Str("resident_on"))))
                    _b.RefreshHosts(ct);
                return _b.Domains(_vms.Values.ToList());
            }

            public void Dispose() { }
        }
    }
}
