using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml.Linq;

namespace FakeXapi
{
    /// <summary>
    /// The VM messages added for reboot, suspend/resume, settings, template installs and pool migration, and the
    /// storage/network objects (SR, VDI, VBD, network, VIF) a VM's devices are made of. Power states are checked
    /// against the same table (<see cref="AllowedStates"/>); errors are xapi's codes and parameters:
    /// MEMORY_CONSTRAINT_VIOLATION [constraint] (xapi_vm_memory_constraints), INVALID_VALUE [what; value]
    /// (xapi_vm.ml set_VCPUs_*), OPERATION_NOT_ALLOWED ["HVM VMs cannot hotplug CPUs"].
    /// </summary>
    public sealed partial class Pool
    {
        private static readonly string[] MoreVmMessages = { "provision", "copy", "pool_migrate", "assert_can_boot_here", "set_memory_dynamic_range", "set_memory_static_max",
            "set_memory_limits", "set_VCPUs_number_live", "set_VCPUs_at_startup", "set_VCPUs_max" };

        private static readonly string[] MoreSyncMethods = { "VM.add_to_other_config", "VM.remove_from_other_config", "host.disable", "host.enable" };

        private const string MemoryConstraint = "Memory limits must satisfy: static_min ≤ dynamic_min ≤ dynamic_max ≤ static_max";

        /// <summary>The master's local SR (not shared: only its host reaches it, so a VM with a disk there cannot move).</summary>
        public Obj LocalSr = null!;
        /// <summary>The pool's shared SR (NFS): every member reaches it; the pool's default, as a pool set up for live migration has.</summary>
        public Obj SharedSr = null!;
        public Obj Network0 = null!;

        private Obj NewSr(string name, string type, bool shared) =>
            Db.New("SR", M(("uuid", Db.NewUuid()), ("name_label", name), ("name_description", ""), ("allowed_operations", L()),
                ("current_operations", Empty()), ("VDIs", L()), ("PBDs", L()), ("virtual_allocation", 0L), ("physical_utilisation", 0L),
                ("physical_size", 500L * 1024 * MiB), ("type", type), ("content_type", "user"), ("shared", shared), ("other_config", Empty()),
                ("tags", L()), ("sm_config", Empty()), ("blobs", Empty()), ("local_cache_enabled", false), ("introduced_by", "OpaqueRef:NULL"),
                ("clustered", false), ("is_tools_sr", false)));

        /// <summary>The pool's storage and network: the master's local SR, a shared NFS SR (the pool's default) and the network on eth0.</summary>
        public void AddStorageAndNetwork()
        {
            LocalSr = NewSr("Local storage", "ext", false);
            SharedSr = NewSr("Shared NFS storage", "nfs", true);
            Network0 = Db.New("network", M(("uuid", Db.NewUuid()), ("name_label", "Pool-wide network associated with eth0"), ("name_description", ""),
                ("allowed_operations", L()), ("current_operations", Empty()), ("VIFs", L()), ("PIFs", L()), ("MTU", 1500L), ("other_config", Empty()),
                ("bridge", "xenbr0"), ("managed", true), ("blobs", Empty()), ("tags", L()), ("default_locking_mode", "unlocked"),
                ("assigned_ips", Empty()), ("purpose", L())));
            PoolObj.F["default_SR"] = SharedSr.Ref;
            PoolObj.F["suspend_image_SR"] = SharedSr.Ref;
            Db.Touch(PoolObj);
        }

