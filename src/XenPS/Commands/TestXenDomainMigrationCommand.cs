using System;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Test-XenDomainMigration: the preflight of Move-XenDomain as objects, for runbooks. Nothing is changed on either
    /// host. Each result lists every check (Name, Passed, Detail): the destination reachable from the source dom0 the
    /// way xl migrate goes, the same Xen version, a guest type the hosts can live-migrate, enough free memory, no domain
    /// of that name there, the domain's kernel, ramdisk and disk paths present there, not Domain-0.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "XenDomainMigration", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(XenMigrationPreflight))]
    public sealed class TestXenDomainMigrationCommand : XenMigrationCmdletBase
    {
        private readonly MigrationService _migration = new MigrationService();

        protected override bool WildcardSkipsDomain0 => true;

        protected override void ProcessRecord()
        {
            var destination = OpenDestination();
            foreach (var t in Targets())
            {
                XenMigrationPreflight pre;
                try { pre = _migration.Preflight(t, destination, DestinationAddress, Options(), CancelToken); }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                WriteBackendNotes(t.Host);
                WriteObject(pre);
            }
        }
    }
}
