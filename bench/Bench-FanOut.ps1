<#
.SYNOPSIS
    Fan-out benchmarks on the staged module (issue 11): Get-XenDomain -XenHost over many hosts must take about as long
    as the slowest single host, not the sum. Over 50 simulated hosts with a round trip each (SimHostOptions.Latency)
    and over both lab hosts; each goal is wall time <= 1.5x the slowest single host, measured in this run, PASS/MISS.
    Run by ./build.ps1 Bench.
#>
param(
    [string] $ModuleRoot = (Join-Path $PSScriptRoot '../out'),
    [int] $Hosts = 50,
    # The round trip of each simulated host, seconds (what a remote dom0 costs per call).
    [double] $Latency = 0.2,
    [int] $Times = 3
)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = (Resolve-Path $ModuleRoot).Path + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module XenPS

function Measure-Best([scriptblock] $Block, [int] $N = $Times) {
    $best = [double]::MaxValue
    foreach ($i in 1..$N) {
        $sw = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $sw.Stop()
        $best = [Math]::Min($best, $sw.Elapsed.TotalSeconds)
    }
    $best
}
function Write-Goal([string] $What, [double] $Ratio, [double] $Goal, [string] $Detail) {
    "{0,-58} {1,12:F2} {2,-8} goal <= {3} {4}  ({5})" -f $What, $Ratio, 'x', $Goal, $(if ($Ratio -le $Goal) { 'PASS' } else { 'MISS' }), $Detail
}

$dir = Join-Path ([IO.Path]::GetTempPath()) "xenps-fanout-bench-$PID"
try {
    $names = foreach ($i in 1..$Hosts) {
        $o = [XenPS.Backends.SimHostOptions]::new()
        Connect-XenHost "sim://$dir/h$i" -Name "fan$i" -Option $o
        $null = New-XenDomain /dev/null "name=`"vm$i`"" 'memory=64' 'kernel=/boot/vmlinuz' -XenHost "fan$i"
        $o.Latency = [timespan]::FromSeconds($Latency)
        "fan$i"
    }
    # The slowest single host: each host alone, best of $Times, the largest of those.
    $single = 0.0
    foreach ($hostName in $names) { $single = [Math]::Max($single, (Measure-Best { Get-XenDomain -XenHost $hostName } 1)) }
    $all = Measure-Best { Get-XenDomain -XenHost $names -ThrottleLimit $Hosts }
    $default = Measure-Best { Get-XenDomain -XenHost $names }
    $count = (Get-XenDomain -XenHost $names -ThrottleLimit $Hosts | Where-Object Id -ne 0).Count
    if ($count -ne $Hosts) { throw "Get-XenDomain over $Hosts hosts returned $count guests, expected $Hosts." }
    Write-Goal "Get-XenDomain -XenHost $Hosts sim hosts (-ThrottleLimit $Hosts) / slowest" ($all / $single) 1.5 `
        ("{0:F2} s vs slowest single {1:F2} s; serial would be ~{2:F1} s" -f $all, $single, ($single * $Hosts))
    "{0,-58} {1,12:F2} {2,-8} ({3:F2} s: 32 hosts at a time, the default)" -f "Get-XenDomain -XenHost $Hosts sim hosts (default) / slowest", ($default / $single), 'x', $default
}
finally {
    Get-XenHostConnection | Disconnect-XenHost
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}

if (-not ($env:XENPS_LAB_URI -and $env:XENPS_LAB2_URI)) {
    'Fan-out over both lab hosts: NOT RUN (XENPS_LAB_URI and XENPS_LAB2_URI are both needed)'
    return
}
try {
    $key2 = if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }
    Connect-XenHost $env:XENPS_LAB_URI -Name benchfan1 -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180
    Connect-XenHost $env:XENPS_LAB2_URI -Name benchfan2 -KeyFile $key2 -KnownHostsFile $env:XENPS_LAB2_KNOWN_HOSTS -CommandTimeout 180
    $null = Get-XenDomain -XenHost benchfan1, benchfan2 # warm: both shared ssh connections up
    # The lab hosts share this machine's cores with each other (and whoever else uses them), so their times drift:
    # each round measures lab1 alone, lab2 alone and both together back to back, and the goal is the median of the
    # rounds' ratios both / slowest single.
    $rounds = foreach ($i in 1..$Times) {
        $one = Measure-Best { Get-XenDomain -XenHost benchfan1 } 1
        $two = Measure-Best { Get-XenDomain -XenHost benchfan2 } 1
        $both = Measure-Best { Get-XenDomain -XenHost benchfan1, benchfan2 } 1
        [pscustomobject]@{ One = $one; Two = $two; Both = $both; Ratio = $both / [Math]::Max($one, $two) }
    }
    $median = ($rounds | Sort-Object Ratio)[[int][Math]::Floor(($rounds.Count - 1) / 2)]
    Write-Goal 'Get-XenDomain -XenHost both lab hosts / slowest single' $median.Ratio 1.5 `
        ("median of {0} rounds: {1:F2} s vs lab1 {2:F2} s, lab2 {3:F2} s; serial would be {4:F2} s" -f $rounds.Count, $median.Both, $median.One, $median.Two, ($median.One + $median.Two))
}
finally {
    Get-XenHostConnection | Disconnect-XenHost
}
