using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// xl reboot [-F] &lt;domid&gt;: returns once the request is sent ("Rebooting domain N", capture 56-reboot). xl's
    /// daemon for the domain (xl-&lt;name&gt;) then destroys it and builds it again from its config: a new domid, the
    /// same name and uuid, listed --p--- with 0 MiB while built (capture 57-wait-reboot). -F presses the ACPI reset
    /// for an HVM guest without PV drivers ("PV control interface not available" otherwise).
    /// </summary>
    public sealed partial class XlBackend : IXenReboot
    {
        public void RebootDomain(XenDomain domain, bool acpiFallback, CancellationToken cancellationToken)
        {
            string d = RefuseDomain0(domain, "reboot");
            var args = new List<string> { "reboot" };
            if (acpiFallback) args.Add("-F");
            args.Add(d);
            Simple(d, cancellationToken, "xl reboot", args.ToArray());
        }
    }
}
