using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using XenPS.Infrastructure;

namespace XenPS.Completers
{
    internal static class CompletionText
    {
        /// <summary>Quotes a completion when PowerShell would not read it as one bare word.</summary>
        internal static string Quote(string value)
        {
            bool plain = value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '/');
            return plain && !char.IsDigit(value[0]) ? value : "'" + value.Replace("'", "''") + "'";
        }

        /// <summary>The host -XenHost names on the command line so far (its first), else the default connection.</summary>
        internal static XenHostConnection? BoundHost(IDictionary fakeBoundParameters)
        {
            object? bound = fakeBoundParameters?["XenHost"];
            if (bound is PSObject pso) bound = pso.BaseObject;
            if (bound is object[] arr && arr.Length > 0) bound = arr[0] is PSObject p0 ? p0.BaseObject : arr[0];
            if (bound is XenHostConnection[] conns && conns.Length > 0) bound = conns[0];
            var host = bound is XenHostConnection hc ? hc : bound is string s ? HostRegistry.Find(s) : null;
            return host ?? HostRegistry.Default;
        }

        internal static WildcardPattern Pattern(string wordToComplete)
        {
            string w = (wordToComplete ?? "").Trim('\'', '"');
            return new WildcardPattern(w + "*", WildcardOptions.IgnoreCase);
        }
    }

    /// <summary>Completes host connection names.</summary>
    public sealed class XenHostNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var p = CompletionText.Pattern(wordToComplete);
            foreach (var c in HostRegistry.All.Where(h => p.IsMatch(h.Name)).OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
                yield return new CompletionResult(CompletionText.Quote(c.Name), c.Name, CompletionResultType.ParameterValue, c.Uri);
        }
    }

    /// <summary>
    /// Completes -Destination: the connection names, and the members of the pool named by -XenHost (else the default
    /// connection, when it is a pool), whose VMs move inside it (bounded: 3 s).
    /// </summary>
    public sealed class XenDestinationCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var p = CompletionText.Pattern(wordToComplete);
            var list = HostRegistry.All.Where(h => p.IsMatch(h.Name)).OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase)
                .Select(c => new CompletionResult(CompletionText.Quote(c.Name), c.Name, CompletionResultType.ParameterValue, c.Uri)).ToList();
            var host = CompletionText.BoundHost(fakeBoundParameters);
            if (host != null && host.IsOpen && host.Backend is XenPS.Backends.IXenPoolMigration pool)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                    foreach (var m in pool.GetPoolHostInfo(cts.Token).Where(m => p.IsMatch(m.HostName)))
                        if (!list.Any(r => r.ListItemText == m.HostName))
                            list.Add(new CompletionResult(CompletionText.Quote(m.HostName), m.HostName, CompletionResultType.ParameterValue,
                                $"member of the pool {host.Name}: {m.FreeMemoryMiB} MiB free"));
                }
                catch (Exception e) when (e is XenPSException || e is OperationCanceledException) { }
            }
            return list;
        }
    }

    /// <summary>Completes domain names on the host named by -XenHost, else the default host (bounded: 3 s).</summary>
    public sealed class XenDomainNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var host = CompletionText.BoundHost(fakeBoundParameters);
            if (host == null || !host.IsOpen) return Array.Empty<CompletionResult>();

            IReadOnlyList<XenDomain> domains;
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                domains = host.Backend.ListDomains(cts.Token);
            }
            catch (Exception e) when (e is XenPSException || e is OperationCanceledException)
            {
                return Array.Empty<CompletionResult>();
            }
            var p = CompletionText.Pattern(wordToComplete);
            return domains.Where(d => p.IsMatch(d.Name))
                .OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)
                .Select(d => new CompletionResult(CompletionText.Quote(d.Name), d.Name, CompletionResultType.ParameterValue,
                    $"{d.Name} (id {d.IdText}, {d.State})"))
                .ToList();
        }
    }
}
