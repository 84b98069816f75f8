using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// IXenDomainSettings on the simulated host: xl's rules and texts (captures 47, 48, 71, 72 and Xl/Fixtures/set-*),
    /// persisted in the domain's record (memory, maxmem, vcpus, the optional maxvcpus, the name, and the stored config's
    /// matching keys, so an exported config says what the domain is now). Domain-0's memory and vCPUs are fixed facts of
    /// a simulated host (host.json), so changing them is not supported here (xl can); Domain-0 is never renamed.
    /// </summary>
    public sealed partial class SimulatedXenBackend
    {
        public void SetMemoryTarget(XenDomain domain, long memoryMiB, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = FindForSettings(domain, "changing Domain-0's memory");
            if (memoryMiB < 1)
                throw new XenSettingOutOfRangeException("MemoryMiB", $"{Describe(d)}: a memory target of {N(memoryMiB)} MiB is not possible; give at least 1 MiB.");
            if (memoryMiB > d.MaxMemoryMiB)
                throw new XenSettingOutOfRangeException("MemoryMiB",
                    $"{Describe(d)}: the memory target {N(memoryMiB)} MiB is above its maximum memory {N(d.MaxMemoryMiB)} MiB " +
                    "(libxl_set_memory_target: memory_dynamic_max must be less than or equal to memory_static_max). " +
                    "Raise the maximum first (Set-XenDomain -MaxMemoryMiB, xl mem-max).");
            long free = FreeMemoryMiB();
            long more = memoryMiB - d.MemoryMiB;
            if (more > free)
                throw new XenResourceUnavailableException(
                    $"{Describe(d)}: raising its memory to {N(memoryMiB)} MiB needs {N(more)} MiB more, and the host has {N(free)} MiB free.");
            Replace(d, nd => { nd.MemoryMiB = memoryMiB; }, ("memory", N(memoryMiB)), cancellationToken);
            return 0;
        });

        public void SetMaxMemory(XenDomain domain, long maxMemoryMiB, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = FindForSettings(domain, "changing Domain-0's maximum memory");
            if (maxMemoryMiB < d.MemoryMiB)
                throw new XenSettingOutOfRangeException("MaxMemoryMiB",
                    $"{Describe(d)}: a maximum memory of {N(maxMemoryMiB)} MiB is below its current memory {N(d.MemoryMiB)} MiB " +
                    "(libxl_domain_setmaxmem: memory_static_max must be greater than or or equal to memory_dynamic_max). " +
                    "Lower its memory first (Set-XenDomain -MemoryMiB, xl mem-set).");
            Replace(d, nd => { nd.MaxMemoryMiB = maxMemoryMiB; }, ("maxmem", N(maxMemoryMiB)), cancellationToken);
            return 0;
        });

        public void SetVCpus(XenDomain domain, int vcpus, bool allowOvercommit, CancellationToken cancellationToken) => Locked(cancellationToken, now =>
        {
            var d = FindForSettings(domain, "changing Domain-0's vCPUs");
            int max = Math.Max(d.MaxVCpus, d.VCpus);
            // xl checks the host first (xl_vcpu.c vcpuset), then libxl the domain's maximum
            if (!allowOvercommit && vcpus > _host.CpuCount)
                throw new XenResourceUnavailableException(
                    $"{Describe(d)}: {N(vcpus)} vCPUs are more than the host's {N(_host.CpuCount)} physical CPUs " +
                    $"(You are overcommmitting! You have {N(_host.CpuCount)} physical CPUs and want {N(vcpus)} vCPUs! Aborting, use --ignore-host to continue). " +
                    "Allow it with Set-XenDomain -AllowOvercommit.");
            if (vcpus < 1)
                throw new XenSettingOutOfRangeException("VCpus", $"{Describe(d)}: {N(vcpus)} vCPUs is not possible (libxl_set_vcpuonline: Requested {N(vcpus)} VCPUs!); give at least 1.");
            if (vcpus > max)
                throw new XenSettingOutOfRangeException("VCpus",
                    $"{Describe(d)}: {N(vcpus)} vCPUs are more than its boot-time maximum of {N(max)} " +
                    $"(libxl_set_vcpuonline: Requested {N(vcpus)} VCPUs, however maxcpus is {N(max)}!). " +
                    "maxvcpus is fixed when a domain is created: set maxvcpus in its config and create it again.");
            Replace(d, nd => { nd.VCpus = vcpus; nd.MaxVCpus = max; }, ("vcpus", N(vcpus)), cancellationToken);
            return 0;
        });

        public void RenameDomain(XenDomain domain, string newName, CancellationToken cancellationToken)
        {
            if (newName == null) throw new ArgumentNullException(nameof(newName));
            XenPS.Services.DomainSettingsService.CheckNewName(newName);
            Locked(cancellationToken, now =>
            {
                var d = Find(domain, "Domain-0 cannot be renamed: it is the host's control domain, which xl and every tool find by that name.");
                if (d.Name == newName) return 0; // as xl rename to the same name: nothing to do
                if (newName == "Domain-0" || _store.ByName(newName) != null)
                    throw new XenResourceExistsException(
                        $"{Describe(d)} cannot be renamed to '{newName}': Domain with name \"{newName}\" already exists. Choose another name.");
                Replace(d, nd => { nd.Name = newName; }, ("name", newName), cancellationToken);
                return 0;
            });
        }

        // ---- helpers ----

        private SimDomain FindForSettings(XenDomain domain, string dom0Operation)
        {
            var d = Find(domain, null);
            if (d == null) throw new XenOperationNotSupportedException(BackendName, dom0Operation + " (a simulated host's Domain-0 is fixed when the host is created: SimHostOptions)");
            if (d.Shut)
                throw new XenInvalidOperationException($"{Describe(d)} has shut down (it is kept as {d.StateFlags(NowMs)}); its settings cannot change any more.");
            return d;
        }

        private long FreeMemoryMiB() => _host.TotalMemoryMiB - _host.Dom0MemoryMiB - _store.MemorySum;

        /// <summary>Stores a changed copy of the record, with the stored config's key set to match, and commits.</summary>
        private void Replace(SimDomain d, Action<SimDomain> change, (string key, string value) configKey, CancellationToken ct)
        {
            var nd = d.Copy();
            change(nd);
            var cfg = d.Config.Clone();
            cfg.Set(configKey.key, configKey.value);
            if (configKey.key == "vcpus" && nd.MaxVCpus > nd.VCpus) cfg.Set("maxvcpus", N(nd.MaxVCpus));
            nd.ConfigJson = SimDomain.ConfigToJson(cfg);
            nd.ResetConfig(cfg);
            _store.Put(nd);
            _store.Commit(ct);
        }

        private static string Describe(SimDomain d) => $"{d.Name} (id {N(d.Id)})";

        private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
