using System;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;

namespace XenPS.Services
{
    /// <summary>
    /// The source's half of a migration preflight, begun before the domains are known: the source's facts without the
    /// domain's paths (xl info, the boot id, and its dom0's login to the destination, which xl migrate reuses). None of it
    /// depends on the domain, and the login is the slowest part of a preflight (2-3 s on the TCG lab), so Move-XenDomain
    /// begins it while the source host is listed for the names it was given. The first preflight from that source to that
    /// destination (same address and options) takes it; what no preflight takes is released on <see cref="Dispose"/>.
    /// </summary>
    public sealed class XenMigrationHeadStart : IDisposable
    {
        private readonly Task<(string Address, MigrationHostFacts Facts)> _facts;
        private int _taken;

        internal XenMigrationHeadStart(XenHostConnection source, XenHostConnection destination, MigrateDomainOptions options,
            Task<(string Address, MigrationHostFacts Facts)> facts)
        {
            Source = source;
            Destination = destination;
            Options = options;
            _facts = facts;
        }

        public XenHostConnection Source { get; }
        public XenHostConnection Destination { get; }
        internal MigrateDomainOptions Options { get; }
        /// <summary>Whether a preflight has taken the facts.</summary>
        public bool Taken => Volatile.Read(ref _taken) != 0;

        /// <summary>
        /// The facts, for the preflight of a domain on <paramref name="source"/> going to <paramref name="destination"/>
        /// with these options, once: null when they are for something else or taken. Does not wait for them; the task's
        /// result is null when they could not be gathered, or were gathered for another address than
        /// <paramref name="address"/> (their login is then released here).
        /// </summary>
        internal Task<MigrationHostFacts?>? Take(XenHostConnection source, XenHostConnection destination, string address, MigrateDomainOptions options)
        {
            if (!ReferenceEquals(source, Source) || !ReferenceEquals(destination, Destination) || !ReferenceEquals(options, Options)) return null;
            if (Interlocked.Exchange(ref _taken, 1) != 0) return null;
            return _facts.ContinueWith(t =>
            {
                if (t.Status != TaskStatus.RanToCompletion) return null; // cancelled, or the address was refused: the preflight says so itself
                if (string.Equals(t.Result.Address, address, StringComparison.Ordinal)) return t.Result.Facts;
                Release(t.Result);
                return (MigrationHostFacts?)null;
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <summary>Releases the login when no preflight took it (it waits for the facts to arrive; a cancelled start has nothing to release).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _taken, 1) != 0) return;
            (string Address, MigrationHostFacts Facts) got;
            try { got = _facts.GetAwaiter().GetResult(); }
            catch (Exception) { return; } // cancelled, or the address could not be known: nothing was opened
            Release(got);
        }

        private void Release((string Address, MigrationHostFacts Facts) got)
        {
            if (got.Facts.Path?.SharedConnection is string shared && Source.Backend is IXenMigration src)
                src.ReleaseSharedConnection(new MigrationDestination(Destination.Backend, got.Address), shared, CancellationToken.None);
        }
    }

    public sealed partial class MigrationService
    {
        /// <summary>
        /// Begins the source's facts for migrations from <paramref name="source"/> to <paramref name="destination"/> (see
        /// <see cref="XenMigrationHeadStart"/>); pass it to <see cref="Preflight(XenDomainTarget, XenHostConnection, string, MigrateDomainOptions, CancellationToken, XenMigrationHeadStart)"/>
        /// and dispose it afterwards. Null when there is nothing to begin: a backend that cannot migrate, a pool (its VMs
        /// move with VM.pool_migrate), or arguments the preflight will refuse.
        /// </summary>
        public XenMigrationHeadStart? BeginPreflight(XenHostConnection source, XenHostConnection destination, string? address, MigrateDomainOptions options, CancellationToken ct)
        {
            if (source == null || destination == null || options == null) return null;
            if (source.Backend is not IXenMigration src || source.Backend is IXenPoolMigration || destination.Backend is not IXenMigration dst) return null;
            if (options.ConfigPath != null && options.PreserveDomainId) return null; // refused as Arguments by the preflight
            try { MigrationRules.CheckSshCommand(options.SshCommand); }
            catch (XenPSException) { return null; }
            var task = Task.Run(() =>
            {
                string addr = MigrationRules.CheckAddress(string.IsNullOrEmpty(address) ? dst.DefaultMigrationAddress(ct) : address!);
                return (addr, Guarded(() => src.GatherSourceFacts(new MigrationDestination(destination.Backend, addr), Array.Empty<string>(), options, ct)));
            }, ct);
            return new XenMigrationHeadStart(source, destination, options, task);
        }

        /// <summary>A host's facts; a fault of the backend fails the checks that need them, not the command.</summary>
        private static MigrationHostFacts Guarded(Func<MigrationHostFacts> f)
        {
            try { return f(); }
            catch (XenPSException e) { return MigrationHostFacts.Failed(e.Message); }
            // anything else a backend lets out (an I/O or process failure) fails this target's check, not the whole command
            catch (Exception e) when (e is not OperationCanceledException) { return MigrationHostFacts.Failed($"{e.GetType().Name}: {e.Message}"); }
        }
    }
}
