using System;
using System.Linq;
using System.Management.Automation;

namespace XenPS.Infrastructure
{
    /// <summary>Lets -XenHost take a connection object or the name of one (tab completion offers the names).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class XenHostTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is XenHostConnection) return value;
            if (value is string name)
            {
                var c = HostRegistry.Find(name) ?? HostRegistry.FindByUri(name);
                if (c != null) return c;
                string known = string.Join(", ", HostRegistry.All.Select(h => h.Name));
                throw new ArgumentTransformationMetadataException(
                    $"No host connection is named '{name}'. " +
                    (known.Length > 0 ? $"Connected hosts: {known}. " : "No host is connected. ") +
                    $"Run Connect-XenHost <uri> -Name {name} first.");
            }
            return inputData;
        }
    }
}
