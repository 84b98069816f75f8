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
    /// destination (-Destination: a connection, its name or the URI of an open one, for xl migrate; or a member of the
    /// source's pool, for VM.pool_migrate) and the address the SOURCE dom0 reaches it at (-DestinationAddress; default the
    /// destination connection's MigrationAddress option, else its ssh:// host), and xl migrate's transport (-SshCommand).
    /// </summary>
    public abstract class XenMigrationCmdletBase : XenDomainTargetCmdletBase
    {
        /// <summary>
        /// Where the domains go: a host connection from Connect-XenHost, its name, or the URI of an open connection (xl
        /// migrate); or, for VMs of a XenAPI pool, the name or uuid of a member of that pool (VM.pool_migrate), also as a
        /// XenHostInfo from Get-XenHostInfo.
        /// </summary>
        [Parameter(Mandatory = true, Position = 1)]
        [XenDestinationTransformation]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDestinationCompleter))]
        [ValidateNotNull]
        public XenMigrationDestination Destination { get; set; } = null!;

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

        /// <summary>The open destination connection (null for a pool member); terminates when it is closed.</summary>
        protected XenHostConnection? OpenDestination()
        {
            var c = Destination.Connection;
            if (c != null && !c.IsOpen)
                ThrowTerminating(new XenConnectionException($"The destination connection '{c.Name}' is closed. Connect-XenHost '{c.Uri}' again.", XenErrorReason.ConnectionClosed),
                    "XenHostConnectionClosed", ErrorCategory.ConnectionError, c);
            return c;
        }

        /// <summary>
        /// The preflight of one target: xl migrate's to the destination connection, or VM.pool_migrate's to a member of the
        /// target's pool. Writes the error and returns null when the destination does not fit the source (a pool member
        /// for a host that is no pool; another connection for a pool's VM).
        /// </summary>
        protected XenPS.Services.XenMigrationPreflight? Preflight(XenPS.Services.MigrationService migration, XenPS.Services.XenDomainTarget t,
            XenHostConnection? destination, MigrateDomainOptions options, XenPS.Services.XenMigrationHeadStart? headStart = null)
        {
            bool pool = t.Host.Backend is IXenPoolMigration;
            if (destination != null && !pool) return migration.Preflight(t, destination, DestinationAddress, options, CancelToken, headStart);
            if (destination == null && pool) return migration.PoolPreflight(t, Destination.Name, options, DestinationAddress != null, CancelToken);
            if (destination == null)
            {
                string known = string.Join(", ", HostRegistry.All.Select(h => h.Name));
                WriteItemError(new XenArgumentException(
                        $"No host connection is named '{Destination.Name}', and {t.Host.Name} is not a pool, so it cannot be one of its members. " +
                        (known.Length > 0 ? $"Connected hosts: {known}. " : "") + "Connect to the destination first (Connect-XenHost), then give its connection."),
                    "DestinationNotFound", ErrorCategory.ObjectNotFound, t.Domain);
                return null;
            }
            var members = "";
            try
            {
                members = string.Join(", ", ((IXenPoolMigration)t.Host.Backend).GetPoolHostInfo(CancelToken).Select(h => h.HostName));
            }
            catch (XenPSException) { }
            string name = members.Length > 0 ? $" (its members: {members})" : "";
            var e = ReferenceEquals(destination.Backend, t.Host.Backend) || destination == t.Host
                ? (XenPSException)new XenArgumentException(
                    $"-Destination '{destination.Name}' is the pool connection {t.Host.Name} itself: name the member of the pool the VM moves to{name}.")
                : new XenOperationNotSupportedException(t.Host.Backend.BackendName,
                    $"moving VMs out of the pool (to {destination.Name}: that is cross-pool migration, VM.migrate_send with storage motion)",
                    $"Inside the pool, name a member{name}; to move a VM between pools, export and import it (xe vm-export / vm-import, or Xen Orchestra).");
            WriteXenError(e, t.Domain, e is XenArgumentException ? "DestinationIsSourcePool" : "CrossPoolMigrationNotSupported");
            return null;
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
    /// <summary>
    /// -Destination: ONE host connection, given as a connection object, a connection name or the URI of an open
    /// connection; or, when a XenAPI pool is connected, the name of a pool member (checked against the source's pool
    /// when the domains are known), or a pool member's XenHostInfo.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class XenDestinationTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object v = inputData is PSObject p ? p.BaseObject : inputData;
            if (v is XenMigrationDestination d) return d;
            if (v is XenHostConnection c) return new XenMigrationDestination(c);
            if (v is XenHostInfo info && !string.IsNullOrEmpty(info.Pool) && !string.IsNullOrEmpty(info.HostName)) return new XenMigrationDestination(info.HostName);
            if (v is object[] a && a.Length == 1) return Transform(engineIntrinsics, a[0]);
            if (v is string s)
            {
                IReadOnlyList<XenHostConnection> found;
                try { found = XenHostTransformationAttribute.Resolve(s); }
                catch (ArgumentTransformationMetadataException) when (s.Length > 0 && !WildcardPattern.ContainsWildcardCharacters(s)
                                                                       && HostRegistry.All.Any(h => h.IsOpen && h.Backend is IXenPoolMigration))
                {
                    return new XenMigrationDestination(s); // a pool member, checked against each domain's pool
                }
                if (found.Count == 1) return new XenMigrationDestination(found[0]);
                throw new ArgumentTransformationMetadataException(
                    $"-Destination names one host; '{s}' matches {found.Count} connections ({string.Join(", ", found.Select(h => h.Name))}).");
            }
            throw new ArgumentTransformationMetadataException(
                "-Destination takes ONE host connection (from Connect-XenHost or Get-XenHostConnection), its name, the URI of an open connection, " +
                "or the name of a member of the source's XenAPI pool.");
        }
    }
}
