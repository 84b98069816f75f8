using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// xl reboot [-F] &lt;domid&gt;: returns once the request is sent ("Rebooting domain N", capture 56-reboot). xl's
    /// daemon for the domain (xl-&lt;name&gt;) then destroys it and builds it again from its config: a new domid, the
    /// same name and uuid, listed --p--- with 0 MiB while built (capture 57-wait-reboot). -F presses the ACPI reset
    /// for an HVM guest without PV drivers ("PV control interface not available" otherwise).
    /// The same command first prints the size of the guest's console log: the old boot goes on writing its shutdown
    /// after it, and the new boot starts at the first "Logfile Opened" xenconsoled writes after it (measured on the lab:
    /// that marker may appear many seconds after the new domain runs), so the console of the new boot is read from there.
    /// </summary>
    public sealed partial class XlBackend : IXenReboot
    {
        // $1 = xl, $2 = the guest's console log, then xl reboot's arguments.
        internal const string RebootScript =
            "xl=\"$1\"; log=\"$2\"; shift 2; "
            + "if [ -f \"$log\" ]; then echo \"" + ConsoleOffsetMarker + " $(wc -c < \"$log\")\"; else echo \"" + ConsoleOffsetMarker + " 0\"; fi; "
            + "exec \"$xl\" reboot \"$@\"";

        // The console log's size when this backend asked a guest (by name) to reboot, and the domid it had then.
        private readonly ConcurrentDictionary<string, (long Size, int OldId)> _rebootLogSize =
            new ConcurrentDictionary<string, (long Size, int OldId)>(StringComparer.Ordinal);

        public void RebootDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "reboot");
            string name = domain.Name;
            bool named = name.Length > 0 && name[0] != '-' && name.IndexOf('/') < 0 && name.IndexOf('\0') < 0 && name.IndexOf('\n') < 0;
            var args = new List<string> { "sh", "-c", RebootScript, "sh", _options.XlPath, named ? ConsoleLogPath(name) : "/dev/null" };
            if (acpiFallback) args.Add("-F");
            args.Add(d);
            var r = Run(args, null, _options.CommandTimeout, cancellationToken);
            if (r.ExitCode != 0) throw XlErrorMapper.Map($"xl reboot {d}", d, r);
            if (!named) return;
            foreach (string line in r.StandardOutput.Split('\n'))
            {
                if (line.StartsWith(ConsoleOffsetMarker + " ", StringComparison.Ordinal) &&
                    long.TryParse(line.Substring(ConsoleOffsetMarker.Length + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    _rebootLogSize[name] = (size, domain.Id ?? -1);
            }
        }
    }
}
