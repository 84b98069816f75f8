using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;
using XenPS.Backends.XenApi;
using XenPS.Services;
using Xunit;
using static XenPS.Tests.XenApi.FakePool;

namespace XenPS.Tests.XenApi
{
    /// <summary>
    /// The operations added for issue 12 against a fake pool of its own (they change it): reboot, suspend/resume as
    /// Save/Restore, settings, waits through event.from, installs from templates, every pool member's facts, devices,
    /// starting halted VMs, and the fake's pool_migrate. Each has a failure path (bad power state, not enough memory).
    /// </summary>
    public sealed class XapiOperationsTests : IClassFixture<FakePoolFixture>
    {
        private readonly FakeXapiServer _fake;
        private static readonly CancellationToken None = CancellationToken.None;

        public XapiOperationsTests(FakePoolFixture f) { _fake = f.Server; }

        private (IXenBackend B, XenHostConnection Conn) Open()
        {
            var b = _fake.Open();
            return (b, new XenHostConnection("pool", _fake.Uri, b));
        }

        private static XenDomainTarget T(XenHostConnection c, XenDomain d) => new XenDomainTarget(c, DomainLifecycleService.Stamp(d, c));

        // ------------------------------------------------------------------ reboot

        [Fact]
        public void Restart_is_clean_reboot_as_a_task_and_the_wait_sees_the_new_domid()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "rb1");
            int reboots = _fake.Calls("Async.VM.clean_reboot");
            var svc = new DomainLifecycleService(new DomainWaitService { Interval = TimeSpan.FromMilliseconds(50) });
            var t = T(c, d);
            var o = new RebootOptions { Timeout = TimeSpan.FromSeconds(20) };
            Assert.True(svc.RequestReboot(t, o, None).Succeeded);
            var r = svc.WaitForReboot(new[] { t }, o, null, null, null, None).Single();
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.NotEqual(d.Id, r.Domain!.Id);
            Assert.Equal(d.Uuid, r.Domain.Uuid);
            Assert.Equal(reboots + 1, _fake.Calls("Async.VM.clean_reboot"));
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void Rebooting_a_halted_VM_is_a_bad_power_state_and_a_guest_without_drivers_needs_the_fallback()
        {
            var (b, c) = Open();
            using var _ = b;
            var reboot = (IXenReboot)b;
            var e = Assert.Throws<XenInvalidOperationException>(() => reboot.RebootDomain(Vm(b, "db1"), false, None));
            Assert.Contains("VM_BAD_POWER_STATE", e.Message);
            Assert.Contains("the VM is halted, and this needs it running", e.Message);
            var hvm = Guest(c, "rb-hvm-noagent");
            _fake.Control(new { action = "set_vm", name = "rb-hvm-noagent", domain_type = "hvm", guest_metrics = "OpaqueRef:NULL" });
            Assert.Equal(XenErrorReason.PvControlUnavailable,
                Assert.Throws<XenInvalidOperationException>(() => reboot.RebootDomain(Vm(b, "rb-hvm-noagent"), false, None)).Reason);
            int hard = _fake.Calls("Async.VM.hard_reboot");
            reboot.RebootDomain(Vm(b, "rb-hvm-noagent"), true, None);
            Assert.Equal(hard + 1, _fake.Calls("Async.VM.hard_reboot"));
            Assert.NotEqual(hvm.Id, Vm(b, "rb-hvm-noagent").Id);
        }

        // ------------------------------------------------------------------ save / restore

