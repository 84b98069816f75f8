# XenPS keeps YamlDotNet in its own AssemblyLoadContext: another module that loaded another YamlDotNet first
# must not break it. Runs in a fresh pwsh so the old YamlDotNet is loaded before XenPS.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Dependency isolation' {
    It 'reads YAML after another module loaded YamlDotNet 11.2.1 into the default context' {
        $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $old = Join-Path $nuget 'yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
        Test-Path $old | Should -BeTrue -Because 'build.ps1 restores tools/Tools.csproj, which downloads it'
        $yaml = Join-Path $TestDrive 'iso.yaml'
        Set-Content $yaml "name: iso`nmemory: 128`ndisk:`n  - target: /img`n    vdev: xvda`n"
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$old'
`$other = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
Import-Module XenPS
`$c = Import-XenDomainConfig '$yaml'
`$mine = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'XenPS' | ForEach-Object Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
'{0}|{1}|{2}|{3}' -f `$c.Name, `$c.Disks[0].Vdev, `$other.GetName().Version, `$mine.GetName().Version
"@
        $out = & $PwshExe -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $name, $vdev, $otherVersion, $mineVersion = ($out | Select-Object -Last 1) -split '\|'
        $name | Should -Be 'iso'
        $vdev | Should -Be 'xvda'
        $otherVersion | Should -BeLike '11.*'
        $mineVersion | Should -BeLike '18.*'
    }
}
