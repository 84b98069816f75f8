using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace XenPS.Services
{
    /// <summary>A domain on a host: what every engine service acts on.</summary>
    public sealed class XenDomainTarget
    {
        public XenDomainTarget(XenHostConnection host, XenDomain domain)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Domain = domain ?? throw new ArgumentNullException(nameof(domain));
        }

        public XenHostConnection Host { get; }
        public XenDomain Domain { get; }

        /// <summary>"name (id N) on host", as messages and ShouldProcess show it.</summary>
        public string Description => Domain.Id is int id ? $"{Domain.Name} (id {id}) on {Host.Name}" : $"{Domain.Name} on {Host.Name}";

        public override string ToString() => Description;
    }

    /// <summary>How one target came out of a service call: the domain afterwards, or the error.</summary>
    public sealed class XenDomainResult
    {
        private XenDomainResult(XenDomainTarget target, XenDomain? domain, XenPSException? error, string? note)
        {
            Target = target;
            Domain = domain;
            Error = error;
            Note = note;
        }

        public XenDomainTarget Target { get; }
        /// <summary>The domain as it is afterwards (its last known state when it is gone); null on error.</summary>
        public XenDomain? Domain { get; }
        public XenPSException? Error { get; }
        /// <summary>What happened, for verbose output ("has shut down", "destroyed after the timeout").</summary>
        public string? Note { get; }
        public bool Succeeded => Error == null;

        public static XenDomainResult Ok(XenDomainTarget t, XenDomain? d, string? note = null) => new XenDomainResult(t, d, null, note);
        public static XenDomainResult Failed(XenDomainTarget t, XenPSException e) => new XenDomainResult(t, null, e, null);
    }

    /// <summary>A progress report of a long service call, delivered on the thread that enumerates the results.</summary>
    public sealed class XenProgress
    {
        public XenProgress(string activity, string status, int percent, bool completed = false)
        {
            Activity = activity;
            Status = status;
            PercentComplete = percent;
            Completed = completed;
        }

        public string Activity { get; }
        public string Status { get; }
        public int PercentComplete { get; }
        public bool Completed { get; }
    }
}
