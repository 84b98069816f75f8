# README.md's code must run as printed, so that it cannot rot.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:repo = (Resolve-Path "$PSScriptRoot/../..").Path
    $script:readme = Get-Content -Raw (Join-Path $repo 'README.md')

    # The first ```powershell block after the heading $Heading.
    function Get-ReadmeBlock([string] $Heading) {
        $m = [regex]::Match($readme, "(?ms)^#+ $([regex]::Escape($Heading))\s*$.*?^``````powershell\r?\n(.*?)^``````")
        if (-not $m.Success) { throw "README.md has no powershell block under '$Heading'." }
        $m.Groups[1].Value
    }

    # Runs $Script in a fresh pwsh (the repository as current folder) and returns its output lines.
    function Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $file = Join-Path $TestDrive ('child-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.ps1')
        Set-Content -LiteralPath $file -Value $Script
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        Push-Location $repo
        try { $out = & $PwshExe -NoProfile -NonInteractive -File $file 2>&1 }
        finally {
            Pop-Location
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($out | ForEach-Object { "$_" }) }
    }
}

Describe 'README.md' {
    It 'has a Pester example that runs under Pester 6 as written and cleans up after itself' {
        $example = Get-ReadmeBlock 'Testing runbooks'
        $example | Should -Match '(?m)^Describe '
        $example | Should -Match 'AfterAll\s*\{[^}]*Disconnect-XenHost'
        $spec = Join-Path $TestDrive 'readme-example.Tests.ps1'
        Set-Content -LiteralPath $spec -Value $example
        $pester = (Get-Module Pester).Path
        $r = Invoke-Child @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module '$pester'
`$result = Invoke-Pester -Path '$spec' -PassThru -Output None
'RESULT {0} {1} {2} {3}' -f `$result.TotalCount, `$result.PassedCount, (`$result.FailedCount + `$result.FailedBlocksCount + `$result.FailedContainersCount), `$result.SkippedCount
'CONNECTIONS {0}' -f @(Get-XenHostConnection).Count
"@
        ($r.Output -join "`n") | Should -Match '(?m)^RESULT 1 1 0 0$' -Because ($r.Output -join "`n")
        ($r.Output -join "`n") | Should -Match '(?m)^CONNECTIONS 0$' -Because 'the example disconnects in AfterAll'
    }

    It 'shows the same Pester example as about_XenPS (one sim:/// form)' {
        $about = Get-Content -Raw (Join-Path $repo 'docs/help/about_XenPS.md')
        $m = [regex]::Match($about, '(?ms)^```powershell\r?\n(Describe .*?)^```')
        $m.Success | Should -BeTrue
        $m.Groups[1].Value.Trim() | Should -Be (Get-ReadmeBlock 'Testing runbooks').Trim()
        (Get-ReadmeBlock 'Testing runbooks') | Should -Match ([regex]::Escape('Connect-XenHost "sim:///$TestDrive/host"'))
    }

    It 'has a "Using it" session that runs as printed' {
        $session = Get-ReadmeBlock 'Using it'
        $root = Join-Path $TestDrive 'sim-root'
        # Stop-XenDomain -TurnOff asks first (the README says so); the non-interactive child answers yes.
        $r = Invoke-Child "`$ErrorActionPreference = 'Stop'; `$ConfirmPreference = 'None'`n$session`n'SESSION-DONE'" @{ XENPS_SIM_ROOT = $root }
        $text = $r.Output -join "`n"
        $text | Should -Match '(?m)^SESSION-DONE$' -Because $text
        $text | Should -Match 'test1 login:'
        Test-Path (Join-Path $root 'lab') | Should -BeTrue -Because 'sim://lab keeps its state under $env:XENPS_SIM_ROOT, as the README says'
    }

    It 'prints only build commands that work: build.ps1 runs as ./build.ps1 (shebang, executable)' {
        $build = Join-Path $repo 'build.ps1'
        (Get-Content -LiteralPath $build -TotalCount 1) | Should -Be '#!/usr/bin/env pwsh'
        if (-not $IsWindows) {
            (Get-Item -LiteralPath $build).UnixFileMode.HasFlag([System.IO.UnixFileMode]::UserExecute) | Should -BeTrue
        }
        # Every build command printed (in a code block, or as inline code) names a task of build.ps1.
        $tasks = (Get-Command $build).Parameters['Task'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues
        $fenced = $false
        foreach ($line in $readme -split "`r?`n") {
            if ($line -match '^```') { $fenced = -not $fenced; continue }
            $commands = if ($fenced) { @($line) } else { [regex]::Matches($line, '`([^`]+)`') | ForEach-Object { $_.Groups[1].Value } }
            foreach ($c in $commands | Where-Object { $_ -match 'build\.ps1' }) {
                $c -match '^(dotnet tool restore && )?(dotnet pwsh )?\./build\.ps1 (\w+)((?: -\w+(?: [\w,.]+)?)*)$' | Should -BeTrue -Because "'$c' is printed as a build command"
                $Matches[3] | Should -BeIn $tasks
                # and each -Parameter it passes is one build.ps1 has
                foreach ($p in [regex]::Matches($Matches[4], '-(\w+)')) { $p.Groups[1].Value | Should -BeIn (Get-Command $build).Parameters.Keys }
            }
        }
    }
}
