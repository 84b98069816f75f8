# Move-XenDomain / Test-XenDomainMigration between two simulated hosts (two state folders) and on one host.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Move-XenDomain and Test-XenDomainMigration on simulated hosts' {
    BeforeEach {
        $script:a = New-TestSimHost -SetDefault
        $script:b = New-TestSimHost -TotalMemoryMiB 2048
    }
    AfterEach { Remove-AllTestHosts }

    It 'moves a running guest: written with its new host and domid, listed there, gone here, its console carrying on' {
        New-XenDomain /dev/null 'name="other"' 'type="pvh"' memory=128 -XenHost $b | Out-Null
        $d = New-XenDomain /dev/null 'name="web1"' 'type="pvh"' memory=256 -WarningAction SilentlyContinue
        $before = Connect-XenConsole web1 -Until 'login: $' -Timeout 30
        $m = Move-XenDomain web1 -Destination $b.Name -Wait
        $m | Should -BeOfType ([XenPS.XenDomain])
        $m.Name | Should -Be 'web1'
        $m.Uuid | Should -Be $d.Uuid
        $m.Host | Should -Be $b.Name
        $m.HostUri | Should -Be $b.Uri
        $m.Id | Should -Not -Be $d.Id
        $m.State | Should -Be 'Running'
        Get-XenDomain web1 -XenHost $a -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-XenDomain web1 -XenHost $b).Id | Should -Be $m.Id
        $after = Connect-XenConsole web1 -XenHost $b -Until 'Restarting tasks' -Timeout 30
        ($after -join "`n").Contains(@($before)[0]) | Should -BeTrue
        # the piped object finds its new host again
        $m | Move-XenDomain -Destination $a -Wait | Select-Object -ExpandProperty Host | Should -Be $a.Name
    }

    It 'takes the destination as a connection object, a name or the URI of an open connection' {
        New-XenDomain /dev/null 'name="web2"' 'type="pvh"' memory=128 -WarningAction SilentlyContinue | Out-Null
        (Move-XenDomain web2 -Destination $b.Uri -Wait).Host | Should -Be $b.Name
        (Move-XenDomain web2 -XenHost $b -Destination $a -Wait).Host | Should -Be $a.Name
        { Move-XenDomain web2 -Destination 'nosuchhost' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,XenPS.Commands.MoveXenDomainCommand'
    }

    It 'migrates a guest to its own host with a new domid (xl migrate d localhost)' {
        $d = New-XenDomain /dev/null 'name="loc"' 'type="pvh"' memory=128 -WarningAction SilentlyContinue
        $m = Move-XenDomain loc -Destination $a -DestinationAddress localhost -Wait
        $m.Id | Should -Not -Be $d.Id
        $m.Host | Should -Be $a.Name
        @(Get-XenDomain -XenHost $a | Where-Object Name -like 'loc*').Count | Should -Be 1
    }

    It '-WhatIf runs the preflight, reports it, and changes nothing' {
        New-XenDomain /dev/null 'name="web3"' 'type="pvh"' memory=128 -WarningAction SilentlyContinue | Out-Null
        $out = Move-XenDomain web3 -Destination $b -WhatIf 6>&1 | Out-String
        (Get-XenDomain web3).Host | Should -Be $a.Name
        Get-XenDomain web3 -XenHost $b -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Move-XenDomain pv3 -Destination $b -WhatIf -ErrorAction SilentlyContinue
        New-XenDomain /dev/null 'name="pv3"' 'type="pv"' memory=128 -WarningAction SilentlyContinue | Out-Null
        Move-XenDomain pv3 -Destination $b -WhatIf -ErrorVariable err -ErrorAction SilentlyContinue
        $err[-1].FullyQualifiedErrorId | Should -Be 'MigrationGuestNotMigratable,XenPS.Commands.MoveXenDomainCommand'
        (Get-XenDomain pv3).Host | Should -Be $a.Name
    }

    It 'Test-XenDomainMigration returns each check as an object, one result per domain, and changes nothing' {
        New-XenDomain /dev/null 'name="app1"' 'type="pvh"' memory=256 -WarningAction SilentlyContinue | Out-Null
        New-XenDomain /dev/null 'name="app2"' 'type="pv"' memory=256 -WarningAction SilentlyContinue | Out-Null
        $r = Test-XenDomainMigration app* -Destination $b
        $r.Count | Should -Be 2
        $r[0] | Should -BeOfType ([XenPS.Services.XenMigrationPreflight])
        $r[0].Passed | Should -BeTrue
        $r[0].Checks.Name | Should -Be @('NotDomain0', 'DomainRunning', 'DestinationReachable', 'XenVersion', 'GuestType', 'DestinationMemory', 'NameFree', 'PathsPresent')
        $r[0].Checks | ForEach-Object { $_.Detail | Should -Not -BeNullOrEmpty }
        $r[1].Passed | Should -BeFalse
        $r[1].Failed | Should -Be @('GuestType')
        ($r[1].Checks | Where-Object Name -eq GuestType).Detail | Should -Match 'shadow'
        ($r | Format-Table | Out-String -Width 200) | Should -Match 'GuestType'
        Get-XenDomain -XenHost $b | Where-Object Name -like 'app*' | Should -BeNullOrEmpty
    }

    It 'refuses, before anything moves, too little memory, a taken name, Domain-0 and an address xl would pass to a shell, each with its own id' {
        New-XenDomain /dev/null 'name="big"' 'type="pvh"' memory=1536 -WarningAction SilentlyContinue | Out-Null
        New-XenDomain /dev/null 'name="dup"' 'type="pvh"' memory=128 -XenHost $b -WarningAction SilentlyContinue | Out-Null
        New-XenDomain /dev/null 'name="dup"' 'type="pvh"' memory=128 -WarningAction SilentlyContinue | Out-Null
        $ids = foreach ($n in 'big', 'dup') {
            Move-XenDomain $n -Destination $b -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId
            $err[0].CategoryInfo.Category
            $err[0].TargetObject.Name
        }
        $ids | Should -Be @('MigrationInsufficientMemory,XenPS.Commands.MoveXenDomainCommand', 'ResourceUnavailable', 'big',
                            'MigrationDomainExists,XenPS.Commands.MoveXenDomainCommand', 'ResourceExists', 'dup')
        Move-XenDomain -Id 0 -Destination $b -ErrorVariable e0 -ErrorAction SilentlyContinue
        $e0[0].FullyQualifiedErrorId | Should -Be 'CannotMigrateDomain0,XenPS.Commands.MoveXenDomainCommand'
        Move-XenDomain dup -Destination $b -DestinationAddress 'xenlab2; reboot' -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,XenPS.Commands.MoveXenDomainCommand'
        (Get-XenDomain big).Host | Should -Be $a.Name
        @(Get-XenDomain -XenHost $b).Count | Should -Be 2
    }

    It 'a missing kernel on the destination is caught by the preflight' {
        $k = Join-Path $TestDrive "$($a.Name)/fs/boot"
        New-Item -ItemType Directory -Path $k -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $k 'vmlinuz-mig') -Value 'k'
        New-XenDomain /dev/null 'name="kern"' 'type="pvh"' 'kernel="/boot/vmlinuz-mig"' memory=128 | Out-Null
        Move-XenDomain kern -Destination $b -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MigrationPathMissing,XenPS.Commands.MoveXenDomainCommand'
        $err[0].Exception.Message | Should -Match '/boot/vmlinuz-mig'
    }

    It 'Ctrl+C during the migration leaves the guest running on the source and nothing on the destination' {
        New-XenDomain /dev/null 'name="slow"' 'type="pvh"' memory=128 'sim.migrate_seconds=6' -WarningAction SilentlyContinue | Out-Null
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module XenPS; Move-XenDomain slow -XenHost '$($a.Name)' -Destination '$($b.Name)' -Wait")
        $async = $ps.BeginInvoke()
        $deadline = (Get-Date).AddSeconds(20)
        while (-not (Get-XenDomain -XenHost $b | Where-Object Name -eq 'slow--incoming') -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-XenDomain -XenHost $b | Where-Object Name -eq 'slow--incoming' | Should -Not -BeNullOrEmpty
        $ps.Stop()
        $ps.Dispose()
        $s = Get-XenDomain slow -XenHost $a
        $s.State | Should -Be 'Running'
        Get-XenDomain -XenHost $b | Where-Object Name -like 'slow*' | Should -BeNullOrEmpty
    }
}
