using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace XenPS.Backends.Simulated
{
    /// <summary>A device of a simulated domain: a vbd (devid = the encoded vdev) or a vif (devid 0, 1, ...), with its spec.</summary>
    internal sealed class SimDevice
    {
        public SimDevice(bool vif, int devId, string spec)
        {
            Vif = vif;
            DevId = devId;
            Spec = spec;
        }

        public bool Vif { get; }
        public int DevId { get; }
        /// <summary>The xl disk or vif spec (a vif's always with its MAC).</summary>
        public string Spec { get; }
    }

    internal sealed partial class SimDomain
    {
        /// <summary>
        /// The domain's devices (optional "devs" in the record). Null in records written before devices were tracked: then
        /// they are the config's disk=[...] and vif=[...] (<see cref="EffectiveDevices"/>), with MACs derived from the uuid.
        /// </summary>
        public IReadOnlyList<SimDevice>? Devices;

        /// <summary>The devices: the tracked ones, else those of the config (in config order, devids as xl gives them).</summary>
        public IReadOnlyList<SimDevice> EffectiveDevices() => Devices ?? FromConfig(Config, Uuid, random: null);

        /// <summary>
        /// The devices a config gives at create: each valid disk spec at its vdev (the first of a vdev wins), each vif at
        /// its devid= or the next free one, with its mac= or one generated in 00:16:3e (random when <paramref name="random"/>
        /// is given, as xl does; else derived from the uuid, so that an old record always shows the same MACs).
        /// </summary>
        public static IReadOnlyList<SimDevice> FromConfig(XenDomainConfig config, string uuid, Random? random)
        {
            var list = new List<SimDevice>();
            foreach (string s in Strings(config.Get("disk")))
            {
                if (!DiskSpec.TryParse(s, out var disk, out _) || disk!.Vdev == null || XenVdev.Encode(disk.Vdev) is not int id) continue;
                if (list.Any(x => !x.Vif && x.DevId == id)) continue;
                list.Add(new SimDevice(false, id, s));
            }
            foreach (string s in Strings(config.Get("vif")))
            {
                if (!VifSpec.TryParse(s, out var vif, out _)) continue;
                int devid = vif!.DevId is long d && d >= 0 && d < int.MaxValue && !list.Any(x => x.Vif && x.DevId == d)
                    ? (int)d : NextVifId(list);
                string mac = vif.Mac ?? (random != null ? VifSpec.GenerateMac(random) : VifSpec.GenerateMac(uuid + "/vif/" + devid.ToString(CultureInfo.InvariantCulture)));
                list.Add(new SimDevice(true, devid, WithMac(vif, mac)));
            }
            return list;
        }

        /// <summary>The next vif devid: one more than the highest (libxl__device_nextid), 0 for the first.</summary>
        public static int NextVifId(IEnumerable<SimDevice> devices) =>
            devices.Where(x => x.Vif).Select(x => x.DevId + 1).DefaultIfEmpty(0).Max();

        /// <summary>The vif spec with its MAC (mac= first, as the canonical order has it).</summary>
        public static string WithMac(VifSpec vif, string mac)
        {
            if (vif.Mac == mac) return vif.Spec;
            var parts = new List<KeyValuePair<string, string>> { new KeyValuePair<string, string>("mac", mac) };
            parts.AddRange(vif.Settings.Where(kv => kv.Key != "mac"));
            return VifSpec.Create(parts).ToSpecString();
        }

        /// <summary>
        /// The domain as created: these devices (from <see cref="FromConfig"/>), and in its config each vif spec that had no
        /// MAC now with the one generated (as `xl list -l` shows it); every other setting and list item as given.
        /// </summary>
        public SimDomain WithCreatedDevices(IReadOnlyList<SimDevice> devices)
        {
            var nd = Copy();
            nd.Devices = devices;
            if (Config.Get("vif") is object[] items)
            {
                var vifs = new Queue<SimDevice>(devices.Where(x => x.Vif));
                var changed = items.Select(o => o is string s && VifSpec.TryParse(s, out _, out _) && vifs.Count > 0 ? (object)vifs.Dequeue().Spec : o).ToArray();
                nd.SetConfigList("vif", changed);
            }
            return nd;
        }

        /// <summary>A copy with <paramref name="dev"/> hotplugged: listed last in the config's disk=[...] or vif=[...], as `xl list -l` lists it.</summary>
        public SimDomain WithDeviceAdded(SimDevice dev)
        {
            var nd = Copy();
            nd.Devices = EffectiveDevices().Concat(new[] { dev }).ToList();
            string key = dev.Vif ? "vif" : "disk";
            var items = Config.Get(key) as object[] ?? Array.Empty<object>();
            nd.SetConfigList(key, items.Concat(new object[] { dev.Spec }).ToArray());
            return nd;
        }

        /// <summary>A copy without <paramref name="dev"/>; its entry leaves the config's list (the list too when it is empty).</summary>
        public SimDomain WithDeviceRemoved(SimDevice dev)
        {
            var nd = Copy();
            nd.Devices = EffectiveDevices().Where(x => x.Vif != dev.Vif || x.DevId != dev.DevId).ToList();
            string key = dev.Vif ? "vif" : "disk";
            if (Config.Get(key) is object[] items)
            {
                int i = Array.FindIndex(items, o => o is string s && IsEntryOf(s, dev));
                if (i >= 0) nd.SetConfigList(key, items.Where((_, k) => k != i).ToArray());
            }
            return nd;
        }

        // The config entry a device came from: its own spec, or (a record from before devices were tracked) the entry it was derived from.
        private static bool IsEntryOf(string entry, SimDevice dev)
        {
            if (entry == dev.Spec) return true;
            if (!dev.Vif) return DiskSpec.TryParse(entry, out var d, out _) && d!.Vdev != null && XenVdev.Encode(d.Vdev) == dev.DevId;
            if (!VifSpec.TryParse(entry, out var v, out _) || !VifSpec.TryParse(dev.Spec, out var mine, out _)) return false;
            return v!.Mac != null ? v.Mac == mine!.Mac : WithMac(v, mine!.Mac!) == dev.Spec;
        }

        private void SetConfigList(string key, object[] items)
        {
            var cfg = Config.Clone();
            if (items.Length > 0) cfg.Set(key, items); else cfg.Remove(key);
            _config = cfg;
            ConfigJson = ConfigToJson(cfg);
            ConfigChecked = false; // the store checks the new config decodes before it writes it
        }

        private static IEnumerable<string> Strings(object? v)
        {
            if (v is string s) { yield return s; yield break; }
            if (v is object[] a) foreach (var o in a) if (o is string t) yield return t;
        }

        private void WriteDevices(Utf8JsonWriter w)
        {
            if (Devices == null) return;
            w.WritePropertyName("devs");
            w.WriteStartArray();
            foreach (var x in Devices)
            {
                w.WriteStartObject();
                w.WriteString("t", x.Vif ? "vif" : "vbd");
                w.WriteNumber("id", x.DevId);
                w.WriteString("spec", x.Spec);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }

        private static IReadOnlyList<SimDevice> ReadDevices(JsonElement p, int domid)
        {
            if (p.ValueKind != JsonValueKind.Array) throw new SimFormatException($"domain {domid}'s \"devs\" is not an array");
            var list = new List<SimDevice>();
            foreach (var e in p.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object) throw new SimFormatException($"domain {domid} has a device that is not an object");
                string t = SimJson.Str(e, "t");
                if (t != "vif" && t != "vbd") throw new SimFormatException($"domain {domid} has a device of the unknown kind '{t}'");
                list.Add(new SimDevice(t == "vif", SimJson.Int(e, "id"), SimJson.Str(e, "spec")));
            }
            return list;
        }
    }
}
