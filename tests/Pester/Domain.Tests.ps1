BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'New-XenDomain' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'creates a domain from a config file with overrides and writes it' {
        $d = New-XenDomain "$ExamplesDir/test1.cfg" memory=384
        $d | Should -BeOfType ([XenPS.XenDomain])
        $d.Name | Should -Be 'test1'
        $d.Id | Should -BeGreaterThan 0
        $d.MemoryMiB | Should -Be 384
        $d.Host | Should -Be $h.Name
        (Get-XenDomain test1).Id | Should -Be $d.Id
    }

    It 'runs the seed command verbatim: /dev/null and bare name=value overrides' {
        $d = New-XenDomain /dev/null ramdisk=initrd.img kernel=/boot/vmlinuz-2.6.12.6-xenU name=ramdisk nics=0 vcpus=1 memory=64 root=/dev/ram0 -WarningAction SilentlyContinue
        $d.Name | Should -Be 'ramdisk'
        $d.MemoryMiB | Should -Be 64
        $d.VCpus | Should -Be 1
        $d.Config.Kernel | Should -Be '/boot/vmlinuz-2.6.12.6-xenU'
    }

    It 'takes everything after the first = of an unquoted override as the value, as xm did' {
        $d = New-XenDomain "$ExamplesDir/test1.cfg" 'extra=console=hvc0 quiet' 'root=/dev/xvda2 ro'
        $d.Config.Settings['extra'] | Should -Be 'console=hvc0 quiet'
        $d.Config.Cmdline | Should -Be 'root=/dev/xvda2 ro console=hvc0 quiet'
        (Connect-XenConsole test1 -Until 'Command line:') | Select-Object -Last 1 |
            Should -Match 'Command line: root=/dev/xvda2 ro console=hvc0 quiet$'
    }

    It 'ignores a disk given as a single string, as xl does and as its warning says' {
        $d = New-XenDomain /dev/null 'name="onedisk"' 'disk=phy:/dev/vg/x,xvda,w' -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'disk is a single string, not a list: xl ignores it, and so does XenPS'
        $d.Config.Disks | Should -BeNullOrEmpty
        (Get-XenDomain onedisk).Config.Disks | Should -BeNullOrEmpty
    }

    It 'creates from configs on the pipeline' {
        $c = Import-XenDomainConfig "$ExamplesDir/web.yaml"
        $d = $c | New-XenDomain
        $d.Name | Should -Be 'web'
        $d.Type | Should -Be 'PVH'
        $d.VCpus | Should -Be 2
    }

    It '-Paused leaves the domain paused' {
        $d = New-XenDomain /dev/null 'name="p1"' -Paused
        $d.StateFlags | Should -Be '--p---'
        $d.State | Should -Be 'Paused'
    }

    It '-WhatIf creates nothing' {
        New-XenDomain "$ExamplesDir/test1.cfg" -WhatIf
        Get-XenDomain test1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a bad config is an error with file:line:column and nothing is created' {
        $p = New-TestConfig "name = `"broken`"`nmemory = 12 34`n"
        New-XenDomain $p -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigSyntaxError,XenPS.Commands.NewXenDomainCommand'
        $e[0].Exception.Message | Should -Match ':2:\d+'
        Get-XenDomain broken -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a config without a name is refused' {
        New-XenDomain /dev/null memory=64 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'InvalidDomainConfig,XenPS.Commands.NewXenDomainCommand'
        $e[0].Exception.Message | Should -Match 'name'
    }

    It 'refuses a duplicate name as xl does' {
        $null = New-XenDomain /dev/null 'name="twin"'
        New-XenDomain /dev/null 'name="twin"' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.NewXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $e[0].Exception.Message | Should -Match 'already exists'
    }

    It 'refuses a domain that does not fit in the host memory' {
        $small = New-TestSimHost -TotalMemoryMiB 2048
        New-XenDomain /dev/null 'name="huge"' memory=4096 -XenHost $small -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'InsufficientHostResources,XenPS.Commands.NewXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'looks a relative path up in the current location' {
        Push-Location $ExamplesDir
        try { (New-XenDomain ./test1.cfg).Name | Should -Be 'test1' } finally { Pop-Location }
    }
}

Describe 'Get-XenDomain' {
    BeforeAll {
        $script:h = New-TestSimHost -SetDefault
        $null = New-XenDomain /dev/null 'name="web1"' memory=128
        $null = New-XenDomain /dev/null 'name="web2"' memory=128
        $null = New-XenDomain /dev/null 'name="db1"' memory=256 -Paused
    }
    AfterAll { Remove-AllTestHosts }

    It 'lists Domain-0 first, then the guests by id' {
        $all = Get-XenDomain
        $all[0].Name | Should -Be 'Domain-0'
        $all[0].Id | Should -Be 0
        $all.Name | Should -Be @('Domain-0', 'web1', 'web2', 'db1')
        ($all.Id | Sort-Object) | Should -Be $all.Id
    }

    It 'filters with wildcards, by id and by state' {
        (Get-XenDomain web*).Name | Should -Be @('web1', 'web2')
        (Get-XenDomain -Id 0).Name | Should -Be 'Domain-0'
        (Get-XenDomain -State Paused).Name | Should -Be 'db1'
    }

    It 'an exact name that is not there is a non-terminating ObjectNotFound; a wildcard that matches nothing is silent' {
        $r = Get-XenDomain nosuch, web1 -ErrorVariable e -ErrorAction SilentlyContinue
        $r.Name | Should -Be 'web1'
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.GetXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].TargetObject | Should -Be 'nosuch'
        Get-XenDomain zz* -ErrorVariable e2 | Should -BeNullOrEmpty
        $e2.Count | Should -Be 0
    }

    It 'takes names from the pipeline' {
        ('web2', 'db1' | Get-XenDomain).Name | Should -Be @('web2', 'db1')
    }

    It 'carries the fields of xm list' {
        $d = Get-XenDomain web1
        $d.MemoryMiB | Should -Be 128
        $d.MaxMemoryMiB | Should -BeGreaterOrEqual 128
        $d.VCpus | Should -Be 1
        $d.Uuid | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        $d.StateFlags | Should -Match '^[r-][b-][p-][s-][-rscwS][d-]$'
        $d.CpuTime | Should -BeGreaterOrEqual 0
        $d.Config.Name | Should -Be 'web1'
    }

    It 'a piped domain whose connection was closed reaches its host again through its HostUri' {
        $other = New-TestSimHost
        $null = New-XenDomain /dev/null 'name="orphan"' 'sim.shutdown_seconds=0' -XenHost $other
        $d = Get-XenDomain orphan -XenHost $other
        Disconnect-XenHost $other.Name
        $d | Stop-XenDomain -Wait -Timeout 10
        $again = Connect-XenHost $d.HostUri -Name orphan-host -PassThru
        Get-XenDomain orphan -XenHost $again -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Disconnect-XenHost orphan-host
    }

    It 'formats like xm list' {
        $text = Get-XenDomain | Out-String -Width 120
        $text | Should -Match 'Name\s+ID\s+Mem\(MiB\)\s+VCPUs\s+State\s+Time\(s\)'
        $text | Should -Match 'Domain-0\s+0\s+\d+\s+\d+\s+r-----'
    }

    It 'domains remember their host' {
        $other = New-TestSimHost
        $null = New-XenDomain /dev/null 'name="elsewhere"' -XenHost $other
        $d = Get-XenDomain -XenHost $other elsewhere
        $d.Host | Should -Be $other.Name
        # The default host has no such domain; the object finds its own host.
        $d | Stop-XenDomain -TurnOff -Confirm:$false
        Get-XenDomain -XenHost $other elsewhere -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Disconnect-XenHost $other.Name
    }
}

Describe 'Stop-XenDomain' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'shuts down gracefully and -Wait returns when the domain is gone' {
        $null = New-XenDomain /dev/null 'name="g1"' 'sim.shutdown_seconds=1'
        Stop-XenDomain g1 -Wait -Timeout 30
        Get-XenDomain g1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'without -Wait returns at once and the domain goes later' {
        $null = New-XenDomain /dev/null 'name="g2"' 'sim.shutdown_seconds=5'
        Stop-XenDomain g2
        Get-XenDomain g2 | Should -Not -BeNullOrEmpty
        Start-Sleep -Seconds 6
        Get-XenDomain g2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'waits for many piped domains together, not one after another' {
        1..4 | ForEach-Object { $null = New-XenDomain /dev/null "name=`"w$_`"" 'sim.shutdown_seconds=2' }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Get-XenDomain w* | Stop-XenDomain -Wait -Timeout 30
        $sw.Stop()
        Get-XenDomain w* | Should -BeNullOrEmpty
        # One after another would take at least 8 s.
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 7
    }

    It 'on expiry writes StopTimeout and leaves the domain as it is' {
        $null = New-XenDomain /dev/null 'name="stubborn"' 'sim.ignore_shutdown=1'
        Stop-XenDomain stubborn -Timeout 1 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'StopTimeout,XenPS.Commands.StopXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        (Get-XenDomain stubborn).State | Should -Not -Be 'Shutdown'
    }

    It '-Force escalates to destroy when the guest does not stop in time' {
        $null = New-XenDomain /dev/null 'name="stubborn2"' 'sim.ignore_shutdown=1'
        Stop-XenDomain stubborn2 -Timeout 1 -Force -WarningAction SilentlyContinue
        Get-XenDomain stubborn2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-TurnOff destroys at once' {
        $null = New-XenDomain /dev/null 'name="d1"' 'sim.ignore_shutdown=1'
        Stop-XenDomain d1 -TurnOff -Confirm:$false
        Get-XenDomain d1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-TurnOff is ConfirmImpact High: it asks, and a non-interactive host cannot answer' {
        $null = New-XenDomain /dev/null 'name="d2"'
        { Stop-XenDomain d2 -TurnOff -ErrorAction Stop } | Should -Throw
        Get-XenDomain d2 | Should -Not -BeNullOrEmpty
    }

    It '-WhatIf changes nothing' {
        $null = New-XenDomain /dev/null 'name="keep"' 'sim.shutdown_seconds=0'
        Stop-XenDomain keep -WhatIf
        Stop-XenDomain keep -TurnOff -WhatIf
        Start-Sleep -Milliseconds 300
        (Get-XenDomain keep).State | Should -Not -Be 'Shutdown'
    }

    It 'refuses Domain-0 with a clear error, and a wildcard never selects it' {
        Stop-XenDomain Domain-0 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'CannotStopDomain0,XenPS.Commands.StopXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        Stop-XenDomain -Id 0 -TurnOff -Confirm:$false -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'CannotStopDomain0,XenPS.Commands.StopXenDomainCommand'
        Stop-XenDomain * -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3.Count | Should -Be 0
        (Get-XenDomain -Id 0).StateFlags | Should -Be 'r-----'
    }

    It 'an HVM guest without PV drivers needs -AcpiFallback' {
        $null = New-XenDomain /dev/null 'name="win"' 'type="hvm"' 'sim.pv_drivers=0' 'sim.shutdown_seconds=0' -WarningVariable w
        $w | Should -BeNullOrEmpty -Because 'sim.pv_drivers is a documented simulator key'
        Stop-XenDomain win -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'PvControlUnavailable,XenPS.Commands.StopXenDomainCommand'
        $e[0].Exception.Message | Should -Match 'AcpiFallback'
        Stop-XenDomain win -AcpiFallback -Wait -Timeout 10
        Get-XenDomain win -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports an unknown domain as DomainNotFound' {
        Stop-XenDomain nosuch -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.StopXenDomainCommand'
    }

    It 'on_poweroff=preserve keeps the domain in the shutdown state; -PassThru shows it' {
        $null = New-XenDomain /dev/null 'name="kept"' 'on_poweroff="preserve"' 'sim.shutdown_seconds=0'
        $r = Stop-XenDomain kept -Wait -Timeout 10 -PassThru
        $r.StateFlags | Should -Be '---s--'
        (Get-XenDomain kept).ShutdownReason | Should -Be 'Poweroff'
    }

    It 'on_crash=preserve shows a crashed domain as ---sc-' {
        $null = New-XenDomain /dev/null 'name="crashy"' 'on_crash="preserve"' 'sim.crash_after_seconds=0'
        Start-Sleep -Milliseconds 1500
        $d = Get-XenDomain crashy
        $d.StateFlags | Should -Be '---sc-'
        $d.State.HasFlag([XenPS.XenDomainState]::Crashed) | Should -BeTrue
    }

    It 'Ctrl+C (StopProcessing) ends a wait at once' {
        $null = New-XenDomain /dev/null 'name="slow"' 'sim.ignore_shutdown=1'
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module XenPS; Connect-XenHost '$($h.Uri)' -Name inner; Stop-XenDomain slow -Wait -Timeout 120")
        $async = $ps.BeginInvoke()
        Start-Sleep -Seconds 2
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        $ps.Dispose()
        Disconnect-XenHost inner -ErrorAction SilentlyContinue
    }
}

