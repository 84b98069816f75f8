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
    Connect-XenHost "sim://$dir" -Name bench -TotalMemoryMiB (16 * 1024 * 1024) -CpuCount 64
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

# On the live lab (build.ps1 Bench boots it, or XENPS_LAB_URI names a running one).
if (-not $env:XENPS_LAB_URI) {
    'Lab benchmarks: NOT RUN (no lab: XENPS_LAB_URI is not set)'
    return
}
$u = [uri]$env:XENPS_LAB_URI
$control = Join-Path ([IO.Path]::GetTempPath()) "xenps-bench-cm-$PID"
$ssh = @('-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', "UserKnownHostsFile=$env:XENPS_LAB_KNOWN_HOSTS",
    '-i', $env:XENPS_LAB_IDENTITY, '-p', $u.Port, '-o', 'ControlMaster=auto', '-o', "ControlPath=$control", '-o', 'ControlPersist=60',
    "$($u.UserInfo)@$($u.Host)")
function Measure-Best([scriptblock] $Block, [int] $Times = 5) {
    $best = [double]::MaxValue
    foreach ($i in 1..$Times) {
        $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Stop()
        $best = [Math]::Min($best, $sw.Elapsed.TotalSeconds)
    }
    $best
}
try {
    # Raw xl over one reused ssh connection: what an admin's ssh loop pays at best.
    & ssh @ssh true
    $raw = Measure-Best { & ssh @ssh 'xl list'; & ssh @ssh 'xl list -l' }

    $sw = [Diagnostics.Stopwatch]::StartNew()
    Connect-XenHost $env:XENPS_LAB_URI -Name benchlab -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS
    $null = Get-XenDomain -XenHost benchlab
    $sw.Stop()
    $cold = $sw.Elapsed.TotalSeconds
    $warm = Measure-Best { Get-XenDomain -XenHost benchlab }
    "{0,-58} {1,12:F3} {2,-8}" -f 'raw xl list + xl list -l over a reused ssh connection', $raw, 's'
    "{0,-58} {1,12:F3} {2,-8}" -f 'Connect-XenHost + first Get-XenDomain (cold)', $cold, 's'
    "{0,-58} {1,12:F2} {2,-8} goal <= 1.2 {3}" -f 'Get-XenDomain warm / raw xl', ($warm / $raw), 'x', $(if ($warm / $raw -le 1.2) { 'PASS' } else { 'MISS' })
    "{0,-58} {1,12:F2} {2,-8} goal <= 0.3 {3}" -f 'Get-XenDomain warm / cold', ($warm / $cold), 'x', $(if ($warm / $cold -le 0.3) { 'PASS' } else { 'MISS' })
}
finally {
    & ssh -o "ControlPath=$control" -O exit "$($u.UserInfo)@$($u.Host)" 2>$null
    Get-XenHostConnection | Disconnect-XenHost
}
