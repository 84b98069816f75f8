using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using XenPS.Backends;
using XenPS.Infrastructure;
using XenPS.Services;

namespace XenPS.Dsc
{
    /// <summary>What the XenDomain DSC resource's Test found: whether it matches, and a line per property asked for.</summary>
    public sealed class XenDomainResourceTestResult
    {
        internal XenDomainResourceTestResult(bool inDesiredState, string[] messages)
        {
            InDesiredState = inDesiredState;
            Messages = messages;
        }

        public bool InDesiredState { get; }
        /// <summary>"XenDomain web on lab: State is Stopped, desired Running." for each property (the differing ones first).</summary>
        public string[] Messages { get; }
    }

    /// <summary>What the XenDomain DSC resource's Set did: the changes in order, and the warnings.</summary>
    public sealed class XenDomainResourceSetResult
    {
        internal XenDomainResourceSetResult(string[] changes, string[] warnings)
        {
            Changes = changes;
            Warnings = warnings;
        }

        public string[] Changes { get; }
        public string[] Warnings { get; }
    }

    /// <summary>
    /// The bridge between the PowerShell class XenDomain (the DSC resource in XenPS.psm1) and DomainDesiredStateService:
    /// it maps the resource's properties to a <see cref="DomainDesiredState"/>, finds or opens the host connection
    /// (XenHost: a connection name of this process, or a URI, opened with the resource's KeyFile, KnownHostsFile,
    /// Credential, ... and closed again when the call ends), and maps the results back. No logic of its own.
    /// </summary>
    public static class XenDomainResource
    {
        /// <summary>The actual state, as the resource's property values (the keys and connection properties echoed).</summary>
        public static Hashtable Get(object resource)
        {
            var r = PSObject.AsPSObject(resource);
            var desired = Desired(r);
            var a = WithHost(r, (h, ct) => new DomainDesiredStateService().Get(h, desired.Name, ct));
            var t = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var p in r.Properties)
                if (p.IsGettable) t[p.Name] = p.Value;
            t["Ensure"] = a.Ensure.ToString();
            t["State"] = a.State == "Running" || a.State == "Stopped" || a.State == "Paused" ? a.State : null;
            t["DomainState"] = a.Domain?.State.ToString() ?? XenDomainState.Halted.ToString();
            t["Config"] = a.StoredConfigText;
            t["StoredConfigPath"] = a.StoredConfigPath;
            t["AutoStart"] = a.AutoStart;
            t["MemoryMiB"] = a.MemoryMiB;
            t["VCpus"] = a.VCpus;
            t["Id"] = a.Id;
            return t;
        }

        /// <summary>Whether the domain is as desired, with a message per property asked for.</summary>
        public static XenDomainResourceTestResult Test(object resource)
        {
            var r = PSObject.AsPSObject(resource);
            var desired = Desired(r);
            var c = WithHost(r, (h, ct) => new DomainDesiredStateService().Test(h, desired, ct));
            string who = $"XenDomain {desired.Name} on {c.Actual.Host.Name}: ";
            var messages = c.Differences.Concat(c.Properties.Where(p => p.InDesiredState)).Select(p => who + p).ToList();
            messages.Add(who + (c.InDesiredState ? "in the desired state." : $"not in the desired state ({string.Join(", ", c.Differences.Select(p => p.Property))} differ)."));
            return new XenDomainResourceTestResult(c.InDesiredState, messages.ToArray());
        }

        /// <summary>Brings the domain to the desired state (only what differs); the changes and warnings say what happened.</summary>
        public static XenDomainResourceSetResult Set(object resource)
        {
            var r = PSObject.AsPSObject(resource);
            var desired = Desired(r);
            var s = WithHost(r, (h, ct) => new DomainDesiredStateService().Set(h, desired, ct));
            string who = $"XenDomain {desired.Name}: ";
            var changes = s.Changes.Select(x => who + x).ToList();
            if (changes.Count == 0) changes.Add(who + "in the desired state already; nothing was changed.");
            return new XenDomainResourceSetResult(changes.ToArray(), s.Warnings.ToArray());
        }

        // ------------------------------------------------------------------ mapping