        /// <summary>
        /// As xapi's assert_can_boot_here for a VM that moves to <paramref name="to"/>: the host enabled and live, every
        /// disk's SR reachable from it (shared, or local to it), and its free memory (when the VM is not already there).
        /// </summary>
        public void AssertCanBootHere(Obj vm, FakeHost to)
        {
            var metrics = Db.Get("host_metrics", to.Rec.S("metrics"));
            if (!metrics.B("live")) throw new Failure("HOST_OFFLINE", to.Rec.Ref);
            if (!to.Rec.B("enabled")) throw new Failure("HOST_DISABLED", to.Rec.Ref);
            foreach (var r in vm.List("VBDs"))
            {
                var vbd = Db.Find((string)r!);
                var vdi = vbd == null || vbd.B("empty") ? null : Db.Find(vbd.S("VDI"));
                var sr = vdi == null ? null : Db.Find(vdi.S("SR"));
                if (sr != null && !sr.B("shared") && !(sr == LocalSr && to == Master)) throw new Failure("VM_REQUIRES_SR", vm.Ref, sr.Ref);
            }
            if (vm.S("resident_on") != to.Rec.Ref)
            {
                long need = vm.L("memory_static_max") + vm.L("memory_overhead");
                if (FreeMemory(to) < need)
                    throw new Failure("HOST_NOT_ENOUGH_FREE_MEMORY", need.ToString(CultureInfo.InvariantCulture), Math.Max(0, FreeMemory(to)).ToString(CultureInfo.InvariantCulture));
            }
        }

        public Obj AddDisk(Obj vm, long sizeBytes, string userdevice, bool bootable, Obj? sr = null)
        {
            sr ??= Db.Find(PoolObj.S("default_SR")) ?? SharedSr;
            var vdi = Db.New("VDI", M(("uuid", Db.NewUuid()), ("name_label", vm.S("name_label") + " " + userdevice), ("name_description", ""),
                ("allowed_operations", L()), ("current_operations", Empty()), ("SR", sr.Ref), ("VBDs", L()), ("crash_dumps", L()),
                ("virtual_size", sizeBytes), ("physical_utilisation", sizeBytes / 10), ("type", "system"), ("sharable", false), ("read_only", false),
                ("other_config", Empty()), ("storage_lock", false), ("location", Db.NewUuid()), ("managed", true), ("missing", false),
                ("parent", "OpaqueRef:NULL"), ("xenstore_data", Empty()), ("sm_config", Empty()), ("is_a_snapshot", false),
                ("snapshot_of", "OpaqueRef:NULL"), ("snapshots", L()), ("snapshot_time", XDate.Epoch), ("tags", L()), ("allow_caching", false),
                ("on_boot", "persist"), ("metadata_of_pool", "OpaqueRef:NULL"), ("metadata_latest", false), ("is_tools_iso", false), ("cbt_enabled", false)));
            sr.List("VDIs").Add(vdi.Ref);
            Db.Touch(sr);
            string dev = "xvd" + (char)('a' + int.Parse(userdevice, CultureInfo.InvariantCulture));
            var vbd = Db.New("VBD", M(("uuid", Db.NewUuid()), ("allowed_operations", L("attach")), ("current_operations", Empty()), ("VM", vm.Ref),
                ("VDI", vdi.Ref), ("device", dev), ("userdevice", userdevice), ("bootable", bootable), ("mode", "RW"), ("type", "Disk"),
                ("unpluggable", true), ("storage_lock", false), ("empty", false), ("reserved", false), ("other_config", Empty()),
                ("currently_attached", IsLive(vm)), ("status_code", 0L), ("status_detail", ""), ("runtime_properties", Empty()),
                ("qos_algorithm_type", ""), ("qos_algorithm_params", Empty()), ("qos_supported_algorithms", L()), ("metrics", "OpaqueRef:NULL")));
            vdi.List("VBDs").Add(vbd.Ref);
            vm.List("VBDs").Add(vbd.Ref);
            Db.Touch(vm);
            return vbd;
        }

