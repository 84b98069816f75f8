using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.XenApi
{
    /// <summary>
    /// An XCP-ng or XenServer pool through XenAPI (xapi://host): one session per connection, every call to the pool
    /// master. VMs are identified by uuid (their OpaqueRef is cached from the last listing); templates and snapshots
    /// are not domains; each host's control domain is listed as that host's Domain-0; a domain's pool member is in
    /// <see cref="XenDomain.ResidentOn"/>. Long operations run as Async.* tasks (see XapiBackend.Tasks.cs).
    /// </summary>
    public sealed partial class XapiBackend : IXenBackend, IXenHostFacts, IXenPowerControl
    {
        private const long MiB = 1024 * 1024;

        private readonly XapiSession _session;
        private readonly XapiHostOptions _options;
        private readonly ConcurrentDictionary<string, string> _vmRefs = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, XapiRecord> _hosts = new ConcurrentDictionary<string, XapiRecord>(StringComparer.Ordinal);
        private readonly CancellationTokenSource _closing = new CancellationTokenSource();
        private int _disposed;

        internal XapiBackend(string uri, string host, int port, XenCredential credential, XapiHostOptions options)
        {
            Uri = uri;
            _options = options;
            _session = new XapiSession(host, port, credential, options);
        }

        public string Uri { get; }

        public string BackendName => "XenAPI pool";

        /// <summary>The session (tests read its endpoint, logins and redirection).</summary>
        internal XapiSession Session => _session;

        // ------------------------------------------------------------------ listing

        public IReadOnlyList<XenDomain> ListDomains(CancellationToken cancellationToken)
        {
            var vms = XapiRecord.All(Call("VM.get_all_records", "Listing the pool's VMs", null, cancellationToken), "VM.get_all_records");
            if (vms.Any(v => !XapiValue.IsNullRef(v.Str("resident_on")) && !_hosts.ContainsKey(v.Str("resident_on"))))
                RefreshHosts(cancellationToken);
            return Domains(vms);
        }

        /// <summary>The domains of a VM.get_all_records answer: no templates, no snapshots; control domains first.</summary>
        internal IReadOnlyList<XenDomain> Domains(IReadOnlyList<XapiRecord> vms)
        {
            var list = new List<XenDomain>(vms.Count);
            foreach (var vm in vms)
            {
                if (vm.Bool("is_a_template") || vm.Bool("is_a_snapshot")) continue;
                var d = ToDomain(vm);
                if (!string.IsNullOrEmpty(d.Uuid)) _vmRefs[d.Uuid!] = vm.Ref;
                list.Add(d);
            }
            return list
                .OrderBy(d => d.IsControlDomain ? 0 : 1)
                .ThenBy(d => d.IsControlDomain ? d.ResidentOn ?? "" : d.Name, StringComparer.Ordinal)
                .ThenBy(d => d.Uuid, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>Host records to name resident hosts by (tests feed recorded ones).</summary>
        internal void KnowHosts(IEnumerable<XapiRecord> hosts)
        {
            foreach (var h in hosts) _hosts[h.Ref] = h;
        }

        internal XenDomain ToDomain(XapiRecord vm)
        {
            string ps = vm.Str("power_state");
            long domid = vm.Long("domid", -1);
            bool live = ps.Equals("Running", StringComparison.OrdinalIgnoreCase) || ps.Equals("Paused", StringComparison.OrdinalIgnoreCase);
            var d = new XenDomain
            {
                Name = vm.Bool("is_control_domain") ? "Domain-0" : vm.Str("name_label"),
                Uuid = vm.Str("uuid"),
                Id = live && domid >= 0 && domid <= int.MaxValue ? (int)domid : (int?)null,
                Type = TypeOf(vm),
                MaxMemoryMiB = vm.Long("memory_static_max") / MiB,
                VCpus = (int)Math.Min(int.MaxValue, vm.Long("VCPUs_at_startup")),
                MaxVCpus = (int)Math.Min(int.MaxValue, Math.Max(vm.Long("VCPUs_max"), vm.Long("VCPUs_at_startup"))),
                IsControlDomain = vm.Bool("is_control_domain"),
            };
            if (!d.IsControlDomain)
                d.AutoStart = string.Equals(vm.Map("other_config").TryGetValue("auto_poweron", out var ap) ? ap : null, "true", StringComparison.OrdinalIgnoreCase);
            long target = vm.Long("memory_target");
            d.MemoryMiB = (live && target > 0 ? target : vm.Long("memory_dynamic_max")) / MiB;
            string resident = vm.Str("resident_on");
            if (!XapiValue.IsNullRef(resident))
                d.ResidentOn = _hosts.TryGetValue(resident, out var h) ? h.Str("name_label") : resident;
            switch (ps.ToLowerInvariant())
            {
                case "running":
                    d.StateFlags = XenDomain.EncodeState(false, false, false, false, XenShutdownReason.None, false);
                    d.State = XenDomainState.Running;
                    break;
                case "paused":
                    d.StateFlags = XenDomain.EncodeState(false, false, true, false, XenShutdownReason.None, false);
                    d.State = XenDomainState.Paused;
                    break;
                case "suspended":
                    d.StateFlags = XenDomain.EncodeState(false, false, false, true, XenShutdownReason.Suspend, false);
                    d.ShutdownReason = XenShutdownReason.Suspend;
                    d.State = XenDomainState.Suspended;
                    break;
                default: // Halted
                    d.StateFlags = XenDomain.EncodeState(false, false, false, true, XenShutdownReason.Poweroff, false);
                    d.ShutdownReason = XenShutdownReason.Poweroff;
                    d.State = XenDomainState.Halted;
                    break;
            }
            return d;
        }

        private static XenDomainType TypeOf(XapiRecord vm)
        {
            switch (vm.Str("domain_type").ToLowerInvariant())
            {
                case "hvm": return XenDomainType.HVM;
                case "pv": return XenDomainType.PV;
                case "pvh":
                case "pv_in_pvh": return XenDomainType.PVH;
            }
            // Servers before domain_type (XenServer < 7.5): an empty HVM_boot_policy means PV.
            return vm.Str("HVM_boot_policy").Length > 0 ? XenDomainType.HVM : XenDomainType.PV;
        }

        private void RefreshHosts(CancellationToken ct)
        {
            foreach (var h in XapiRecord.All(Call("host.get_all_records", "Listing the pool's hosts", null, ct), "host.get_all_records"))
                _hosts[h.Ref] = h;
        }

        public XenDomain CreateDomain(XenDomainConfig config, CreateDomainOptions options, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            throw new XenArgumentException(
                "XenAPI pools do not create VMs from xl configs: a VM is installed from one of the pool's templates (VM.clone + VM.provision, " +
                "as `xe vm-install` does), with its disks and networks in the pool's storage, which an xl config (image paths, bridges) does " +
                "not name. Create it from a template instead: New-XenDomain -Template '<template name or uuid>' -Name <name> [-MemoryMiB N] [-VCpus N].");
        }

        // ------------------------------------------------------------------ host facts

        public XenHostInfo GetHostInfo(CancellationToken cancellationToken)
        {
            var pool = XapiRecord.All(Call("pool.get_all_records", "Reading the pool", null, cancellationToken), "pool.get_all_records").FirstOrDefault()
                       ?? throw new XenPSException("XAPI listed no pool object.", null, XenErrorReason.HostCommandFailed);
            RefreshHosts(cancellationToken);
            var metrics = XapiRecord.All(Call("host_metrics.get_all_records", "Reading the hosts' metrics", null, cancellationToken), "host_metrics.get_all_records")
                .ToDictionary(m => m.Ref, StringComparer.Ordinal);
            _hosts.TryGetValue(pool.Str("master"), out var master);
            var info = new XenHostInfo
            {
                HostName = pool.Str("name_label").Length > 0 ? pool.Str("name_label") : master?.Str("name_label") ?? _session.Endpoint.Host,
                XenVersion = master != null && master.Map("software_version").TryGetValue("xen", out var xv) ? xv : "",
            };
            foreach (var h in _hosts.Values)
            {
                info.CpuCount += (int)(XapiValue.AsLong(h.Map("cpu_info").TryGetValue("cpu_count", out var cc) ? cc : null) ?? 0);
                if (metrics.TryGetValue(h.Str("metrics"), out var m))
                {
                    info.TotalMemoryMiB += m.Long("memory_total") / MiB;
                    info.FreeMemoryMiB += m.Long("memory_free") / MiB;
                }
            }
            return info;
        }

        // ------------------------------------------------------------------ calls

        /// <summary>A session call with XAPI's failures mapped to typed exceptions (what: for the message).</summary>
        internal object? Call(string method, string what, string? domain, CancellationToken ct, params object?[] args)
        {
            ThrowIfDisposed();
            try
            {
                return _session.Call(method, args, ct);
            }
            catch (XapiFailure f)
            {
                throw XapiErrors.Map(f, what, domain);
            }
        }

        /// <summary>The VM's OpaqueRef, from the last listing or VM.get_by_uuid.</summary>
        internal string VmRef(XenDomain d, CancellationToken ct)
        {
            if (string.IsNullOrEmpty(d.Uuid))
                throw new XenDomainNotFoundException(d.Name, $"'{d.Name}' has no uuid; list it from the pool (Get-XenDomain) first.");
            if (_vmRefs.TryGetValue(d.Uuid!, out var r)) return r;
            string? vm = XapiValue.AsString(Call("VM.get_by_uuid", $"Finding VM '{d.Name}'", d.Name, ct, d.Uuid));
            if (string.IsNullOrEmpty(vm)) throw new XenDomainNotFoundException(d.Name, $"VM '{d.Name}' ({d.Uuid}) is not in the pool.");
            _vmRefs[d.Uuid!] = vm!;
            return vm!;
        }

        /// <summary>Runs <paramref name="work"/> on the VM's ref; a stale cached ref (HANDLE_INVALID) is looked up again once.</summary>
        internal T WithVm<T>(XenDomain d, CancellationToken ct, Func<string, T> work)
        {
            string vm = VmRef(d, ct);
            try
            {
                return work(vm);
            }
            catch (XenDomainNotFoundException) when (d.Uuid != null && _vmRefs.TryRemove(d.Uuid, out _))
            {
                return work(VmRef(d, ct));
            }
        }

        private static void RefuseDomain0(XenDomain d, string verb)
        {
            if (d.IsDomain0)
                throw new XenInvalidOperationException($"XenPS will not {verb} a control domain (Domain-0 of {d.ResidentOn ?? "its host"}).", XenErrorReason.Domain0Refused);
        }

        private void ThrowIfDisposed()
        {
            if (Volatile.Read(ref _disposed) != 0)
                throw new XenConnectionException($"The connection to {Uri} has been closed.", XenErrorReason.ConnectionClosed);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _closing.Cancel();
            _session.Dispose();
            _closing.Dispose();
        }
    }
}
