using System;
using System.Buffers;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace XenPS.Backends.Simulated
{
    /// <summary>Why a shutdown was requested (who asked is irrelevant: the guest powers off or reboots).</summary>
    internal enum SimRequest
    {
        None = 0,
        Poweroff = 1,
        Reboot = 2,
    }

    /// <summary>
    /// One domain as the simulated host persists it. Run state is not stored as flags: it is derived at any instant
    /// from timestamps (see <see cref="Uptime"/>), so the host needs no background process.
    /// Guest "uptime" is the unpaused time since the domain was built; every guest timing (boot, shutdown delay,
    /// crash) is measured in uptime, which is why a paused domain acts on nothing until unpaused.
    /// </summary>
    internal sealed partial class SimDomain
    {
        public int Id;
        public string Name = "";
        public string Uuid = "";
        public XenDomainType Type;
        public long MemoryMiB;
        public long MaxMemoryMiB;
        public int VCpus;
        /// <summary>The boot-time maximum of vCPUs (maxvcpus); JSON "maxvcpus", written only when above VCpus (optional: older records lack it).</summary>
        public int MaxVCpus;
        /// <summary>The config settings as JSON in the flat encoding (see ConfigToJson), kept verbatim.</summary>
        public string ConfigJson = "{}";

        public long CreatedMs;
        public double BootSeconds = 1;
        public double ShutdownSeconds = 2;
        public bool IgnoreShutdown;
        public double? CrashAfterSeconds;

        /// <summary>Uptime accumulated before <see cref="ActiveSinceMs"/>.</summary>
        public double UptimeAccum;
        /// <summary>Wall time (Unix ms) the domain last started running; null while paused.</summary>
        public long? ActiveSinceMs;

        public SimRequest Request;
        public double RequestUptime;

        /// <summary>Shut down and kept (preserve / rename-restart).</summary>
        public bool Shut;
        public XenShutdownReason Reason;
        public double ShutUptime;

        /// <summary>Boot-log lines already written to the console log.</summary>
        public int ConsoleLines;
        /// <summary>HVM guest without PV drivers: it cannot be asked to shut down, only given the ACPI power button.</summary>
        public bool NoPvDrivers;
        /// <summary>CPU time the guest had used when it was saved: a restored domain is a new domain, its CPU time starts again (xl list after xl restore).</summary>
        public double CpuBase;
        /// <summary>Wall time (Unix ms) a save began: the guest is suspended (--pss-) until the save ends; null otherwise.</summary>
        public long? SavingSinceMs;
        /// <summary>Whether the guest was paused when the save began (a kept domain goes back to that).</summary>
        public bool SavingWasPaused;
        /// <summary>
        /// Rebuilt by on_reboot=restart: until this wall time (Unix ms) the new domain is being built, listed as xl shows
        /// it (capture 57-wait-reboot): paused, 0 MiB, 0 vCPUs. It starts running then (<see cref="ActiveSinceMs"/>).
        /// </summary>
        public long? BuildingUntilMs;

        /// <summary>Being built after a reboot (see <see cref="BuildingUntilMs"/>).</summary>
        public bool Building(long nowMs) => BuildingUntilMs is long b && nowMs < b && !Shut;

        private XenDomainConfig? _config;

        /// <summary>
        /// <see cref="ConfigJson"/> is known to decode: it was checked before it was first written, or read from a
        /// checksummed format-2 line (which such a writer wrote). Copies share the string, and so the fact.
        /// </summary>
        public bool ConfigChecked;

        public bool Paused => ActiveSinceMs == null;

        public double Uptime(long nowMs)
        {
            if (Shut) return ShutUptime;
            if (ActiveSinceMs is long since) return UptimeAccum + Math.Max(0, nowMs - since) / 1000.0;
            return UptimeAccum;
        }

        public bool Booted(long nowMs) => Uptime(nowMs) >= BootSeconds;

        public string StateFlags(long nowMs)
        {
            if (Shut) return XenDomain.EncodeState(false, false, false, true, Reason, false);
            if (SavingSinceMs != null) return XenDomain.EncodeState(false, false, true, true, XenShutdownReason.Suspend, false);
            if (Paused || Building(nowMs)) return "--p---";
            return Booted(nowMs) ? "-b----" : "r-----";
        }

        /// <summary>CPU seconds: busy while booting, a trickle afterwards; frozen while paused or shut down.</summary>
        public double CpuTime(long nowMs) => Math.Round(Math.Max(0, GuestCpuTime(Uptime(nowMs)) - CpuBase), 1);

        /// <summary>CPU seconds the guest has used by <paramref name="up"/> seconds of uptime, across saves and restores.</summary>
        public double GuestCpuTime(double up)
        {
            double boot = Math.Min(up, BootSeconds) * 0.9;
            double idle = Math.Max(0, up - BootSeconds) * 0.02 * Math.Max(1, VCpus);
            return boot + idle;
        }

        /// <summary>Uptime at which the next lifecycle event fires (crash or power-off), or null.</summary>
        public (double at, bool crash)? NextEvent()
        {
            if (Shut) return null;
            (double, bool)? best = null;
            if (CrashAfterSeconds is double c) best = (BootSeconds + c, true);
            if (Request != SimRequest.None)
            {
                double d = RequestUptime + ShutdownSeconds;
                if (best == null || d < best.Value.Item1) best = (d, false);
            }
            return best;
        }

        /// <summary>Wall time (Unix ms) of the next event, long.MaxValue when none or paused.</summary>
        public long NextEventWallMs()
        {
            var e = NextEvent();
            if (e == null || ActiveSinceMs is not long since) return long.MaxValue;
            double ms = since + (e.Value.at - UptimeAccum) * 1000.0;
            return ms >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(Math.Max(ms, since));
        }

        public XenDomainConfig Config => _config ??= ParseConfig(ConfigJson);

        /// <summary>After <see cref="ConfigJson"/> was replaced with <paramref name="config"/>'s encoding (a settings change).</summary>
        public void ResetConfig(XenDomainConfig config)
        {
            _config = config;
            ConfigChecked = true;
        }

        public XenDomain ToXenDomain(long nowMs)
        {
            string flags = StateFlags(nowMs);
            bool building = Building(nowMs);
            return new XenDomain
            {
                Name = Name,
                Id = Id,
                Uuid = Uuid,
                Type = Type,
                MemoryMiB = building ? 0 : MemoryMiB,
                MaxMemoryMiB = MaxMemoryMiB,
                VCpus = building ? 0 : VCpus,
                MaxVCpus = Math.Max(MaxVCpus, VCpus),
                StateFlags = flags,
                ShutdownReason = XenDomain.DecodeReason(flags),
                CpuTime = CpuTime(nowMs),
                Config = Config.Clone(),
            };
        }

        /// <summary>A copy to change: stored records are replaced, never edited in place (the parsed config is shared).</summary>
        public SimDomain Copy() => (SimDomain)MemberwiseClone();

        // ---- JSON ----

        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteNumber("id", Id);
            w.WriteString("name", Name);
            w.WriteString("uuid", Uuid);
            w.WriteNumber("type", (int)Type);
            w.WriteNumber("mem", MemoryMiB);
            w.WriteNumber("maxmem", MaxMemoryMiB);
            w.WriteNumber("vcpus", VCpus);
            if (MaxVCpus > VCpus) w.WriteNumber("maxvcpus", MaxVCpus);
            w.WriteNumber("created", CreatedMs);
            w.WriteNumber("boot", BootSeconds);
            w.WriteNumber("shutdelay", ShutdownSeconds);
            if (IgnoreShutdown) w.WriteBoolean("ignoreshut", true);
            if (CrashAfterSeconds is double c) w.WriteNumber("crashafter", c);
            w.WriteNumber("upacc", UptimeAccum);
            if (ActiveSinceMs is long s) w.WriteNumber("active", s);
            if (Request != SimRequest.None)
            {
                w.WriteNumber("req", (int)Request);
                w.WriteNumber("requp", RequestUptime);
            }
            if (Shut)
            {
                w.WriteBoolean("shut", true);
                w.WriteNumber("reason", (int)Reason);
                w.WriteNumber("shutup", ShutUptime);
            }
            if (ConsoleLines != 0) w.WriteNumber("con", ConsoleLines);
            if (NoPvDrivers) w.WriteBoolean("nopv", true);
            if (CpuBase != 0) w.WriteNumber("cpubase", CpuBase);
            if (SavingSinceMs is long sv)
            {
                w.WriteNumber("saving", sv);
                if (SavingWasPaused) w.WriteBoolean("savingpaused", true);
            }
            if (BuildingUntilMs is long bu) w.WriteNumber("building", bu);
            WriteDevices(w);
            w.WritePropertyName("config");
            w.WriteRawValue(ConfigJson, skipInputValidation: true);
            w.WriteEndObject();
        }

        /// <summary>
        /// Reads a domain record strictly (a missing or mistyped field is a SimFormatException naming it).
        /// Format 2 keeps the config in its flat encoding (decoded when first used); format 1 stored it as nested JSON,
        /// which is converted here.
        /// </summary>
        public static SimDomain Read(JsonElement e, int format)
        {
            var d = new SimDomain
            {
                Id = SimJson.Int(e, "id"),
                Name = SimJson.Str(e, "name"),
                Uuid = SimJson.Str(e, "uuid"),
                Type = (XenDomainType)SimJson.Int(e, "type"),
                MemoryMiB = SimJson.Long(e, "mem"),
                MaxMemoryMiB = SimJson.Long(e, "maxmem"),
                VCpus = SimJson.Int(e, "vcpus"),
                CreatedMs = SimJson.Long(e, "created"),
                BootSeconds = SimJson.Dbl(e, "boot"),
                ShutdownSeconds = SimJson.Dbl(e, "shutdelay"),
                UptimeAccum = SimJson.Dbl(e, "upacc"),
            };
            if (d.Id < 1) throw new SimFormatException($"the domain record has domid {d.Id} (domids of guests start at 1)");
            if (d.Name.Length == 0) throw new SimFormatException($"domain {d.Id} has an empty name");
            if (!Guid.TryParse(d.Uuid, out _)) throw new SimFormatException($"domain {d.Id} has the uuid '{d.Uuid}', which is not a UUID");
            var config = SimJson.Req(e, "config");
            if (config.ValueKind != JsonValueKind.Object) throw new SimFormatException($"domain {d.Id}'s \"config\" is not an object");
            if (format >= 2)
            {
                d.ConfigJson = config.GetRawText();
                d.ConfigChecked = true;
            }
            else
            {
                d._config = ReadNestedConfig(config);
                d.ConfigJson = ConfigToJson(d._config);
            }
            if (e.TryGetProperty("ignoreshut", out var p)) d.IgnoreShutdown = SimJson.Bool(p, "ignoreshut");
            if (e.TryGetProperty("crashafter", out p)) d.CrashAfterSeconds = SimJson.AsDbl(p, "crashafter");
            if (e.TryGetProperty("active", out p)) d.ActiveSinceMs = SimJson.AsLong(p, "active");
            if (e.TryGetProperty("req", out p)) d.Request = (SimRequest)SimJson.AsInt(p, "req");
            if (e.TryGetProperty("requp", out p)) d.RequestUptime = SimJson.AsDbl(p, "requp");
            if (e.TryGetProperty("shut", out p)) d.Shut = SimJson.Bool(p, "shut");
            if (e.TryGetProperty("reason", out p)) d.Reason = (XenShutdownReason)SimJson.AsInt(p, "reason");
            if (e.TryGetProperty("shutup", out p)) d.ShutUptime = SimJson.AsDbl(p, "shutup");
            if (e.TryGetProperty("con", out p)) d.ConsoleLines = SimJson.AsInt(p, "con");
            if (e.TryGetProperty("nopv", out p)) d.NoPvDrivers = SimJson.Bool(p, "nopv");
            if (e.TryGetProperty("maxvcpus", out p)) d.MaxVCpus = SimJson.AsInt(p, "maxvcpus");
            if (d.MaxVCpus < d.VCpus) d.MaxVCpus = d.VCpus; // absent (older records): maxvcpus defaults to vcpus
            if (e.TryGetProperty("cpubase", out p)) d.CpuBase = SimJson.AsDbl(p, "cpubase");
            if (e.TryGetProperty("saving", out p)) d.SavingSinceMs = SimJson.AsLong(p, "saving");
            if (e.TryGetProperty("savingpaused", out p)) d.SavingWasPaused = SimJson.Bool(p, "savingpaused");
            if (e.TryGetProperty("building", out p)) d.BuildingUntilMs = SimJson.AsLong(p, "building");
            if (e.TryGetProperty("devs", out p)) d.Devices = ReadDevices(p, d.Id);
            return d;
        }

        // ---- config encoding ----
        //
        // The config is an object of key -> value. A string value is a JSON string. A list is a FLAT JSON array of tokens
        // in pre-order: a list of n items is the number n followed by its items, a string item is a JSON string. So
        // ["a", ["b", []]] is [2,"a",2,"b",0]. The JSON depth of a record is the same whatever the config's nesting, so
        // no reader depth limit can refuse a line the writer produced, and neither side recurses.

        /// <summary>Upper bound on list tokens in one config (guards against a list that contains itself).</summary>
        private const int MaxConfigTokens = 1 << 24;

        public static string ConfigToJson(XenDomainConfig config)
        {
            var buf = new ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buf))
            {
                w.WriteStartObject();
                foreach (DictionaryEntry kv in config.Settings)
                {
                    w.WritePropertyName((string)kv.Key);
                    if (kv.Value is object[] list) WriteFlatList(w, list);
                    else w.WriteStringValue(Leaf(kv.Value));
                }
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buf.WrittenSpan);
        }

        private static string Leaf(object? v) => v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";

        private static void WriteFlatList(Utf8JsonWriter w, object[] root)
        {
            w.WriteStartArray();
            w.WriteNumberValue(root.Length);
            var stack = new Stack<(object[] list, int next)>();
            stack.Push((root, 0));
            int tokens = 1;
            while (stack.Count > 0)
            {
                var (list, next) = stack.Pop();
                if (next == list.Length) continue;
                stack.Push((list, next + 1));
                if (++tokens > MaxConfigTokens)
                    throw new XenPSException($"The domain configuration has more than {MaxConfigTokens} list items (or a list that contains itself); the simulated host does not store it.");
                if (list[next] is object[] sub)
                {
                    w.WriteNumberValue(sub.Length);
                    stack.Push((sub, 0));
                }
                else w.WriteStringValue(Leaf(list[next]));
            }
            w.WriteEndArray();
        }

        /// <summary>The first key whose name or value holds an unpaired UTF-16 surrogate (JSON cannot carry it), or null.</summary>
        public static string? FindInvalidText(XenDomainConfig config)
        {
            var stack = new Stack<object?>();
            foreach (DictionaryEntry kv in config.Settings)
            {
                string key = (string)kv.Key;
                if (!IsValidText(key)) return key;
                stack.Clear();
                stack.Push(kv.Value);
                int tokens = 0;
                while (stack.Count > 0 && ++tokens <= MaxConfigTokens)
                {
                    var v = stack.Pop();
                    if (v is object[] list) foreach (var x in list) stack.Push(x);
                    else if (v is string text && !IsValidText(text)) return key;
                }
            }
            return null;
        }

        private static bool IsValidText(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
                else if (char.IsSurrogate(c)) return false;
            }
            return true;
        }

        /// <summary>Decodes a format-2 config (see above); throws SimFormatException when it is not well formed.</summary>
        public static XenDomainConfig ParseConfig(string json)
        {
            var c = new XenDomainConfig();
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SimFormatException("the config is not a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String) c.Set(p.Name, p.Value.GetString()!);
                else if (p.Value.ValueKind == JsonValueKind.Array) c.Set(p.Name, ReadFlatList(p.Value, p.Name));
                else throw new SimFormatException($"config key '{p.Name}' is neither a string nor a list");
            }
            return c;
        }

        private static object[] ReadFlatList(JsonElement array, string key)
        {
            int total = array.GetArrayLength();
            int used = 0;
            object[]? root = null;
            var stack = new Stack<(object[] list, int next)>();
            SimFormatException Bad(string why) => new SimFormatException($"config key '{key}': the stored list is not well formed ({why})");
            foreach (var t in array.EnumerateArray())
            {
                used++;
                object item;
                object[]? sub = null;
                if (t.ValueKind == JsonValueKind.Number)
                {
                    if (!t.TryGetInt32(out int n) || n < 0 || n > total - used) throw Bad("a list length is out of range");
                    item = sub = new object[n];
                }
                else if (t.ValueKind == JsonValueKind.String)
                {
                    if (root == null) throw Bad("it does not start with a length");
                    item = t.GetString()!;
                }
                else throw Bad("a token is neither a length nor a string");

                if (root == null) root = sub!;
                else
                {
                    if (stack.Count == 0) throw Bad("tokens after the end of the list");
                    var (list, next) = stack.Pop();
                    list[next] = item;
                    if (next + 1 < list.Length) stack.Push((list, next + 1));
                }
                if (sub != null && sub.Length > 0) stack.Push((sub, 0));
            }
            if (root == null) throw Bad("it is empty");
            if (stack.Count > 0) throw Bad("it ends before its last list is complete");
            return root;
        }

        /// <summary>Format 1 stored lists as nested JSON arrays.</summary>
        private static XenDomainConfig ReadNestedConfig(JsonElement obj)
        {
            var c = new XenDomainConfig();
            foreach (var p in obj.EnumerateObject()) c.Set(p.Name, ReadNestedValue(p.Value));
            return c;
        }

        private static object ReadNestedValue(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                var list = new List<object>();
                foreach (var x in e.EnumerateArray()) list.Add(ReadNestedValue(x));
                return list.ToArray();
            }
            return e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText();
        }
    }
}
