#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, stages, tests, benchmarks and packages XenPS.

.DESCRIPTION
    Tasks (run in the order given):
      Build    compile, build the help (markdown -> MAML) and stage out/XenPS/ from an explicit file list
      Test     Build, boot the live Xen 4.17 lab (tests/XenLab; Linux as root), then xunit (tests/*.Tests) and
               Pester (tests/Pester) in a child pwsh against the staged module, the lab suites included; ends
               with one line 'N passed, N failed, N skipped' (the lab tests count as skipped when no lab runs).
               XENPS_LAB_URI set: use that running lab. -NoLab: skip it. A second lab host (two-host specs)
               boots in the background when this build boots the first; else XENPS_LAB2_URI names it.
      Demo     Build, then run the seed's xm session on an embedded simulated host (examples/demo.ps1)
      Bench    Build, then the benchmarks (config parsing, simulated host, Wait/Restart, fan-out over many hosts,
               Move-XenDomain on two lab hosts)
      Package  Build, then out/XenPS.<version>.nupkg
      Fuzz     the fuzz harness (tools/Fuzz) on the config readers and the simulated host's state reader, one target
               after the other for -Seconds each (or -Executions each); findings in out/fuzz/findings/. Not part of
               Test or CI.
      Clean    remove out/ and every bin/ and obj/

    Everything the build needs is restored from NuGet by the build itself (Pester through tools/Tools.csproj).

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Clean', 'Fuzz')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tags to run (default: all; the 'Lab' ones are skipped unless XENPS_LAB_URI is set).
    [string[]] $Tag,

    [string[]] $ExcludeTag,

    # Test: do not boot the live-Xen lab (its suite is then reported as not run).
    [switch] $NoLab,

    # Fuzz: the targets to fuzz, one after the other.
    [ValidateSet('xl', 'yaml', 'sim')]
    [string[]] $Target = @('xl', 'yaml', 'sim'),

    # Fuzz: seconds per target (default 300 unless -Executions is given).
    [double] $Seconds = 0,

    # Fuzz: executions per target (with -Seconds, whichever comes first).
    [long] $Executions = 0
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$stage = Join-Path $out 'XenPS'

# A fresh pwsh: the one this build runs in (under `dotnet pwsh` that is $PSHOME/pwsh).
function Get-PwshExe {
    $exe = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    if (Test-Path $exe) { $exe } else { (Get-Process -Id $PID).Path }
}

function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-XenPSVersion {
    [xml] $props = Get-Content -Raw (Join-Path $root 'Directory.Build.props')
    $v = $props.Project.PropertyGroup.XenPSVersion | Where-Object { $_ } | Select-Object -First 1
    if (-not $v) { throw 'Directory.Build.props has no XenPSVersion.' }
    $v.Trim()
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -ne 0) { throw 'dotnet nuget locals failed.' }
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Get-PesterManifest {
    Invoke-Native 'Restoring build tools (Pester)' { dotnet restore (Join-Path $root 'tools/Tools.csproj') --nologo -v quiet }
    $psd1 = Join-Path (Get-NuGetPackageRoot) 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $psd1)) { throw "Pester 6.2.0 was not restored to $psd1." }
    $psd1
}

# The staged module, file by file. A missing file fails the build.
$ModuleFiles = @(
    @{ From = 'src:src/XenPS/XenPS.psm1'; To = 'XenPS.psm1' }
    @{ From = 'publish/XenPS.dll'; To = 'bin/XenPS.dll' }
    @{ From = 'publish/XenPS.Engine.dll'; To = 'bin/XenPS.Engine.dll' }
    @{ From = 'publish/YamlDotNet.dll'; To = 'bin/YamlDotNet.dll' }
    @{ From = 'src:src/XenPS/XenPS.Format.ps1xml'; To = 'XenPS.Format.ps1xml' }
    @{ From = 'src:src/XenPS/XenPS.Types.ps1xml'; To = 'XenPS.Types.ps1xml' }
    @{ From = 'help/XenPS.dll-Help.xml'; To = 'bin/en-US/XenPS.dll-Help.xml' }
    @{ From = 'help/about_XenPS.help.txt'; To = 'en-US/about_XenPS.help.txt' }
    @{ From = 'help/about_XenPS_DSC.help.txt'; To = 'en-US/about_XenPS_DSC.help.txt' }
    @{ From = 'src:LICENSE'; To = 'LICENSE' }
)

function Invoke-Build {
    $version = Get-XenPSVersion
    $publish = Join-Path $out 'publish'
    Write-Host "Building XenPS $version ($Configuration)" -ForegroundColor Cyan
    Invoke-Native 'dotnet publish' { dotnet publish (Join-Path $root 'src/XenPS/XenPS.csproj') -c $Configuration -o $publish --nologo -v quiet }

    $helpOut = Join-Path $out 'help'
    $helpBuilder = Join-Path $root 'tools/HelpBuilder/HelpBuilder.csproj'
    if (Test-Path $helpBuilder) {
        Invoke-Native 'Building help (markdown -> MAML)' {
            dotnet run --project $helpBuilder -c $Configuration -v quiet -- `
                --docs (Join-Path $root 'docs/help') --assembly (Join-Path $publish 'XenPS.dll') --out $helpOut
        }
    }

    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    $missing = [System.Collections.Generic.List[string]]::new()
    foreach ($f in $ModuleFiles) {
        $src = if ($f.From.StartsWith('src:')) { Join-Path $root $f.From.Substring(4) } else { Join-Path $out $f.From }
        if (-not (Test-Path -LiteralPath $src -PathType Leaf)) { $missing.Add($src); continue }
        $dst = Join-Path $stage $f.To
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $dst)
        Copy-Item -LiteralPath $src -Destination $dst
    }
    if ($missing.Count) { throw "The staged module is incomplete; missing:`n  $($missing -join "`n  ")" }

    # The manifest: the version comes from Directory.Build.props, nothing else changes.
    $manifest = Get-Content -Raw (Join-Path $root 'XenPS.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -LiteralPath (Join-Path $stage 'XenPS.psd1') -Value $manifest -NoNewline -Encoding utf8NoBOM
    $null = Test-ModuleManifest -Path (Join-Path $stage 'XenPS.psd1')
    Write-Host "Staged $stage" -ForegroundColor Green
}

# Runs a test project and returns @{ Passed; Failed; Skipped } read from its TRX file.
function Invoke-XUnit([string] $Project) {
    $name = [IO.Path]::GetFileNameWithoutExtension($Project)
    $results = Join-Path $out "test-results"
    $trx = Join-Path $results "$name.trx"
    if (Test-Path $trx) { Remove-Item $trx }
    Write-Host "xunit: $name" -ForegroundColor Cyan
    dotnet test $Project -c $Configuration --nologo --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
    $code = $LASTEXITCODE
    if (-not (Test-Path $trx)) { throw "xunit run of $name produced no results (exit code $code)." }
    $counts = Read-TrxCounts $trx
    [pscustomobject]@{ Suite = $name; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped; FailedNames = $counts.FailedNames }
}

# Passed/failed/skipped of a TRX file. A skipped test (xunit Skip, e.g. a [LabFact] without a lab) is a result with
# outcome NotExecuted: the TRX logger leaves it out of every counter but total (its notExecuted stays 0).
function Read-TrxCounts([string] $Path) {
    [xml] $x = Get-Content -Raw -LiteralPath $Path
    $c = $x.TestRun.ResultSummary.Counters
    $notRun = @($x.GetElementsByTagName('UnitTestResult') | Where-Object { $_.GetAttribute('outcome') -eq 'NotExecuted' }).Count
    $failedNames = @($x.GetElementsByTagName('UnitTestResult') |
        Where-Object { $_.GetAttribute('outcome') -in 'Failed', 'Error', 'Timeout', 'Aborted' } |
        ForEach-Object { $_.GetAttribute('testName') })
    [pscustomobject]@{
        Passed      = [int]$c.passed
        Failed      = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        Skipped     = [Math]::Max($notRun, [int]$c.notExecuted)
        FailedNames = $failedNames
    }
}

function Invoke-PesterSuite {
    $pester = Get-PesterManifest
    $resultFile = Join-Path $out 'test-results/pester.json'
    if (Test-Path $resultFile) { Remove-Item $resultFile }
    $argsList = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/Pester/Invoke-XenPSPester.ps1'),
        '-PesterManifest', $pester, '-ModuleRoot', $out, '-ResultFile', $resultFile)
    if ($Tag) { $argsList += @('-Tag', ($Tag -join ',')) }
    if ($ExcludeTag) { $argsList += @('-ExcludeTag', ($ExcludeTag -join ',')) }
    Write-Host 'Pester (child pwsh, staged module)' -ForegroundColor Cyan
    & (Get-PwshExe) @argsList | Out-Host
    if (-not (Test-Path $resultFile)) { throw "Pester produced no results (exit code $LASTEXITCODE)." }
    $r = Get-Content -Raw $resultFile | ConvertFrom-Json
    # A suite that counted nothing did not run: that is a failure, not a pass.
    $failed = [int]$r.Failed + $(if ([int]$r.Passed + [int]$r.Failed + [int]$r.Skipped -eq 0) { 1 } else { 0 })
    [pscustomobject]@{ Suite = 'Pester'; Passed = [int]$r.Passed; Failed = $failed; Skipped = [int]$r.Skipped; FailedNames = @($r.FailedNames) }
}

# Boots the lab (one retry) and exports its XENPS_LAB_* variables; returns whether this build started it.
# A lab that cannot boot fails the run with the serial log's tail: it never skips silently.
function Start-Lab {
    if ($NoLab) { $script:LabNote = 'lab: NOT RUN (-NoLab)'; return $false }
    if ($env:XENPS_LAB_URI) { $script:LabNote = "lab: the running one at $env:XENPS_LAB_URI"; return $false }
    if (-not $IsLinux -or (id -u) -ne '0') {
        $script:LabNote = 'lab: NOT RUN (booting the lab needs Linux and root; or set XENPS_LAB_URI to a running lab)'
        return $false
    }
    $start = Join-Path $root 'tests/XenLab/start.sh'
    foreach ($attempt in 1, 2) {
        Write-Host "Booting the Xen lab (attempt $attempt)" -ForegroundColor Cyan
        $exports = bash $start
        if ($LASTEXITCODE -eq 0) {
            foreach ($line in $exports) {
                if ($line -match '^export (XENPS_LAB2?_[A-Z_]+)=(.*)$') { Set-Item "env:$($Matches[1])" $Matches[2] }
            }
            if ($env:XENPS_LAB_URI) { $script:LabNote = "lab: booted by this build ($env:XENPS_LAB_URI) and stopped again"; return $true }
        }
        bash (Join-Path $root 'tests/XenLab/stop.sh') | Out-Host
    }
    $cache = if ($env:XENPS_LAB_CACHE) { $env:XENPS_LAB_CACHE } elseif ($env:XDG_CACHE_HOME) { "$env:XDG_CACHE_HOME/xenps-lab" } else { "$HOME/.cache/xenps-lab" }
    $serial = Join-Path $cache 'run/serial.log'
    if (Test-Path $serial) { Write-Host "Serial log ($serial), last lines:"; Get-Content $serial -Tail 40 | Out-Host }
    throw 'The Xen lab did not boot after two attempts; see the serial log above. Run with -NoLab to test without it.'
}

# The second lab host (live migration, fan-out over two real hosts) boots in the background while other suites run,
# only when this build booted the first one (a lab named by XENPS_LAB_URI brings its own XENPS_LAB2_URI, or its
# two-host specs are reported as skipped). Wait-Lab2 collects it before the suites that need it.
$script:Lab2 = $null
function Start-Lab2 {
    if ($env:XENPS_LAB2_URI) { $script:Lab2Note = "second lab host: the running one at $env:XENPS_LAB2_URI"; return }
    $dir = Join-Path $out 'lab2'
    $null = New-Item -ItemType Directory -Force $dir
    Write-Host 'Booting the second Xen lab host in the background' -ForegroundColor Cyan
    $script:Lab2 = @{
        Out  = Join-Path $dir 'start.out'
        Err  = Join-Path $dir 'start.err'
        Proc = $null
        Done = $false
    }
    $script:Lab2.Proc = Start-Process bash -ArgumentList @((Join-Path $root 'tests/XenLab/start.sh'), '--host', '2') -PassThru `
        -RedirectStandardOutput $script:Lab2.Out -RedirectStandardError $script:Lab2.Err
}

function Wait-Lab2 {
    if (-not $script:Lab2 -or $script:Lab2.Done) { return }
    $script:Lab2.Proc.WaitForExit()
    $script:Lab2.Done = $true
    if ($script:Lab2.Proc.ExitCode -ne 0) {
        Get-Content $script:Lab2.Err -Tail 30 | Out-Host
        throw "The second Xen lab host did not boot (see above and $($script:Lab2.Err)). Run with -NoLab to test without the lab."
    }
    foreach ($line in Get-Content $script:Lab2.Out) {
        if ($line -match '^export (XENPS_LAB2_[A-Z_]+)=(.*)$') { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
    $script:Lab2Note = "second lab host: booted by this build ($env:XENPS_LAB2_URI) and stopped again"
}

# Runs $Body with the lab up (booted here unless one is named or -NoLab), stops a lab it booted, says what
# happened to the lab, and returns $Body's output.
function Invoke-WithLab([scriptblock] $Body) {
    $script:Lab2Note = $null
    $startedLab = Start-Lab
    if ($startedLab) { Start-Lab2 }
    elseif (-not $env:XENPS_LAB2_URI -and $env:XENPS_LAB_URI) { $script:Lab2Note = 'second lab host: NOT RUN (set XENPS_LAB2_URI beside XENPS_LAB_URI, or let the build boot the lab)' }
    try {
        & $Body
    }
    finally {
        if ($script:Lab2) {
            if (-not $script:Lab2.Done) { $script:Lab2.Proc.WaitForExit() }
            bash (Join-Path $root 'tests/XenLab/stop.sh') --host 2 | Out-Host
            Remove-Item env:XENPS_LAB2_* -ErrorAction SilentlyContinue
            $script:Lab2 = $null
        }
        if ($startedLab) {
            bash (Join-Path $root 'tests/XenLab/stop.sh') | Out-Host
            Remove-Item env:XENPS_LAB_* -ErrorAction SilentlyContinue
        }
        Write-Host $script:LabNote
        if ($script:Lab2Note) { Write-Host $script:Lab2Note }
    }
}

function Invoke-Test {
    $null = New-Item -ItemType Directory -Force (Join-Path $out 'test-results')
    $summary = Invoke-WithLab { Invoke-Suites }
    # The last line of the run, summing every suite (CI reads it).
    Write-Host $summary
}

function Invoke-Suites {
    $suites = [System.Collections.Generic.List[object]]::new()
    foreach ($p in Get-ChildItem (Join-Path $root 'tests') -Recurse -Filter '*.Tests.csproj') {
        $suites.Add((Invoke-XUnit $p.FullName))
    }
    Wait-Lab2
    $suites.Add((Invoke-PesterSuite))
    $suites | Format-Table -AutoSize Suite, Passed, Failed, Skipped | Out-Host
    # Which tests failed, by name: a CI log keeps only its tail, and the count alone does not say what to look at.
    foreach ($s in $suites) {
        foreach ($n in $s.FailedNames) { if ($n) { Write-Host "FAILED ($($s.Suite)): $n" -ForegroundColor Red } }
    }
    $passed = ($suites | Measure-Object Passed -Sum).Sum
    $failed = ($suites | Measure-Object Failed -Sum).Sum
    $skipped = ($suites | Measure-Object Skipped -Sum).Sum
    if ($failed -gt 0) { $script:TestFailed = $true }
    "$passed passed, $failed failed, $skipped skipped"
}

function Invoke-Demo {
    & (Get-PwshExe) -NoProfile -File (Join-Path $root 'examples/demo.ps1') -ModuleRoot $out
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-Bench {
    $bench = Join-Path $root 'bench/XenPS.Bench/XenPS.Bench.csproj'
    Invoke-Native 'Benchmarks' { dotnet run --project $bench -c Release -v quiet -- --corpus (Join-Path $root 'tests/corpus') }
    Invoke-WithLab {
        Wait-Lab2
        & (Get-PwshExe) -NoProfile -File (Join-Path $root 'bench/Bench-Cmdlets.ps1') -ModuleRoot $out | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The cmdlet benchmark failed (exit code $LASTEXITCODE)." }
        & (Get-PwshExe) -NoProfile -File (Join-Path $root 'bench/Bench-Restart.ps1') -ModuleRoot $out | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The restart benchmark failed (exit code $LASTEXITCODE)." }
        & (Get-PwshExe) -NoProfile -File (Join-Path $root 'bench/Bench-FanOut.ps1') -ModuleRoot $out | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The fan-out benchmark failed (exit code $LASTEXITCODE)." }
        & (Get-PwshExe) -NoProfile -File (Join-Path $root 'bench/Bench-Migrate.ps1') -ModuleRoot $out | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The migration benchmark failed (exit code $LASTEXITCODE)." }
    }
}

function Invoke-Package {
    $version = Get-XenPSVersion
    $repo = Join-Path $out 'package'
    if (Test-Path $repo) { Remove-Item $repo -Recurse -Force }
    $null = New-Item -ItemType Directory $repo
    $name = "xenps-build-$PID"
    Register-PSResourceRepository -Name $name -Uri $repo -Trusted
    try {
        Publish-PSResource -Path $stage -Repository $name -SkipDependenciesCheck
    } finally {
        Unregister-PSResourceRepository -Name $name
    }
    $pkg = Join-Path $repo "XenPS.$version.nupkg"
    if (-not (Test-Path $pkg)) { throw "Publish-PSResource did not write $pkg." }
    Write-Host "Package: $pkg" -ForegroundColor Green
}

# The fuzz harness: builds tools/Fuzz and runs it; exits non-zero when it found anything (see out/fuzz/findings).
function Invoke-Fuzz {
    $project = Join-Path $root 'tools/Fuzz/XenPS.Fuzz.csproj'
    Invoke-Native 'Building the fuzz harness' { dotnet build $project -c Release --nologo -v quiet }
    $dll = Join-Path $root 'tools/Fuzz/bin/Release/net10.0/XenPS.Fuzz.dll'
    $fuzzArgs = @('run', '--target', ($Target -join ','), '--corpus', (Join-Path $root 'tools/Fuzz/corpus'), '--out', (Join-Path $out 'fuzz'))
    if ($Seconds -gt 0 -or $Executions -le 0) { $fuzzArgs += @('--seconds', $(if ($Seconds -gt 0) { $Seconds } else { 300 })) }
    if ($Executions -gt 0) { $fuzzArgs += @('--execs', $Executions) }
    dotnet $dll @fuzzArgs
    if ($LASTEXITCODE -ne 0) { $script:TestFailed = $true }
}

function Invoke-Clean {
    if (Test-Path $out) { Remove-Item $out -Recurse -Force }
    Get-ChildItem $root -Recurse -Directory -Include bin, obj -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -notmatch '[\\/]\.git[\\/]' } | Remove-Item -Recurse -Force
}

$script:TestFailed = $false
foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Build; Invoke-Test }
        'Demo' { Invoke-Build; Invoke-Demo }
        'Bench' { Invoke-Build; Invoke-Bench }
        'Package' { Invoke-Build; Invoke-Package }
        'Clean' { Invoke-Clean }
        'Fuzz' { Invoke-Fuzz }
    }
}
if ($script:TestFailed) { exit 1 }
