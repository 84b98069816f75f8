using System;
using System.Threading;

namespace XenPS.Backends
{
    /// <summary>What New-XenDomain -Template installs: a copy of one of the pool's templates, then started.</summary>
    public sealed class TemplateInstallOptions
    {
        /// <summary>The template's name (name_label) or uuid.</summary>
        public string Template { get; set; } = "";
        /// <summary>The new VM's name.</summary>
        public string Name { get; set; } = "";
        /// <summary>Its memory, MiB (static and dynamic maximum); null: the template's.</summary>
        public long? MemoryMiB { get; set; }
        /// <summary>Its vCPUs (at startup, and the maximum when larger); null: the template's.</summary>
        public int? VCpus { get; set; }
        /// <summary>Start it paused.</summary>
        public bool Paused { get; set; }
    }

    /// <summary>How far an operation on the host has got: a phase and a percentage (XAPI: a task's progress).</summary>
    public sealed class XenTaskProgress
    {
        public XenTaskProgress(string phase, int percent)
        {
            Phase = phase;
            PercentComplete = percent;
        }

        public string Phase { get; }
        public int PercentComplete { get; }
        public override string ToString() => $"{Phase}: {PercentComplete}%";
    }

    /// <summary>
    /// Creating domains from the host's templates (XAPI: VM.clone or VM.copy of a template, VM.provision, the memory and
    /// vCPUs set, the name, then VM.start), as `xe vm-install` does. A name in use is DomainExists (checked before
    /// anything is created); an unknown template is ItemNotFound; a VM that cannot start (not enough memory) is removed
    /// again, so nothing is left half-done. <paramref name="progress"/> may be called on any thread.
    /// </summary>
    public interface IXenTemplates
    {
        XenDomain CreateFromTemplate(TemplateInstallOptions options, Action<XenTaskProgress>? progress, CancellationToken cancellationToken);
    }
}
