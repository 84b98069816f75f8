using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// New-XenDomain -Template on a pool, the `xe vm-install` way: Async.VM.clone of the template, its memory
    /// (VM.set_memory_limits) and vCPUs (VM.set_VCPUs_max / set_VCPUs_at_startup) set, Async.VM.provision (its disks
    /// from other_config:disks, on the pool's default SR; it stops being a template), then Async.VM.start. If a step
    /// fails (HOST_NOT_ENOUGH_FREE_MEMORY at start, say) the new VM and the disks provision made are removed again.
    /// </summary>
    public sealed partial class XapiBackend : IXenTemplates
    {
        public XenDomain CreateFromTemplate(TemplateInstallOptions o, Action<XenTaskProgress>? progress, CancellationToken cancellationToken)
        {
            var ct = cancellationToken;
            var records = XapiRecord.All(Call("VM.get_all_records", "Listing the pool's VMs and templates", null, ct), "VM.get_all_records");
            var templates = records.Where(r => r.Bool("is_a_template") && !r.Bool("is_a_snapshot")).ToList();
            var byUuid = templates.Where(r => string.Equals(r.Str("uuid"), o.Template, StringComparison.OrdinalIgnoreCase)).ToList();
            var matches = byUuid.Count > 0 ? byUuid : templates.Where(r => r.Str("name_label") == o.Template).ToList();
            if (matches.Count == 0)
                throw new XenTemplateNotFoundException(o.Template,
                    $"The pool has no template '{o.Template}' (by name or uuid). Its templates are: " +
                    string.Join(", ", templates.Select(r => "'" + r.Str("name_label") + "'").OrderBy(n => n, StringComparer.Ordinal).Take(12)) +
                    (templates.Count > 12 ? ", ..." : "") + ".");
            if (matches.Count > 1)
                throw new XenArgumentException($"{matches.Count} templates are named '{o.Template}'; give its uuid: " + string.Join(", ", matches.Select(m => m.Str("uuid"))) + ".");
            var template = matches[0];
            var taken = records.FirstOrDefault(r => !r.Bool("is_a_template") && !r.Bool("is_a_snapshot") && r.Str("name_label") == o.Name);
            if (taken != null)
                throw new XenResourceExistsException($"A VM named '{o.Name}' is already in the pool ({taken.Str("uuid")}, {taken.Str("power_state")}). Choose another name.");

            string what = $"Creating VM '{o.Name}' from template '{template.Str("name_label")}'";
            IProgress<double> Phase(string phase, int from, int to) =>
                new ActionProgress(p => progress?.Invoke(new XenTaskProgress(phase, from + (int)Math.Round(Math.Clamp(p, 0, 1) * (to - from)))));

            progress?.Invoke(new XenTaskProgress("Cloning the template", 0));
            string vm = XapiValue.AsString(RunTask("VM.clone", what + " (VM.clone)", o.Name, ct, Phase("Cloning the template", 0, 30), null, template.Ref, o.Name)) ?? "";
            if (!vm.StartsWith("OpaqueRef:", StringComparison.Ordinal))
                throw new XenPSException($"{what}: VM.clone answered '{vm}', not a VM reference.", null, XenErrorReason.HostCommandFailed);
            try
            {
                var rec = Record(vm, ct);
                if (o.MemoryMiB is long mem)
                {
                    long bytes = mem * MiB;
                    long smin = Math.Min(rec.Long("memory_static_min"), bytes);
                    Setting(() => Call("VM.set_memory_limits", what + $" (memory {mem} MiB)", o.Name, ct, vm, smin, bytes, bytes, bytes), "MemoryMiB",
                        ToDomain(rec), "");
                }
                if (o.VCpus is int n)
                {
                    if (n > rec.Long("VCPUs_max"))
                    {
                        Setting(() => Call("VM.set_VCPUs_max", what + $" ({n} vCPUs)", o.Name, ct, vm, (long)n), "VCpus", ToDomain(rec), "");
                        Setting(() => Call("VM.set_VCPUs_at_startup", what + $" ({n} vCPUs)", o.Name, ct, vm, (long)n), "VCpus", ToDomain(rec), "");
                    }
                    else
                    {
                        Setting(() => Call("VM.set_VCPUs_at_startup", what + $" ({n} vCPUs)", o.Name, ct, vm, (long)n), "VCpus", ToDomain(rec), "");
                        Setting(() => Call("VM.set_VCPUs_max", what + $" ({n} vCPUs)", o.Name, ct, vm, (long)n), "VCpus", ToDomain(rec), "");
                    }
                }
                progress?.Invoke(new XenTaskProgress("Provisioning its disks", 30));
                RunTask("VM.provision", what + " (VM.provision)", o.Name, ct, Phase("Provisioning its disks", 30, 60), null, vm);
                progress?.Invoke(new XenTaskProgress("Starting it", 60));
                RunTask("VM.start", what + " (VM.start)", o.Name, ct, Phase("Starting it", 60, 100), null, vm, o.Paused, false);
            }
            catch (Exception e) when (e is XenPSException || e is OperationCanceledException)
            {
                RemoveHalfMade(vm);
                if (e is XenPSException x && !(e is XenTemplateNotFoundException))
                    throw Wrap(x, $"{what} failed, and the new VM was removed again: ");
                throw;
            }
            var created = Record(vm, ct);
            if (!XapiValue.IsNullRef(created.Str("resident_on")) && !_hosts.ContainsKey(created.Str("resident_on"))) RefreshHosts(ct);
            var d = ToDomain(created);
            if (!string.IsNullOrEmpty(d.Uuid)) _vmRefs[d.Uuid!] = vm;
            return d;
        }

        private XapiRecord Record(string vm, CancellationToken ct) =>
            new XapiRecord(vm, XapiValue.AsStruct(Call("VM.get_record", "Reading the new VM", null, ct, vm), "VM.get_record"));

        /// <summary>Removes what a failed install made: the VM halted, its VBDs' VDIs, the VM. Not cancellable; failures ignored.</summary>
        private void RemoveHalfMade(string vm)
        {
            var none = CancellationToken.None;
            try
            {
                var rec = new XapiRecord(vm, XapiValue.AsStruct(_session.Call("VM.get_record", new object?[] { vm }, none), "VM.get_record"));
                if (rec.Str("power_state") != "Halted")
                    _session.Call("VM.hard_shutdown", new object?[] { vm }, none);
                var vdis = new List<string>();
                foreach (var vbd in rec.Strings("VBDs"))
                {
                    try
                    {
                        var v = XapiValue.AsString(_session.Call("VBD.get_VDI", new object?[] { vbd }, none));
                        if (!XapiValue.IsNullRef(v)) vdis.Add(v!);
                    }
                    catch (XapiFailure) { }
                }
                _session.Call("VM.destroy", new object?[] { vm }, none);
                foreach (var vdi in vdis)
                {
                    try { _session.Call("VDI.destroy", new object?[] { vdi }, none); } catch (XapiFailure) { }
                }
            }
            catch (Exception e) when (e is XapiFailure || e is XenPSException)
            {
                // What is left shows in the pool (a halted VM of that name); the original error says what failed.
            }
        }

        private static XenPSException Wrap(XenPSException e, string prefix)
        {
            XenPSException w = e switch
            {
                XenResourceUnavailableException _ => new XenResourceUnavailableException(prefix + e.Message),
                XenInvalidOperationException _ => new XenInvalidOperationException(prefix + e.Message, e.Reason),
                XenSettingOutOfRangeException s => new XenSettingOutOfRangeException(s.Setting, prefix + e.Message),
                _ => e,
            };
            if (!ReferenceEquals(w, e)) foreach (System.Collections.DictionaryEntry kv in e.Data) w.Data[kv.Key] = kv.Value;
            return w;
        }
    }
}
