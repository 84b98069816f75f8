using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Backends;

namespace XenPS.Services
{
    public sealed partial class DomainLifecycleService
    {
        public const string TemplateActivity = "Creating Xen domains from templates";

        /// <summary>
        /// New-XenDomain -Template: checks the name (the config validator's rules), memory and vCPUs, then has the backend
        /// (IXenTemplates) install and start the domain. The backend runs on a worker thread; its progress is reported on
        /// this thread, and a completed record always ends it.
        /// </summary>
        public XenDomain CreateFromTemplate(XenHostConnection host, TemplateInstallOptions o, IProgress<XenProgress>? progress, CancellationToken ct)
        {
            if (string.IsNullOrWhiteSpace(o.Template)) throw new XenArgumentException("No template was given: -Template takes a template's name or uuid.");
            DomainSettingsService.CheckNewName(o.Name);
            if (o.MemoryMiB is long m && m < 1) throw new XenSettingOutOfRangeException(DomainSettingsService.MemorySetting, $"a memory of {m} MiB is not possible; give at least 1 MiB.");
            if (o.VCpus is int v && v < 1) throw new XenSettingOutOfRangeException(DomainSettingsService.VCpusSetting, $"{v} vCPUs is not possible; give at least 1.");
            var cap = host.Backend.Require<IXenTemplates>("creating domains from templates");
            string status = $"{o.Name} from template '{o.Template}' on {host.Name}";
            try
            {
                progress?.Report(new XenProgress(TemplateActivity, status, 0));
                using var queue = new BlockingCollection<XenTaskProgress>();
                var work = Task.Run(() =>
                {
                    try { return cap.CreateFromTemplate(o, p => { if (!queue.IsAddingCompleted) queue.TryAdd(p); }, ct); }
                    finally { queue.CompleteAdding(); }
                });
                foreach (var p in queue.GetConsumingEnumerable())
                    progress?.Report(new XenProgress(TemplateActivity, $"{status}: {p.Phase.ToLowerInvariant()}", Math.Clamp(p.PercentComplete, 0, 100)));
                return Stamp(work.GetAwaiter().GetResult(), host);
            }
            finally
            {
                progress?.Report(new XenProgress(TemplateActivity, status, 100, completed: true));
            }
        }

        /// <summary>Starts a listed Halted domain that its backend keeps (IXenDomainStart: a XenAPI pool's halted VM).</summary>
        public XenDomain StartKept(XenDomainTarget t, bool paused, CancellationToken ct)
        {
            RefuseDomain0(t, "started", "It is always running.");
            return Stamp(t.Host.Backend.Require<IXenDomainStart>("starting halted domains").StartDomain(t.Domain, paused, ct), t.Host);
        }
    }
}
