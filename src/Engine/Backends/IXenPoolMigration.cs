using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>
    /// Live migration between the members of one pool (XAPI's VM.pool_migrate): the pool's storage and networks are
    /// shared, so nothing crosses a dom0 shell and no files need copying; the pool master moves the VM and keeps its
    /// uuid and name. The members and their facts come from <see cref="IXenPoolHosts"/>; the orchestration (preflight,
    /// progress, wait, Ctrl+C) is MigrationService's. A failed or cancelled migration leaves the VM running where it
    /// was: XAPI undoes it.
    /// </summary>
    public interface IXenPoolMigration : IXenPoolHosts
    {
        /// <summary>
        /// Whether <paramref name="domain"/> can run on the pool member <paramref name="member"/> (XAPI's
        /// VM.assert_can_boot_here: memory, the VM's SRs and networks reachable from there, the host enabled). Null
        /// when it can, else the typed error that says why, XAPI's code kept; never throws for a refusal.
        /// </summary>
        XenPSException? CheckCanRunOn(XenDomain domain, string member, CancellationToken cancellationToken);

        /// <summary>
        /// Moves the running <paramref name="domain"/> live to the pool member <paramref name="member"/> (Async.VM.pool_migrate
        /// with live=true); returns when the pool reports success. <paramref name="progress"/> gets the task's progress (on
        /// any thread). On cancellation the task is cancelled (task.cancel) and OperationCanceledException goes on.
        /// </summary>
        void PoolMigrate(XenDomain domain, string member, Action<MigrationProgress>? progress, CancellationToken cancellationToken);
    }
}
