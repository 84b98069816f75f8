using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>One mapping from engine exceptions to stable error ids and precise categories.</summary>
    internal static class ErrorMap
    {
        internal static (string Id, ErrorCategory Category) Map(XenPSException e) => e switch
        {
            XenDomainNotFoundException _ => ("DomainNotFound", ErrorCategory.ObjectNotFound),
            XenResourceExistsException _ => ("DomainExists", ErrorCategory.ResourceExists),
            XenResourceUnavailableException _ => ("InsufficientHostResources", ErrorCategory.ResourceUnavailable),
            XenInvalidOperationException _ => ("InvalidDomainOperation", ErrorCategory.InvalidOperation),
            XenConnectionException _ => ("XenHostConnectionFailed", ErrorCategory.ConnectionError),
            XenTimeoutException _ => ("OperationTimeout", ErrorCategory.OperationTimeout),
            XenConfigException c => MapConfig(c),
            XenCommandException _ => ("XlCommandFailed", ErrorCategory.InvalidResult),
            _ => ("XenOperationFailed", ErrorCategory.NotSpecified),
        };

        private static (string, ErrorCategory) MapConfig(XenConfigException c)
        {
            var first = c.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            if (first == null) return ("InvalidDomainConfig", ErrorCategory.InvalidData);
            switch (first.Code)
            {
                case "FileNotFound": return ("PathNotFound", ErrorCategory.ObjectNotFound);
                case "FileUnreadable": return ("ConfigFileUnreadable", ErrorCategory.ReadError);
                default:
                    return XenPS.Config.DiagnosticCodes.IsSyntax(first.Code)
                        ? ("ConfigSyntaxError", ErrorCategory.ParserError)
                        : ("InvalidDomainConfig", ErrorCategory.InvalidData);
            }
        }
    }
}
