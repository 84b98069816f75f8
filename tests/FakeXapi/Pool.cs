using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace FakeXapi
{
    /// <summary>Faults a test can switch on (command line or POST /fake/control).</summary>
    public sealed class Faults
    {
        /// <summary>method → [CODE, params]: the next call of that method fails so ("*" matches any). SESSION_INVALID also ends the session.</summary>
        public readonly Dictionary<string, List<string>> FailNext = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        /// <summary>method (or "*") → the next call answers HTTP 500 with an HTML body.</summary>
        public readonly HashSet<string> Http500Next = new HashSet<string>(StringComparer.Ordinal);
        public bool EventsLostNext;
        public bool DuplicateKeys;
        public bool NonFinite;
        public bool ExtraFields;
        public bool IntsAsStrings;
        /// <summary>How long an Async task runs (ms).</summary>
        public int TaskMs = 150;
        /// <summary>How many calls (and which) the fake has answered, for tests: method → count.</summary>
        public readonly Dictionary<string, int> Calls = new Dictionary<string, int>(StringComparer.Ordinal);
    }

    /// <summary>A fake host: its record, address, certificate thumbprints.</summary>
    public sealed class FakeHost
    {
        public Obj Rec = null!;
        public string Address = "";
        public string Sha256 = "";
        public string Sha1 = "";
        public string Pem = "";
        public bool IsMaster;
        public long NextDomid = 1;
    }

    public sealed class Session
    {
        public string Ref = "";
        public string User = "";
        public string Originator = "";
        public string UserAgent = "";
    }

    /// <summary>
    /// The pool's datamodel and behaviour: hosts, host_metrics, the pool, VMs (control domains, templates, snapshots,
    /// guests), consoles, tasks; VM power operations checked against xapi's exact power-state table
    /// (xapi_vm_lifecycle.ml allowed_power_states).
    /// </summary>
    public sealed partial class Pool
    {
        public const long MiB = 1024 * 1024;
        public readonly Db Db = new Db();
        public readonly Faults Faults = new Faults();
        public readonly List<FakeHost> Hosts = new List<FakeHost>();
        public readonly Dictionary<string, Session> Sessions = new Dictionary<string, Session>(StringComparer.Ordinal);
        public readonly Dictionary<string, Guest> Guests = new Dictionary<string, Guest>(StringComparer.Ordinal);
        public Obj PoolObj = null!;
        public string User = "root";
        public string Password = "";
        public int Port;
        /// <summary>Older xapi: login takes only (user, password) and no thumbprint header on HOST_IS_SLAVE.</summary>
        public bool OldXapi;

        public FakeHost Master => Hosts[0];

        // ---------------------------------------------------------------- the exact power-state table

        private static readonly string[] H = { "Halted" }, P = { "Paused" }, S = { "Suspended" }, R = { "Running" };
        private static readonly Dictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["start"] = H, ["start_on"] = H, ["provision"] = H, ["make_into_template"] = H, ["changing_shadow_memory"] = H,
            ["changing_NVRAM"] = H, ["create_vtpm"] = H,
            ["unpause"] = P,
            ["resume"] = S, ["resume_on"] = S, ["csvm"] = S,
            ["clean_shutdown"] = R, ["clean_reboot"] = R, ["pause"] = R, ["suspend"] = R, ["pool_migrate"] = R, ["send_sysrq"] = R,
            ["send_trigger"] = R, ["changing_VCPUs_live"] = R, ["changing_memory_live"] = R, ["call_plugin"] = R,
            ["hard_reboot"] = new[] { "Paused", "Running" },
            ["hard_shutdown"] = new[] { "Paused", "Suspended", "Running" }, ["shutdown"] = new[] { "Paused", "Suspended", "Running" },
            ["checkpoint"] = new[] { "Paused", "Suspended", "Running" },
            ["destroy"] = new[] { "Halted", "Suspended" }, ["export"] = new[] { "Halted", "Suspended" },
            ["clone"] = H, ["copy"] = H,
            ["changing_dynamic_range"] = new[] { "Halted", "Running" },
            ["changing_VCPUs"] = H, ["changing_static_range"] = H, ["changing_memory_limits"] = H,
            ["migrate_send"] = new[] { "Halted", "Suspended", "Running" },
        };
        private static readonly string[] AnyState = { "Halted", "Paused", "Suspended", "Running" };

        public static string[] AllowedStates(string op, Obj vm)
        {
            if (op == "snapshot" || op == "revert" || op == "metadata_export" || op == "power_state_reset") return AnyState;
            if ((op == "clone" || op == "copy") && vm.B("is_a_snapshot")) return new[] { "Halted", "Suspended" };
            if ((op == "changing_VCPUs" || op == "changing_static_range" || op == "changing_memory_limits") && vm.B("is_control_domain"))
                return new[] { "Halted", "Running" };
            return Allowed.TryGetValue(op, out var s) ? s : AnyState;
        }

        /// <summary>VM_BAD_POWER_STATE [vm; expected (lower case, ", "-joined); actual] unless the op is allowed now.</summary>
        public static void CheckPower(Obj vm, string op)
        {
            var ok = AllowedStates(op, vm);
            string ps = vm.S("power_state");
            if (!ok.Contains(ps))
                throw new Failure("VM_BAD_POWER_STATE", vm.Ref, string.Join(", ", ok.Select(x => x.ToLowerInvariant())), ps.ToLowerInvariant());
        }

        private static readonly string[] VmOps = { "start", "start_on", "clean_shutdown", "clean_reboot", "hard_shutdown", "hard_reboot", "shutdown",
            "pause", "unpause", "suspend", "resume", "resume_on", "clone", "copy", "destroy", "export", "snapshot", "checkpoint", "pool_migrate" };

        /// <summary>allowed_operations as xapi computes it from the power state (templates and control domains restricted).</summary>
        public static List<object?> AllowedOps(Obj vm)
        {
            IEnumerable<string> ops = VmOps.Where(o => AllowedStates(o, vm).Contains(vm.S("power_state")));
            if (vm.B("is_a_template") || vm.B("is_a_snapshot")) ops = ops.Where(o => o == "clone" || o == "copy" || o == "export" || o == "destroy" || o == "provision");
            if (vm.B("is_control_domain")) ops = Array.Empty<string>();
            return ops.Cast<object?>().ToList();
        }

        // ---------------------------------------------------------------- building the pool

        public static Dictionary<string, object?> M(params (string, object?)[] kv) => kv.ToDictionary(x => x.Item1, x => x.Item2);
        public static List<object?> L(params object?[] xs) => xs.ToList();
        public static Dictionary<string, object?> Empty() => new Dictionary<string, object?>();

        public FakeHost AddHost(string name, string address, string sha256, string sha1, string pem, long memoryMiB, int cpus)
        {
            var metrics = Db.New("host_metrics", M(("uuid", Db.NewUuid()), ("memory_total", memoryMiB * MiB), ("memory_free", memoryMiB * MiB),
                ("live", true), ("last_updated", XDate.Now()), ("other_config", Empty())));
            var h = new FakeHost { Address = address, Sha256 = sha256, Sha1 = sha1, Pem = pem, IsMaster = Hosts.Count == 0 };
            h.Rec = Db.New("host", M(
                ("uuid", Db.NewUuid()), ("name_label", name), ("name_description", "Default install"), ("memory_overhead", 123 * MiB),
                ("allowed_operations", L("vm_start", "vm_resume", "evacuate", "provision", "shutdown", "reboot")), ("current_operations", Empty()),
                ("API_version_major", 2L), ("API_version_minor", 21L), ("API_version_vendor", "XenSource"), ("API_version_vendor_implementation", Empty()),
                ("enabled", true),
                ("software_version", M(("product_version", "8.3.0"), ("product_version_text", "8.3"), ("product_version_text_short", "8.3"),
                    ("platform_name", "XCP"), ("platform_version", "3.4.0"), ("product_brand", "XCP-ng"), ("build_number", "release/yangtze/master/58"),
                    ("hostname", name), ("date", "2026-01-01"), ("xapi", "26.1"), ("xapi_build", "26.1.4"), ("xen", "4.17.5-13"),
                    ("linux", "4.19.0+1"), ("xencenter_min", "2.21"), ("xencenter_max", "2.21"), ("network_backend", "openvswitch"), ("db_schema", "5.781"))),
                ("other_config", M(("iscsi_iqn", "iqn.2026-01.org.example:" + name), ("agent_start_time", "1767225600."))),
                ("capabilities", L("xen-3.0-x86_64", "hvm-3.0-x86_32", "hvm-3.0-x86_64")), ("cpu_configuration", Empty()), ("sched_policy", "credit"),
                ("supported_bootloaders", L("pygrub", "eliloader")), ("resident_VMs", L()), ("logging", Empty()), ("PIFs", L()),
                ("suspend_image_sr", "OpaqueRef:NULL"), ("crash_dump_sr", "OpaqueRef:NULL"), ("crashdumps", L()), ("patches", L()), ("updates", L()),
                ("PBDs", L()), ("host_CPUs", L()),
                ("cpu_info", M(("cpu_count", cpus.ToString(CultureInfo.InvariantCulture)), ("socket_count", "1"), ("vendor", "GenuineIntel"),
                    ("speed", "2394.454"), ("modelname", "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"), ("family", "6"), ("model", "79"), ("stepping", "1"),
                    ("flags", "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush mmx fxsr sse sse2 ht syscall nx lm"), ("features", ""), ("features_pv", ""), ("features_hvm", ""))),
                ("hostname", name), ("address", address), ("metrics", metrics.Ref),
                ("license_params", M(("restrict_vtpm", "false"), ("restrict_vswitch_controller", "false"), ("sku_type", "free"))),
                ("ha_statefiles", L()), ("ha_network_peers", L()), ("blobs", Empty()), ("tags", L()),
                ("external_auth_type", ""), ("external_auth_service_name", ""), ("external_auth_configuration", Empty()),
                ("edition", "xcp-ng"), ("license_server", M(("address", "localhost"), ("port", "27000"))), ("bios_strings", Empty()),
                ("power_on_mode", ""), ("power_on_config", Empty()), ("local_cache_sr", "OpaqueRef:NULL"), ("chipset_info", M(("iommu", "true"))),
                ("PCIs", L()), ("PGPUs", L()), ("PUSBs", L()), ("ssl_legacy", false), ("guest_VCPUs_params", Empty()), ("display", "enabled"),
                ("virtual_hardware_platform_versions", L(0L, 1L, 2L)), ("control_domain", "OpaqueRef:NULL"), ("updates_requiring_reboot", L()),
                ("features", L()), ("iscsi_iqn", "iqn.2026-01.org.example:" + name), ("multipathing", false), ("uefi_certificates", ""),
                ("certificates", L()), ("editions", L("xcp-ng")), ("pending_guidances", L()), ("tls_verification_enabled", true),
                ("last_software_update", XDate.Epoch), ("https_only", false), ("latest_synced_updates_applied", "unknown")));
            Hosts.Add(h);
            return h;
        }

        public void AddPool()
        {
            PoolObj = Db.New("pool", M(("uuid", Db.NewUuid()), ("name_label", "fake-pool"), ("name_description", "A fake XCP-ng pool for XenPS tests"),
                ("master", Master.Rec.Ref), ("default_SR", "OpaqueRef:NULL"), ("suspend_image_SR", "OpaqueRef:NULL"), ("crash_dump_SR", "OpaqueRef:NULL"),
                ("other_config", Empty()), ("ha_enabled", false), ("ha_configuration", Empty()), ("ha_statefiles", L()),
                ("ha_host_failures_to_tolerate", 0L), ("ha_plan_exists_for", 0L), ("ha_allow_overcommit", false), ("ha_overcommitted", false),
                ("blobs", Empty()), ("tags", L()), ("gui_config", Empty()), ("health_check_config", Empty()), ("wlb_url", ""), ("wlb_username", ""),
                ("wlb_enabled", false), ("wlb_verify_cert", false), ("redo_log_enabled", false), ("redo_log_vdi", "OpaqueRef:NULL"),
                ("vswitch_controller", ""), ("restrictions", Empty()), ("metadata_VDIs", L()), ("ha_cluster_stack", "xhad"),
                ("allowed_operations", L()), ("current_operations", Empty()), ("guest_agent_config", Empty()), ("cpu_info", Empty()),
                ("policy_no_vendor_device", false), ("live_patching_disabled", false), ("igmp_snooping_enabled", false),
                ("uefi_certificates", ""), ("is_psr_pending", false), ("tls_verification_enabled", true), ("repositories", L()),
                ("client_certificate_auth_enabled", false), ("client_certificate_auth_name", ""), ("repository_proxy_url", ""),
                ("repository_proxy_username", ""), ("repository_proxy_password", "OpaqueRef:NULL"), ("migration_compression", false),
                ("coordinator_bias", true), ("telemetry_uuid", "OpaqueRef:NULL"), ("telemetry_frequency", "weekly"),
                ("telemetry_next_collection", XDate.Epoch), ("last_update_sync", XDate.Epoch), ("update_sync_frequency", "weekly"),
                ("update_sync_day", 0L), ("update_sync_enabled", false), ("recommendations", Empty()), ("limit_console_sessions", false)));
        }

        /// <summary>A VM record with every one of the 90 fields of the datamodel's VM class (doc/data/xenapi.json).</summary>
        public Obj AddVm(string name, string domainType, long memoryMiB, long vcpus, bool template = false, bool snapshot = false,
            bool control = false, bool agent = true, string? snapshotOf = null)
        {
            bool hvm = domainType == "hvm";
            var f = M(
                ("uuid", Db.NewUuid()), ("allowed_operations", L()), ("current_operations", Empty()), ("name_label", name),
                ("name_description", template ? "Template for " + name : ""), ("power_state", "Halted"), ("user_version", 1L),
                ("is_a_template", template), ("is_default_template", template), ("suspend_VDI", "OpaqueRef:NULL"), ("resident_on", "OpaqueRef:NULL"),
                ("scheduled_to_be_resident_on", "OpaqueRef:NULL"), ("affinity", "OpaqueRef:NULL"), ("memory_overhead", 11 * MiB),
                ("memory_target", 0L), ("memory_static_max", memoryMiB * MiB), ("memory_dynamic_max", memoryMiB * MiB),
                ("memory_dynamic_min", memoryMiB * MiB), ("memory_static_min", Math.Min(memoryMiB, 128) * MiB),
                ("VCPUs_params", Empty()), ("VCPUs_max", vcpus), ("VCPUs_at_startup", vcpus),
                ("actions_after_softreboot", "soft_reboot"), ("actions_after_shutdown", "destroy"), ("actions_after_reboot", "restart"),
                ("actions_after_crash", "restart"), ("consoles", L()), ("VIFs", L()), ("VBDs", L()), ("VUSBs", L()), ("crash_dumps", L()), ("VTPMs", L()),
                ("PV_bootloader", hvm ? "" : "pygrub"), ("PV_kernel", ""), ("PV_ramdisk", ""), ("PV_args", hvm ? "" : "console=hvc0"),
                ("PV_bootloader_args", ""), ("PV_legacy_args", ""), ("HVM_boot_policy", hvm ? "BIOS order" : ""),
                ("HVM_boot_params", hvm ? M(("order", "cdn"), ("firmware", "bios")) : Empty()), ("HVM_shadow_multiplier", 1.0),
                ("platform", M(("timeoffset", "0"), ("nx", "true"), ("acpi", "1"), ("apic", "true"), ("pae", "true"), ("viridian", hvm ? "true" : "false"))),
                ("PCI_bus", ""), ("other_config", template ? M(("disks", "<provision><disk device=\"0\" size=\"10737418240\" sr=\"\" bootable=\"true\" type=\"system\"/></provision>"), ("install-methods", "cdrom,nfs,http,ftp")) : Empty()),
                ("domid", -1L), ("domarch", ""), ("last_boot_CPU_flags", Empty()), ("is_control_domain", control),
                ("metrics", Db.NewRef()), ("guest_metrics", agent && !template ? Db.NewRef() : "OpaqueRef:NULL"), ("last_booted_record", ""),
                ("recommendations", "<restrictions><restriction field=\"memory-static-max\" max=\"1649267441664\"/></restrictions>"),
                ("xenstore_data", Empty()), ("ha_always_run", false), ("ha_restart_priority", ""), ("is_a_snapshot", snapshot),
                ("snapshot_of", snapshotOf ?? "OpaqueRef:NULL"), ("snapshots", L()), ("snapshot_time", snapshot ? XDate.Now() : XDate.Epoch),
                ("transportable_snapshot_id", ""), ("blobs", Empty()), ("tags", L()), ("blocked_operations", Empty()), ("snapshot_info", Empty()),
                ("snapshot_metadata", ""), ("parent", "OpaqueRef:NULL"), ("children", L()), ("bios_strings", Empty()),
                ("protection_policy", "OpaqueRef:NULL"), ("is_snapshot_from_vmpp", false), ("snapshot_schedule", "OpaqueRef:NULL"),
                ("is_vmss_snapshot", false), ("appliance", "OpaqueRef:NULL"), ("start_delay", 0L), ("shutdown_delay", 0L), ("order", 0L),
                ("VGPUs", L()), ("attached_PCIs", L()), ("suspend_SR", "OpaqueRef:NULL"), ("version", 0L), ("generation_id", ""),
                ("hardware_platform_version", 0L), ("has_vendor_device", false), ("requires_reboot", false), ("reference_label", template ? name.ToLowerInvariant().Replace(' ', '-') : ""),
                ("domain_type", domainType), ("NVRAM", Empty()), ("pending_guidances", L()), ("pending_guidances_recommended", L()),
                ("pending_guidances_full", L()));
            var vm = Db.New("VM", f);
            vm.F["allowed_operations"] = AllowedOps(vm);
            return vm;
        }

        public FakeHost HostOf(Obj vm) => Hosts.First(h => h.Rec.Ref == vm.S("resident_on"));

        /// <summary>Free memory of a host: its total less its overhead and what its running VMs hold.</summary>
        public long FreeMemory(FakeHost h)
        {
            var metrics = Db.Get("host_metrics", h.Rec.S("metrics"));
            long used = Db.All("VM").Where(v => v.S("resident_on") == h.Rec.Ref).Sum(v => v.L("memory_static_max") + v.L("memory_overhead"));
            return metrics.L("memory_total") - h.Rec.L("memory_overhead") - used;
        }

        private void UpdateHostMemory()
        {
            foreach (var h in Hosts)
            {
                var m = Db.Get("host_metrics", h.Rec.S("metrics"));
                long free = FreeMemory(h);
                if (m.L("memory_free") != free) { m.F["memory_free"] = free; Db.Touch(m); }
                var resident = Db.All("VM").Where(v => v.S("resident_on") == h.Rec.Ref).Select(v => (object?)v.Ref).ToList();
                if (!resident.SequenceEqual(h.Rec.List("resident_VMs"))) { h.Rec.F["resident_VMs"] = resident; Db.Touch(h.Rec); }
            }
        }

        /// <summary>Puts a VM on a host as running (or paused): domid, consoles (vt100 for PV guests, rfb for all), a fresh console buffer.</summary>
        public void Boot(Obj vm, FakeHost h, bool paused, bool resumed = false)
        {
            vm.F["power_state"] = paused ? "Paused" : "Running";
            vm.F["resident_on"] = h.Rec.Ref;
            vm.F["domid"] = vm.B("is_control_domain") ? 0L : h.NextDomid++;
            vm.F["memory_target"] = vm.L("memory_dynamic_max");
            vm.F["suspend_VDI"] = "OpaqueRef:NULL";
            var consoles = new List<object?>();
            bool pv = vm.S("domain_type") != "hvm";
            foreach (string proto in pv ? new[] { "rfb", "vt100" } : new[] { "rfb" })
            {
                var c = Db.New("console", M(("uuid", Db.NewUuid()), ("protocol", proto), ("location", ""), ("VM", vm.Ref), ("other_config", Empty())));
                // domU: https://<host address>/console?uuid=<console uuid>; dom0: ?ref=<console ref>. The fake's port is not 443, so it is named.
                string where = "https://" + h.Address + ":" + Port.ToString(CultureInfo.InvariantCulture) + "/console";
                c.F["location"] = vm.B("is_control_domain") ? where + "?ref=" + c.Ref : where + "?uuid=" + c.Uuid;
                consoles.Add(c.Ref);
            }
            vm.F["consoles"] = consoles;
            vm.F["allowed_operations"] = AllowedOps(vm);
            Db.Touch(vm);
            PlugDevices(vm, true);
            if (!Guests.TryGetValue(vm.Ref, out var g)) Guests[vm.Ref] = g = new Guest(vm.S("name_label"), vm.Uuid);
            if (resumed) g.Resumed(vm.L("domid")); else g.Boot(vm.L("domid"));
            UpdateHostMemory();
        }

        /// <summary>Takes a VM off its host (halted or suspended): no domid, no consoles; its console connections close.</summary>
        public void Unplug(Obj vm, string state)
        {
            vm.F["power_state"] = state;
            vm.F["resident_on"] = "OpaqueRef:NULL";
            vm.F["domid"] = -1L;
            vm.F["memory_target"] = 0L;
            vm.F["suspend_VDI"] = state == "Suspended" ? Db.NewRef() : "OpaqueRef:NULL";
            foreach (var c in vm.List("consoles").Select(r => Db.Find((string)r!)).Where(c => c != null)) Db.Delete(c!);
            vm.F["consoles"] = L();
            vm.F["allowed_operations"] = AllowedOps(vm);
            Db.Touch(vm);
            PlugDevices(vm, false);
            if (Guests.TryGetValue(vm.Ref, out var g)) g.Close();
            UpdateHostMemory();
        }

        private FakeHost PlaceFor(Obj vm, FakeHost? wanted)
        {
            long need = vm.L("memory_static_max") + vm.L("memory_overhead");
            var candidates = wanted != null ? new List<FakeHost> { wanted }
                : vm.S("affinity") != "OpaqueRef:NULL" ? Hosts.Where(h => h.Rec.Ref == vm.S("affinity")).ToList() : Hosts.ToList();
            var fit = candidates.FirstOrDefault(h => FreeMemory(h) >= need);
            if (fit != null) return fit;
            long best = candidates.Max(h => FreeMemory(h));
            throw new Failure("HOST_NOT_ENOUGH_FREE_MEMORY", need.ToString(CultureInfo.InvariantCulture), Math.Max(0, best).ToString(CultureInfo.InvariantCulture));
        }

        private static void NotTemplate(Obj vm, string op)
        {
            if (vm.B("is_a_template") && op != "clone" && op != "copy" && op != "destroy") throw new Failure("VM_IS_TEMPLATE", vm.Ref, op);
            if (vm.B("is_control_domain")) throw new Failure("OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain.");
        }

        private static void NeedsAgent(Obj vm)
        {
            // Without a guest agent an HVM guest lacks feature-shutdown/suspend (PV kernels have it built in).
            if (vm.S("domain_type") == "hvm" && vm.S("guest_metrics") == "OpaqueRef:NULL") throw new Failure("VM_LACKS_FEATURE", vm.Ref);
        }

        /// <summary>A VM message, run synchronously (the caller holds the lock). Returns its result (null: void).</summary>
        public object? VmOp(string op, IReadOnlyList<object?> a)
        {
            var vm = Db.Get("VM", Arg.Str(a, 0, "vm"));
            switch (op)
            {
                case "start":
                case "start_on":
                {
                    NotTemplate(vm, op);
                    CheckPower(vm, op);
                    FakeHost? on = op == "start_on" ? Hosts.FirstOrDefault(h => h.Rec.Ref == Arg.Str(a, 1, "host")) ?? throw new Failure("HANDLE_INVALID", "host", Arg.Str(a, 1, "host")) : null;
                    bool paused = Arg.Bool(a, op == "start_on" ? 2 : 1, "start_paused");
                    Boot(vm, PlaceFor(vm, on), paused);
                    return null;
                }
                case "clean_shutdown":
                    NotTemplate(vm, op); CheckPower(vm, op); NeedsAgent(vm);
                    Unplug(vm, "Halted");
                    return null;
                case "hard_shutdown":
                case "shutdown":
                    NotTemplate(vm, op); CheckPower(vm, op);
                    Unplug(vm, "Halted");
                    return null;
                case "clean_reboot":
                case "hard_reboot":
                {
                    NotTemplate(vm, op); CheckPower(vm, op);
                    if (op == "clean_reboot") NeedsAgent(vm);
                    var h = HostOf(vm);
                    Unplug(vm, "Halted");
                    Boot(vm, h, false);
                    return null;
                }
                case "pause":
                    NotTemplate(vm, op); CheckPower(vm, op);
                    vm.F["power_state"] = "Paused"; vm.F["allowed_operations"] = AllowedOps(vm); Db.Touch(vm);
                    return null;
                case "unpause":
                    NotTemplate(vm, op); CheckPower(vm, op);
                    vm.F["power_state"] = "Running"; vm.F["allowed_operations"] = AllowedOps(vm); Db.Touch(vm);
                    return null;
                case "suspend":
                    NotTemplate(vm, op); CheckPower(vm, op); NeedsAgent(vm);
                    Unplug(vm, "Suspended");
                    return null;
                case "resume":
                case "resume_on":
                {
                    NotTemplate(vm, op); CheckPower(vm, op);
                    FakeHost? on = op == "resume_on" ? Hosts.FirstOrDefault(h => h.Rec.Ref == Arg.Str(a, 1, "host")) ?? throw new Failure("HANDLE_INVALID", "host", Arg.Str(a, 1, "host")) : null;
                    bool paused = Arg.Bool(a, op == "resume_on" ? 2 : 1, "start_paused");
                    Boot(vm, PlaceFor(vm, on), paused, resumed: true);
                    return null;
                }
                case "clone":
                {
                    string name = Arg.Str(a, 1, "new_name");
                    if (vm.B("is_control_domain")) throw new Failure("OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain.");
                    CheckPower(vm, op);
                    var copy = AddVm(name, vm.S("domain_type"), vm.L("memory_static_max") / MiB, vm.L("VCPUs_max"), template: vm.B("is_a_template"),
                        agent: vm.S("guest_metrics") != "OpaqueRef:NULL");
                    copy.F["is_default_template"] = false;
                    copy.F["other_config"] = new Dictionary<string, object?>(vm.Map("other_config"));
                    Db.Touch(copy);
                    CopyDevices(vm, copy);
                    return copy.Ref;
                }
                case "destroy":
                    NotTemplate(vm, op); CheckPower(vm, op);
                    DestroyDevices(vm);
                    Guests.Remove(vm.Ref);
                    Db.Delete(vm);
                    return null;
                default:
                    return MoreVmOp(op, vm, a);
            }
        }

        public static string[] VmMessages => s_vmMessages ??= new[] { "start", "start_on", "clean_shutdown", "hard_shutdown", "shutdown", "clean_reboot", "hard_reboot",
            "pause", "unpause", "suspend", "resume", "resume_on", "clone", "destroy" }.Concat(MoreVmMessages).ToArray();
        private static string[]? s_vmMessages;

        // ---------------------------------------------------------------- tasks

        public Obj NewTask(string name, Session s)
        {
            return Db.New("task", M(("uuid", Db.NewUuid()), ("name_label", name), ("name_description", ""), ("allowed_operations", L("cancel")),
                ("current_operations", Empty()), ("created", XDate.Now()), ("finished", XDate.Epoch), ("status", "pending"),
                ("resident_on", Master.Rec.Ref), ("progress", 0.0), ("type", "<none/>"), ("result", ""), ("error_info", L()),
                ("other_config", Empty()), ("subtask_of", "OpaqueRef:NULL"), ("subtasks", L()), ("backtrace", "()")));
        }

        /// <summary>Runs an Async call's work: progress half-way, then the work; result XML-RPC encoded; cancel honoured until the work starts.</summary>
        public void RunTask(Obj task, Func<object?> work)
        {
            int ms = Faults.TaskMs;
            Task.Run(async () =>
            {
                await Task.Delay(ms / 2);
                lock (Db.Lock)
                {
                    if (Db.Find(task.Ref) == null) return;
                    if (task.S("status") == "cancelling") { Finish(task, "cancelled"); return; }
                    task.F["progress"] = 0.5;
                    Db.Touch(task);
                }
                await Task.Delay(ms - ms / 2);
                lock (Db.Lock)
                {
                    if (Db.Find(task.Ref) == null) return;
                    if (task.S("status") == "cancelling") { Finish(task, "cancelled"); return; }
                    try
                    {
                        object? result = work();
                        task.F["result"] = result == null ? "" : XmlRpc.ValueText(result);
                        if (result is string r && r.StartsWith("OpaqueRef:", StringComparison.Ordinal)) task.F["type"] = Db.Find(r)?.Cls ?? "<none/>";
                        Finish(task, "success");
                    }
                    catch (Failure f)
                    {
                        task.F["error_info"] = f.Description;
                        Finish(task, "failure");
                    }
                }
            });
        }

        private void Finish(Obj task, string status)
        {
            task.F["status"] = status;
            task.F["progress"] = 1.0;
            task.F["finished"] = XDate.Now();
            task.F["allowed_operations"] = L();
            Db.Touch(task);
        }
    }
}
