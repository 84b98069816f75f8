using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Tests.XenApi
{
    /// <summary>What the tests against a fake pool of their own share: the listed VM, a guest of a test's own, progress kept.</summary>
    internal static class FakePool
    {
        public static XenDomain Vm(IXenBackend b, string name) => b.ListDomains(CancellationToken.None).Single(d => d.Name == name);

        /// <summary>A guest of its own for a test, from the Debian template (so tests do not share VMs).</summary>
        public static XenDomain Guest(XenHostConnection c, string name, long mem = 256, int vcpus = 2) =>
            new DomainLifecycleService().CreateFromTemplate(c,
                new TemplateInstallOptions { Template = "Debian Bookworm 12", Name = name, MemoryMiB = mem, VCpus = vcpus }, null, CancellationToken.None);
    }

    /// <summary>Progress as a list, in the order reported (from any thread).</summary>
    internal sealed class ListProgress : IProgress<XenProgress>
    {
        private readonly List<XenProgress> _l;
        public ListProgress(List<XenProgress> l) { _l = l; }
        public void Report(XenProgress value) { lock (_l) _l.Add(value); }
    }
}
