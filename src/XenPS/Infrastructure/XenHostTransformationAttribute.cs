using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>
    /// Lets -XenHost take connection objects, connection names, URIs of open connections, and wildcards over
    /// connection names (`-XenHost *`, `-XenHost web*,db1`), one or several.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class XenHostTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var result = new List<XenHostConnection>();
            foreach (object item in Items(inputData))
            {
                object value = item is PSObject pso ? pso.BaseObject : item;
                switch (value)
                {
                    case XenHostConnection c:
                        Add(result, c);
                        break;
                    case string name:
                        foreach (var c in Resolve(name)) Add(result, c);
                        break;
                    default:
                        throw new ArgumentTransformationMetadataException(
                            $"-XenHost takes host connections (from Connect-XenHost or Get-XenHostConnection) or their names, not {value?.GetType().Name ?? "null"}.");
                }
            }
            return result.ToArray();
        }

        private static IEnumerable<object> Items(object inputData)
        {
            object v = inputData is PSObject p ? p.BaseObject : inputData;
            if (v is string || v is XenHostConnection || v is not IEnumerable e) { yield return inputData; yield break; }
            foreach (object o in e) yield return o;
        }

        private static void Add(List<XenHostConnection> list, XenHostConnection c)
        {
            if (!list.Contains(c)) list.Add(c);
        }

        /// <summary>A name, a URI of an open connection, or a wildcard over names (which may match none).</summary>
        internal static IReadOnlyList<XenHostConnection> Resolve(string name)
        {
            var exact = HostRegistry.Find(name) ?? HostRegistry.FindByUri(name);
            if (exact != null) return new[] { exact };
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var p = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = HostRegistry.All.Where(h => p.IsMatch(h.Name)).ToList();
                if (matches.Count > 0) return matches;
            }
            string known = string.Join(", ", HostRegistry.All.Select(h => h.Name));
            throw new ArgumentTransformationMetadataException(
                $"No host connection is named '{name}'. " +
                (known.Length > 0 ? $"Connected hosts: {known}. " : "No host is connected. ") +
                (WildcardPattern.ContainsWildcardCharacters(name) ? "" : $"Run Connect-XenHost <uri> -Name {name} first."));
        }
    }
}
