using System;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Set-XenDomain: changes a running domain's memory (xm mem-set), maximum memory (xm mem-max), vCPUs (xm vcpu-set)
    /// and name (xm rename). Every value is checked before anything changes; several settings are applied in a safe
    /// order by DomainSettingsService, which reports each one. Domain-0's memory and vCPUs may be changed where the
    /// backend can; Domain-0 is never renamed.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "XenDomain", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomain))]
    public sealed class SetXenDomainCommand : XenDomainTargetCmdletBase
    {
        private readonly DomainSettingsService _settings = new DomainSettingsService();
        private DomainSettings _request = null!;
        private bool _manyHosts;

        /// <summary>The memory target, MiB: the balloon target (xl mem-set), at most the maximum memory.</summary>
        [Parameter]
        [Alias("Memory")]
        [ValidateRange(1L, 1L << 42)]
        public long MemoryMiB { get; set; }

        /// <summary>The most memory the domain may have, MiB (xl mem-max), at least its memory.</summary>
        [Parameter]
        [Alias("MaxMemory")]
        [ValidateRange(1L, 1L << 42)]
        public long MaxMemoryMiB { get; set; }

        /// <summary>vCPUs online (xl vcpu-set), 1 to the domain's boot-time maximum (MaxVCpus: maxvcpus in its config).</summary>
        [Parameter]
        [ValidateRange(1, 4096)]
        public int VCpus { get; set; }

        /// <summary>Allow more vCPUs than the host has physical CPUs (xl vcpu-set --ignore-host).</summary>
        [Parameter]
        public SwitchParameter AllowOvercommit { get; set; }

        /// <summary>The domain's new name (xl rename); applied after the other settings.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string NewName { get; set; } = null!;

        /// <summary>Write each domain as it is afterwards.</summary>
        /// <summary>Start the domain when the host boots (a link in /etc/xen/auto to its stored config), or not.</summary>
        [Parameter]
        public bool AutoStart { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        // -AutoStart needs the stored configs (and selects defined domains that are not running)
        protected override StoredConfigListing StoredConfigs =>
            MyInvocation.BoundParameters.ContainsKey(nameof(AutoStart)) ? StoredConfigListing.WithDefined : StoredConfigListing.None;

        protected override void BeginProcessing()
        {
            var b = MyInvocation.BoundParameters;
            _request = new DomainSettings
            {
                MemoryMiB = b.ContainsKey(nameof(MemoryMiB)) ? MemoryMiB : (long?)null,
                MaxMemoryMiB = b.ContainsKey(nameof(MaxMemoryMiB)) ? MaxMemoryMiB : (long?)null,
                VCpus = b.ContainsKey(nameof(VCpus)) ? VCpus : (int?)null,
                NewName = b.ContainsKey(nameof(NewName)) ? NewName : null,
                AutoStart = b.ContainsKey(nameof(AutoStart)) ? AutoStart : (bool?)null,
                AllowOvercommit = AllowOvercommit.IsPresent,
            };
            if (_request.IsEmpty)
                ThrowTerminating(new ArgumentException("Set-XenDomain needs a setting to change: -MemoryMiB, -MaxMemoryMiB, -VCpus, -NewName or -AutoStart."),
                    "NoSettingGiven", ErrorCategory.InvalidArgument, null);
            _manyHosts = (XenHost?.Length ?? 0) > 1;
        }

        protected override void ProcessRecord()
        {
            string action = "Set " + _request.Describe();
            foreach (var t in Targets())
            {
                if (!ShouldProcess(t.Description, action)) continue;
                // Applied on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                var request = _request;
                bool passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _settings.Apply(t, request, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        foreach (var o in r.Outcomes) WriteVerbose($"{t.Description}: {o}");
                        if (r.Error != null) WriteXenError(r.Error, t.Domain);
                        else if (passThru && r.Domain != null) WriteDomain(r.Domain, _manyHosts);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
