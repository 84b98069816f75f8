using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Remove-XenDomainNetworkAdapter: hot-unplugs network interfaces (xm/xl network-detach) by -DevId or -MacAddress, or
    /// piped from Get-XenDomainNetworkAdapter.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "XenDomainNetworkAdapter", DefaultParameterSetName = DeviceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(XenDomainNetworkAdapter))]
    public sealed class RemoveXenDomainNetworkAdapterCommand : XenDomainSelectingCmdletBase
    {
        private const string DevIdSet = "DevId";
        private const string MacSet = "MacAddress";
        private const string DeviceSet = "InputObject";
        private readonly DeviceService _devices = new DeviceService();

        /// <summary>The domains (name, domid or uuid; wildcards).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = DevIdSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = MacSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = null!;

        /// <summary>The interfaces' devids (xl network-list's Idx column).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = DevIdSet)]
        [ValidateRange(0, 65535)]
        public int[] DevId { get; set; } = null!;

        /// <summary>The interfaces' MAC addresses.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MacSet)]
        [Alias("Mac")]
        [ValidateNotNullOrEmpty]
        public string[] MacAddress { get; set; } = null!;

        /// <summary>Interfaces from Get-XenDomainNetworkAdapter, each removed at its own domain and host.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomainNetworkAdapter[] InputObject { get; set; } = null!;

        /// <summary>Write each interface removed (as it was listed).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var work = new List<(XenDomainTarget Target, string Device, XenDomainNetworkAdapter? Listed)>();
            if (ParameterSetName == DeviceSet)
            {
                foreach (var nic in InputObject)
                    foreach (var t in Piped(new[] { nic.ToDomain() }))
                        work.Add((t, nic.DevId.ToString(CultureInfo.InvariantCulture), nic));
            }
            else
            {
                var devices = new List<string>();
                if (ParameterSetName == DevIdSet) devices.AddRange(DevId.Select(i => i.ToString(CultureInfo.InvariantCulture)));
                else
                    foreach (string m in MacAddress)
                    {
                        if (VifSpec.TryNormaliseMac(m, out string? mac)) { devices.Add(mac!); continue; }
                        WriteItemError(new ArgumentException($"'{m}' is not a MAC address: six hex octets separated by ':', e.g. 00:16:3e:12:34:56."),
                            "InvalidMacAddress", ErrorCategory.InvalidArgument, m);
                    }
                var targets = Select(Name, null).ToList();
                Dictionary<XenDomainTarget, IReadOnlyList<XenDomainNetworkAdapter>>? listed = null;
                if (PassThru && targets.Count > 0 && devices.Count > 0)
                {
                    try { listed = _devices.ListNetworkAdapters(targets, CancelToken).Where(r => r.Error == null).ToDictionary(r => r.Target, r => r.Devices); }
                    catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                }
                foreach (var t in targets)
                    foreach (string dev in devices)
                    {
                        var known = listed != null && listed.TryGetValue(t, out var l)
                            ? l.FirstOrDefault(n => n.MacAddress == dev || n.DevId.ToString(CultureInfo.InvariantCulture) == dev) : null;
                        work.Add((t, dev, known));
                    }
            }
            foreach (var (t, dev, known) in work)
            {
                object item = (object?)known ?? dev;
                if (!ShouldProcessOrExplain(t.Description, $"Detach network interface {dev}", item, "Pass -Confirm:$false to go ahead without asking.")) continue;
                // Detached on a worker of the host's own (hosts in parallel, -ThrottleLimit; one host's in order); written here.
                bool passThru = PassThru;
                Dispatch(t.Host, ct =>
                {
                    var r = _devices.DetachNetworkAdapter(t, dev, known, ct);
                    return () =>
                    {
                        WriteBackendNotes(t.Host);
                        if (r.Error != null) { WriteXenError(r.Error, item); return; }
                        WriteVerbose($"{t.Description}: detached network interface {dev}.");
                        if (passThru && r.Device != null) WriteObject(r.Device);
                    };
                });
            }
        }

        protected override void EndProcessing() => DrainDispatched();
    }
}
