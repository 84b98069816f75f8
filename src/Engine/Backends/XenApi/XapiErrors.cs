using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// A XAPI failure that has no more specific XenPS type: the XAPI error code and its parameters, kept as XAPI sent
    /// them. Every exception mapped from XAPI (this one or a typed one) also carries the code in its message and in
    /// Data["XapiErrorCode"] / Data["XapiErrorParameters"].
    /// </summary>
    public sealed class XenApiException : XenPSException
    {
        public XenApiException(string message, string code, IReadOnlyList<string> parameters, XenErrorReason reason = XenErrorReason.HostCommandFailed)
            : base(message, null, reason)
        {
            Code = code;
            Parameters = parameters;
        }

        /// <summary>XAPI's error code, e.g. SR_BACKEND_FAILURE_44.</summary>
        public string Code { get; }
        public IReadOnlyList<string> Parameters { get; }
    }

    /// <summary>XAPI error codes → XenPS's typed exceptions, XAPI's code kept in the message.</summary>
    internal static class XapiErrors
    {
        /// <param name="f">What XAPI answered.</param>
        /// <param name="what">What was being done, for the message ("Stopping VM 'web1'").</param>
        /// <param name="domain">The domain concerned, if any (for DomainNotFound).</param>
        public static XenPSException Map(XapiFailure f, string what, string? domain = null)
        {
            string code = f.Code;
            string detail = "XAPI " + code + (f.Parameters.Count > 0 ? " [" + string.Join("; ", f.Parameters) + "]" : "");
            XenPSException e;
            switch (code)
            {
                case "HANDLE_INVALID":
                case "UUID_INVALID":
                    if (string.Equals(f.Param(0), "VM", StringComparison.OrdinalIgnoreCase))
                        e = new XenDomainNotFoundException(domain ?? f.Param(1), $"{what}: the VM no longer exists in the pool ({detail}).");
                    else
                        e = new XenApiException($"{what}: the pool has no {f.Param(0)} {f.Param(1)} ({detail}).", code, f.Parameters);
                    break;
                case "VM_BAD_POWER_STATE":
                    e = new XenInvalidOperationException(
                        $"{what}: the VM is {f.Param(2)}, and this needs it {f.Param(1)} ({detail}).");
                    break;
                case "OPERATION_NOT_ALLOWED":
                case "OTHER_OPERATION_IN_PROGRESS":
                case "VM_IS_TEMPLATE":
                case "VM_HVM_REQUIRED":
                case "VM_IS_PART_OF_AN_APPLIANCE":
                case "VM_REQUIRES_SR":
                case "VM_REQUIRES_NET":
                case "HOST_CANNOT_ATTACH_NETWORK":
                case "HOST_OFFLINE":
                case "HOST_DISABLED":
                case "HOST_IN_EMERGENCY_MODE":
                case "RBAC_PERMISSION_DENIED":
                case "TASK_CANCELLED":
                    e = new XenInvalidOperationException($"{what}: {Why(code, f)} ({detail}).");
                    break;
                case "VM_MISSING_PV_DRIVERS":
                case "VM_LACKS_FEATURE":
                case "VM_LACKS_FEATURE_SHUTDOWN":
                case "VM_LACKS_FEATURE_SUSPEND":
                case "VM_LACKS_FEATURE_VCPU_HOTPLUG":
                case "VM_OLD_PV_DRIVERS":
                    e = new XenInvalidOperationException(
                        $"{what}: the guest has no (or too old) PV drivers / guest agent, so XAPI cannot ask it to do this ({detail}). " +
                        "Install the guest tools, or use a hard operation (Stop-XenDomain -TurnOff).", XenErrorReason.PvControlUnavailable);
                    break;
                case "HOST_NOT_ENOUGH_FREE_MEMORY":
                    e = new XenResourceUnavailableException(
                        $"{what}: no host has enough free memory (needed {Bytes(f.Param(0))}, available {Bytes(f.Param(1))}) ({detail}).");
                    break;
                case "VM_MIGRATE_FAILED":
                    e = new XenApiException($"{what}: the migration failed: {f.Param(3)} ({detail}). The VM stays on {f.Param(1)}, as XAPI leaves it.",
                        code, f.Parameters, XenErrorReason.MigrationFailed);
                    break;
                case "NO_HOSTS_AVAILABLE":
                case "HOST_NOT_ENOUGH_PCPUS":
                case "SR_FULL":
                    e = new XenResourceUnavailableException($"{what}: the pool lacks the resources for this ({detail}).");
                    break;
                case "SESSION_AUTHENTICATION_FAILED":
                    e = new XenConnectionException(
                        $"{what}: the pool refused the user name or password ({detail}). Check -Credential; the account must be allowed to log in to XAPI.");
                    break;
                case "SESSION_INVALID":
                case "HOST_IS_SLAVE":
                case "HOST_STILL_BOOTING":
                case "HOST_HAS_NO_MANAGEMENT_IP":
                    e = new XenConnectionException($"{what}: {detail}.");
                    break;
                case "MESSAGE_METHOD_UNKNOWN":
                case "MESSAGE_DEPRECATED":
                case "MESSAGE_REMOVED":
                    e = new XenOperationNotSupportedException("XenAPI pool", $"{what.TrimEnd('.')} on this version of XAPI ({detail})");
                    break;
                default:
                    e = new XenApiException($"{what}: {detail}.", code, f.Parameters);
                    break;
            }
            e.Data["XapiErrorCode"] = code;
            e.Data["XapiErrorParameters"] = string.Join("\n", f.Parameters);
            return e;
        }

        private static string Why(string code, XapiFailure f) => code switch
        {
            "OPERATION_NOT_ALLOWED" => "XAPI does not allow it now" + (f.Param(0).Length > 0 ? ": " + f.Param(0) : ""),
            "OTHER_OPERATION_IN_PROGRESS" => $"another operation ({f.Param(2)}) is in progress on it; wait for it to end",
            "VM_IS_TEMPLATE" => "it is a template, not a VM",
            "VM_HVM_REQUIRED" => "this host needs HVM support for this VM",
            "RBAC_PERMISSION_DENIED" => "the account is not allowed to do this",
            "TASK_CANCELLED" => "it was cancelled",
            "VM_REQUIRES_SR" => "the VM has a disk on a storage repository that host cannot reach (local storage); pool migration needs shared storage",
            "VM_REQUIRES_NET" => "the VM has a network interface on a network that host is not connected to",
            "HOST_CANNOT_ATTACH_NETWORK" => "that host cannot attach one of the VM's networks",
            "HOST_DISABLED" => "that host is disabled (in maintenance); enable it first",
            "HOST_OFFLINE" => "that host is offline",
            _ => "the pool refused",
        };

        private static string Bytes(string s) =>
            long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long b)
                ? (b / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MiB"
                : s;
    }
}
