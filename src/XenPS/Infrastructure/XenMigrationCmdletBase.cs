using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Backends;
using XenPS.Infrastructure;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of Move-XenDomain and Test-XenDomainMigration: the domains to move (-Name/-Id/-InputObject on -XenHost), the
    /// destination connection (-Destination: a connection, its name or the URI of an open one) and the address the SOURCE
    /// dom0 reaches it at (-DestinationAddress; default the destination connection's MigrationAddress option, else its
    /// ssh:// host), and xl migrate's transport (-SshCommand).
    /// </summary>
    public abstract class XenMigrationCmdletBase : XenDomainTargetCmdletBase
    {
        /// <summary>The host the domains move to: a connection from Connect-XenHost, its name, or the URI of an open connection.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [XenDestinationTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenHostNameCompleter))]
        [ValidateNotNull]
        public XenHostConnection Destination { get; set; } = null!;

        /// <summary>
        /// The destination's host name or address AS THE SOURCE dom0 REACHES IT (xl migrate's &lt;host&gt;), e.g. xenlab2.
        /// Default: the destination connection's MigrationAddress option, else its ssh:// URI's host, else its host name.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DestinationAddress { get; set; }

        /// <summary>The command xl runs instead of ssh to reach the destination (xl migrate -s), one word per item: ssh,-p,2200.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SshCommand { get; set; }

        /// <summary>Keep the domain's domid on the destination (xl migrate -D).</summary>
        [Parameter]
        public SwitchParameter PreserveDomainId { get; set; }

        protected virtual MigrateDomainOptions Options() => new MigrateDomainOptions
        {
            SshCommand = SshCommand,
            PreserveDomainId = PreserveDomainId,
        };

        /// <summary>The open destination connection; terminates when it is closed.</summary>
        protected XenHostConnection OpenDestination()
        {
            if (!Destination.IsOpen)
                ThrowTerminating(new XenConnectionException($"The destination connection '{Destination.Name}' is closed. Connect-XenHost '{Destination.Uri}' again.", XenErrorReason.ConnectionClosed),
                    "XenHostConnectionClosed", ErrorCategory.ConnectionError, Destination);
            return Destination;
        }

        /// <summary>Writes a preflight's failure as the error of its domain (with the failed check's own id).</summary>
        protected void WritePreflightError(XenPS.Services.XenMigrationPreflight pre)
        {
            if (pre.Error() is XenMigrationException e) WriteXenError(e, pre.Target.Domain);
        }
    }
}

namespace XenPS.Infrastructure
{
    /// <summary>-Destination: ONE host connection, given as a connection object, a connection name or the URI of an open connection.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class XenDestinationTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object v = inputData is PSObject p ? p.BaseObject : inputData;
            if (v is XenHostConnection c) return c;
            if (v is object[] a && a.Length == 1) return Transform(engineIntrinsics, a[0]);
            if (v is string s)
            {
                var found = XenHostTransformationAttribute.Resolve(s);
                if (found.Count == 1) return found[0];
                throw new ArgumentTransformationMetadataException(
                    $"-Destination names one host; '{s}' matches {found.Count} connections ({string.Join(", ", found.Select(h => h.Name))}).");
            }
            throw new ArgumentTransformationMetadataException(
                "-Destination takes ONE host connection (from Connect-XenHost or Get-XenHostConnection), its name, or the URI of an open connection.");
        }
    }
}
