using System;
using System.Collections.Generic;
using System.Linq;
using XenPS.Backends;

namespace XenPS.Infrastructure
{
    /// <summary>
    /// The process-wide set of open host connections and the default one. Thread-safe: runspaces in the same
    /// process (ThreadJob, runspace pools) share connections, as they share the module's static state.
    /// </summary>
    internal static class HostRegistry
    {
        private static readonly object s_lock = new object();
        private static readonly List<XenHostConnection> s_connections = new List<XenHostConnection>();

        internal static IReadOnlyList<XenHostConnection> All
        {
            get { lock (s_lock) return s_connections.ToList(); }
        }

        internal static XenHostConnection? Default
        {
            get { lock (s_lock) return s_connections.FirstOrDefault(c => c.IsDefault); }
        }

        internal static XenHostConnection? Find(string name)
        {
            lock (s_lock)
                return s_connections.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        }

        internal static XenHostConnection? FindByUri(string uri)
        {
            lock (s_lock)
                return s_connections.FirstOrDefault(c => string.Equals(c.Uri, uri, StringComparison.Ordinal));
        }

        /// <summary>Adds a connection; the first one becomes the default, as does any with setDefault.</summary>
        internal static void Add(XenHostConnection connection, bool setDefault)
        {
            lock (s_lock)
            {
                if (s_connections.Any(c => string.Equals(c.Name, connection.Name, StringComparison.OrdinalIgnoreCase)))
                    throw new XenResourceExistsException(
                        $"A host connection named '{connection.Name}' already exists. Use -Name to choose another name, or Disconnect-XenHost '{connection.Name}' first.");
                if (setDefault || s_connections.Count == 0)
                {
                    foreach (var c in s_connections) c.MarkDefault(false);
                    connection.MarkDefault(true);
                }
                s_connections.Add(connection);
            }
        }

        /// <summary>Makes an open connection the default one.</summary>
        internal static void SetDefault(XenHostConnection connection)
        {
            lock (s_lock)
            {
                foreach (var c in s_connections) c.MarkDefault(ReferenceEquals(c, connection));
            }
        }

        internal static bool Remove(XenHostConnection connection)
        {
            lock (s_lock)
            {
                bool removed = s_connections.Remove(connection);
                if (removed && connection.IsDefault)
                {
                    connection.MarkDefault(false);
                    if (s_connections.Count > 0) s_connections[0].MarkDefault(true);
                }
                return removed;
            }
        }
    }
}
