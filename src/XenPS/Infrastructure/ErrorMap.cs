using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>One mapping from engine failures (by their typed reason, never their text) to PowerShell error categories.</summary>
    internal static class ErrorMap
    {
        internal static (string Id, ErrorCategory Category) Map(XenPSException e) => (e.ErrorId, Category(e));

        internal static ErrorCategory Category(XenPSException e)
        {
            if (e is XenConfigException c)
            {
                string? code = c.FirstErrorCode;
                if (code == "FileNotFound") return ErrorCategory.ObjectNotFound;
                if (code == "FileUnreadable") return ErrorCategory.ReadError;
            }
            if (e is XenPS.Services.XenConfigFileException f)
                return f.Problem switch
                {
                    XenPS.Services.ConfigFileProblem.Exists => ErrorCategory.ResourceExists,
                    XenPS.Services.ConfigFileProblem.FolderMissing => ErrorCategory.ObjectNotFound,
                    XenPS.Services.ConfigFileProblem.WriteFailed => ErrorCategory.WriteError,
                    XenPS.Services.ConfigFileProblem.NotFound => ErrorCategory.ObjectNotFound,
                    _ => ErrorCategory.InvalidArgument,
                };
            return e.Reason switch
            {
                XenErrorReason.DomainNotFound => ErrorCategory.ObjectNotFound,
                XenErrorReason.DomainExists => ErrorCategory.ResourceExists,
                XenErrorReason.InsufficientResources => ErrorCategory.ResourceUnavailable,
                XenErrorReason.InvalidOperation => ErrorCategory.InvalidOperation,
                XenErrorReason.Domain0Refused => ErrorCategory.InvalidOperation,
                XenErrorReason.PvControlUnavailable => ErrorCategory.InvalidOperation,
                XenErrorReason.ConnectionFailed => ErrorCategory.ConnectionError,
                XenErrorReason.ConnectionClosed => ErrorCategory.ConnectionError,
                XenErrorReason.Timeout => ErrorCategory.OperationTimeout,
                XenErrorReason.ConfigInvalid => ErrorCategory.InvalidData,
                XenErrorReason.ConfigSyntax => ErrorCategory.ParserError,
                XenErrorReason.HostCommandFailed => ErrorCategory.InvalidResult,
                XenErrorReason.OperationNotSupported => ErrorCategory.NotImplemented,
                XenErrorReason.InvalidArgument => ErrorCategory.InvalidArgument,
                XenErrorReason.StateDamaged => ErrorCategory.InvalidData,
                XenErrorReason.SettingOutOfRange => ErrorCategory.InvalidArgument,
                XenErrorReason.CheckpointNotFound => ErrorCategory.ObjectNotFound,
                XenErrorReason.CheckpointExists => ErrorCategory.ResourceExists,
                XenErrorReason.CheckpointInvalid => ErrorCategory.InvalidData,
                XenErrorReason.DeviceNotFound => ErrorCategory.ObjectNotFound,
                XenErrorReason.DeviceInUse => ErrorCategory.ResourceExists,
                XenErrorReason.DeviceTargetNotFound => ErrorCategory.ObjectNotFound,
                XenErrorReason.TemplateNotFound => ErrorCategory.ObjectNotFound,
                XenErrorReason.MigrationDestinationUnreachable => ErrorCategory.ConnectionError,
                XenErrorReason.MigrationVersionMismatch => ErrorCategory.InvalidOperation,
                XenErrorReason.MigrationGuestNotMigratable => ErrorCategory.InvalidOperation,
                XenErrorReason.MigrationPathMissing => ErrorCategory.ObjectNotFound,
                XenErrorReason.MigrationFailed => ErrorCategory.InvalidResult,
                _ => ErrorCategory.NotSpecified,
            };
        }
    }
}
