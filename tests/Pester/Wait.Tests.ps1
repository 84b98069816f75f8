# Wait-XenDomain on a simulated host: states (Gone, Halted, Running across a reboot), console patterns, many domains, -Any, timeouts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Wait-XenDomain' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It '-State Gone after a shutdown writes the domain once it has gone' {
        $d = New-XenDomain /dev/null 'name="g1"' 'sim.shutdown_seconds=1'
        Stop-XenDomain g1
        $w = $d | Wait-XenDomain -State Gone -Timeout 20
        $w.Name | Should -Be 'g1'
        $w.State | Should -Be 'Halted'
        Get-XenDomain g1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        ($d | Wait-XenDomain -State Halted -Timeout 1).Name | Should -Be 'g1' -Because 'a domain no longer on the host is halted too'
    }

    It '-State Halted is met by a kept domain (and by a gone one); Gone is not met by a kept one' {
        New-XenDomain /dev/null 'name="k1"' 'on_poweroff="preserve"' 'sim.shutdown_seconds=0' | Out-Null
        Stop-XenDomain k1
        (Wait-XenDomain k1 Halted -Timeout 10).StateFlags | Should -Be '---s--'
        Wait-XenDomain k1 -State Gone -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,XenPS.Commands.WaitXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].TargetObject.Name | Should -Be 'k1'
        $err[0].Exception.Message | Should -Match 'did not reach Gone within 1 s: it is Halted'
    }

    It '-Until waits for a console pattern of the current boot (also one printed before the wait)' {
        New-XenDomain /dev/null 'name="u1"' 'sim.boot_seconds=2' | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        (Wait-XenDomain u1 -Until 'login: $' -Timeout 30).Name | Should -Be 'u1'
        $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5
        (Wait-XenDomain u1 -Until 'Linux version' -Timeout 5).Name | Should -Be 'u1'
    }

    It '-Until that never shows is a WaitTimeout carrying the last console lines' {
        New-XenDomain /dev/null 'name="u2"' 'sim.boot_seconds=1' | Out-Null
        Wait-XenDomain u2 -Until 'NEVER-PRINTED' -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,XenPS.Commands.WaitXenDomainCommand'
        $err[0].Exception.LastLines | Should -Contain 'u2 login: '
    }

    It 'after a restart, -State Running follows the guest to its new domid and -Until sees the new boot' {
        $d = New-XenDomain /dev/null 'name="r1"' 'sim.shutdown_seconds=0'
        Start-Sleep -Milliseconds 1100
        Restart-XenDomain r1
        Start-Sleep -Milliseconds 100
        $w = $d | Wait-XenDomain -State Running -Timeout 10
        $w.Id | Should -BeGreaterThan $d.Id
        ($w | Wait-XenDomain -Until 'login: $' -Timeout 10).Id | Should -Be $w.Id
    }

    It 'waits for many domains (pipeline, -Name, -XenHost several) together and writes each as it gets there' {
        $h2 = New-TestSimHost
        1..4 | ForEach-Object { New-XenDomain /dev/null "name=`"a$_`"" "sim.shutdown_seconds=$_" | Out-Null }
        1..2 | ForEach-Object { New-XenDomain /dev/null "name=`"a$_`"" 'sim.shutdown_seconds=1' -XenHost $h2 | Out-Null }
        Get-XenDomain a* -XenHost $h, $h2 | Stop-XenDomain
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $w = Wait-XenDomain a* -XenHost $h, $h2 -State Gone -Timeout 30
        $sw.Stop()
        $w.Count | Should -Be 6
        $w[-1].Name | Should -Be 'a4' -Because 'each is written as it goes: the 4 s shutdown last'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 7
        @($w | Where-Object Host -eq $h2.Name).Count | Should -Be 2
    }

    It '-Any returns at the first domain that gets there' {
        New-XenDomain /dev/null 'name="slow"' 'sim.boot_seconds=30' | Out-Null
        New-XenDomain /dev/null 'name="quick"' 'sim.boot_seconds=1' | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $w = Wait-XenDomain slow, quick -Until 'login: $' -Any -Timeout 20 -ErrorVariable err
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        @($w).Count | Should -Be 1
        $w.Name | Should -Be 'quick'
        $err.Count | Should -Be 0
    }

    It 'with nothing to wait for, or a bad pattern, it terminates with a clear error' {
        New-XenDomain /dev/null 'name="x1"' | Out-Null
        { Wait-XenDomain x1 -ErrorAction Stop } | Should -Throw -ErrorId 'WaitConditionMissing,XenPS.Commands.WaitXenDomainCommand'
        { Wait-XenDomain x1 -Until '(' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidUntilPattern,XenPS.Commands.WaitXenDomainCommand'
    }

    It 'writes progress and completes it' {
        New-XenDomain /dev/null 'name="p1"' 'sim.shutdown_seconds=3' | Out-Null
        Stop-XenDomain p1
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$((Get-Module XenPS).Path)'; Connect-XenHost '$($h.Uri)' -Name ph | Out-Null; Wait-XenDomain p1 -State Gone -Timeout 20 | Out-Null")
        $null = $ps.Invoke()
        $records = @($ps.Streams.Progress)
        $ps.Dispose()
        $records.Count | Should -BeGreaterThan 0
        $records[-1].RecordType | Should -Be 'Completed'
    }
}