        private static DomainDesiredState Desired(PSObject r)
        {
            var d = new DomainDesiredState
            {
                Name = Str(r, "Name") ?? "",
                ConfigPath = Str(r, "ConfigPath"),
                ConfigText = Str(r, "Config"),
                AutoStart = Value<bool>(r, "AutoStart"),
                MemoryMiB = Value<long>(r, "MemoryMiB"),
                VCpus = Value<int>(r, "VCpus"),
                AllowRestart = Value<bool>(r, "AllowRestart") ?? false,
            };
            string? ensure = Str(r, "Ensure");
            if (ensure != null)
            {
                if (!Enum.TryParse<XenDesiredEnsure>(ensure, true, out var e) || !Enum.IsDefined(typeof(XenDesiredEnsure), e))
                    throw new XenArgumentException($"Ensure = '{ensure}' is not possible: give 'Present' or 'Absent'.");
                d.Ensure = e;
            }
            string? state = Str(r, "State");
            if (state != null)
            {
                if (!Enum.TryParse<XenDesiredRunState>(state, true, out var s) || !Enum.IsDefined(typeof(XenDesiredRunState), s))
                    throw new XenArgumentException($"State = '{state}' is not possible: give 'Running', 'Stopped' or 'Paused', or leave State out to leave it as it is.");
                d.State = s;
            }
            if (Value<int>(r, "StopTimeoutSec") is int sec && sec > 0) d.StopTimeout = TimeSpan.FromSeconds(sec);
            else if (Value<int>(r, "StopTimeoutSec") is int bad) throw new XenArgumentException($"StopTimeoutSec = {bad} is not possible; give a number of seconds above 0.");
            return d;
        }

        // The connection XenHost names: an open one of this process by name or URI, else one opened for this call only.
        private static T WithHost<T>(PSObject r, Func<XenHostConnection, CancellationToken, T> work)
        {
            string host = Str(r, "XenHost") ?? throw new XenArgumentException("The XenDomain resource needs XenHost: a connection name (Connect-XenHost -Name) or a host URI (ssh://root@dom0, sim://lab).");
            var ct = CancellationToken.None;
            var open = HostRegistry.Find(host);
            if (open != null && open.IsOpen) return work(open, ct);
            if (host.IndexOf("://", StringComparison.Ordinal) < 0)
                throw new XenConnectionException(
                    $"XenHost '{host}' is neither a host connection of this process nor a host URI. Give XenHost as a URI (ssh://root@dom0.example.org, with KeyFile and " +
                    $"KnownHostsFile as needed), or connect first: Connect-XenHost <uri> -Name {host}.", XenErrorReason.ConnectionFailed);
            var byUri = HostRegistry.FindByUri(host.Trim());
            if (byUri != null && byUri.IsOpen) return work(byUri, ct);

            var provider = XenBackendFactory.ProviderFor(host);
            var address = provider.Parse(host.Trim());
            var options = provider.CreateOptions();
            void Option(string name, object? value)
            {
                if (value == null) return;
                if (!options.OptionNames.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
                    throw new XenArgumentException($"{name} does not apply to {provider.Scheme}:// hosts. Their options: {string.Join(", ", options.OptionNames)}.");
                options.Set(name, value, provider.Scheme);
            }
            Option("KeyFile", FullPath(Str(r, "KeyFile"), "KeyFile"));
            Option("KnownHostsFile", FullPath(Str(r, "KnownHostsFile"), "KnownHostsFile"));
            Option("AcceptNewHostKey", Value<bool>(r, "AcceptNewHostKey") == true ? true : (object?)null);
            Option("CommandTimeout", Value<int>(r, "CommandTimeout"));
            Option("CertificateThumbprint", Str(r, "CertificateThumbprint"));
            Option("SkipCertificateCheck", Value<bool>(r, "SkipCertificateCheck") == true ? true : (object?)null);
            if (Raw(r, "Credential") is PSCredential cred) Option("Credential", new XenCredential(cred.UserName, cred.Password));
            using var connection = new XenHostConnection(address.DefaultName, host.Trim(), provider.Open(address, options, ct));
            return work(connection, ct);
        }

        private static string? FullPath(string? path, string property)
        {
            if (path == null) return null;
            if (!System.IO.Path.IsPathFullyQualified(path))
                throw new XenArgumentException($"{property} '{path}' is not an absolute path; DSC applies configurations in its own process and folder, so give the full path.");
            return path;
        }

        private static object? Raw(PSObject r, string name)
        {
            var v = r.Properties[name]?.Value;
            return v is PSObject p ? p.BaseObject : v;
        }

        private static string? Str(PSObject r, string name) => Raw(r, name) is object v && v.ToString() is string s && s.Length > 0 ? s : null;

        private static T? Value<T>(PSObject r, string name) where T : struct
        {
            var v = Raw(r, name);
            if (v == null) return null;
            if (v is T t) return t;
            try { return (T)LanguagePrimitives.ConvertTo(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture); }
            catch (PSInvalidCastException) { throw new XenArgumentException($"{name} = '{v}' is not a {typeof(T).Name}."); }
        }
    }
}
