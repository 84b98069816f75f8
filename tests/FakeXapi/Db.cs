using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace FakeXapi
{
    /// <summary>An object of the datamodel: its class, OpaqueRef, fields, and the generations it was created and last changed at.</summary>
    public sealed class Obj
    {
        public string Cls = "";
        public string Ref = "";
        public Dictionary<string, object?> F = new Dictionary<string, object?>();
        public long Gen;
        public long CreatedGen;

        public string Uuid => (string)F["uuid"]!;
        public string S(string f) => F.TryGetValue(f, out var v) && v is string s ? s : "";
        public long L(string f) => F.TryGetValue(f, out var v) && v is long l ? l : 0;
        public bool B(string f) => F.TryGetValue(f, out var v) && v is bool b && b;
        public List<object?> List(string f) => (List<object?>)F[f]!;
        public Dictionary<string, object?> Map(string f) => (Dictionary<string, object?>)F[f]!;
    }

    /// <summary>
    /// The fake's database: every change bumps one generation counter, as xapi's DB does, and event.from reads
    /// objects by the generation they last changed at (one event per object, its current snapshot; "del" for the
    /// deleted, without a snapshot). All access holds <see cref="Lock"/>; changes wake event.from waiters.
    /// </summary>
    public sealed class Db
    {
        public readonly object Lock = new object();
        public long Gen;
        private readonly Dictionary<string, Obj> _objs = new Dictionary<string, Obj>(StringComparer.Ordinal);
        private readonly List<(string Cls, string Ref, long Gen, long CreatedGen)> _dead = new List<(string, string, long, long)>();

        public static string NewRef() => "OpaqueRef:" + Guid.NewGuid().ToString("D");
        public static string NewUuid() => Guid.NewGuid().ToString("D");

        public Obj New(string cls, Dictionary<string, object?> f, string? reference = null)
        {
            var o = new Obj { Cls = cls, Ref = reference ?? NewRef(), F = f, Gen = ++Gen };
            o.CreatedGen = o.Gen;
            _objs[o.Ref] = o;
            Monitor.PulseAll(Lock);
            return o;
        }

        public void Touch(Obj o)
        {
            o.Gen = ++Gen;
            Monitor.PulseAll(Lock);
        }

        public void Delete(Obj o)
        {
            if (!_objs.Remove(o.Ref)) return;
            _dead.Add((o.Cls, o.Ref, ++Gen, o.CreatedGen));
            Monitor.PulseAll(Lock);
        }

        public Obj? Find(string r) => _objs.TryGetValue(r, out var o) ? o : null;

        public Obj Get(string cls, string r) =>
            _objs.TryGetValue(r, out var o) && string.Equals(o.Cls, cls, StringComparison.OrdinalIgnoreCase) ? o : throw new Failure("HANDLE_INVALID", cls, r);

        public IEnumerable<Obj> All(string cls) => _objs.Values.Where(o => string.Equals(o.Cls, cls, StringComparison.OrdinalIgnoreCase));

        public Obj ByUuid(string cls, string uuid) =>
            All(cls).FirstOrDefault(o => o.Uuid == uuid) ?? throw new Failure("UUID_INVALID", cls, uuid);

        public int Count(string cls) => All(cls).Count();

        // ---------------------------------------------------------------- events

        public sealed class Sub
        {
            public string Cls = "*";
            public string? Ref;
            public bool Matches(string cls, string r) =>
                (Cls == "*" || string.Equals(Cls, cls, StringComparison.OrdinalIgnoreCase)) && (Ref == null || Ref == r);
        }

        /// <summary>"vm", "task/OpaqueRef:..", "*" → subscriptions; EVENT_SUBSCRIPTION_PARSE_FAILURE for the malformed.</summary>
        public static List<Sub> Parse(IEnumerable<string> classes) =>
            classes.Select(c =>
            {
                int slash = c.IndexOf('/');
                string cls = slash < 0 ? c : c.Substring(0, slash);
                if (cls.Length == 0) throw new Failure("EVENT_SUBSCRIPTION_PARSE_FAILURE", c);
                return new Sub { Cls = cls, Ref = slash < 0 ? null : c.Substring(slash + 1) };
            }).ToList();

        public static string Token(long gen) => gen.ToString("D20", CultureInfo.InvariantCulture) + "," + 0L.ToString("D20", CultureInfo.InvariantCulture);

        public static long ParseToken(string token)
        {
            if (token.Length == 0) return 0;
            string first = token.Split(',')[0];
            return long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out long g) ? g : throw new Failure("EVENT_FROM_TOKEN_PARSE_FAILURE", token);
        }

        /// <summary>Changes after generation <paramref name="since"/>: (class, ref, operation, obj-or-null, gen), by generation.</summary>
        public List<(string Cls, string Ref, string Op, Obj? O, long Gen)> Since(long since, List<Sub> subs)
        {
            var r = new List<(string, string, string, Obj?, long)>();
            foreach (var o in _objs.Values)
                if (o.Gen > since && subs.Any(s => s.Matches(o.Cls, o.Ref)))
                    r.Add((o.Cls, o.Ref, o.CreatedGen > since ? "add" : "mod", o, o.Gen));
            foreach (var d in _dead)
                if (d.Gen > since && d.CreatedGen <= since && subs.Any(s => s.Matches(d.Cls, d.Ref)))
                    r.Add((d.Cls, d.Ref, "del", null, d.Gen));
            return r.OrderBy(x => x.Item5).ToList();
        }
    }
}
