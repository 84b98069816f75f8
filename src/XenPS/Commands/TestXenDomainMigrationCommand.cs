using System;
using System.Management.Automation;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Test-XenDomainMigration: the preflight of Move-XenDomain as objects, for runbooks. Nothing is changed on either
    /// host. Each result lists every check (Name, Passed, Detail): the destination reachable from the source dom0 the
    /// way xl migrate goes, the same Xen version, a guest type the hosts can live-migrate, enough free memory, no domain
    /// of that name there, the domain's kernel, ramdisk and disk paths present there, not Domain-0. Inside a XenAPI pool
    /// (-Destination names a member): the member known, enabled and live, not where the VM runs, its free memory, and
    /// XAPI's VM.assert_can_boot_here (the VM's storage and networks reachable from there).
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
                XenMigrationPreflight? pre;
                try { pre = Preflight(_migration, t, destination, Options()); }
                catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                WriteBackendNotes(t.Host);
                if (pre == null) continue;
                WriteObject(pre);
            }
        }
    }
}
