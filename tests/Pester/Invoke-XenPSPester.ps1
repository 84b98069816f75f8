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
# Plain text everywhere, in this pwsh and the child pwsh processes specs start: an escape sequence in a failure
# message is not valid XML, and Pester's NUnit report (and with it the whole result) would be lost.
$env:NO_COLOR = '1'
$PSStyle.OutputRendering = 'PlainText'
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

$result = $null
$crash = $null
try { $result = Invoke-Pester -Configuration $config }
catch { $crash = $_ }
if ($null -eq $result -or $crash) {
    # Pester itself failed (a report it could not write, a broken container): that is a failed run, never 0 of 0.
    Write-Host "Pester did not complete: $crash" -ForegroundColor Red
    [pscustomobject]@{
        Passed  = if ($result) { $result.PassedCount } else { 0 }
        Failed  = 1 + $(if ($result) { $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount } else { 0 })
        Skipped = if ($result) { $result.SkippedCount } else { 0 }
    } | ConvertTo-Json | Set-Content -LiteralPath $ResultFile
    exit 1
}
# The names of what failed go with the counts, so the build's summary (the tail CI keeps) can say which.
$failedNames = @(
    foreach ($t in $result.Failed) { $t.ExpandedPath }
    foreach ($b in $result.FailedBlocks) { "$($b.ExpandedPath) (block)" }
    foreach ($c in $result.FailedContainers) { "$($c.Item) (container)" }
)
[pscustomobject]@{
    Passed      = $result.PassedCount
    Failed      = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped     = $result.SkippedCount
    FailedNames = $failedNames
} | ConvertTo-Json | Set-Content -LiteralPath $ResultFile