        public Obj AddNic(Obj vm, string device, Obj? network = null, string? mac = null)
        {
            network ??= Network0;
            mac ??= "00:16:3e:" + string.Join(":", Guid.NewGuid().ToByteArray().Take(3).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            var vif = Db.New("VIF", M(("uuid", Db.NewUuid()), ("allowed_operations", L("attach")), ("current_operations", Empty()), ("device", device),
                ("network", network.Ref), ("VM", vm.Ref), ("MAC", mac), ("MTU", 1500L), ("other_config", Empty()), ("currently_attached", IsLive(vm)),
                ("status_code", 0L), ("status_detail", ""), ("runtime_properties", Empty()), ("qos_algorithm_type", ""), ("qos_algorithm_params", Empty()),
                ("qos_supported_algorithms", L()), ("metrics", "OpaqueRef:NULL"), ("MAC_autogenerated", true), ("locking_mode", "network_default"),
                ("ipv4_allowed", L()), ("ipv6_allowed", L()), ("ipv4_configuration_mode", "None"), ("ipv4_addresses", L()), ("ipv4_gateway", ""),
                ("ipv6_configuration_mode", "None"), ("ipv6_addresses", L()), ("ipv6_gateway", ""), ("reserved_pci", "OpaqueRef:NULL")));
            network.List("VIFs").Add(vif.Ref);
            Db.Touch(network);
            vm.List("VIFs").Add(vif.Ref);
            Db.Touch(vm);
            return vif;
        }

        private static bool IsLive(Obj vm) => vm.S("power_state") == "Running" || vm.S("power_state") == "Paused";

        /// <summary>currently_attached follows the VM's domain (plugged at start, unplugged at shutdown/suspend).</summary>
        private void PlugDevices(Obj vm, bool attached)
        {
            foreach (var r in vm.List("VBDs").Concat(vm.List("VIFs")))
            {
                var d = Db.Find((string)r!);
                if (d == null || d.B("currently_attached") == attached) continue;
                d.F["currently_attached"] = attached;
                Db.Touch(d);
            }
        }

        /// <summary>VM.destroy takes its VBDs and VIFs with it (not the VDIs, as xapi).</summary>
        private void DestroyDevices(Obj vm)
        {
            foreach (var r in vm.List("VBDs").Concat(vm.List("VIFs")).ToList())
            {
                var d = Db.Find((string)r!);
                if (d == null) continue;
                var owner = Db.Find(d.Cls == "VBD" ? d.S("VDI") : d.S("network"));
                if (owner != null) { owner.List(d.Cls == "VBD" ? "VBDs" : "VIFs").Remove(d.Ref); Db.Touch(owner); }
                Db.Delete(d);
            }
        }

        /// <summary>A clone's disks (new VDIs of the same size) and interfaces (new MACs).</summary>
        private void CopyDevices(Obj from, Obj to, Obj? sr = null)
        {
            foreach (var r in from.List("VBDs"))
            {
                var vbd = Db.Find((string)r!);
                var vdi = vbd == null ? null : Db.Find(vbd.S("VDI"));
                if (vbd == null || vdi == null) continue;
                AddDisk(to, vdi.L("virtual_size"), vbd.S("userdevice"), vbd.B("bootable"), sr ?? Db.Find(vdi.S("SR")));
            }
            foreach (var r in from.List("VIFs"))
            {
                var vif = Db.Find((string)r!);
                if (vif != null) AddNic(to, vif.S("device"), Db.Find(vif.S("network")));
            }
        }

        private static long Int(IReadOnlyList<object?> a, int i, string name)
        {
            object? v = i < a.Count ? a[i] : throw new Failure("FIELD_TYPE_ERROR", name);
            if (v is long l) return l;
            if (v is string s && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x)) return x;
            throw new Failure("FIELD_TYPE_ERROR", name);
        }

        private static void CheckMemory(long staticMin, long dynamicMin, long dynamicMax, long staticMax)
        {
            if (!(staticMin <= dynamicMin && dynamicMin <= dynamicMax && dynamicMax <= staticMax))
                throw new Failure("MEMORY_CONSTRAINT_VIOLATION", MemoryConstraint);
        }

