using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Remove-XenDomainDisk: hot-unplugs disks (xm/xl block-detach) named by domain and -VirtualDevice, or piped from
    /// Get-XenDomainDisk. -Force detaches even when the guest does not release the disk (block-detach -f).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "XenDomainDisk", DefaultParameterSetName = DeviceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(XenDomainDisk))]
    public sealed class RemoveXenDomainDiskCommand : XenDomainSelectingCmdletBase
    {
        private const string DeviceSet = "InputObject";
        private readonly DeviceService _devices = new DeviceService();

        /// <summary>The domains (name, domid or uuid; wildcards).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = null!;

        /// <summary>The guest devices to remove (xvdb, or the devid 51728).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = NameSet)]
        [Alias("Vdev")]
        [ValidateNotNullOrEmpty]
        public string[] VirtualDevice { get; set; } = null!;

        /// <summary>Disks from Get-XenDomainDisk, each removed at its own domain and host.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomainDisk[] InputObject { get; set; } = null!;

        /// <summary>Detach even if the guest does not release the disk (xl block-detach -f): like pulling it out.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write each disk removed (as it was listed).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var work = new List<(XenDomainTarget Target, string Vdev, XenDomainDisk? Listed)>();
            if (ParameterSetName == DeviceSet)
            {
                foreach (var disk in InputObject)
                    foreach (var t in Piped(new[] { disk.ToDomain() }))
                        work.Add((t, disk.Vdev.Length > 0 ? disk.Vdev : disk.DevId.ToString(System.Globalization.CultureInfo.InvariantCulture), disk));
            }
            else
            {
                var targets = Select(Name, null).ToList();
                Dictionary<XenDomainTarget, IReadOnlyList<XenDomainDisk>>? listed = null;
                if (PassThru && targets.Count > 0)
                {
                    try { listed = _devices.ListDisks(targets, CancelToken).Where(r => r.Error == null).ToDictionary(r => r.Target, r => r.Devices); }
                    catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                }
                foreach (var t in targets)
                    foreach (string v in VirtualDevice)
                    {
                        int? id = XenVdev.Encode(v);
                        var known = listed != null && listed.TryGetValue(t, out var l) ? l.FirstOrDefault(d => d.DevId == id) : null;
                        work.Add((t, v, known));
                    }
            }
            foreach (var (t, vdev, known) in work)
            {
                object item = (object?)known ?? vdev;
                if (!ShouldProcessOrExplain(t.Description, $"Detach disk {vdev}{(Force ? " (forced: block-detach -f)" : "")}", item, "Pass -Confirm:$false to go ahead without asking.")) continue;
                // Detached on a worker of the host's own (hosts in parallel, -ThrottleLimit; one host's in order); written here.
                bool force = Force, passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _devices.DetachDisk(t, vdev, force, known, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        if (r.Error != null) { WriteXenError(r.Error, item); return; }
                        WriteVerbose($"{t.Description}: detached {vdev}.");
                        if (passThru && r.Device != null) WriteObject(r.Device);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
