using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Add-XenDomainDisk: hotplugs a disk into running domains (xm block-attach / xl block-attach), from an xl disk spec
    /// (-Spec) or from typed parameters (-Target, -VirtualDevice, -Access, -Format, ...). Domain-0 is refused.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "XenDomainDisk", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(XenDomainDisk))]
    public sealed class AddXenDomainDiskCommand : XenDomainTargetCmdletBase
    {
        private readonly DeviceService _devices = new DeviceService();
        private DiskSpec? _disk;

        /// <summary>The disk as an xl disk spec: 'format=raw, vdev=xvdb, access=rw, target=/var/lib/xen/images/data.img'.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Spec { get; set; }

        /// <summary>The image file or block device in dom0 (target=).</summary>
        [Parameter]
        [ValidateNotNull]
        public string? Target { get; set; }

        /// <summary>The device the guest sees (vdev=): xvdb, hdc, sda, ...</summary>
        [Parameter]
        [Alias("Vdev")]
        [ValidateNotNullOrEmpty]
        public string? VirtualDevice { get; set; }

        /// <summary>rw (default) or r (read-only).</summary>
        [Parameter]
        [ValidateSet("rw", "r", "ro", "w")]
        public string? Access { get; set; }

        /// <summary>The image format (format=), raw by default.</summary>
        [Parameter]
        [ValidateSet("raw", "qcow", "qcow2", "vhd", "qed")]
        public string? Format { get; set; }

        /// <summary>disk (default) or cdrom (devtype=).</summary>
        [Parameter]
        [ValidateSet("disk", "cdrom")]
        public string? DeviceType { get; set; }

        /// <summary>The backend implementation (backendtype=): phy, tap, qdisk.</summary>
        [Parameter]
        [ValidateSet("phy", "tap", "qdisk", "standalone")]
        public string? BackendType { get; set; }

        /// <summary>A block hotplug script (script=), e.g. block-iscsi.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Script { get; set; }

        /// <summary>The backend domain's name (backend=), when it is not Domain-0.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackendDomain { get; set; }

        /// <summary>Write the new disk as the domain lists it.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            var typed = new[] { nameof(Target), nameof(VirtualDevice), nameof(Access), nameof(Format), nameof(DeviceType), nameof(BackendType), nameof(Script), nameof(BackendDomain) }
                .Where(p => MyInvocation.BoundParameters.ContainsKey(p)).ToList();
            try
            {
                if (Spec != null)
                {
                    if (typed.Count > 0)
                        ThrowTerminating(new ArgumentException($"Give the disk either as -Spec or with typed parameters, not both (-Spec with -{string.Join(", -", typed)}). " +
                                "Put every setting in the spec, or leave -Spec out."), "DiskSpecAndParameters", ErrorCategory.InvalidArgument, Spec);
                    _disk = DiskSpec.Parse(Spec);
                }
                else
                {
                    if (VirtualDevice == null)
                        ThrowTerminating(new ArgumentException("Say which device the guest sees: -VirtualDevice xvdb (with -Target /path/to/image), or give the whole disk as -Spec."),
                            "VirtualDeviceRequired", ErrorCategory.InvalidArgument, null);
                    if (Target == null && DeviceType != "cdrom")
                        ThrowTerminating(new ArgumentException("Say what the disk is: -Target /path/to/image (a file or block device in dom0). Only an empty CD-ROM drive (-DeviceType cdrom) has none."),
                            "DiskTargetRequired", ErrorCategory.InvalidArgument, null);
                    _disk = DiskSpec.Create(Target ?? "", VirtualDevice!, Format ?? (Target == null ? "empty" : null), Access, DeviceType, BackendType, Script, BackendDomain);
                }
            }
            catch (XenConfigException e)
            {
                ThrowXenError(e, Spec ?? (object?)VirtualDevice, e.FirstErrorCode);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var t in Targets())
            {
                if (t.Domain.IsDomain0)
                {
                    WriteItemError(new XenInvalidOperationException(
                            "Domain-0 cannot take hotplugged disks: it has no frontend for them (xl leaves such a disk Initialising, removable only with block-detach -f). Attach disks to guest domains.",
                            XenErrorReason.Domain0Refused),
                        "CannotAttachToDomain0", ErrorCategory.InvalidOperation, t.Domain);
                    continue;
                }
                if (!ShouldProcess(t.Description, $"Attach disk {_disk!.Vdev} ({_disk.ToSpecString()})")) continue;
                // Attached on a worker of the host's own (hosts in parallel, -ThrottleLimit); written here as it arrives.
                var disk = _disk;
                bool passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _devices.AttachDisk(t, disk, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        if (r.Error != null) { WriteXenError(r.Error, t.Domain, r.Error is XenConfigException c ? c.FirstErrorCode : null); return; }
                        WriteVerbose($"{t.Description}: attached {r.Device!.Vdev} ({r.Device.Target}).");
                        if (passThru) WriteObject(r.Device);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
