using System;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Set-XenDomain on a pool. Memory: the balloon target is the dynamic range (VM.set_memory_dynamic_range min=max,
    /// Halted or Running); the maximum is memory_static_max (VM.set_memory_static_max), which XAPI changes only while the
    /// VM is halted. vCPUs: VM.set_VCPUs_number_live while running (PV guests; 1..VCPUs_max), VM.set_VCPUs_at_startup while
    /// halted. The name: VM.set_name_label. AutoStart: XCP-ng's other_config auto_poweron, which the pool honours at boot
    /// when its own other_config auto_poweron is true as well.
    /// </summary>
    public sealed partial class XapiBackend : IXenDomainSettings, IXenAutoStart
    {
        public bool ChangesHaltedDomains => true;

        public void SetMemoryTarget(XenDomain domain, long memoryMiB, CancellationToken cancellationToken)
        {
            WithVm(domain, cancellationToken, vm =>
                Setting(() => Call("VM.set_memory_dynamic_range", $"Setting the memory of VM '{domain.Name}' to {memoryMiB} MiB", domain.Name, cancellationToken, vm, memoryMiB * MiB, memoryMiB * MiB),
                    "MemoryMiB", domain,
                    "XAPI sets a VM's memory (its dynamic range) while it is running or halted, not paused or suspended: resume it first."));
        }

        public void SetMaxMemory(XenDomain domain, long maxMemoryMiB, CancellationToken cancellationToken)
        {
            WithVm(domain, cancellationToken, vm =>
                Setting(() => Call("VM.set_memory_static_max", $"Setting the maximum memory of VM '{domain.Name}' to {maxMemoryMiB} MiB", domain.Name, cancellationToken, vm, maxMemoryMiB * MiB),
                    "MaxMemoryMiB", domain,
                    "XAPI changes a VM's maximum memory (memory_static_max) only while it is halted: stop it (Stop-XenDomain), set -MaxMemoryMiB, then start it again."));
        }

        public void SetVCpus(XenDomain domain, int vcpus, bool allowOvercommit, CancellationToken cancellationToken)
        {
            bool halted = domain.State == XenDomainState.Halted;
            WithVm(domain, cancellationToken, vm =>
                Setting(() => halted
                        ? Call("VM.set_VCPUs_at_startup", $"Setting the vCPUs of VM '{domain.Name}' to {vcpus}", domain.Name, cancellationToken, vm, (long)vcpus)
                        : Call("VM.set_VCPUs_number_live", $"Setting the vCPUs of VM '{domain.Name}' to {vcpus}", domain.Name, cancellationToken, vm, (long)vcpus),
                    "VCpus", domain,
                    "XAPI changes the vCPUs of a running VM (set_VCPUs_number_live) or a halted one, not of a paused or suspended VM: resume it first."));
        }

        public void RenameDomain(XenDomain domain, string newName, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "rename");
            if (newName == "Domain-0")
                throw new XenResourceExistsException("The name 'Domain-0' is the control domains' (every pool member's is listed so). Choose another name.");
            WithVm(domain, cancellationToken, vm => Call("VM.set_name_label", $"Renaming VM '{domain.Name}' to '{newName}'", domain.Name, cancellationToken, vm, newName));
        }

        public bool SetDomainAutoStart(XenDomain domain, bool enabled, CancellationToken cancellationToken)
        {
            RefuseDomain0(domain, "change the autostart of");
            return WithVm(domain, cancellationToken, vm =>
            {
                var rec = new XapiRecord(vm, XapiValue.AsStruct(Call("VM.get_record", $"Reading VM '{domain.Name}'", domain.Name, cancellationToken, vm), "VM.get_record"));
                bool now = string.Equals(rec.Map("other_config").TryGetValue("auto_poweron", out var v) ? v : null, "true", StringComparison.OrdinalIgnoreCase);
                if (now == enabled) return false;
                // As Xen Orchestra does: remove, then add (add_to_ fails with MAP_DUPLICATE_KEY on an existing key).
                Call("VM.remove_from_other_config", $"Changing the autostart of VM '{domain.Name}'", domain.Name, cancellationToken, vm, "auto_poweron");
                if (enabled) Call("VM.add_to_other_config", $"Changing the autostart of VM '{domain.Name}'", domain.Name, cancellationToken, vm, "auto_poweron", "true");
                return true;
            });
        }

        /// <summary>A setter's failure: a bad power state explained with what to do; XAPI's range errors as SettingOutOfRange.</summary>
        private static object? Setting(Func<object?> call, string setting, XenDomain d, string powerAdvice)
        {
            try
            {
                return call();
            }
            catch (XenPSException e) when (e.Data["XapiErrorCode"] as string == "VM_BAD_POWER_STATE")
            {
                var x = new XenInvalidOperationException($"VM '{d.Name}' is {d.State.ToString().ToLowerInvariant()}: {powerAdvice} ({e.Message})");
                x.Data["XapiErrorCode"] = "VM_BAD_POWER_STATE";
                x.Data["XapiErrorParameters"] = e.Data["XapiErrorParameters"];
                throw x;
            }
            catch (XenPSException e) when (e.Data["XapiErrorCode"] is string c && (c == "MEMORY_CONSTRAINT_VIOLATION" || c == "INVALID_VALUE"))
            {
                var x = new XenSettingOutOfRangeException(setting, e.Message + (c == "MEMORY_CONSTRAINT_VIOLATION"
                    ? $" VM '{d.Name}' allows {MiBText(d)}."
                    : $" VM '{d.Name}' has at most {d.MaxVCpus} vCPUs (VCPUs_max)."));
                x.Data["XapiErrorCode"] = c;
                x.Data["XapiErrorParameters"] = e.Data["XapiErrorParameters"];
                throw x;
            }
        }

        private static string MiBText(XenDomain d) => $"memory up to its maximum of {d.MaxMemoryMiB} MiB, and no less than its static minimum";
    }
}
