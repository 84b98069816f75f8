using System;

namespace XenPS
{
    /// <summary>
    /// Where Move-XenDomain and Test-XenDomainMigration send domains: another host connection (xl migrate), or a member
    /// of the source's pool by name (VM.pool_migrate). -Destination takes a connection, its name or URI, a pool member's
    /// name or uuid, or a XenHostInfo of a pool member (Get-XenHostInfo -XenHost pool).
    /// </summary>
    public sealed class XenMigrationDestination
    {
        public XenMigrationDestination(XenHostConnection connection)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
            Name = connection.Name;
        }

        public XenMigrationDestination(string poolMember)
        {
            if (string.IsNullOrWhiteSpace(poolMember)) throw new ArgumentException("A pool member's name is needed.", nameof(poolMember));
            Name = poolMember;
        }

        /// <summary>The destination host connection; null when the destination is a pool member.</summary>
        public XenHostConnection? Connection { get; }
        /// <summary>The connection's name, or the pool member's name as given.</summary>
        public string Name { get; }
        public bool IsPoolMember => Connection == null;

        public override string ToString() => Name;
    }
}
