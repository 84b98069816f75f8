using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace XenPS.Infrastructure
{
    /// <summary>
    /// Keeps XenPS's dependencies (XenPS.Engine and YamlDotNet) out of the default load context, so another
    /// module's YamlDotNet of another version can neither break XenPS nor be broken by it. The cmdlet assembly
    /// lives in the module folder; everything else lives in dependencies/ and is loaded into a private
    /// AssemblyLoadContext. Only XenPS.Engine is ever handed to the default context.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        private static int s_registered;

        public void OnImport()
        {
            if (System.Threading.Interlocked.Exchange(ref s_registered, 1) == 0)
                AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
        {
            if (!string.Equals(name.Name, "XenPS.Engine", StringComparison.Ordinal)) return null;
            return DependencyLoadContext.Instance.LoadFromAssemblyName(name);
        }
    }

    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        internal static readonly DependencyLoadContext Instance = new DependencyLoadContext(
            Path.Combine(Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "dependencies"));

        private readonly string _folder;

        private DependencyLoadContext(string folder) : base("XenPS.Dependencies", isCollectible: false)
        {
            _folder = folder;
        }

        internal string Folder => _folder;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string path = Path.Combine(_folder, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
