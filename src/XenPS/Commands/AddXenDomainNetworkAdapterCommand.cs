using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Add-XenDomainNetworkAdapter: hotplugs a network interface into running domains (xm/xl network-attach), from a vif
    /// spec (-Spec) or typed parameters (-Bridge, -MacAddress, -Model, ...); with neither, every default (xenbr0, a
    /// generated MAC in 00:16:3e). Domain-0 is refused.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "XenDomainNetworkAdapter", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomainNetworkAdapter))]
    public sealed class AddXenDomainNetworkAdapterCommand : XenDomainTargetCmdletBase
    {
        private readonly DeviceService _devices = new DeviceService();
        private VifSpec? _vif;

        /// <summary>The interface as an xl vif spec: 'bridge=xenbr0,mac=00:16:3e:12:34:56'.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNull]
        public string? Spec { get; set; }

        /// <summary>The bridge in dom0 (bridge=), xenbr0 by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Bridge { get; set; }

        /// <summary>The MAC (mac=); default: one generated in Xen's 00:16:3e.</summary>
        [Parameter]
        [Alias("Mac")]
        [ValidateNotNullOrEmpty]
        public string? MacAddress { get; set; }

        /// <summary>The emulated NIC model for HVM guests (model=), e.g. e1000.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>vif (PV only) or ioemu (type=).</summary>
        [Parameter]
        [ValidateSet("vif", "ioemu")]
        public string? Type { get; set; }

        /// <summary>IP address(es) for the vif script (ip=).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IpAddress { get; set; }

        /// <summary>The backend interface's name in dom0 (vifname=).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? VifName { get; set; }

        /// <summary>The hotplug script (script=), vif-bridge by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Script { get; set; }

        /// <summary>A rate limit (rate=), e.g. 10Mb/s.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Rate { get; set; }

        /// <summary>The MTU (mtu=).</summary>
        [Parameter]
        [ValidateRange(68, 65535)]
        public int Mtu { get; set; }

        /// <summary>The backend domain's name (backend=), when it is not Domain-0.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackendDomain { get; set; }

        /// <summary>The devid to use (devid=); default: the next free one.</summary>
        [Parameter]
        [ValidateRange(0, 65535)]
        public int DevId { get; set; }

        /// <summary>Write the new interface as the domain lists it.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            var typed = new List<KeyValuePair<string, string>>();
            void Add(string param, string key, string? value)
            {
                if (value != null && MyInvocation.BoundParameters.ContainsKey(param)) typed.Add(new KeyValuePair<string, string>(key, value));
            }
            Add(nameof(MacAddress), "mac", MacAddress);
            Add(nameof(Bridge), "bridge", Bridge);
            Add(nameof(IpAddress), "ip", IpAddress);
            Add(nameof(VifName), "vifname", VifName);
            Add(nameof(Script), "script", Script);
            Add(nameof(Type), "type", Type);
            Add(nameof(Model), "model", Model);
            Add(nameof(Rate), "rate", Rate);
            Add(nameof(Mtu), "mtu", Mtu.ToString(CultureInfo.InvariantCulture));
            Add(nameof(BackendDomain), "backend", BackendDomain);
            Add(nameof(DevId), "devid", DevId.ToString(CultureInfo.InvariantCulture));
            try
            {
                if (Spec != null && typed.Count > 0)
                    ThrowTerminating(new ArgumentException("Give the interface either as -Spec or with typed parameters (-Bridge, -MacAddress, ...), not both. " +
                            "Put every setting in the spec, or leave -Spec out."), "VifSpecAndParameters", ErrorCategory.InvalidArgument, Spec);
                _vif = Spec != null ? VifSpec.Parse(Spec) : VifSpec.Create(typed);
            }
            catch (XenConfigException e)
            {
                ThrowXenError(e, Spec ?? (object?)MacAddress, e.FirstErrorCode);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            "Domain-0 cannot take hotplugged network interfaces: it has no frontend for them (the interface never connects). Attach them to guest domains.",
                            XenErrorReason.Domain0Refused),
                        "CannotAttachToDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                string what = _vif!.Settings.Count == 0 ? "with every default" : _vif.ToSpecString();
                if (!ShouldProcess(t.Description, $"Attach network interface ({what})")) continue;
                // Attached on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                var vif = _vif;
                bool passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _devices.AttachNetworkAdapter(t, vif, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        if (r.Error != null) { WriteXenError(r.Error, t.Domain, r.Error is XenConfigException c ? c.FirstErrorCode : null); return; }
                        WriteVerbose($"{t.Description}: attached network interface {r.Device!.DevId} ({r.Device.MacAddress}).");
                        if (passThru) WriteObject(r.Device);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
