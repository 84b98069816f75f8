using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// Move-XenDomain inside a pool: Async.VM.pool_migrate(vm, host, {live: true}) as a task whose progress is relayed
    /// and which Ctrl+C cancels (task.cancel); Test-XenDomainMigration's pool checks end in VM.assert_can_boot_here.
    /// A member is named by its name_label (what <see cref="XenDomain.ResidentOn"/> shows) or its uuid.
    /// </summary>
    public sealed partial class XapiBackend : IXenPoolMigration
    {
        public XenPSException? CheckCanRunOn(XenDomain domain, string member, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            string host = HostRef(member, cancellationToken);
            try
            {
                WithVm(domain, cancellationToken, vm => Call("VM.assert_can_boot_here", $"Checking that VM '{domain.Name}' can run on {member}", domain.Name, cancellationToken, vm, host));
                return null;
            }
            catch (XenPSException e) when (!(e is XenConnectionException))
            {
                return e;
            }
        }

        public void PoolMigrate(XenDomain domain, string member, Action<MigrationProgress>? progress, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            RefuseDomain0(domain, "migrate");
            string host = HostRef(member, cancellationToken);
            var report = progress == null ? null : new ActionProgress(p =>
            {
                int pct = (int)Math.Round(Math.Clamp(p, 0, 1) * 100);
                progress(new MigrationProgress(MigrationProgress.TaskPhase, pct, 100, pct));
            });
            var options = new Dictionary<string, object?>(StringComparer.Ordinal) { ["live"] = "true" };
            WithVm(domain, cancellationToken, vm =>
                RunTask("VM.pool_migrate", $"Migrating VM '{domain.Name}' to {member}", domain.Name, cancellationToken, report, null, vm, host, options));
        }

        /// <summary>The OpaqueRef of the pool member named <paramref name="member"/> (name_label, else uuid); DomainNotFound-like error listing the members otherwise.</summary>
        private string HostRef(string member, CancellationToken ct)
        {
            XapiRecord? Find() =>
                _hosts.Values.FirstOrDefault(h => string.Equals(h.Str("name_label"), member, StringComparison.Ordinal))
                ?? _hosts.Values.FirstOrDefault(h => string.Equals(h.Str("name_label"), member, StringComparison.OrdinalIgnoreCase))
                ?? _hosts.Values.FirstOrDefault(h => string.Equals(h.Str("uuid"), member, StringComparison.OrdinalIgnoreCase));
            var found = Find();
            if (found == null)
            {
                RefreshHosts(ct);
                found = Find();
            }
            if (found == null)
                throw new XenArgumentException($"The pool has no member '{member}'. Its members: {string.Join(", ", _hosts.Values.Select(h => h.Str("name_label")).OrderBy(n => n, StringComparer.Ordinal))} (Get-XenHostInfo lists them).");
            return found.Ref;
        }
    }
}
