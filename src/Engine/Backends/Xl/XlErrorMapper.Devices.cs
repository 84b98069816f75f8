using System.Text.RegularExpressions;

namespace XenPS.Backends.Xl
{
    public static partial class XlErrorMapper
    {
        /// <summary>
        /// A failed block-/network- command (captures devices-07..10, 28, 35-38, 43-48): a vdev in use, a missing target,
        /// a device that is not there, a spec xl refused, a missing bridge; else as <see cref="Map"/>.
        /// </summary>
        public static XenPSException MapDevice(string what, string? domain, string? device, CommandResult r)
        {
            string err = (r.StandardError ?? "").Replace("\0", "").Replace("\r", "");
            if (err.Contains("is an invalid domain identifier")) return Map(what, domain, r);
            string detail = FirstError(err) ?? $"exit code {r.ExitCode}";
            if (err.Contains("device already exists in xenstore"))
                return new XenDeviceException(
                    $"{what} failed: {domain} already has a device {device} ({detail}). Choose another virtual device, or remove that one first.",
                    XenErrorReason.DeviceInUse, device);
            var stat = Regex.Match(err, @"failed to stat: (?<path>.*?): No such file or directory");
            if (stat.Success)
                return new XenDeviceException(
                    $"{what} failed: the disk target {stat.Groups["path"].Value} does not exist on the host ({detail}). " +
                    "Create the image first (e.g. truncate -s 1G) or name an existing block device.",
                    XenErrorReason.DeviceTargetNotFound, stat.Groups["path"].Value);
            var missing = Regex.Match(err, @"(?:Device (?<d>\S+) not connected|Unknown device (?<d>\S+?))\.?\s*$", RegexOptions.Multiline);
            if (missing.Success)
                return new XenDeviceException($"{what} failed: {domain} has no device {missing.Groups["d"].Value} ({missing.Value.Trim()}).",
                    XenErrorReason.DeviceNotFound, missing.Groups["d"].Value);
            var bridge = Regex.Match(err, @"Could not find bridge device (?<b>[^\n]*)");
            if (bridge.Success)
                return new XenDeviceException(
                    $"{what} failed: the host has no bridge '{bridge.Groups["b"].Value.Trim()}' ({detail}). xl leaves the half-added interface " +
                    "listed: remove it with Remove-XenDomainNetworkAdapter, then attach to a bridge that exists (brctl show / ip link on the host).",
                    XenErrorReason.DeviceTargetNotFound, bridge.Groups["b"].Value.Trim(), "BridgeNotFound");
            var slow = Regex.Match(err, @"killing execution of (?<script>\S+)(?: \S+)? because of timeout");
            if (slow.Success)
                return new XenDeviceException(
                    $"{what} failed: the host's hotplug script {slow.Groups["script"].Value} did not finish in time (libxl killed it; the host is busy). " +
                    $"xl may have left {device} half-attached: look with Get-XenDomainDisk / Get-XenDomainNetworkAdapter, remove it (-Force for a disk), and try again.",
                    XenErrorReason.Timeout, device, "HotplugTimeout");
            var spec = Regex.Match(err, @"config parsing error in disk specification: (?<m>[^\n]*)");
            if (spec.Success)
                return new XenConfigException(new[] { new XenDiagnostic(DiagnosticSeverity.Error, "DiskSpecInvalid",
                    $"xl rejected the disk spec: {spec.Groups["m"].Value}", null, 0, 0,
                    "Write the spec as 'format=raw, vdev=xvdb, access=rw, target=/path' (target last).") });
            var vif = Regex.Match(err, @"^(?:unrecognized argument `[^\n]*'|Invalid parameter `[^\n]*'\.?)$", RegexOptions.Multiline);
            if (vif.Success)
                return new XenConfigException(new[] { new XenDiagnostic(DiagnosticSeverity.Error, "VifSpecInvalid",
                    $"xl rejected the vif spec: {vif.Value}", null, 0, 0,
                    "A vif is key=value settings: mac, bridge, ip, vifname, script, type, model, rate, mtu, backend, devid.") });
            return Map(what, domain, r);
        }
    }
}