        [Fact]
        public void Save_is_VM_suspend_with_task_progress_and_Restore_resumes_it_from_the_path_Save_gave()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "sv1");
            var reports = new List<XenProgress>();
            var r = new CheckpointService().Save(T(c, d), XapiBackend.SuspendPath, new SaveDomainOptions(), new ListProgress(reports), None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal("xapi:suspend/" + d.Uuid, r.Checkpoint!.Path);
            Assert.Equal(XenDomainState.Suspended, Vm(b, "sv1").State);
            Assert.Contains(reports, p => !p.Completed && p.PercentComplete > 0 && p.PercentComplete < 100);
            Assert.True(reports.Last().Completed);
            var back = new CheckpointService().Restore(c, r.Checkpoint.Path, new RestoreDomainOptions(), None);
            Assert.Equal(XenDomainState.Running, back.State);
            Assert.Equal(d.Uuid, back.Uuid);
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void Save_refuses_file_paths_and_KeepRunning_before_anything_is_sent_and_a_suspended_VM_is_a_bad_power_state()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new CheckpointService();
            int suspends = _fake.Calls("Async.VM.suspend");
            var r = svc.Save(T(c, Vm(b, "web1")), "/var/lib/xen/save/web1.save", new SaveDomainOptions(), null, None);
            Assert.Equal("CheckpointPathInvalid", r.Error!.ErrorId);
            Assert.Contains("-Path xapi:suspend", r.Error.Message);
            r = svc.Save(T(c, Vm(b, "web1")), XapiBackend.SuspendPath, new SaveDomainOptions { KeepRunning = true }, null, None);
            Assert.Equal(XenErrorReason.InvalidOperation, r.Error!.Reason);
            Assert.Contains("always stops the VM", r.Error.Message);
            Assert.Equal(suspends, _fake.Calls("Async.VM.suspend"));
            r = svc.Save(T(c, Vm(b, "susp1")), XapiBackend.SuspendPath, new SaveDomainOptions(), null, None);
            Assert.Contains("VM_BAD_POWER_STATE", r.Error!.Message);
            var e = Assert.Throws<XenCheckpointException>(() => svc.Restore(c, "xapi:suspend/db1", new RestoreDomainOptions(), None));
            Assert.Equal(XenErrorReason.CheckpointNotFound, e.Reason);
            Assert.Contains("halted, not suspended", e.Message);
            Assert.Equal(XenErrorReason.CheckpointNotFound,
                Assert.Throws<XenCheckpointException>(() => svc.Restore(c, "xapi:suspend/nosuchvm", new RestoreDomainOptions(), None)).Reason);
        }

        // ------------------------------------------------------------------ settings

        [Fact]
        public void Memory_vCPUs_and_name_of_a_running_VM_are_set_and_listed()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "set1", 512);
            var r = new DomainSettingsService().Apply(T(c, d), new DomainSettings { MemoryMiB = 384, VCpus = 1, NewName = "set1-renamed" }, None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(384, r.Domain!.MemoryMiB);
            Assert.Equal(1, r.Domain.VCpus);
            Assert.Equal("set1-renamed", r.Domain.Name);
            Assert.True(_fake.Calls("VM.set_memory_dynamic_range") >= 1);
            Assert.True(_fake.Calls("VM.set_VCPUs_number_live") >= 1);
        }

        [Fact]
        public void The_maximum_memory_changes_only_while_halted_and_a_halted_VM_takes_every_setting()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "set2", 512);
            var svc = new DomainSettingsService();
            var r = svc.Apply(T(c, d), new DomainSettings { MaxMemoryMiB = 1024 }, None);
            Assert.False(r.Succeeded);
            Assert.Equal(XenErrorReason.InvalidOperation, r.Error!.Reason);
            Assert.Contains("only while it is halted", r.Error.Message);
            Assert.Contains("VM_BAD_POWER_STATE", r.Error.Message);
            Assert.Equal(512, Vm(b, "set2").MaxMemoryMiB);

            ((IXenPowerControl)b).DestroyDomain(Vm(b, "set2"), None);
            r = svc.Apply(T(c, Vm(b, "set2")), new DomainSettings { MaxMemoryMiB = 1024, MemoryMiB = 768, VCpus = 1 }, None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.Equal(1024, r.Domain!.MaxMemoryMiB);
            Assert.Equal(768, r.Domain.MemoryMiB);
            Assert.Equal(1, r.Domain.VCpus);
            Assert.Equal(XenDomainState.Halted, r.Domain.State);
        }

        [Fact]
        public void XAPI_s_range_errors_are_SettingOutOfRange_and_a_paused_VM_is_explained()
        {
            var (b, c) = Open();
            using var _ = b;
            var settings = (IXenDomainSettings)b;
            var d = Guest(c, "set3", 512);
            var e = Assert.Throws<XenSettingOutOfRangeException>(() => settings.SetVCpus(d, 7, false, None));
            Assert.Contains("INVALID_VALUE", e.Message);
            var m = Assert.Throws<XenSettingOutOfRangeException>(() => settings.SetMemoryTarget(Vm(b, "set3"), 4096, None));
            Assert.Contains("MEMORY_CONSTRAINT_VIOLATION", m.Message);
            var p = Assert.Throws<XenInvalidOperationException>(() => settings.SetMemoryTarget(Vm(b, "paused1"), 256, None));
            Assert.Contains("resume it first", p.Message);
        }

        [Fact]
        public void AutoStart_is_XCP_ng_s_other_config_auto_poweron()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "auto1");
            var svc = new DomainSettingsService();
            var r = svc.Apply(T(c, d), new DomainSettings { AutoStart = true }, None);
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.True(Vm(b, "auto1").AutoStart);
            Assert.Equal(XenSettingStatus.Unchanged, svc.Apply(T(c, Vm(b, "auto1")), new DomainSettings { AutoStart = true }, None).Outcomes.Single().Status);
            Assert.True(svc.Apply(T(c, Vm(b, "auto1")), new DomainSettings { AutoStart = false }, None).Succeeded);
            Assert.False(Vm(b, "auto1").AutoStart);
        }

        // ------------------------------------------------------------------ waits through event.from

        [Fact]
        public async Task Wait_is_event_from_not_polling_and_ends_as_soon_as_the_VM_changes()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "wt1");
            int listings = _fake.Calls("VM.get_all_records"), injects = _fake.Calls("event.inject");
            var waits = new DomainWaitService { Interval = TimeSpan.FromSeconds(30) }; // a poller would not see the change in time
            var stop = Task.Run(async () => { await Task.Delay(400); ((IXenPowerControl)b).DestroyDomain(d, None); });
            var sw = Stopwatch.StartNew();
            var r = waits.WaitFor(new[] { T(c, d) }, new WaitForOptions { State = XenWaitState.Halted, Timeout = TimeSpan.FromSeconds(20) }, null, None).Single();
            await stop;
            Assert.True(r.Succeeded, r.Error?.Message);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
            Assert.Equal(injects + 1, _fake.Calls("event.inject"));
            Assert.True(_fake.Calls("VM.get_all_records") - listings <= 2, "one listing to start the watch (and one by DestroyDomain's caller at most)");
            Assert.True(_fake.Calls("event.from") >= 1);
        }

        [Fact]
        public async Task EVENTS_LOST_lists_again_and_the_wait_goes_on_and_a_timeout_says_what_was_reached()
        {
            var (b, c) = Open();
            using var _ = b;
            var d = Guest(c, "wt2");
            var waits = new DomainWaitService { Interval = TimeSpan.FromSeconds(30) };
            int resyncs = ((XapiBackend)b).EventResyncs;
            var go = Task.Run(async () =>
            {
                await Task.Delay(300);
                // The watch is inside event.from: a change that is not the state wanted wakes it, and its next
                // event.from answers EVENTS_LOST; the state wanted comes after.
                _fake.Control(new { action = "events_lost_next" });
                _fake.Control(new { action = "set_vm", name = "wt2", user_version = 2L });
                await Task.Delay(300);
                ((IXenPowerControl)b).PauseDomain(d, None);
            });
            var r = waits.WaitFor(new[] { T(c, d) }, new WaitForOptions { State = XenWaitState.Paused, Timeout = TimeSpan.FromSeconds(20) }, null, None).Single();
            await go;
            Assert.True(r.Succeeded, r.Error?.ToString());
            Assert.Equal(resyncs + 1, ((XapiBackend)b).EventResyncs);

            var sw = Stopwatch.StartNew();
            var late = waits.WaitFor(new[] { T(c, Vm(b, "db1")) }, new WaitForOptions { State = XenWaitState.Running, Timeout = TimeSpan.FromSeconds(1.5) }, null, None).Single();
            Assert.False(late.Succeeded);
            Assert.Equal(XenErrorReason.Timeout, late.Error!.Reason);
            Assert.Contains("it is Halted", late.Error.Message);
            Assert.InRange(sw.Elapsed.TotalSeconds, 1.2, 8);
        }

        // ------------------------------------------------------------------ templates

        [Fact]
        public void A_VM_from_a_template_is_cloned_provisioned_sized_and_started_with_progress()
        {
            var (b, c) = Open();
            using var _ = b;
            var reports = new List<XenProgress>();
            var d = new DomainLifecycleService().CreateFromTemplate(c,
                new TemplateInstallOptions { Template = "Debian Bookworm 12", Name = "tpl1", MemoryMiB = 640, VCpus = 3 }, new ListProgress(reports), None);
            Assert.Equal("tpl1", d.Name);
            Assert.Equal(XenDomainState.Running, d.State);
            Assert.Equal(640, d.MemoryMiB);
            Assert.Equal(640, d.MaxMemoryMiB);
            Assert.Equal(3, d.VCpus);
            Assert.Equal("pool", d.Host);
            Assert.Contains(reports, p => p.Status.Contains("provisioning"));
            Assert.True(reports.Last().Completed);
            var disks = ((IXenDevices)b).ListDisks(d, None);
            Assert.Equal("xvda", Assert.Single(disks).Vdev);
            Assert.Equal(1, _fake.Calls("Async.VM.provision") > 0 ? 1 : 0);
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void A_template_install_that_cannot_start_leaves_nothing_and_names_and_templates_are_checked()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new DomainLifecycleService();
            var e = Assert.Throws<XenResourceUnavailableException>(() => svc.CreateFromTemplate(c,
                new TemplateInstallOptions { Template = "Debian Bookworm 12", Name = "tpl-huge", MemoryMiB = 65536 }, null, None));
            Assert.Contains("HOST_NOT_ENOUGH_FREE_MEMORY", e.Message);
            Assert.Contains("removed again", e.Message);
            Assert.DoesNotContain(b.ListDomains(None), x => x.Name == "tpl-huge");
            Assert.Throws<XenResourceExistsException>(() => svc.CreateFromTemplate(c, new TemplateInstallOptions { Template = "Debian Bookworm 12", Name = "web1" }, null, None));
            var nf = Assert.Throws<XenTemplateNotFoundException>(() => svc.CreateFromTemplate(c, new TemplateInstallOptions { Template = "Windows 95", Name = "w95" }, null, None));
            Assert.Contains("'Debian Bookworm 12'", nf.Message);
            Assert.Equal("TemplateNotFound", nf.ErrorId);
            Assert.Contains("-Template",
                Assert.Throws<XenArgumentException>(() => svc.CreateFromTemplate(c, new TemplateInstallOptions { Template = " ", Name = "tpl2" }, null, None)).Message);
        }

        [Fact]
        public void An_xl_config_is_refused_with_the_template_way_to_create()
        {
            var (b, c) = Open();
            using var _ = b;
            var cfg = Conformance.BackendConformance.GuestConfig("xlcfg");
            var e = Assert.Throws<XenArgumentException>(() => new DomainLifecycleService().Create(c, cfg, new CreateDomainOptions(), None));
            Assert.Contains("New-XenDomain -Template", e.Message);
        }

        // ------------------------------------------------------------------ hosts, devices, start, unsupported

        [Fact]
        public void Host_info_is_one_object_per_pool_member_master_first()
        {
            var (b, c) = Open();
            using var _ = b;
            var r = new HostInfoService().Get(new[] { c }, None).Single();
            Assert.Null(r.Error);
            Assert.Equal(new[] { "xcp-host1", "xcp-host2" }, r.Infos.Select(i => i.HostName));
            Assert.Equal(new bool?[] { true, false }, r.Infos.Select(i => i.IsPoolMaster));
            Assert.All(r.Infos, i =>
            {
                Assert.Equal("pool", i.Host);
                Assert.Equal("fake-pool", i.Pool);
                Assert.Equal(8, i.CpuCount);
                Assert.Equal(16384, i.TotalMemoryMiB);
                Assert.Equal(1024, i.Dom0MemoryMiB);
                Assert.Equal("credit", i.Scheduler);
                Assert.Contains("hvm-3.0-x86_64", i.Capabilities);
            });
            Assert.Same(r.Infos[0], r.Info);
        }

        [Fact]
        public void Disks_and_interfaces_are_listed_and_hotplug_is_refused_with_the_pool_s_way()
        {
            var (b, c) = Open();
            using var _ = b;
            var dev = new DeviceService();
            var disks = dev.ListDisks(new[] { T(c, Vm(b, "web1")), T(c, Vm(b, "db1")) }, None);
            Assert.Equal("xvda", disks[0].Devices.Single().Vdev);
            Assert.Equal(XenDeviceState.Connected, disks[0].Devices.Single().State);
            Assert.Equal(XenDeviceState.Closed, disks[1].Devices.Single().State);
            Assert.StartsWith("VDI ", disks[0].Devices.Single().Target);
            var nic = dev.ListNetworkAdapters(new[] { T(c, Vm(b, "web1")) }, None).Single().Devices.Single();
            Assert.Matches("^00:16:3e:", nic.MacAddress);
            Assert.Equal("xenbr0", nic.Bridge);
            var r = dev.DetachDisk(T(c, Vm(b, "web1")), "xvda", false, null, None);
            Assert.Equal(XenErrorReason.OperationNotSupported, r.Error!.Reason);
            Assert.Contains("xe vbd-create", r.Error.Message);
        }

        [Fact]
        public void A_halted_VM_is_started_and_one_too_big_for_any_host_is_InsufficientResources()
        {
            var (b, c) = Open();
            using var _ = b;
            var svc = new DomainLifecycleService();
            var d = Guest(c, "st1");
            ((IXenPowerControl)b).DestroyDomain(d, None);
            var started = svc.StartKept(T(c, Vm(b, "st1")), false, None);
            Assert.Equal(XenDomainState.Running, started.State);
            var e = Assert.Throws<XenResourceUnavailableException>(() => svc.StartKept(T(c, Vm(b, "bigvm")), false, None));
            Assert.Contains("HOST_NOT_ENOUGH_FREE_MEMORY", e.Message);
            Assert.Equal(0, _fake.Tasks());
        }

        [Fact]
        public void Stored_configs_are_not_supported_with_a_message_that_says_what_to_use()
        {
            using var b = _fake.Open();
            var e = Assert.Throws<XenOperationNotSupportedException>(() => b.Require<IXenStoredConfigs>("stored domain configs (/etc/xen)"));
            Assert.Contains("/etc/xen", e.Message);
            Assert.Contains("New-XenDomain -Template", e.Message);
            Assert.Contains("auto_poweron", e.Message);
        }

        [Fact]
        public void The_fake_migrates_within_the_pool_with_its_power_state_table()
        {
            using var b = (XapiBackend)_fake.Open();
            var c = new XenHostConnection("pool", _fake.Uri, b);
            var d = Guest(c, "mig1");
            string host2 = XapiValue.AsString(((IReadOnlyList<object?>)b.Call("host.get_by_name_label", "", null, None, "xcp-host2")!)[0])!;
            string vm = b.VmRef(d, None);
            b.RunTask("VM.pool_migrate", "Migrating", d.Name, None, null, null, vm, host2, new Dictionary<string, object?> { ["live"] = "true" });
            var moved = Vm(b, "mig1");
            Assert.Equal("xcp-host2", moved.ResidentOn);
            Assert.Equal(XenDomainState.Running, moved.State);
            var e = Assert.Throws<XenInvalidOperationException>(() =>
                b.RunTask("VM.pool_migrate", "Migrating", "db1", None, null, null, b.VmRef(Vm(b, "db1"), None), host2, new Dictionary<string, object?>()));
            Assert.Contains("the VM is halted, and this needs it running", e.Message);
        }
    }
}
