<#
.SYNOPSIS
    Runs the Pester specs against the staged module in this (fresh) pwsh and writes the counts to a JSON file.
    Called by build.ps1 Test; not meant to be dot-sourced.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $ResultFile,
    [string] $Tag,
    [string] $ExcludeTag,
    # The specs to run (default: every *.Tests.ps1 beside this script).
    [string[]] $Path = @($PSScriptRoot)
)
$ErrorActionPreference = 'Stop'
# The staged module, and only it, is found by name.
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module $PesterManifest -Force

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultFile, '.xml')
if ($Tag) { $config.Filter.Tag = $Tag -split ',' }
# The live-Xen lab suite (tag Lab) runs only where a lab host is up (tests/XenLab sets XENPS_LAB_URI); without one
# its tests skip themselves, so they are counted as skipped rather than silently left out.
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag -split ',' }

$result = Invoke-Pester -Configuration $config
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultFile
