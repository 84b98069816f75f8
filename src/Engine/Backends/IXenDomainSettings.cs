using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// Changing a running domain's settings, as `xl mem-set`, `mem-max`, `vcpu-set` and `rename` do. Each call is one
    /// change with xl's rules, refused with nothing changed: memory above the domain's maximum, or a maximum below its
    /// current memory, is SettingOutOfRange; vCPUs above the boot-time maximum (maxvcpus) too; more vCPUs than the host
    /// has CPUs is InsufficientResources unless <c>allowOvercommit</c> (xl vcpu-set --ignore-host); a name in use is
    /// DomainExists. Domain-0's memory and vCPUs may be changed where the backend can (xl can); Domain-0 is never renamed
    /// (Domain0Refused). Ordering several changes safely is <see cref="XenPS.Services.DomainSettingsService"/>'s job.
    /// </summary>
    public interface IXenDomainSettings
    {
        /// <summary>The balloon target, MiB (xl mem-set DOM NNNm): what xl list shows as Mem.</summary>
        void SetMemoryTarget(XenDomain domain, long memoryMiB, CancellationToken cancellationToken);

        /// <summary>The most memory the domain may have, MiB (xl mem-max DOM NNNm).</summary>
        void SetMaxMemory(XenDomain domain, long maxMemoryMiB, CancellationToken cancellationToken);

        /// <summary>The vCPUs the guest is offered online (xl vcpu-set [--ignore-host] DOM N), 1 to maxvcpus.</summary>
        void SetVCpus(XenDomain domain, int vcpus, bool allowOvercommit, CancellationToken cancellationToken);

        /// <summary>Renames the domain (xl rename DOM NEW); the new name follows ConfigValidator's name rules.</summary>
        void RenameDomain(XenDomain domain, string newName, CancellationToken cancellationToken);

        /// <summary>
        /// True when the settings of a domain that is not running can be changed too (XAPI keeps halted VMs: their
        /// memory, vCPUs and name are part of the VM). xl has no halted domains, so false by default.
        /// </summary>
        bool ChangesHaltedDomains => false;
    }
}
