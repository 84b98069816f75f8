# Hostile and broken config files, read through the cmdlets. Each case once crashed pwsh (a stack overflow is
# exit 134), hung without answering Ctrl+C, ran out of memory or took minutes; each now runs in a child pwsh
# with a deadline, so a regression fails the test instead of taking the test run down with it.
BeforeAll {
    . "$PSScriptRoot/common.ps1"

    # Runs Test-XenDomainConfig on $Path in a fresh pwsh and returns its diagnostics (Code, Severity, Location,
    # Message, Hint) plus the child's exit code; fails when the child takes longer than $TimeoutSeconds.
    function Invoke-HostileRead {
        param([string] $Path, [int] $TimeoutSeconds = 60, [string[]] $Set = @())
        $script = @'
$ErrorActionPreference = 'Stop'
Import-Module XenPS
$path = [Environment]::GetEnvironmentVariable('XENPS_HOSTILE_PATH')
$set = @([Environment]::GetEnvironmentVariable('XENPS_HOSTILE_SET') -split "`n" | Where-Object { $_ })
$d = @(Test-XenDomainConfig -LiteralPath $path -Set $set)
$d | ForEach-Object { [pscustomobject]@{ Code = $_.Code; Severity = "$($_.Severity)"; Location = $_.Location; Message = $_.Message; Hint = $_.Hint } } |
    ConvertTo-Json -Depth 3 -AsArray -Compress
'@
        $psi = [System.Diagnostics.ProcessStartInfo]::new($PwshExe)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $psi.Environment['XENPS_HOSTILE_PATH'] = $Path
        $psi.Environment['XENPS_HOSTILE_SET'] = $Set -join "`n"
        $p = [System.Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            $p.Kill($true)
            throw "Test-XenDomainConfig '$Path' did not finish within $TimeoutSeconds s"
        }
        $p.WaitForExit()
        [pscustomobject]@{
            ExitCode    = $p.ExitCode
            Diagnostics = @(if ($out.Result.Trim()) { $out.Result | ConvertFrom-Json })
            StdErr      = $err.Result
        }
    }

    function New-BigConfig {
        param([string] $FileName, [string] $Text)
        $p = Join-Path $TestDrive $FileName
        [System.IO.File]::WriteAllText($p, $Text)
        $p
    }
}

