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

# The XenDomain DSC resource (DscResourcesToExport). Its logic is the engine's DomainDesiredStateService, reached through
# XenPS.Dsc.XenDomainResource; the class only declares the properties and writes the messages. Engine types are named by
# string at run time: the class is compiled when this file is parsed, before the type accelerators above exist, and
# [XenDomain] here is this class, not [XenPS.XenDomain]. See about_XenPS_DSC.
[DscResource()]
class XenDomain {
    # The domain's name (its config's name=).
    [DscProperty(Key)] [string] $Name
    # A host connection name of this process (Connect-XenHost -Name), or a host URI (ssh://root@dom0, sim://lab, xl:///).
    [DscProperty(Key)] [string] $XenHost
    # Present: the domain's config is stored on the host (/etc/xen); Absent: it is not.
    [DscProperty()] [ValidateSet('Present', 'Absent')] [string] $Ensure = 'Present'
    # Running, Stopped or Paused; left out, the run state is left as it is.
    [DscProperty()] [ValidateSet('Running', 'Stopped', 'Paused')] [string] $State
    # The desired config: an absolute path to an xl or YAML file on this machine...
    [DscProperty()] [string] $ConfigPath
    # ...or its text (xl or YAML). Get returns the stored config's text here.
    [DscProperty()] [string] $Config
    # Whether the host starts the domain at boot (/etc/xen/auto).
    [DscProperty()] [Nullable[bool]] $AutoStart
    # The domain's memory (config memory=; a running domain is resized within its maximum).
    [DscProperty()] [Nullable[long]] $MemoryMiB
    # The domain's vCPUs (config vcpus=; a running domain gets them online within maxvcpus).
    [DscProperty()] [Nullable[int]] $VCpus
    # Stop and start a running domain when a change needs it (a changed config, memory above maxmem); else a warning.
    [DscProperty()] [bool] $AllowRestart
    # How long a shutdown may take (default 300).
    [DscProperty()] [Nullable[int]] $StopTimeoutSec
    # Connecting to a host by URI (as Connect-XenHost's parameters of the same names).
    [DscProperty()] [string] $KeyFile
    [DscProperty()] [string] $KnownHostsFile
    [DscProperty()] [bool] $AcceptNewHostKey
    [DscProperty()] [Nullable[int]] $CommandTimeout
    [DscProperty()] [pscredential] $Credential
    [DscProperty()] [string] $CertificateThumbprint
    [DscProperty()] [bool] $SkipCertificateCheck
    # Reported by Get: the domid (none when not running), the exact state (Halted, Crashed, ...) and the stored file.
    [DscProperty(NotConfigurable)] [Nullable[int]] $Id
    [DscProperty(NotConfigurable)] [string] $DomainState
    [DscProperty(NotConfigurable)] [string] $StoredConfigPath

    [XenDomain] Get() {
        $actual = [XenDomain]::Invoke('Get', $this)
        $result = [XenDomain]::new()
        foreach ($key in $actual.Keys) { if ($null -ne $actual[$key]) { $result.$key = $actual[$key] } }
        return $result
    }

    [bool] Test() {
        $result = [XenDomain]::Invoke('Test', $this)
        foreach ($line in $result.Messages) { Write-Verbose -Message $line }
        return $result.InDesiredState
    }

    [void] Set() {
        $result = [XenDomain]::Invoke('Set', $this)
        foreach ($line in $result.Changes) { Write-Verbose -Message $line }
        foreach ($line in $result.Warnings) { Write-Warning -Message $line }
    }

    hidden static [object] Invoke([string] $Method, [object] $Resource) {
        $bridge = 'XenPS.Dsc.XenDomainResource' -as [type]
        if ($null -eq $bridge) { throw 'The XenPS module is not loaded in this session: import it (Import-Module XenPS) before using the XenDomain resource.' }
        try { return $bridge::$Method($Resource) }
        catch [System.Management.Automation.MethodInvocationException] { throw $_.Exception.InnerException }
    }
}