        private object? MoreVmOp(string op, Obj vm, IReadOnlyList<object?> a)
        {
            switch (op)
            {
                case "provision":
                {
                    if (vm.B("is_control_domain")) throw new Failure("OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain.");
                    CheckPower(vm, op);
                    var oc = vm.Map("other_config");
                    if (oc.TryGetValue("disks", out var spec) && spec is string xml && xml.Length > 0)
                    {
                        XElement doc;
                        try { doc = XElement.Parse(xml); }
                        catch (System.Xml.XmlException) { throw new Failure("INVALID_VALUE", "other_config:disks", xml); }
                        foreach (var disk in doc.Elements("disk"))
                        {
                            string srUuid = (string?)disk.Attribute("sr") ?? "";
                            var sr = srUuid.Length == 0 ? Db.Find(PoolObj.S("default_SR")) : Db.All("SR").FirstOrDefault(s => s.Uuid == srUuid);
                            if (sr == null) throw new Failure(srUuid.Length == 0 ? "VM_REQUIRES_SR" : "UUID_INVALID", srUuid.Length == 0 ? vm.Ref : "SR", srUuid.Length == 0 ? "OpaqueRef:NULL" : srUuid);
                            long size = long.Parse((string?)disk.Attribute("size") ?? "0", CultureInfo.InvariantCulture);
                            AddDisk(vm, size, (string?)disk.Attribute("device") ?? "0", ((string?)disk.Attribute("bootable")) == "true", sr);
                        }
                    }
                    // As Xapi_templates.post_install: the install information goes, and the VM is no longer a template.
                    oc.Remove("disks");
                    vm.F["is_a_template"] = false;
                    vm.F["is_default_template"] = false;
                    if (vm.S("guest_metrics") == "OpaqueRef:NULL" && vm.S("domain_type") != "hvm") vm.F["guest_metrics"] = Db.NewRef();
                    vm.F["allowed_operations"] = AllowedOps(vm);
                    Db.Touch(vm);
                    return null;
                }
                case "copy":
                {
                    string name = Arg.Str(a, 1, "new_name");
                    string srRef = Arg.Str(a, 2, "sr");
                    if (vm.B("is_control_domain")) throw new Failure("OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain.");
                    CheckPower(vm, op);
                    Obj? sr = srRef == "OpaqueRef:NULL" || srRef.Length == 0 ? null : Db.Get("SR", srRef);
                    var copy = AddVm(name, vm.S("domain_type"), vm.L("memory_static_max") / MiB, vm.L("VCPUs_max"), template: vm.B("is_a_template"),
                        agent: vm.S("guest_metrics") != "OpaqueRef:NULL");
                    copy.F["is_default_template"] = false;
                    copy.F["other_config"] = new Dictionary<string, object?>(vm.Map("other_config"));
                    Db.Touch(copy);
                    CopyDevices(vm, copy, sr);
                    return copy.Ref;
                }
                case "pool_migrate":
                {
                    NotTemplate(vm, op);
                    string hostRef = Arg.Str(a, 1, "host");
                    var to = Hosts.FirstOrDefault(h => h.Rec.Ref == hostRef) ?? throw new Failure("HANDLE_INVALID", "host", hostRef);
                    if (!(a.Count > 2 && a[2] is Dictionary<string, object?>)) throw new Failure("FIELD_TYPE_ERROR", "options");
                    CheckPower(vm, op);
                    AssertCanBootHere(vm, to);
                    // The domain moves: a new domid on the destination, its consoles there; the guest carries on.
                    Unplug(vm, "Halted");
                    Boot(vm, to, false, resumed: true);
                    return null;
                }
                case "assert_can_boot_here":
                {
                    NotTemplate(vm, op);
                    string hostRef = Arg.Str(a, 1, "host");
                    var to = Hosts.FirstOrDefault(h => h.Rec.Ref == hostRef) ?? throw new Failure("HANDLE_INVALID", "host", hostRef);
                    AssertCanBootHere(vm, to);
                    return null;
                }
                case "set_memory_dynamic_range":
                {
                    long min = Int(a, 1, "min"), max = Int(a, 2, "max");
                    CheckPower(vm, "changing_dynamic_range");
                    CheckMemory(vm.L("memory_static_min"), min, max, vm.L("memory_static_max"));
                    vm.F["memory_dynamic_min"] = min;
                    vm.F["memory_dynamic_max"] = max;
                    if (IsLive(vm)) vm.F["memory_target"] = max;
                    Db.Touch(vm);
                    return null;
                }
                case "set_memory_static_max":
                {
                    long value = Int(a, 1, "value");
                    CheckPower(vm, "changing_static_range");
                    CheckMemory(vm.L("memory_static_min"), vm.L("memory_dynamic_min"), vm.L("memory_dynamic_max"), value);
                    vm.F["memory_static_max"] = value;
                    Db.Touch(vm);
                    return null;
                }
                case "set_memory_limits":
                {
                    long smin = Int(a, 1, "static_min"), smax = Int(a, 2, "static_max"), dmin = Int(a, 3, "dynamic_min"), dmax = Int(a, 4, "dynamic_max");
                    CheckPower(vm, "changing_memory_limits");
                    CheckMemory(smin, dmin, dmax, smax);
                    vm.F["memory_static_min"] = smin; vm.F["memory_static_max"] = smax;
                    vm.F["memory_dynamic_min"] = dmin; vm.F["memory_dynamic_max"] = dmax;
                    Db.Touch(vm);
                    return null;
                }
                case "set_VCPUs_number_live":
                {
                    long n = Int(a, 1, "nvcpu");
                    CheckPower(vm, "changing_VCPUs_live");
                    if (vm.S("domain_type") == "hvm") throw new Failure("OPERATION_NOT_ALLOWED", "HVM VMs cannot hotplug CPUs");
                    if (n < 1 || n > vm.L("VCPUs_max"))
                        throw new Failure("INVALID_VALUE", "VCPU values must satisfy: 0 < VCPUs ≤ VCPUs_max", n.ToString(CultureInfo.InvariantCulture));
                    vm.F["VCPUs_at_startup"] = n;
                    Db.Touch(vm);
                    return null;
                }
                case "set_VCPUs_at_startup":
                {
                    long n = Int(a, 1, "value");
                    CheckPower(vm, "changing_VCPUs");
                    if (n < 1 || n > vm.L("VCPUs_max"))
                        throw new Failure("INVALID_VALUE", "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max", n.ToString(CultureInfo.InvariantCulture));
                    vm.F["VCPUs_at_startup"] = n;
                    Db.Touch(vm);
                    return null;
                }
                case "set_VCPUs_max":
                {
                    long n = Int(a, 1, "value");
                    CheckPower(vm, "changing_VCPUs");
                    if (n < 1 || n < vm.L("VCPUs_at_startup"))
                        throw new Failure("INVALID_VALUE", "VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max", n.ToString(CultureInfo.InvariantCulture));
                    vm.F["VCPUs_max"] = n;
                    Db.Touch(vm);
                    return null;
                }
                default:
                    throw new Failure("MESSAGE_METHOD_UNKNOWN", "VM." + op);
            }
        }