Describe 'Hostile config input' {
    It 'refuses xl lists nested 17,500 deep at the first level too many, without crashing pwsh' {
        $p = New-BigConfig 'deep.cfg' ("name = `"a`"`nx = " + ('[' * 17500) + "`n")
        $r = Invoke-HostileRead $p
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $r.Diagnostics.Count | Should -Be 1
        $r.Diagnostics[0].Code | Should -Be 'NestingTooDeep'
        $r.Diagnostics[0].Location | Should -Be "${p}:2:105"
    }

    It 'refuses YAML nested 30,000 deep, without crashing pwsh' {
        $p = New-BigConfig 'deep.yaml' ("name: a`nx: " + ('[' * 30000) + (']' * 30000) + "`n")
        $r = Invoke-HostileRead $p
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $r.Diagnostics.Code | Should -Be 'YamlTooDeep'
        $r.Diagnostics[0].Location | Should -Be "${p}:2:104"
    }

    It 'refuses a YAML billion laughs quickly' {
        $lines = @('name: a', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
        $prev = 'a'
        foreach ($c in 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') {
            $lines += "${c}: &$c [" + ((1..9 | ForEach-Object { "*$prev" }) -join ',') + ']'
            $prev = $c
        }
        $p = New-BigConfig 'lol.yaml' (($lines -join "`n") + "`n")
        $r = Invoke-HostileRead $p -TimeoutSeconds 60
        $r.Diagnostics.Code | Should -Be 'YamlTooLarge'
        $r.Diagnostics[0].Message | Should -Match '100,000 nodes'
    }

    It 'names a FIFO instead of waiting for a writer' -Skip:($IsWindows) {
        $p = Join-Path $TestDrive 'pipe.cfg'
        & mkfifo $p
        $LASTEXITCODE | Should -Be 0
        try {
            $r = Invoke-HostileRead $p -TimeoutSeconds 60
            $r.Diagnostics.Code | Should -Be 'NotARegularFile'
            $r.Diagnostics[0].Message | Should -Be "'$p' is a FIFO (named pipe), not a config file: XenPS reads only regular files."
        }
        finally { Remove-Item -LiteralPath $p -Force }
    }

    It 'names <_> as a device instead of reading it until memory runs out' -Skip:($IsWindows) -ForEach '/dev/zero', '/dev/urandom' {
        $r = Invoke-HostileRead $_
        $r.Diagnostics.Code | Should -Be 'NotARegularFile'
        $r.Diagnostics[0].Message | Should -Be "'$_' is a character device, not a config file: XenPS reads only regular files."
    }

    It 'says a directory is a directory (not "access denied")' {
        $d = Join-Path $TestDrive 'auto'
        $null = New-Item -ItemType Directory $d
        # named explicitly: a PathIsDirectory error that says what to do (a wildcard or Get-ChildItem skips directories)
        Test-XenDomainConfig -Path $d -ErrorVariable terr -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $terr[0].FullyQualifiedErrorId | Should -Be 'PathIsDirectory,XenPS.Commands.TestXenDomainConfigCommand'
        $terr[0].Exception.Message | Should -Match 'is a directory, not a config file'
        $err = $null
        Import-XenDomainConfig -Path $d -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'is a directory, not a config file'
    }

    It 'refuses a file over 1 MiB' {
        $p = New-BigConfig 'big.cfg' ("name = `"a`"`n" + ('#' * (2MB)) + "`n")
        $r = Test-XenDomainConfig -LiteralPath $p
        $r.Code | Should -Be 'FileTooLarge'
        $r.Message | Should -Match 'larger than the 1 MiB limit'
    }

    It 'quotes a short excerpt of a 1,000,000-character bare word' {
        $p = New-BigConfig 'word.cfg' ("name = `"a`"`nkernel = " + ('a' * 1000000) + "`n")
        $r = Invoke-HostileRead $p
        $r.Diagnostics.Count | Should -Be 1
        $d = $r.Diagnostics[0]
        $d.Code | Should -Be 'BareWord'
        $d.Message | Should -Match ([regex]::Escape('… (1,000,000 characters)'))
        ($d.Message.Length + $d.Hint.Length) | Should -BeLessThan 500
    }

    It 'reports 100 unknown keys of 5,000 and one summary' {
        $p = New-BigConfig 'keys.cfg' ("name = `"a`"`nkernel = `"/boot/vmlinuz`"`n" + ((0..4999 | ForEach-Object { "unknownkey$_ = 1" }) -join "`n") + "`n")
        $r = @(Test-XenDomainConfig -LiteralPath $p)
        $r.Count | Should -Be 101
        @($r | Where-Object Code -EQ 'UnknownKey').Count | Should -Be 100
        $r[-1].Code | Should -Be 'TooManyDiagnostics'
        $r[-1].Message | Should -Match '4,900 more warnings'
        Test-XenDomainConfig -LiteralPath $p -Quiet | Should -BeTrue
    }

    It 'refuses a domain name with a newline, and warns about bidirectional controls' {
        $bad = New-TestConfig "name = `"web`\n1`"`n"
        $d = Test-XenDomainConfig -LiteralPath $bad
        $d.Code | Should -Be 'NameInvalid'
        $d.Severity | Should -Be 'Error'
        $d.Message | Should -Not -Match "`n"

        $odd = New-TestConfig "name = `"web$([char]0x202E)1`"`n"
        $c = Import-XenDomainConfig -LiteralPath $odd -WarningVariable w -WarningAction SilentlyContinue
        $c.Name | Should -Be "web$([char]0x202E)1"
        "$w" | Should -Match 'NameUnusual'
        "$w" | Should -Match 'U\+202E'
    }
}
