<#
.SYNOPSIS
    Cmdlet-level benchmarks on the staged module: Get-XenDomain warm time and New-XenDomain creates per second on a
    simulated host with 10,000 domains. Run by ./build.ps1 Bench.
#>
param(
    [string] $ModuleRoot = (Join-Path $PSScriptRoot '../out'),
    [int] $Domains = 10000
)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = (Resolve-Path $ModuleRoot).Path + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module XenPS
$dir = Join-Path ([IO.Path]::GetTempPath()) "xenps-cmdlet-bench-$PID"
try {
    Connect-XenHost "sim://$dir" -Name bench -TotalMemoryMiB (64 * 1024 * 1024) -CpuCount 64
    $sw = [Diagnostics.Stopwatch]::StartNew()
    1..$Domains | ForEach-Object { "name=`"b$_`"" } | ForEach-Object { $null = New-XenDomain /dev/null $_ memory=32 -WarningAction SilentlyContinue }
    $sw.Stop()
    $perSec = $Domains / $sw.Elapsed.TotalSeconds
    $null = Get-XenDomain
    $best = [double]::MaxValue
    foreach ($i in 1..5) {
        $sw.Restart(); $n = (Get-XenDomain).Count; $sw.Stop()
        if ($n -ne $Domains + 1) { throw "Get-XenDomain returned $n domains, expected $($Domains + 1)." }
        $best = [Math]::Min($best, $sw.Elapsed.TotalSeconds)
    }
    "{0,-58} {1,12:F2} {2,-8} goal >= 1000 {3}" -f "New-XenDomain creates per second ($Domains)", $perSec, '/s', $(if ($perSec -ge 1000) { 'PASS' } else { 'MISS' })
    "{0,-58} {1,12:F3} {2,-8} goal <= 0.2 {3}" -f "Get-XenDomain warm, $Domains domains", $best, 's', $(if ($best -le 0.2) { 'PASS' } else { 'MISS' })
}
finally {
    Get-XenHostConnection | Disconnect-XenHost
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}