Describe 'Two processes sharing one simulated host' {
    AfterAll { Remove-AllTestHosts }

    It 'loses no update when two pwsh processes create domains at once' {
        $dir = Join-Path $TestDrive 'shared-host'
        $null = Connect-XenHost "sim://$dir" -Name shared -TotalMemoryMiB 65536
        $script = {
            param($uri, $prefix)
            Import-Module XenPS
            Connect-XenHost $uri -Name s
            1..25 | ForEach-Object { $null = New-XenDomain /dev/null "name=`"$prefix$_`"" memory=32 }
        }
        $jobs = 'a', 'b' | ForEach-Object { Start-Job -ScriptBlock $script -ArgumentList "sim://$dir", $_ }
        $jobs | Wait-Job -Timeout 120 | Out-Null
        $jobs | Receive-Job -ErrorVariable jobErrors -ErrorAction SilentlyContinue | Out-Null
        $jobs | Remove-Job -Force
        $jobErrors | Should -BeNullOrEmpty
        $all = Get-XenDomain -XenHost shared
        ($all | Where-Object Name -ne 'Domain-0').Count | Should -Be 50
        ($all.Id | Select-Object -Unique).Count | Should -Be 51
    }
}

Describe 'Suspend-XenDomain and Resume-XenDomain' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'pauses and unpauses by name, id and pipeline' {
        $d = New-XenDomain /dev/null 'name="p1"' 'sim.boot_seconds=0'
        (Suspend-XenDomain p1 -PassThru).StateFlags | Should -Be '--p---'
        (Get-XenDomain p1).State | Should -Be 'Paused'
        Suspend-XenDomain -Id $d.Id   # pausing a paused domain is not an error, as in xl
        (Resume-XenDomain -Id $d.Id -PassThru).State.HasFlag([XenPS.XenDomainState]::Paused) | Should -BeFalse
        $d | Suspend-XenDomain
        (Get-XenDomain -State Paused).Name | Should -Be 'p1'
        Get-XenDomain p1 | Resume-XenDomain
        Get-XenDomain -State Paused | Should -BeNullOrEmpty
    }

    It 'a paused guest obeys a shutdown only when unpaused' {
        $null = New-XenDomain /dev/null 'name="p2"' 'sim.shutdown_seconds=0' -Paused
        Stop-XenDomain p2 -Timeout 1 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'StopTimeout,XenPS.Commands.StopXenDomainCommand'
        Resume-XenDomain p2
        Start-Sleep -Milliseconds 500
        Get-XenDomain p2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses Domain-0 and unknown domains; -WhatIf changes nothing' {
        Suspend-XenDomain -Id 0 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'CannotPauseDomain0,XenPS.Commands.SuspendXenDomainCommand'
        Resume-XenDomain nosuch -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.ResumeXenDomainCommand'
        $null = New-XenDomain /dev/null 'name="p3"'
        Suspend-XenDomain p3 -WhatIf
        (Get-XenDomain p3).State.HasFlag([XenPS.XenDomainState]::Paused) | Should -BeFalse
        Suspend-XenDomain * | Out-Null
        (Get-XenDomain -Id 0).StateFlags | Should -Be 'r-----'
    }
}
