# XenPS loader. The cmdlet assembly, the engine and YamlDotNet are loaded into a private AssemblyLoadContext
# ("XenPS"), so another module's YamlDotNet of another version can neither break XenPS nor be broken by it.
# Only framework and PowerShell assemblies are shared with the default context.
$ErrorActionPreference = 'Stop'
$bin = Join-Path $PSScriptRoot 'bin'
$existing = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'XenPS' | Select-Object -First 1
if ($existing) {
    # Imported before in this process: reuse the context (an assembly cannot be loaded twice into one).
    $moduleAssembly = $existing.Assemblies | Where-Object { $_.GetName().Name -eq 'XenPS' } | Select-Object -First 1
}
else {
    $context = [System.Runtime.Loader.AssemblyLoadContext]::new('XenPS', $false)
    # Dependencies first: the runtime binds a name to an assembly already loaded in the requesting context.
    foreach ($name in 'YamlDotNet', 'XenPS.Engine') {
        $null = $context.LoadFromAssemblyPath((Join-Path $bin "$name.dll"))
    }
    $moduleAssembly = $context.LoadFromAssemblyPath((Join-Path $bin 'XenPS.dll'))
}
# Import-Module XenPS -Force: drop the cmdlets' module left by the previous import, or PowerShell
# considers it loaded and exports nothing.
Get-Module -All | Where-Object { $_.ModuleType -eq 'Binary' -and $_.Path -eq $moduleAssembly.Location } | Remove-Module -Force
Import-Module -Assembly $moduleAssembly

# Types in a private load context are invisible to PowerShell's type-name resolution, so [XenPS.XenDomain] would
# not resolve. Type accelerators under the full names make the public types usable by name (in -is, casts,
# Should -BeOfType, [OutputType] tooling), and are removed again with the module.
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$engine = $moduleAssembly.GetReferencedAssemblies() | Where-Object Name -eq 'XenPS.Engine' |
    ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($moduleAssembly).LoadFromAssemblyName($_) }
$script:addedAccelerators = foreach ($type in @($engine.GetExportedTypes()) + @($moduleAssembly.GetExportedTypes())) {
    if ($type.IsNested -or -not $type.FullName.StartsWith('XenPS.')) { continue }
    if (-not $accelerators::Get.ContainsKey($type.FullName)) {
        $accelerators::Add($type.FullName, $type)
        $type.FullName
    }
}
# A domain that went through serialization (Import-Clixml, Start-Job, remoting) becomes a XenDomain again, so it
# binds to -InputObject and finds its own host, instead of binding its Name to -Name on the default host. Registered
# here with the Type objects: a Types.ps1xml file cannot name types of a private load context.
$domainType = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($moduleAssembly).Assemblies |
    Where-Object { $_.GetName().Name -eq 'XenPS.Engine' } | ForEach-Object { $_.GetType('XenPS.XenDomain') } | Select-Object -First 1
Update-TypeData -TypeName 'XenPS.XenDomain' -TypeConverter $moduleAssembly.GetType('XenPS.XenDomainTypeConverter') -Force
Update-TypeData -TypeName 'Deserialized.XenPS.XenDomain' -TargetTypeForDeserialization $domainType -Force
$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($name in $script:addedAccelerators) { $null = $accelerators::Remove($name) }
    Remove-TypeData -TypeName 'Deserialized.XenPS.XenDomain' -ErrorAction SilentlyContinue
}
