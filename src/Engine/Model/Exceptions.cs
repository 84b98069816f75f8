using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS
{
    /// <summary>
    /// Why an engine operation failed, independent of the backend that failed. Cmdlets map a reason to a stable
    /// PowerShell error id and category (see the cmdlets' ErrorMap); nothing matches message text.
    /// </summary>
    public enum XenErrorReason
    {
        /// <summary>A failure with no more specific reason.</summary>
        Unspecified = 0,
        DomainNotFound,
        DomainExists,
        /// <summary>The host lacks memory or CPUs for the request.</summary>
        InsufficientResources,
        /// <summary>The request is not allowed in the domain's or host's current state.</summary>
        InvalidOperation,
        /// <summary>Domain-0 (the control domain) cannot be the target of this operation.</summary>
        Domain0Refused,
        /// <summary>An HVM guest without PV drivers cannot be asked to shut down or reboot (xl: use -F).</summary>
        PvControlUnavailable,
        /// <summary>The host cannot be reached, or the connection dropped.</summary>
        ConnectionFailed,
        /// <summary>The connection was closed by Disconnect-XenHost (or disposed).</summary>
        ConnectionClosed,
        Timeout,
        /// <summary>The config is not valid (values); see the diagnostics.</summary>
        ConfigInvalid,
        /// <summary>The config text cannot be read (grammar); see the diagnostics.</summary>
        ConfigSyntax,
        /// <summary>The host's toolstack reported a failure that has no more specific reason.</summary>
        HostCommandFailed,
        /// <summary>The backend cannot do this operation at all.</summary>
        OperationNotSupported,
        /// <summary>A host URI, option or argument is not valid.</summary>
        InvalidArgument,
        /// <summary>Persisted state (the simulated host's files) is damaged.</summary>
        StateDamaged,
        /// <summary>A domain setting is outside the domain's limits (memory above maxmem, vCPUs above maxvcpus).</summary>
        SettingOutOfRange,
        /// <summary>A checkpoint file on the host does not exist (or its folder does not).</summary>
        CheckpointNotFound,
        /// <summary>A checkpoint file already exists where a save would write one.</summary>
        CheckpointExists,
        /// <summary>The file is not a checkpoint (wrong magic, damaged, another tool's).</summary>
        CheckpointInvalid,
        /// <summary>The domain has no such device (vdev, devid or MAC).</summary>
        DeviceNotFound,
        /// <summary>The domain already has a device there (a vdev in use).</summary>
        DeviceInUse,
        /// <summary>A disk's target (image file or block device) does not exist in the backend domain.</summary>
        DeviceTargetNotFound,
        /// <summary>The host has no template of that name or uuid (New-XenDomain -Template).</summary>
        TemplateNotFound,
        /// <summary>The source dom0 cannot reach the migration destination the way xl migrate would (ssh).</summary>
        MigrationDestinationUnreachable,
        /// <summary>The two hosts run different Xen major versions (or the destination is another kind of host).</summary>
        MigrationVersionMismatch,
        /// <summary>The hosts cannot live-migrate this guest type (a PV guest needs log-dirty through shadow paging).</summary>
        MigrationGuestNotMigratable,
        /// <summary>A file the domain uses (kernel, ramdisk, disk) is missing on the destination host.</summary>
        MigrationPathMissing,
        /// <summary>xl migrate failed after it started; the domain is still on the source host.</summary>
        MigrationFailed,
    }

    /// <summary>Base of every exception the engine lets escape. Nothing else escapes the engine.</summary>
    public class XenPSException : Exception
    {
        public XenPSException(string message) : this(message, null, XenErrorReason.Unspecified) { }
        public XenPSException(string message, Exception? inner) : this(message, inner, XenErrorReason.Unspecified) { }
        public XenPSException(string message, Exception? inner, XenErrorReason reason) : base(message, inner) { Reason = reason; }

        /// <summary>Why it failed: what callers branch on (never the message).</summary>
        public XenErrorReason Reason { get; }

        /// <summary>The backend-neutral error id callers report (e.g. DomainNotFound); defaults from the reason.</summary>
        public virtual string ErrorId => Reason switch
        {
            XenErrorReason.DomainNotFound => "DomainNotFound",
            XenErrorReason.DomainExists => "DomainExists",
            XenErrorReason.InsufficientResources => "InsufficientHostResources",
            XenErrorReason.InvalidOperation => "InvalidDomainOperation",
            XenErrorReason.Domain0Refused => "Domain0Refused",
            XenErrorReason.PvControlUnavailable => "PvControlUnavailable",
            XenErrorReason.ConnectionFailed => "XenHostConnectionFailed",
            XenErrorReason.ConnectionClosed => "XenHostConnectionClosed",
            XenErrorReason.Timeout => "OperationTimeout",
            XenErrorReason.ConfigInvalid => "InvalidDomainConfig",
            XenErrorReason.ConfigSyntax => "ConfigSyntaxError",
            XenErrorReason.HostCommandFailed => "HostCommandFailed",
            XenErrorReason.OperationNotSupported => "OperationNotSupported",
            XenErrorReason.InvalidArgument => "InvalidArgument",
            XenErrorReason.StateDamaged => "HostStateDamaged",
            XenErrorReason.SettingOutOfRange => "SettingOutOfRange",
            XenErrorReason.CheckpointNotFound => "CheckpointNotFound",
            XenErrorReason.CheckpointExists => "CheckpointExists",
            XenErrorReason.CheckpointInvalid => "CheckpointInvalid",
            XenErrorReason.MigrationDestinationUnreachable => "MigrationDestinationUnreachable",
            XenErrorReason.MigrationVersionMismatch => "MigrationVersionMismatch",
            XenErrorReason.MigrationGuestNotMigratable => "MigrationGuestNotMigratable",
            XenErrorReason.MigrationPathMissing => "MigrationPathMissing",
            XenErrorReason.MigrationFailed => "MigrationFailed",
            _ => "XenOperationFailed",
        };
    }

    /// <summary>A configuration could not be read: carries every diagnostic, errors first.</summary>
    public sealed class XenConfigException : XenPSException
    {
        public XenConfigException(IEnumerable<XenDiagnostic> diagnostics)
            : this(diagnostics.ToList()) { }

        private XenConfigException(List<XenDiagnostic> diagnostics)
            : base(BuildMessage(diagnostics), null, ReasonOf(diagnostics))
        {
            Diagnostics = diagnostics;
        }

        public IReadOnlyList<XenDiagnostic> Diagnostics { get; }

        /// <summary>The first error's code (e.g. NameRequired), or null.</summary>
        public string? FirstErrorCode => Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.Code;

        public override string ErrorId => FirstErrorCode switch
        {
            "FileNotFound" => "PathNotFound",
            "FileUnreadable" => "ConfigFileUnreadable",
            _ => base.ErrorId,
        };

        private static XenErrorReason ReasonOf(List<XenDiagnostic> diagnostics)
        {
            var first = diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            return first != null && XenPS.Config.DiagnosticCodes.IsSyntax(first.Code) ? XenErrorReason.ConfigSyntax : XenErrorReason.ConfigInvalid;
        }

        private static string BuildMessage(List<XenDiagnostic> diagnostics)
        {
            var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count == 0) return "The domain configuration is not valid.";
            string first = errors[0].ToString();
            return errors.Count == 1 ? first : $"{first} (and {errors.Count - 1} more error(s))";
        }
    }

    /// <summary>The named domain (or domid, or uuid) does not exist on the host.</summary>
    public sealed class XenDomainNotFoundException : XenPSException
    {
        public XenDomainNotFoundException(string domain, string message) : base(message, null, XenErrorReason.DomainNotFound) { Domain = domain; }
        public string Domain { get; }
    }

    /// <summary>Something with that identity already exists (for example a domain name).</summary>
    public sealed class XenResourceExistsException : XenPSException
    {
        public XenResourceExistsException(string message) : base(message, null, XenErrorReason.DomainExists) { }
    }

    /// <summary>The host lacks the resources (memory, CPUs) for the request.</summary>
    public sealed class XenResourceUnavailableException : XenPSException
    {
        public XenResourceUnavailableException(string message) : base(message, null, XenErrorReason.InsufficientResources) { }
    }

    /// <summary>
    /// The request is not allowed in the current state. <see cref="XenPSException.Reason"/> says which refusal:
    /// InvalidOperation (generic), Domain0Refused, PvControlUnavailable.
    /// </summary>
    public sealed class XenInvalidOperationException : XenPSException
    {
        public XenInvalidOperationException(string message) : base(message, null, XenErrorReason.InvalidOperation) { }
        public XenInvalidOperationException(string message, XenErrorReason reason) : base(message, null, reason) { }
    }

    /// <summary>The host cannot be reached, the connection dropped (ConnectionFailed) or was closed (ConnectionClosed).</summary>
    public sealed class XenConnectionException : XenPSException
    {
        public XenConnectionException(string message, Exception? inner = null) : base(message, inner, XenErrorReason.ConnectionFailed) { }
        public XenConnectionException(string message, XenErrorReason reason, Exception? inner = null) : base(message, inner, reason) { }
    }

    /// <summary>A bounded wait ran out.</summary>
    public sealed class XenTimeoutException : XenPSException
    {
        public XenTimeoutException(string message, IReadOnlyList<string>? lastLines = null) : base(message, null, XenErrorReason.Timeout)
        {
            LastLines = lastLines ?? Array.Empty<string>();
        }

        /// <summary>For console waits: the last lines seen before the timeout.</summary>
        public IReadOnlyList<string> LastLines { get; }
    }

    /// <summary>The host's toolstack reported a failure that has no more specific type.</summary>
    public sealed class XenCommandException : XenPSException
    {
        public XenCommandException(string message, int exitCode, string stderr) : base(message, null, XenErrorReason.HostCommandFailed)
        {
            ExitCode = exitCode;
            StandardError = stderr;
        }

        public int ExitCode { get; }
        public string StandardError { get; }
    }

    /// <summary>The backend cannot do this operation at all (not: cannot do it now).</summary>
    public sealed class XenOperationNotSupportedException : XenPSException
    {
        public XenOperationNotSupportedException(string backend, string operation)
            : this(backend, operation, null)
        {
        }

        /// <param name="advice">Why, and what to do instead (appended to the message), or null.</param>
        public XenOperationNotSupportedException(string backend, string operation, string? advice)
            : base($"The {backend} backend does not support {operation}." + (string.IsNullOrEmpty(advice) ? "" : " " + advice), null, XenErrorReason.OperationNotSupported)
        {
            Backend = backend;
            Operation = operation;
        }

        public string Backend { get; }
        public string Operation { get; }
    }

    /// <summary>A host URI, backend option or argument is not valid.</summary>
    public sealed class XenArgumentException : XenPSException
    {
        public XenArgumentException(string message) : base(message, null, XenErrorReason.InvalidArgument) { }
    }

    /// <summary>
    /// The persisted state of a simulated host is damaged (a record fails its checksum or cannot be read, a file is
    /// missing or truncated, files do not belong together). Nothing was changed; the message says what is damaged,
    /// where, and how to recover (SimulatedXenBackend.Repair keeps every intact record and backs up the rest).
    /// </summary>
    public sealed class XenStateDamagedException : XenPSException
    {
        public XenStateDamagedException(string message, string folder, string? file, long line, Exception? inner = null) : base(message, inner, XenErrorReason.StateDamaged)
        {
            Folder = folder;
            File = file;
            Line = line;
        }

        /// <summary>The state folder of the simulated host.</summary>
        public string Folder { get; }

        /// <summary>The damaged file (full path), or null when the damage is not in one file.</summary>
        public string? File { get; }

        /// <summary>The damaged line (1-based), or 0 when the damage is not one line.</summary>
        public long Line { get; }
    }

    /// <summary>A domain setting is outside the domain's limits (memory above maxmem, vCPUs above maxvcpus, below 1).</summary>
    public sealed class XenSettingOutOfRangeException : XenPSException
    {
        public XenSettingOutOfRangeException(string setting, string message) : base(message, null, XenErrorReason.SettingOutOfRange) { Setting = setting; }

        /// <summary>The setting (MemoryMiB, MaxMemoryMiB, VCpus).</summary>
        public string Setting { get; }
    }

    /// <summary>The host (a XenAPI pool) has no template of the name or uuid given.</summary>
    public sealed class XenTemplateNotFoundException : XenPSException
    {
        public XenTemplateNotFoundException(string template, string message) : base(message, null, XenErrorReason.TemplateNotFound) { Template = template; }

        public string Template { get; }
        public override string ErrorId => "TemplateNotFound";
    }
}