        /// <summary>Field-map setters of VM (no Async twins): add_to_/remove_from_other_config, MAP_DUPLICATE_KEY as xapi.</summary>
        /// <summary>Moves every disk of the VM to the master's local SR (a test's VM that cannot leave the master).</summary>
        public void LocalDisks(Obj vm)
        {
            foreach (var r in vm.List("VBDs"))
            {
                var vdi = Db.Find(Db.Find((string)r!)?.S("VDI") ?? "");
                if (vdi == null) continue;
                var from = Db.Find(vdi.S("SR"));
                if (from != null) { from.List("VDIs").Remove(vdi.Ref); Db.Touch(from); }
                vdi.F["SR"] = LocalSr.Ref;
                LocalSr.List("VDIs").Add(vdi.Ref);
                Db.Touch(vdi);
            }
            Db.Touch(LocalSr);
        }

        private bool MoreSync(string cls, string msg, IReadOnlyList<object?> a, out object? result)
        {
            result = null;
            if (cls == "host" && (msg == "disable" || msg == "enable"))
            {
                // host.disable: no new VMs start or arrive there (maintenance mode's first step); host.enable undoes it.
                var h = Db.Get("host", Arg.Str(a, 0, "host"));
                h.F["enabled"] = msg == "enable";
                Db.Touch(h);
                result = "";
                return true;
            }
            if (cls != "VM" || (msg != "add_to_other_config" && msg != "remove_from_other_config")) return false;
            var vm = Db.Get("VM", Arg.Str(a, 0, "self"));
            var oc = vm.Map("other_config");
            string key = Arg.Str(a, 1, "key");
            if (msg == "add_to_other_config")
            {
                if (oc.ContainsKey(key)) throw new Failure("MAP_DUPLICATE_KEY", "VM", "other_config", vm.Ref, key);
                oc[key] = Arg.Str(a, 2, "value");
            }
            else oc.Remove(key);
            Db.Touch(vm);
            result = "";
            return true;
        }
    }
}
