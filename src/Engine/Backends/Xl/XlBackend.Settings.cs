using System;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>
    /// IXenDomainSettings through xl: mem-set DOM NNNm, mem-max DOM NNNm, vcpu-set [--ignore-host] DOM N, rename DOM NEW
    /// (one argument vector each). xl's refusals (Xl/Fixtures/set-*, captures 47) are mapped to typed reasons here;
    /// everything else goes through <see cref="XlErrorMapper"/>. Domain-0's memory and vCPUs are xl's to change
    /// (`xl mem-set 0 ...` works); Domain-0 is never renamed (refused before anything is sent).
    /// </summary>
    public sealed partial class XlBackend : IXenDomainSettings
    {
        public void SetMemoryTarget(XenDomain domain, long memoryMiB, CancellationToken cancellationToken)
        {
            string d = SettingsQualifier(domain);
            if (memoryMiB < 1) throw new XenSettingOutOfRangeException("MemoryMiB", $"A memory target of {N(memoryMiB)} MiB is not possible; give at least 1 MiB.");
            var r = Xl(cancellationToken, _options.CommandTimeout, "mem-set", d, N(memoryMiB) + "m");
            if (r.ExitCode != 0) throw MapSettingsError("xl mem-set", domain, d, r);
        }

        public void SetMaxMemory(XenDomain domain, long maxMemoryMiB, CancellationToken cancellationToken)
        {
            string d = SettingsQualifier(domain);
            if (maxMemoryMiB < 1) throw new XenSettingOutOfRangeException("MaxMemoryMiB", $"A maximum memory of {N(maxMemoryMiB)} MiB is not possible; give at least 1 MiB.");
            var r = Xl(cancellationToken, _options.CommandTimeout, "mem-max", d, N(maxMemoryMiB) + "m");
            if (r.ExitCode != 0) throw MapSettingsError("xl mem-max", domain, d, r);
        }

        public void SetVCpus(XenDomain domain, int vcpus, bool allowOvercommit, CancellationToken cancellationToken)
        {
            string d = SettingsQualifier(domain);
            var r = allowOvercommit
                ? Xl(cancellationToken, _options.CommandTimeout, "vcpu-set", "--ignore-host", d, N(vcpus))
                : Xl(cancellationToken, _options.CommandTimeout, "vcpu-set", d, N(vcpus));
            if (r.ExitCode != 0) throw MapSettingsError("xl vcpu-set", domain, d, r);
        }

        public void RenameDomain(XenDomain domain, string newName, CancellationToken cancellationToken)
        {
            if (newName == null) throw new ArgumentNullException(nameof(newName));
            string d = Qualifier(domain);
            CheckDomainArgument(d);
            if (domain.IsDomain0 || IsDomain0(d))
                throw new XenInvalidOperationException(
                    "Domain-0 cannot be renamed: it is the host's control domain, which xl and every tool find by that name.", XenErrorReason.Domain0Refused);
            XenPS.Services.DomainSettingsService.CheckNewName(newName); // the one set of name rules
            if (newName.StartsWith("-", StringComparison.Ordinal))
                throw new XenArgumentException(
                    $"The new name '{newName}' starts with '-', which xl rename would read as an option. Choose a name that starts with a letter or digit.");
            var r = Xl(cancellationToken, _options.CommandTimeout, "rename", d, newName);
            if (r.ExitCode != 0) throw MapSettingsError("xl rename", domain, d, r, newName);
        }

        private static string SettingsQualifier(XenDomain domain)
        {
            string d = Qualifier(domain);
            CheckDomainArgument(d);
            return d;
        }

        // libxl_set_memory_target: Domain 2:memory_dynamic_max must be less than or equal to memory_static_max (47, set-06)
        // libxl_domain_setmaxmem: Domain 2:memory_static_max must be greater than or or equal to memory_dynamic_max (set-07)
        // You are overcommmitting! You have 1 physical CPUs and want 3 vCPUs! Aborting, use --ignore-host to continue (set-03)
        // libxl_set_vcpuonline: Domain 2:Requested 3 VCPUs, however maxcpus is 2!: Function not implemented (set-11)
        // libxl_set_vcpuonline: Domain 2:Requested 0 VCPUs!: Function not implemented (set-04)
        // libxl__domain_rename: Domain 2:Domain with name "xps-dev-cap" already exists. (set-13, set-14)
        private static readonly Regex MaxCpus = new Regex(@"Requested (?<want>\d+) VCPUs, however maxcpus is (?<max>\d+)!", RegexOptions.CultureInvariant);
        private static readonly Regex Overcommit = new Regex(@"You have (?<have>\d+) physical CPUs and want (?<want>\d+) vCPUs!", RegexOptions.CultureInvariant);

        internal static XenPSException MapSettingsError(string what, XenDomain domain, string qualifier, CommandResult r, string? newName = null)
        {
            string err = (r.StandardError ?? "").Replace("\r", "");
            string who = domain.Id is int id ? $"{domain.Name} (id {N(id)})" : $"'{domain.Name}'";
            string detail = XlErrorMapper.FirstError(err) ?? $"exit code {r.ExitCode}";
            if (err.Contains("memory_dynamic_max must be less than or equal to memory_static_max"))
                return new XenSettingOutOfRangeException("MemoryMiB",
                    $"{who}: xl refused the memory target: it is above the domain's maximum memory ({detail}). " +
                    "Raise the maximum first (Set-XenDomain -MaxMemoryMiB, xl mem-max).");
            if (err.Contains("memory_static_max must be greater than"))
                return new XenSettingOutOfRangeException("MaxMemoryMiB",
                    $"{who}: xl refused the maximum memory: it is below the domain's current memory ({detail}). " +
                    "Lower its memory first (Set-XenDomain -MemoryMiB, xl mem-set).");
            var oc = Overcommit.Match(err);
            if (oc.Success)
                return new XenResourceUnavailableException(
                    $"{who}: {oc.Groups["want"].Value} vCPUs are more than the host's {oc.Groups["have"].Value} physical CPUs ({FirstLine(err)}). " +
                    "Allow it with Set-XenDomain -AllowOvercommit (xl vcpu-set --ignore-host).");
            var mc = MaxCpus.Match(err);
            if (mc.Success)
                return new XenSettingOutOfRangeException("VCpus",
                    $"{who}: {mc.Groups["want"].Value} vCPUs are more than its boot-time maximum of {mc.Groups["max"].Value} ({detail}). " +
                    "maxvcpus is fixed when a domain is created: set maxvcpus in its config and create it again.");
            if (Regex.IsMatch(err, @"Requested \d+ VCPUs!"))
                return new XenSettingOutOfRangeException("VCpus", $"{who}: xl refused the vCPU count ({detail}); give at least 1.");
            if (newName != null && Regex.IsMatch(err, @"Domain with name "".*"" already exists"))
                return new XenResourceExistsException(
                    $"{who} cannot be renamed to '{newName}': {Regex.Match(err, @"Domain with name "".*"" already exists\.?").Value} Choose another name.");
            return XlErrorMapper.Map($"{what} {qualifier}", qualifier, r);
        }

        private static string FirstLine(string s)
        {
            foreach (string l in s.Split('\n'))
                if (l.Trim().Length > 0) return l.Trim();
            return "";
        }

        private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}
