using System;

namespace XenPS.Backends.Xl
{
    /// <summary>Tuning of <see cref="XlBackend"/>.</summary>
    public sealed class XlBackendOptions
    {
        /// <summary>The xl program on the host.</summary>
        public string XlPath { get; set; } = "xl";
        /// <summary>Bound for quick commands (list, info, pause, shutdown request, destroy).</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Bound for xl create (2.4-4.6 s on the TCG lab; building a big guest takes longer).</summary>
        public TimeSpan CreateTimeout { get; set; } = TimeSpan.FromSeconds(180);
        /// <summary>Bound for xl save / xl restore (a 128 MiB guest takes 5-8 s on the TCG lab; the time grows with the guest's memory).</summary>
        public TimeSpan CheckpointTimeout { get; set; } = TimeSpan.FromMinutes(30);
        /// <summary>
        /// Where xenconsoled logs guest consoles. The host needs XENCONSOLED_ARGS="--log=guest" (Debian:
        /// /etc/default/xen, then restart xenconsoled) so that guest-&lt;name&gt;.log files exist there.
        /// </summary>
        public string ConsoleLogDirectory { get; set; } = "/var/log/xen/console";
        /// <summary>The host's config directory: the stored domain configs, and auto/ for xendomains.</summary>
        public string ConfigDirectory { get; set; } = "/etc/xen";
        /// <summary>The address other dom0s reach this host at for xl migrate (default: the ssh:// URI's host, else the host name).</summary>
        public string? MigrationAddress { get; set; }
        /// <summary>
        /// How long (idle seconds) the source dom0's login to a destination stays open after a migration, for the next
        /// migration from this host to that address to use instead of logging in again; 0 ends it after each migration.
        /// Closing the connection (Disconnect-XenHost) ends it at once.
        /// </summary>
        public int MigrationLoginKeepSeconds { get; set; } = 120;
        /// <summary>How often a console Read polls the log while waiting.</summary>
        public TimeSpan ConsolePollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    }
}
