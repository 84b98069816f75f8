using System;
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
    internal sealed class SimDomain
    {
        public int Id;
        public string Name = "";
        public string Uuid = "";
        public XenDomainType Type;
        public long MemoryMiB;
        public long MaxMemoryMiB;
        public int VCpus;
        /// <summary>The config settings as JSON (an object of string / nested arrays), kept verbatim.</summary>
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
        /// <summary>Where this boot's output starts in the name's console log (bytes): a console opens there.</summary>
        public long ConsoleStart;
        /// <summary>HVM guest without PV drivers: it cannot be asked to shut down, only given the ACPI power button.</summary>
        public bool NoPvDrivers;

        private XenDomainConfig? _config;

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
            if (Paused) return "--p---";
            return Booted(nowMs) ? "-b----" : "r-----";
        }

        /// <summary>CPU seconds: busy while booting, a trickle afterwards; frozen while paused or shut down.</summary>
        public double CpuTime(long nowMs)
        {
            double up = Uptime(nowMs);
            double boot = Math.Min(up, BootSeconds) * 0.9;
            double idle = Math.Max(0, up - BootSeconds) * 0.02 * Math.Max(1, VCpus);
            return Math.Round(boot + idle, 1);
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

        public XenDomain ToXenDomain(long nowMs)
        {
            string flags = StateFlags(nowMs);
            return new XenDomain
            {
                Name = Name,
                Id = Id,
                Uuid = Uuid,
                Type = Type,
                MemoryMiB = MemoryMiB,
                MaxMemoryMiB = MaxMemoryMiB,
                VCpus = VCpus,
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
            if (ConsoleStart != 0) w.WriteNumber("constart", ConsoleStart);
            if (NoPvDrivers) w.WriteBoolean("nopv", true);
            w.WritePropertyName("config");
            w.WriteRawValue(ConfigJson, skipInputValidation: true);
            w.WriteEndObject();
        }

        public static SimDomain Read(JsonElement e)
        {
            var d = new SimDomain
            {
                Id = e.GetProperty("id").GetInt32(),
                Name = e.GetProperty("name").GetString() ?? "",
                Uuid = e.GetProperty("uuid").GetString() ?? "",
                Type = (XenDomainType)e.GetProperty("type").GetInt32(),
                MemoryMiB = e.GetProperty("mem").GetInt64(),
                MaxMemoryMiB = e.GetProperty("maxmem").GetInt64(),
                VCpus = e.GetProperty("vcpus").GetInt32(),
                CreatedMs = e.GetProperty("created").GetInt64(),
                BootSeconds = e.GetProperty("boot").GetDouble(),
                ShutdownSeconds = e.GetProperty("shutdelay").GetDouble(),
                UptimeAccum = e.GetProperty("upacc").GetDouble(),
                ConfigJson = e.GetProperty("config").GetRawText(),
            };
            if (e.TryGetProperty("ignoreshut", out var p)) d.IgnoreShutdown = p.GetBoolean();
            if (e.TryGetProperty("crashafter", out p)) d.CrashAfterSeconds = p.GetDouble();
            if (e.TryGetProperty("active", out p)) d.ActiveSinceMs = p.GetInt64();
            if (e.TryGetProperty("req", out p)) d.Request = (SimRequest)p.GetInt32();
            if (e.TryGetProperty("requp", out p)) d.RequestUptime = p.GetDouble();
            if (e.TryGetProperty("shut", out p)) d.Shut = p.GetBoolean();
            if (e.TryGetProperty("reason", out p)) d.Reason = (XenShutdownReason)p.GetInt32();
            if (e.TryGetProperty("shutup", out p)) d.ShutUptime = p.GetDouble();
            if (e.TryGetProperty("con", out p)) d.ConsoleLines = p.GetInt32();
            if (e.TryGetProperty("constart", out p)) d.ConsoleStart = p.GetInt64();
            if (e.TryGetProperty("nopv", out p)) d.NoPvDrivers = p.GetBoolean();
            return d;
        }

        public static string ConfigToJson(XenDomainConfig config)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                foreach (DictionaryEntry kv in config.Settings)
                {
                    w.WritePropertyName((string)kv.Key);
                    WriteValue(w, kv.Value);
                }
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        }

        private static void WriteValue(Utf8JsonWriter w, object? v)
        {
            if (v is object[] arr)
            {
                w.WriteStartArray();
                foreach (var x in arr) WriteValue(w, x);
                w.WriteEndArray();
            }
            else w.WriteStringValue(v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture) ?? "");
        }

        public static XenDomainConfig ParseConfig(string json)
        {
            var c = new XenDomainConfig();
            using var doc = JsonDocument.Parse(json);
            foreach (var p in doc.RootElement.EnumerateObject()) c.Set(p.Name, ReadValue(p.Value));
            return c;
        }

        private static object ReadValue(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                var list = new List<object>();
                foreach (var x in e.EnumerateArray()) list.Add(ReadValue(x));
                return list.ToArray();
            }
            return e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText();
        }
    }
}
