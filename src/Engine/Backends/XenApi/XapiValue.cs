using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Typed reads of decoded XAPI values, tolerant of what real servers send: int64 as numbers (JSON-RPC) or as
    /// decimal strings (XML-RPC, and Python-decoded data), floats as numbers, strings ("NaN", "+Inf", "-Infinity")
    /// or bare NaN/Infinity, booleans as booleans or "true"/"false". Fields a newer server adds are simply not read;
    /// fields an older one lacks read as the default.
    /// </summary>
    internal static class XapiValue
    {
        public const string NullRef = "OpaqueRef:NULL";

        public static bool IsNullRef(string? r) => string.IsNullOrEmpty(r) || r == NullRef;

        public static bool TryParseDouble(string s, out double d)
        {
            switch (s)
            {
                case "NaN": case "nan": case "-nan": case "+nan": d = double.NaN; return true;
                case "Infinity": case "+Infinity": case "inf": case "+inf": case "Inf": case "+Inf": d = double.PositiveInfinity; return true;
                case "-Infinity": case "-inf": case "-Inf": d = double.NegativeInfinity; return true;
            }
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d);
        }

        public static string? AsString(object? v) => v switch
        {
            null => null,
            string s => s,
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            _ => v.ToString(),
        };

        public static long? AsLong(object? v) => v switch
        {
            long l => l,
            int i => i,
            double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Floor(d) == d && Math.Abs(d) < 9.2e18 => (long)d,
            string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => l,
            _ => null,
        };

        public static double? AsDouble(object? v) => v switch
        {
            double d => d,
            long l => l,
            int i => i,
            string s when TryParseDouble(s.Trim(), out double d) => d,
            _ => null,
        };

        public static bool? AsBool(object? v) => v switch
        {
            bool b => b,
            string s when string.Equals(s, "true", StringComparison.OrdinalIgnoreCase) || s == "1" => true,
            string s when string.Equals(s, "false", StringComparison.OrdinalIgnoreCase) || s == "0" => false,
            long l => l != 0,
            _ => null,
        };

        /// <summary>A struct result ({ref: record} of get_all_records, a record, a map), or a clear error.</summary>
        public static IReadOnlyDictionary<string, object?> AsStruct(object? v, string what) =>
            v as IReadOnlyDictionary<string, object?> ?? (v is Dictionary<string, object?> d ? d
                : throw new XenPSException($"XAPI answered {what} with {Describe(v)} where a struct was expected.", null, XenErrorReason.HostCommandFailed));

        public static IReadOnlyList<object?> AsList(object? v, string what) =>
            v as IReadOnlyList<object?> ?? (v is List<object?> l ? l
                : throw new XenPSException($"XAPI answered {what} with {Describe(v)} where an array was expected.", null, XenErrorReason.HostCommandFailed));

        internal static string Describe(object? v) => v switch
        {
            null => "nothing",
            string _ => "a string",
            IReadOnlyDictionary<string, object?> _ => "a struct",
            IReadOnlyList<object?> _ => "an array",
            _ => "a " + v.GetType().Name,
        };
    }

    /// <summary>A XAPI object's record (its fields by name), read with the tolerant accessors.</summary>
    internal sealed class XapiRecord
    {
        private readonly IReadOnlyDictionary<string, object?> _f;

        public XapiRecord(string reference, IReadOnlyDictionary<string, object?> fields)
        {
            Ref = reference;
            _f = fields;
        }

        public string Ref { get; }
        public IReadOnlyDictionary<string, object?> Fields => _f;

        public bool Has(string field) => _f.ContainsKey(field);
        public object? Raw(string field) => _f.TryGetValue(field, out var v) ? v : null;
        public string Str(string field, string dflt = "") => XapiValue.AsString(Raw(field)) ?? dflt;
        public long Long(string field, long dflt = 0) => XapiValue.AsLong(Raw(field)) ?? dflt;
        public double Double(string field, double dflt = 0) => XapiValue.AsDouble(Raw(field)) ?? dflt;
        public bool Bool(string field, bool dflt = false) => XapiValue.AsBool(Raw(field)) ?? dflt;

        public IReadOnlyList<string> Strings(string field) =>
            Raw(field) is IReadOnlyList<object?> l ? l.Select(x => XapiValue.AsString(x) ?? "").ToList() : Array.Empty<string>();

        public IReadOnlyDictionary<string, string> Map(string field)
        {
            var m = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Raw(field) is IReadOnlyDictionary<string, object?> d)
                foreach (var kv in d) m[kv.Key] = XapiValue.AsString(kv.Value) ?? "";
            return m;
        }

        /// <summary>{ref: record} (a get_all_records answer) as records.</summary>
        public static IReadOnlyList<XapiRecord> All(object? result, string what) =>
            XapiValue.AsStruct(result, what)
                .Select(kv => new XapiRecord(kv.Key, XapiValue.AsStruct(kv.Value, what)))
                .ToList();
    }

    /// <summary>
    /// A XAPI failure as it came off the wire: the code and its parameters ([CODE, param...] in every protocol).
    /// Internal: the backend turns it into a XenPSException (<see cref="XapiErrors.Map"/>) before it leaves.
    /// </summary>
    internal sealed class XapiFailure : Exception
    {
        public XapiFailure(string code, IReadOnlyList<string> parameters, string? thumbprint = null)
            : base(code + (parameters.Count > 0 ? " [" + string.Join("; ", parameters) + "]" : ""))
        {
            Code = code;
            Parameters = parameters;
            MasterThumbprint = thumbprint;
        }

        public string Code { get; }
        public IReadOnlyList<string> Parameters { get; }
        public string Param(int i) => i < Parameters.Count ? Parameters[i] : "";

        /// <summary>With HOST_IS_SLAVE: the master's certificate thumbprint when the supporter sent it (xapi 24.1.0+).</summary>
        public string? MasterThumbprint { get; }

        /// <summary>[CODE, params...] decoded from a v1 error array, a v2 {code,message,data} object, or a Status=Failure list.</summary>
        public static XapiFailure From(object? error, string? thumbprint = null)
        {
            switch (error)
            {
                case IReadOnlyList<object?> list when list.Count > 0:
                    return new XapiFailure(XapiValue.AsString(list[0]) ?? "UNKNOWN_ERROR",
                        list.Skip(1).Select(x => XapiValue.AsString(x) ?? "").ToList(), thumbprint);
                case IReadOnlyDictionary<string, object?> obj:
                    string code = obj.TryGetValue("message", out var m) ? XapiValue.AsString(m) ?? "UNKNOWN_ERROR" : "UNKNOWN_ERROR";
                    IReadOnlyList<string> ps = obj.TryGetValue("data", out var data) && data is IReadOnlyList<object?> dl
                        ? dl.Select(x => XapiValue.AsString(x) ?? "").ToList()
                        : obj.TryGetValue("data", out var ds) && ds is string one ? new[] { one } : Array.Empty<string>();
                    return new XapiFailure(code, ps, thumbprint);
                default:
                    return new XapiFailure("UNKNOWN_ERROR", new[] { XapiValue.AsString(error) ?? "" }, thumbprint);
            }
        }
    }
}
