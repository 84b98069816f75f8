using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// Reads the cmdlets of a compiled module with MetadataLoadContext: nothing is executed and no
    /// PowerShell runtime is needed. Attributes are matched by full type name.
    /// </summary>
    public static class AssemblyReader
    {
        private const string Sma = "System.Management.Automation.";

        /// <summary>
        /// Where System.Management.Automation comes from when the caller gives no --reference: the
        /// PowerShellStandard.Library reference assembly in the NuGet global packages folder.
        /// </summary>
        public static string? DefaultSmaDirectory()
        {
            string? root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(root))
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string dir = Path.Combine(root, "powershellstandard.library", "5.1.1", "lib", "netstandard2.0");
            return Directory.Exists(dir) ? dir : null;
        }

        public static List<CommandInfo> ReadCmdlets(string assemblyPath, IEnumerable<string>? references = null)
        {
            assemblyPath = Path.GetFullPath(assemblyPath);
            if (!File.Exists(assemblyPath))
                throw new FileNotFoundException($"The module assembly {assemblyPath} does not exist. Fix: build it first (dotnet publish) or pass the right --assembly.", assemblyPath);

            // Later entries do not override earlier ones with the same simple name: the module's own
            // folder first, then explicit references, then PowerShellStandard, then the runtime.
            var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            void AddDir(string? dir)
            {
                if (dir == null || !Directory.Exists(dir)) return;
                foreach (var f in Directory.EnumerateFiles(dir, "*.dll")) byName.TryAdd(Path.GetFileNameWithoutExtension(f), f);
            }
            byName[Path.GetFileNameWithoutExtension(assemblyPath)] = assemblyPath;
            AddDir(Path.GetDirectoryName(assemblyPath));
            foreach (var r in references ?? Array.Empty<string>())
            {
                if (Directory.Exists(r)) AddDir(r);
                else if (File.Exists(r)) byName.TryAdd(Path.GetFileNameWithoutExtension(r), Path.GetFullPath(r));
                else throw new FileNotFoundException($"--reference {r} does not exist.", r);
            }
            AddDir(DefaultSmaDirectory());
            AddDir(RuntimeEnvironment.GetRuntimeDirectory());

            using var mlc = new MetadataLoadContext(new PathAssemblyResolver(byName.Values));
            var asm = mlc.LoadFromAssemblyPath(assemblyPath);
            if (!byName.ContainsKey("System.Management.Automation"))
                throw new FileNotFoundException("System.Management.Automation.dll was not found. Fix: restore PowerShellStandard.Library 5.1.1 (dotnet restore) or pass --reference <dir with System.Management.Automation.dll>.");

            Type[] types;
            try { types = asm.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t != null).ToArray()!; }

            var result = new List<CommandInfo>();
            foreach (var t in types)
            {
                if (!t.IsPublic || t.IsAbstract || !t.IsClass) continue;
                var cmdlet = t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
                if (cmdlet == null) continue;
                result.Add(ReadCmdlet(t, cmdlet));
            }
            result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return result;
        }

        private static CommandInfo ReadCmdlet(Type t, CustomAttributeData cmdlet)
        {
            var info = new CommandInfo
            {
                Verb = (string)cmdlet.ConstructorArguments[0].Value!,
                Noun = (string)cmdlet.ConstructorArguments[1].Value!,
                TypeName = t.FullName!,
                DefaultParameterSet = Named<string>(cmdlet, "DefaultParameterSetName"),
                SupportsShouldProcess = Named<bool>(cmdlet, "SupportsShouldProcess"),
            };

            foreach (var a in t.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute"))
                foreach (var name in StringsOrTypes(a))
                    if (!info.OutputTypes.Contains(name)) info.OutputTypes.Add(name);
            // A cmdlet that declares no output type writes nothing: its help says None, as Get-Help's convention is.
            if (info.OutputTypes.Count == 0) info.OutputTypes.Add("System.Void");

            // Declared order, base class members after the derived ones (as reflection returns them).
            var members = new List<(MemberInfo Member, Type Type)>();
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance)) members.Add((p, p.PropertyType));
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Instance)) members.Add((f, f.FieldType));

            foreach (var (member, type) in members)
            {
                var attrs = member.GetCustomAttributesData();
                var paramAttrs = attrs.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").ToList();
                if (paramAttrs.Count == 0) continue;
                if (info.Parameters.Exists(p => p.Name.Equals(member.Name, StringComparison.OrdinalIgnoreCase))) continue; // 'new' hides a base member

                var p = new ParameterInfo
                {
                    Name = member.Name,
                    TypeName = FormatType(type),
                    IsSwitch = type.FullName == Sma + "SwitchParameter",
                    SupportsWildcards = attrs.Any(a => a.AttributeType.FullName == Sma + "SupportsWildcardsAttribute"),
                    DontShow = paramAttrs.Any(a => Named<bool>(a, "DontShow")),
                };
                foreach (var a in attrs.Where(a => a.AttributeType.FullName == Sma + "AliasAttribute"))
                    p.Aliases.AddRange(StringsOrTypes(a));
                foreach (var a in attrs.Where(a => a.AttributeType.FullName == Sma + "ValidateSetAttribute"))
                    p.AcceptedValues.AddRange(StringsOrTypes(a));
                var elem = type.IsArray ? type.GetElementType()! : type;
                if (p.AcceptedValues.Count == 0 && elem.IsEnum)
                    p.AcceptedValues.AddRange(elem.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name));
                foreach (var a in paramAttrs)
                {
                    int pos = Named<int?>(a, "Position") ?? int.MinValue;
                    p.Sets.Add(new ParameterSetEntry(
                        Named<string>(a, "ParameterSetName") ?? CommandInfo.AllSets,
                        Named<bool>(a, "Mandatory"),
                        pos >= 0 ? pos : null,
                        Named<bool>(a, "ValueFromPipeline"),
                        Named<bool>(a, "ValueFromPipelineByPropertyName"),
                        Named<bool>(a, "ValueFromRemainingArguments")));
                }
                info.Parameters.Add(p);
            }
            return info;
        }

        private static T? Named<T>(CustomAttributeData a, string name)
        {
            foreach (var n in a.NamedArguments)
                if (n.MemberName == name && n.TypedValue.Value is { } v) return (T)v;
            return default;
        }

        /// <summary>The params string[] or params Type[] constructor arguments of an attribute.</summary>
        private static IEnumerable<string> StringsOrTypes(CustomAttributeData a)
        {
            foreach (var arg in a.ConstructorArguments)
            {
                if (arg.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items)
                {
                    foreach (var i in items)
                        if (i.Value is Type t) yield return FormatType(t);
                        else if (i.Value is string s) yield return s;
                }
                else if (arg.Value is Type t) yield return FormatType(t);
                else if (arg.Value is string s) yield return s;
            }
        }

        /// <summary>Full names the way PowerShell prints them: System.String[], System.Nullable[System.Int32].</summary>
        public static string FormatType(Type t)
        {
            if (t.IsArray) return FormatType(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
            if (t.IsGenericType)
            {
                var def = t.GetGenericTypeDefinition();
                string name = def.FullName ?? def.Name;
                int tick = name.IndexOf('`');
                if (tick >= 0) name = name.Substring(0, tick);
                return name + "[" + string.Join(", ", t.GetGenericArguments().Select(FormatType)) + "]";
            }
            return t.FullName ?? t.Name;
        }
    }
}
