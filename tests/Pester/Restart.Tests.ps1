# Restart-XenDomain on a simulated host: xl reboot's new boot (new domid, same uuid, a fresh console), waits, timeouts, -Force.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Restart-XenDomain' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'with -Wait returns the new boot: a new domid, the same uuid, running, and its console shows a new boot' {
        $d = New-XenDomain /dev/null 'name="web1"' 'sim.shutdown_seconds=0'
        Start-Sleep -Milliseconds 1200 # let the first boot finish: its login prompt is on the console
        $r = Restart-XenDomain web1 -Wait -Timeout 30 -PassThru
        $r | Should -BeOfType ([XenPS.XenDomain])
        $r.Id | Should -BeGreaterThan $d.Id
        $r.Uuid | Should -Be $d.Uuid
        $r.State | Should -Be 'Running'
        (Get-XenDomain web1).Id | Should -Be $r.Id
        $lines = Connect-XenConsole web1 -Until 'login: $' -Timeout 30
        @(@($lines) -match 'Linux version').Count | Should -Be 1 -Because 'the console of the current boot holds the new boot alone'
        ($lines -join "`n") | Should -Not -Match 'Restarting system'
    }

    It 'without -Wait returns at once with the old domid, and the guest reboots in its own time' {
        $d = New-XenDomain /dev/null 'name="web2"' 'sim.shutdown_seconds=1'
        $r = Restart-XenDomain web2 -PassThru
        $r.Id | Should -Be $d.Id
        $w = Get-XenDomain web2
        $deadline = (Get-Date).AddSeconds(20)
        while ($w.Id -eq $d.Id -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200; $w = Get-XenDomain web2 }
        $w.Id | Should -BeGreaterThan $d.Id
    }

    It '-WhatIf changes nothing' {
        $d = New-XenDomain /dev/null 'name="web3"' 'sim.shutdown_seconds=0'
        Restart-XenDomain web3 -WhatIf -Wait
        Start-Sleep -Milliseconds 800
        (Get-XenDomain web3).Id | Should -Be $d.Id
    }

    It 'a guest ignoring the request is a RestartTimeout naming the domain and the state reached, and is left running' {
        $d = New-XenDomain /dev/null 'name="hung"' 'sim.ignore_shutdown=1'
        Restart-XenDomain hung -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'RestartTimeout,XenPS.Commands.RestartXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].TargetObject.Name | Should -Be 'hung'
        $err[0].Exception.Message | Should -Match 'still Running as id 1'
        (Get-XenDomain hung).Id | Should -Be $d.Id
    }

    It '-Force destroys and re-creates a guest ignoring the request (same uuid, new domid), with a warning' {
        $d = New-XenDomain /dev/null 'name="hung2"' 'sim.ignore_shutdown=1' memory=64
        $r = Restart-XenDomain hung2 -Timeout 1 -Force -Confirm:$false -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $r.Id | Should -BeGreaterThan $d.Id
        $r.Uuid | Should -Be $d.Uuid
        $r.MemoryMiB | Should -Be 64
        $warn | Should -Match 'hung2 \(id 1\).*-Force'
        @(Get-XenDomain hung2).Count | Should -Be 1
    }

    It 'many domains in one call are rebooted and waited for together' {
        1..5 | ForEach-Object { New-XenDomain /dev/null "name=`"m$_`"" 'sim.shutdown_seconds=1' | Out-Null }
        $before = Get-XenDomain m*
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Get-XenDomain m* | Restart-XenDomain -Wait -Timeout 30 -PassThru
        $sw.Stop()
        $r.Count | Should -Be 5
        foreach ($x in $r) { $x.Id | Should -BeGreaterThan (($before | Where-Object Name -eq $x.Name).Id) }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'five 1.5 s reboots waited for together, not one after another'
    }

    It 'a domain without PV drivers is PvControlUnavailable suggesting -AcpiFallback, which works' {
        New-XenDomain /dev/null 'name="hvm1"' 'type="hvm"' 'sim.pv_drivers=0' 'sim.shutdown_seconds=0' | Out-Null
        Restart-XenDomain hvm1 -Wait -Timeout 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'PvControlUnavailable,XenPS.Commands.RestartXenDomainCommand'
        $err[0].Exception.Message | Should -Match '-AcpiFallback'
        $r = Restart-XenDomain hvm1 -AcpiFallback -Wait -Timeout 30 -PassThru
        $r.Id | Should -BeGreaterThan 1
    }

    It 'Domain-0 is refused, and a wildcard never selects it' {
        Restart-XenDomain -Id 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CannotRestartDomain0,XenPS.Commands.RestartXenDomainCommand'
        Restart-XenDomain * -WhatIf -ErrorVariable err2 6>&1 | Out-Null
        $err2.Count | Should -Be 0
    }

    It 'on_reboot = "destroy": the domain does not come back, a DomainNotFound error says why' {
        New-XenDomain /dev/null 'name="once"' 'on_reboot="destroy"' 'sim.shutdown_seconds=0' | Out-Null
        Restart-XenDomain once -Wait -Timeout 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.RestartXenDomainCommand'
        $err[0].Exception.Message | Should -Match 'on_reboot'
        Get-XenDomain once -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Restart-XenDomain -Force under -NonInteractive' {
    It 'without -Confirm:$false is ConfirmationRequired naming the domain; nothing is rebooted' {
        $state = Join-Path $TestDrive 'ni-host'
        $script = Join-Path $TestDrive 'ni.ps1'
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
Connect-XenHost 'sim://$state' -Name ni | Out-Null
`$d = New-XenDomain /dev/null 'name="keepme"' 'sim.shutdown_seconds=0'
Restart-XenDomain keepme -Force -Timeout 5 -ErrorVariable e -ErrorAction SilentlyContinue
Start-Sleep -Milliseconds 800
"`$(`$e[0].FullyQualifiedErrorId)|`$(`$e[0].TargetObject.Name)|`$(`$e[0].Exception.Message)"
"id:`$((Get-XenDomain keepme).Id)/`$(`$d.Id)"
"@ | Set-Content $script
        $out = & $PwshExe -NoProfile -NonInteractive -File $script 2>&1
        $line = @($out) -match '^ConfirmationRequired'
        $line | Should -Not -BeNullOrEmpty -Because ($out -join "`n")
        $f = $line[0] -split '\|', 3
        $f[0] | Should -Be 'ConfirmationRequired,XenPS.Commands.RestartXenDomainCommand'
        $f[1] | Should -Be 'keepme'
        $f[2] | Should -Match '-Confirm:\$false'
        @($out) -contains 'id:1/1' | Should -BeTrue -Because ($out -join "`n")
    }
}
