using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FakeXapi
{
    /// <summary>
    /// The RPC layer: JSON-RPC (v1 and v2, answered in the version asked) at /jsonrpc, XML-RPC at any other POST
    /// path (xapi's longest-prefix routing), session checks, HOST_IS_SLAVE on a supporter (with the master's thumbprint
    /// when asked for it), Async.* tasks, event.from, and the faults.
    /// </summary>
    public sealed partial class Pool
    {
        private static readonly string[] Classes = { "pool", "host", "host_metrics", "VM", "console", "task", "VBD", "VIF", "VDI", "network", "SR" };

        public IEnumerable<string> Methods()
        {
            var m = new List<string> { "session.login_with_password", "session.logout", "session.get_this_host", "session.get_this_user",
                "system.listMethods", "event.from", "event.inject", "task.cancel", "task.destroy", "task.create", "host.get_server_certificate",
                "pool.add_to_other_config", "pool.remove_from_other_config" };
            foreach (var c in Classes)
                m.AddRange(new[] { "get_all", "get_all_records", "get_record", "get_by_uuid" }.Select(x => c + "." + x));
            m.AddRange(new[] { "VM.get_by_name_label", "host.get_by_name_label", "VM.set_name_label" });
            m.AddRange(MoreSyncMethods);
            m.AddRange(VmMessages.Select(x => "VM." + x));
            m.AddRange(VmMessages.Select(x => "Async.VM." + x));
            return m;
        }

        // ---------------------------------------------------------------- HTTP

        public HttpResponse Handle(HttpRequest req, FakeHost at)
        {
            if (req.Method == "OPTIONS") return HttpResponse.Of(200, "OK", "text/plain", "");
            if (req.Method != "POST") return HttpResponse.Of(404, "Not Found", "text/html", "<html><body><h1>404 Not Found</h1></body></html>");
            string body = Encoding.UTF8.GetString(req.Body);
            if (req.Path == "/fake/control") return Control(body);
            bool json = req.Path == "/jsonrpc" && !LegacyXmlRpcOnly;
            if (req.Path == "/jsonrpc" && LegacyXmlRpcOnly && !body.TrimStart().StartsWith("<", StringComparison.Ordinal))
            {
                // A host without JSON-RPC: /jsonrpc reaches the XML-RPC handler, which answers in text/xml (how XO tells).
                // [I] What such a host puts in the body is not verified; only the content type is.
                return HttpResponse.Of(200, "OK", "text/xml", XmlRpc.Response(M(("Status", "Failure"),
                    ("ErrorDescription", L("INTERNAL_ERROR", "Xmlrpc.Parse_error: not XML-RPC"))), new WireStyle()));
            }
            string method;
            List<object?> ps;
            object? id = null;
            bool v2 = false;
            if (json)
            {
                object? doc;
                try { doc = Json.Read(body); }
                catch (Exception e) { return HttpResponse.Html500("Jsonrpc.Parse_error: " + e.Message); }
                if (!(doc is Dictionary<string, object?> env) || !(env.TryGetValue("method", out var mo) && mo is string mm) ||
                    !(env.TryGetValue("params", out var po) && po is List<object?> pl) || !env.TryGetValue("id", out id) || id == null)
                    return HttpResponse.Html500("Jsonrpc.Malformed_method_request");
                method = mm;
                ps = pl;
                v2 = env.TryGetValue("jsonrpc", out var ver) && ver as string == "2.0";
            }
            else
            {
                try { (method, ps) = XmlRpc.ReadCall(body); }
                catch (FormatException e) { return HttpResponse.Html500(e.Message); }
            }

            lock (Db.Lock)
            {
                Faults.Calls[method] = Faults.Calls.TryGetValue(method, out int n) ? n + 1 : 1;
                if (Faults.Http500Next.Remove(method) || Faults.Http500Next.Remove("*"))
                    return HttpResponse.Html500("Xmlrpc.Parse_error(\"injected fault\")");
            }

            object? result = null;
            Failure? failure = null;
            string? thumb = null;
            try
            {
                result = Dispatch(method, ps, at, req);
            }
            catch (Failure f)
            {
                failure = f;
                if (f.Code == "HOST_IS_SLAVE" && !OldXapi && req.Headers.TryGetValue("x-xenapi-request-host-certificate-thumbprint", out var ask))
                    thumb = ask == "sha-256:master" ? Colons(Master.Sha256) : ask == "sha-1:master" ? Colons(Master.Sha1) : null;
            }

            var style = new WireStyle { IntsAsStrings = Faults.IntsAsStrings };
            HttpResponse resp;
            if (json)
            {
                object? answer;
                if (v2)
                {
                    answer = failure == null
                        ? M(("jsonrpc", "2.0"), ("result", result), ("id", id))
                        : M(("jsonrpc", "2.0"), ("error", M(("code", 1L), ("message", failure.Code), ("data", failure.Params.Cast<object?>().ToList()))), ("id", id));
                }
                else
                {
                    answer = M(("result", failure == null ? result : null), ("error", failure?.Description), ("id", id));
                }
                if (Faults.ExtraFields && answer is Dictionary<string, object?> a) a["fake_newer_envelope_field"] = true;
                resp = HttpResponse.Of(200, "OK", "application/json", Json.Write(answer, style));
            }
            else
            {
                var st = failure == null ? M(("Status", "Success"), ("Value", result)) : M(("Status", "Failure"), ("ErrorDescription", failure.Description));
                resp = HttpResponse.Of(200, "OK", "text/xml", XmlRpc.Response(st, style));
            }
            if (thumb != null) resp.Headers.Add(new KeyValuePair<string, string>("x-xenapi-response-host-certificate-thumbprint", thumb));
            return resp;
        }

        /// <summary>Old hosts: no JSON-RPC; /jsonrpc falls through to the XML-RPC handler and answers in text/xml.</summary>
        public bool LegacyXmlRpcOnly;

        private static string Colons(string hex) => string.Join(":", Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2)));

        private HttpResponse Control(string body)
        {
            var d = Json.Read(body) as Dictionary<string, object?> ?? new Dictionary<string, object?>();
            lock (Db.Lock)
            {
                string action = d.TryGetValue("action", out var a) ? a as string ?? "" : "";
                switch (action)
                {
                    case "expire_sessions": Sessions.Clear(); break;
                    case "fail_next":
                        Faults.FailNext[(string)d["method"]!] = ((List<object?>)d["error"]!).Select(x => (string)x!).ToList();
                        break;
                    case "http500_next": Faults.Http500Next.Add(d.TryGetValue("method", out var m) ? (string)m! : "*"); break;
                    case "events_lost_next": Faults.EventsLostNext = true; break;
                    case "set":
                        foreach (var kv in d.Where(k => k.Key != "action"))
                        {
                            switch (kv.Key)
                            {
                                case "duplicate_keys": Faults.DuplicateKeys = (bool)kv.Value!; break;
                                case "non_finite": Faults.NonFinite = (bool)kv.Value!; break;
                                case "extra_fields": Faults.ExtraFields = (bool)kv.Value!; break;
                                case "ints_as_strings": Faults.IntsAsStrings = (bool)kv.Value!; break;
                                case "task_ms": Faults.TaskMs = (int)(long)kv.Value!; break;
                                default: return HttpResponse.Of(400, "Bad Request", "text/plain", "unknown setting " + kv.Key);
                            }
                        }
                        break;
                    case "calls":
                        return HttpResponse.Of(200, "OK", "application/json", Json.Write(Faults.Calls.ToDictionary(k => k.Key, k => (object?)(long)k.Value), new WireStyle()));
                    case "sessions":
                        return HttpResponse.Of(200, "OK", "application/json", Json.Write(Sessions.Values.Select(s => (object?)M(("user", s.User), ("originator", s.Originator), ("user_agent", s.UserAgent))).ToList(), new WireStyle()));
                    case "tasks":
                        return HttpResponse.Of(200, "OK", "application/json", Json.Write(Db.All("task").Select(t => (object?)Render(t)).ToList(), new WireStyle()));
                    case "local_disks":
                        LocalDisks(Db.All("VM").First(v => v.S("name_label") == (string)d["name"]!));
                        break;
                    case "set_vm":
                    {
                        var vm = Db.All("VM").First(v => v.S("name_label") == (string)d["name"]!);
                        foreach (var kv in d.Where(k => k.Key != "action" && k.Key != "name")) vm.F[kv.Key] = kv.Value;
                        Db.Touch(vm);
                        break;
                    }
                    default: return HttpResponse.Of(400, "Bad Request", "text/plain", "unknown action " + action);
                }
            }
            return HttpResponse.Of(200, "OK", "application/json", "{}");
        }

        // ---------------------------------------------------------------- dispatch

        private object? Dispatch(string method, List<object?> ps, FakeHost at, HttpRequest req)
        {
            if (method == "system.listMethods") return Methods().Cast<object?>().ToList();
            if (method == "session.login_with_password")
            {
                if (!at.IsMaster) throw new Failure("HOST_IS_SLAVE", Master.Address);
                if (ps.Count < 2 || ps.Count > 4 || (OldXapi && ps.Count != 2))
                    throw new Failure("MESSAGE_PARAMETER_COUNT_MISMATCH", method, OldXapi ? "2" : "4", ps.Count.ToString(CultureInfo.InvariantCulture));
                string user = Arg.Str(ps, 0, "uname"), pwd = Arg.Str(ps, 1, "pwd");
                if (user != User || pwd != Password) throw new Failure("SESSION_AUTHENTICATION_FAILED", user, "Authentication failure");
                lock (Db.Lock)
                {
                    var s = new Session
                    {
                        Ref = Db.NewRef(), User = user, Originator = ps.Count > 3 ? Arg.Str(ps, 3, "originator") : "",
                        UserAgent = req.Headers.TryGetValue("User-Agent", out var ua) ? ua : "",
                    };
                    Sessions[s.Ref] = s;
                    return s.Ref;
                }
            }
            // Every other call needs a session of this pool.
            string sref = ps.Count > 0 && ps[0] is string sr ? sr : throw new Failure("SESSION_INVALID", "");
            var args = ps.Skip(1).ToList();
            lock (Db.Lock)
            {
                if (!at.IsMaster) throw new Failure("HOST_IS_SLAVE", Master.Address);
                if (!Sessions.TryGetValue(sref, out var session)) throw new Failure("SESSION_INVALID", sref);
                if (Faults.FailNext.Remove(method, out var err) || Faults.FailNext.Remove("*", out err))
                {
                    if (err[0] == "SESSION_INVALID") { Sessions.Remove(sref); throw new Failure("SESSION_INVALID", sref); }
                    throw new Failure(err[0], err.Skip(1).ToArray());
                }
                if (method == "session.logout") { Sessions.Remove(sref); return ""; }
                if (method == "session.get_this_host") return Master.Rec.Ref;
                if (method == "session.get_this_user") return "OpaqueRef:NULL";
                if (method == "event.from") return EventFrom(args);
                if (method == "event.inject")
                {
                    var o = Db.Find(Arg.Str(args, 1, "ref")) ?? throw new Failure("HANDLE_INVALID", Arg.Str(args, 0, "class"), Arg.Str(args, 1, "ref"));
                    Db.Touch(o);
                    return Db.Token(Db.Gen);
                }
                if (method.StartsWith("Async.", StringComparison.Ordinal))
                {
                    string inner = method.Substring(6);
                    if (!inner.StartsWith("VM.", StringComparison.Ordinal) || !VmMessages.Contains(inner.Substring(3)))
                        throw new Failure("MESSAGE_METHOD_UNKNOWN", method);
                    Db.Get("VM", Arg.Str(args, 0, "vm")); // a bad ref fails at once, before any task exists
                    var task = NewTask(method, session);
                    string op = inner.Substring(3);
                    RunTask(task, () => VmOp(op, args));
                    return task.Ref;
                }
                return Sync(method, args);
            }
        }

        private object? Sync(string method, List<object?> a)
        {
            int dot = method.IndexOf('.');
            if (dot < 0) throw new Failure("MESSAGE_METHOD_UNKNOWN", method);
            string cls = method.Substring(0, dot), msg = method.Substring(dot + 1);
            string? canonical = Classes.FirstOrDefault(c => c == cls);
            if (canonical == null) throw new Failure("MESSAGE_METHOD_UNKNOWN", method);
            switch (msg)
            {
                case "get_all_records": return Db.All(cls).ToDictionary(o => o.Ref, o => (object?)Render(o));
                case "get_all": return Db.All(cls).Select(o => (object?)o.Ref).ToList();
                case "get_record": return Render(Db.Get(cls, Arg.Str(a, 0, "self")));
                case "get_by_uuid": return Db.ByUuid(cls, Arg.Str(a, 0, "uuid")).Ref;
                case "get_by_name_label": return Db.All(cls).Where(o => o.S("name_label") == Arg.Str(a, 0, "label")).Select(o => (object?)o.Ref).ToList();
            }
            if (cls == "VM" && VmMessages.Contains(msg)) return VmOp(msg, a);
            if (cls == "VM" && msg == "set_name_label")
            {
                var vm = Db.Get("VM", Arg.Str(a, 0, "self"));
                vm.F["name_label"] = Arg.Str(a, 1, "value");
                Db.Touch(vm);
                return "";
            }
            if (MoreSync(cls, msg, a, out var more)) return more;
            if (cls == "host" && msg == "get_server_certificate")
            {
                var h = Db.Get("host", Arg.Str(a, 0, "host"));
                return Hosts.First(x => x.Rec == h).Pem;
            }
            if (cls == "task")
            {
                if (msg == "create") return NewTask(Arg.Str(a, 0, "label"), null!).Ref;
                var t = Db.Get("task", Arg.Str(a, 0, "task"));
                if (msg == "cancel")
                {
                    if (t.S("status") != "pending") throw new Failure("OPERATION_NOT_ALLOWED", "The task is not pending.");
                    t.F["status"] = "cancelling";
                    Db.Touch(t);
                    return "";
                }
                if (msg == "destroy") { Db.Delete(t); return ""; }
            }
            if (cls == "pool" && (msg == "add_to_other_config" || msg == "remove_from_other_config"))
            {
                var p = Db.Get("pool", Arg.Str(a, 0, "self"));
                var oc = p.Map("other_config");
                if (msg == "add_to_other_config")
                {
                    if (oc.ContainsKey(Arg.Str(a, 1, "key"))) throw new Failure("MAP_DUPLICATE_KEY", "pool", "other_config", p.Ref, Arg.Str(a, 1, "key"));
                    oc[Arg.Str(a, 1, "key")] = Arg.Str(a, 2, "value");
                }
                else oc.Remove(Arg.Str(a, 1, "key"));
                Db.Touch(p);
                return "";
            }
            if (msg.StartsWith("get_", StringComparison.Ordinal))
            {
                var o = Db.Get(cls, Arg.Str(a, 0, "self"));
                var rec = Render(o);
                if (rec is Dictionary<string, object?> r && r.TryGetValue(msg.Substring(4), out var v)) return v;
            }
            throw new Failure("MESSAGE_METHOD_UNKNOWN", method);
        }

        /// <summary>event.from(classes, token, timeout): the changes after the token, waiting up to timeout seconds for one.</summary>
        private object? EventFrom(List<object?> a)
        {
            var subs = Db.Parse(Arg.Strings(a, 0, "classes"));
            string token = Arg.Str(a, 1, "token");
            double timeout = Arg.Double(a, 2, "timeout");
            long since = Db.ParseToken(token);
            if (Faults.EventsLostNext) { Faults.EventsLostNext = false; throw new Failure("EVENTS_LOST"); }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(0, Math.Min(timeout, 600)));
            List<(string Cls, string Ref, string Op, Obj? O, long Gen)> changes;
            while (true)
            {
                changes = Db.Since(since, subs);
                var left = deadline - DateTime.UtcNow;
                if (changes.Count > 0 || left <= TimeSpan.Zero) break;
                Monitor.Wait(Db.Lock, left);
            }
            var events = changes.Select(c =>
            {
                var e = M(("id", c.Gen.ToString(CultureInfo.InvariantCulture)), ("timestamp", "0.0"), ("class", c.Cls.ToLowerInvariant()),
                    ("operation", c.Op), ("ref", c.Ref));
                if (c.O != null) e["snapshot"] = Render(c.O);
                return (object?)e;
            }).ToList();
            var counts = new Dictionary<string, object?>();
            foreach (var cls in Classes.Where(c => subs.Any(s => s.Cls == "*" || string.Equals(s.Cls, c, StringComparison.OrdinalIgnoreCase))))
                counts[cls.ToLowerInvariant()] = (long)Db.Count(cls);
            return M(("events", events), ("valid_ref_counts", counts), ("token", Db.Token(Db.Gen)));
        }

        /// <summary>A record as sent: a deep copy, with the record-level faults applied.</summary>
        public object Render(Obj o)
        {
            var copy = (Dictionary<string, object?>)Copy(o.F)!;
            if (o.Cls == "VM" && Faults.NonFinite) copy["HVM_shadow_multiplier"] = double.PositiveInfinity;
            if (Faults.ExtraFields)
            {
                copy["fake_future_field"] = M(("nested", L(1L, 2L)), ("since", "xapi 99.0"));
                copy["fake_future_flag"] = true;
            }
            if (!Faults.DuplicateKeys) return copy;
            var pairs = new Pairs();
            foreach (var kv in copy)
            {
                object? v = kv.Value;
                if (o.Cls == "host" && kv.Key == "license_params" && v is Dictionary<string, object?> lp)
                {
                    var lpp = new Pairs();
                    foreach (var x in lp) lpp.Add(x);
                    lpp.Add(new KeyValuePair<string, object?>("restrict_vtpm", lp["restrict_vtpm"])); // as XCP-ng 8.3 sends it
                    v = lpp;
                }
                pairs.Add(new KeyValuePair<string, object?>(kv.Key, v));
                if (kv.Key == "name_label") pairs.Add(new KeyValuePair<string, object?>(kv.Key, v));
            }
            return pairs;
        }

        private static object? Copy(object? v) => v switch
        {
            Dictionary<string, object?> d => d.ToDictionary(k => k.Key, k => Copy(k.Value)),
            List<object?> l => l.Select(Copy).ToList(),
            _ => v,
        };

        // ---------------------------------------------------------------- console

        /// <summary>CONNECT /console?uuid=|ref=: 200 OK, then the guest's console stream, if the VM runs on this host.</summary>
        public async Task Connect(HttpRequest req, Stream s, HttpReader reader, FakeHost at, CancellationToken ct)
        {
            Guest? g;
            string? session = req.Cookie("session_id") ?? req.Query("session_id");
            lock (Db.Lock)
            {
                Faults.Calls["CONNECT " + req.Path] = Faults.Calls.TryGetValue("CONNECT " + req.Path, out int n) ? n + 1 : 1;
                if (session == null || !Sessions.ContainsKey(session)) g = null;
                else
                {
                    string? id = req.Query("uuid") ?? req.Query("ref");
                    var con = Db.All("console").FirstOrDefault(c => c.Uuid == id || c.Ref == id);
                    var vm = con != null ? Db.Find(con.S("VM")) : Db.All("VM").FirstOrDefault(v => v.Uuid == id || v.Ref == id);
                    g = vm != null && vm.S("power_state") == "Running" && vm.S("resident_on") == at.Rec.Ref && Guests.TryGetValue(vm.Ref, out var gg) ? gg : null;
                    if (g == null && session != null && Sessions.ContainsKey(session))
                    {
                        _ = HttpEndpoint.Write(s, HttpResponse.Of(404, "Not Found", "text/html", "<html><body>No console here</body></html>"), false);
                        return;
                    }
                }
            }
            if (g == null)
            {
                await HttpEndpoint.Write(s, HttpResponse.Of(401, "Unauthorised", "text/html", "<html><body>Unauthorised</body></html>"), false);
                return;
            }
            var (history, ch) = g.Attach();
            try
            {
                await s.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), ct);
                await s.WriteAsync(Encoding.UTF8.GetBytes(history), ct);
                await s.FlushAsync(ct);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var early = reader.TakeBuffered();
                if (early.Length > 0) g.Input(Encoding.UTF8.GetString(early));
                var input = Task.Run(async () =>
                {
                    var buf = new byte[1024];
                    try
                    {
                        while (true)
                        {
                            int n = await s.ReadAsync(buf, done.Token);
                            if (n == 0) break;
                            g.Input(Encoding.UTF8.GetString(buf, 0, n));
                        }
                    }
                    catch (Exception) { }
                    done.Cancel();
                });
                try
                {
                    await foreach (var chunk in ch.Reader.ReadAllAsync(done.Token))
                    {
                        await s.WriteAsync(Encoding.UTF8.GetBytes(chunk), done.Token);
                        await s.FlushAsync(done.Token);
                    }
                }
                catch (OperationCanceledException) { }
                done.Cancel();
            }
            finally
            {
                g.Detach(ch);
            }
        }
    }
}
