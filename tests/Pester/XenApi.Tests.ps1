# xapi:// through the cmdlets, against the fake XCP-ng pool (tests/FakeXapi) that this spec builds and starts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    $fakeOut = Join-Path $root 'out/FakeXapi'
    $null = & dotnet build (Join-Path $root 'tests/FakeXapi/FakeXapi.csproj') -c Release -o $fakeOut --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Building tests/FakeXapi failed (exit code $LASTEXITCODE)." }

    $script:FakePassword = 'pester-fake-Pw0'
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Join-Path $fakeOut 'FakeXapi.dll'), '--supporter', '--password', $FakePassword)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $script:Fake = [System.Diagnostics.Process]::Start($psi)
    $script:Info = $Fake.StandardOutput.ReadLine() | ConvertFrom-Json
    $script:Uri = "xapi://127.0.0.1:$($Info.port)"
    $script:Cred = [pscredential]::new('root', (ConvertTo-SecureString $FakePassword -AsPlainText -Force))

    function Invoke-FakeControl([hashtable] $Body) {
        $r = Invoke-RestMethod -Method Post -Uri "https://127.0.0.1:$($Info.port)/fake/control" -SkipCertificateCheck `
            -ContentType 'application/json' -Body ($Body | ConvertTo-Json -Compress)
        $r | ForEach-Object { $_ }
    }
    function Connect-Fake([string] $Name = 'pool') {
        Connect-XenHost $Uri -Name $Name -Credential $Cred -CertificateThumbprint $Info.masterThumbprint -PassThru
    }
}

AfterAll {
    Remove-AllTestHosts
    if ($Fake) {
        $Fake.StandardInput.Close()
        if (-not $Fake.WaitForExit(5000)) { $Fake.Kill() }
    }
}

Describe 'Connect-XenHost xapi://' {
    AfterEach { Remove-AllTestHosts }

    It 'connects with -Credential and a pinned -CertificateThumbprint' {
        $c = Connect-Fake
        $c.Kind | Should -Be 'xapi'
        $c.Name | Should -Be 'pool'
        $c.Backend.BackendName | Should -Be 'XenAPI pool'
    }

    It 'warns that -SkipCertificateCheck turns the check off' {
        $null = Connect-XenHost $Uri -Name skip -Credential $Cred -SkipCertificateCheck -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 1
        "$w" | Should -Match 'will not be checked'
        Get-XenHostConnection skip | Should -Not -BeNullOrEmpty
    }

    It 'refuses a certificate that does not match the thumbprint, showing the real one' {
        Connect-XenHost $Uri -Name bad -Credential $Cred -CertificateThumbprint ('AB' * 32) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'XenHostConnectionFailed*'
        "$($err[0])" | Should -Match ([regex]::Escape(($Info.masterThumbprint -replace '(..)(?!$)', '$1:')))
        Get-XenHostConnection bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'says how to give the credential when it is missing' {
        Connect-XenHost $Uri -Name nocred -CertificateThumbprint $Info.masterThumbprint -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match '-Credential'
    }

    It 'follows a supporter to the pool master' {
        $null = Connect-XenHost "xapi://127.0.0.2:$($Info.port)" -Name viaSupporter -Credential $Cred -CertificateThumbprint $Info.supporterThumbprint
        (Get-XenDomain -XenHost viaSupporter web1).ResidentOn | Should -Be 'xcp-host1'
    }

    It 'takes the options by name through -Option as well' {
        $null = Connect-XenHost $Uri -Name byOption -Option @{ Credential = $Cred; CertificateThumbprint = $Info.masterThumbprint; Timeout = 30 }
        (Get-XenDomain -XenHost byOption | Measure-Object).Count | Should -BeGreaterThan 2
    }

    It 'logs out when disconnected' {
        $null = Connect-Fake
        (Invoke-FakeControl @{ action = 'sessions' } | Where-Object originator -EQ 'XenPS') | Should -HaveCount 1
        Disconnect-XenHost pool
        (Invoke-FakeControl @{ action = 'sessions' } | Where-Object originator -EQ 'XenPS') | Should -HaveCount 0
    }
}

Describe 'The seed session against a XenAPI pool' {
    BeforeAll { $null = Connect-Fake -Name seed }
    AfterAll { Remove-AllTestHosts }

    It 'lists the VMs, not templates or snapshots, with each host''s Domain-0 first' {
        $all = Get-XenDomain -XenHost seed
        $all[0].Name | Should -Be 'Domain-0'
        $all[0].ResidentOn | Should -Be 'xcp-host1'
        $all[1].Name | Should -Be 'Domain-0'
        $all.Name | Should -Contain 'web1'
        $all.Name | Should -Contain 'db1'
        $all.Name | Should -Not -Contain 'Debian Bookworm 12'
        $all.Name | Should -Not -Contain 'web1 before upgrade'
        $web1 = $all | Where-Object Name -EQ web1
        $web1.State | Should -Be 'Running'
        $web1.MemoryMiB | Should -Be 1024
        ($all | Where-Object Name -EQ db1).State | Should -Be 'Halted'
        (Get-XenDomain -XenHost seed | Out-String) | Should -Match 'web1'
    }

    It 'reads the console of a running guest up to a pattern, and types on it' {
        $lines = Connect-XenConsole -XenHost seed web1 -Until 'login: $' -Timeout 20
        ($lines -join "`n") | Should -Match 'Debian GNU/Linux 12 web1 hvc0'
        $lines[-1] | Should -Be 'web1 login: '
        $answer = Connect-XenConsole -XenHost seed web1 -Send 'root', 'hostname' -Until '^web1$' -Timeout 20
        $answer[-1] | Should -Be 'web1'
    }

    It 'reads the console of a guest on another pool member' {
        $lines = Connect-XenConsole -XenHost seed app2 -Until 'login: $' -Timeout 20
        ($lines -join "`n") | Should -Match 'Debian GNU/Linux 12 app2'
    }

    It 'pauses and resumes (Suspend-/Resume-XenDomain)' {
        (Suspend-XenDomain -XenHost seed web1 -PassThru).State | Should -Be 'Paused'
        (Resume-XenDomain -XenHost seed web1 -PassThru).State | Should -Be 'Running'
    }

    It 'shuts a guest down and waits for it' {
        Stop-XenDomain -XenHost seed web1 -Wait -Timeout 30
        (Get-XenDomain -XenHost seed web1).State | Should -Be 'Halted'
    }

    It 'turns a guest off (destroy: VM.hard_shutdown; the VM stays, halted)' {
        Stop-XenDomain -XenHost seed win1 -TurnOff -Confirm:$false
        (Get-XenDomain -XenHost seed win1).State | Should -Be 'Halted'
    }

    It 'keeps XAPI''s error code: a paused VM cannot be asked to shut down' {
        Stop-XenDomain -XenHost seed paused1 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'VM_BAD_POWER_STATE'
    }

    It 'refuses Domain-0' {
        Get-XenDomain -XenHost seed Domain-0 | Select-Object -First 1 | Stop-XenDomain -TurnOff -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CannotStopDomain0*'
    }

    It 'explains that pools create VMs from templates, not xl configs' {
        New-XenDomain -XenHost seed /dev/null name=x memory=64 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'template'
    }
}

Describe 'Issue 12: the cmdlets'' operations on a XenAPI pool' {
    BeforeAll {
        $null = Connect-Fake -Name ops
        function Calls([string] $Method) { $c = Invoke-FakeControl @{ action = 'calls' }; if ($c.$Method) { [int]$c.$Method } else { 0 } }
    }
    AfterAll { Remove-AllTestHosts }

    It 'creates a VM from a template (-Template, -Name, -MemoryMiB, -VCpus) and it runs' {
        $d = New-XenDomain -XenHost ops -Template 'Debian Bookworm 12' -Name ps-t1 -MemoryMiB 512 -VCpus 2
        $d.Name | Should -Be 'ps-t1'
        $d.State | Should -Be 'Running'
        $d.MemoryMiB | Should -Be 512
        $d.VCpus | Should -Be 2
        $d.Host | Should -Be 'ops'
        (Get-XenDomainDisk -XenHost ops ps-t1).Vdev | Should -Be 'xvda'
    }

    It 'refuses an unknown template, a name in use, and a VM no host has the memory for, leaving nothing' {
        New-XenDomain -XenHost ops -Template 'Windows 95' -Name ps-w95 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'TemplateNotFound,XenPS.Commands.NewXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        New-XenDomain -XenHost ops -Template 'Debian Bookworm 12' -Name ps-t1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.NewXenDomainCommand'
        New-XenDomain -XenHost ops -Template 'Debian Bookworm 12' -Name ps-huge -MemoryMiB 65536 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InsufficientHostResources,XenPS.Commands.NewXenDomainCommand'
        "$($err[0])" | Should -Match 'HOST_NOT_ENOUGH_FREE_MEMORY'
        Get-XenDomain -XenHost ops ps-huge -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'restarts a VM (VM.clean_reboot) and waits for its new boot' {
        $before = Get-XenDomain -XenHost ops ps-t1
        $after = Restart-XenDomain -XenHost ops ps-t1 -Wait -Timeout 30 -PassThru
        $after.Id | Should -Not -Be $before.Id
        $after.Uuid | Should -Be $before.Uuid
        $after.State | Should -Be 'Running'
    }

    It 'saves (VM.suspend to -Path xapi:suspend) and restores from the path Save gave' {
        $cp = Save-XenDomain -XenHost ops ps-t1 -Path xapi:suspend -PassThru -Confirm:$false
        $cp.Path | Should -Be "xapi:suspend/$((Get-XenDomain -XenHost ops ps-t1).Uuid)"
        (Get-XenDomain -XenHost ops ps-t1).State | Should -Be 'Suspended'
        ($cp | Restore-XenDomain -XenHost ops).State | Should -Be 'Running'
    }

    It 'refuses a file path for Save with what to give instead, and a bad power state with XAPI''s code' {
        Save-XenDomain -XenHost ops ps-t1 -Path /var/lib/xen/save/ps-t1.save -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CheckpointPathInvalid,XenPS.Commands.SaveXenDomainCommand'
        "$($err[0])" | Should -Match '-Path xapi:suspend'
        Save-XenDomain -XenHost ops susp1 -Path xapi:suspend -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'VM_BAD_POWER_STATE'
    }

    It 'sets memory, vCPUs and the name of a running VM' {
        $d = Set-XenDomain -XenHost ops ps-t1 -MemoryMiB 384 -VCpus 1 -NewName ps-t1b -PassThru
        $d.Name | Should -Be 'ps-t1b'
        $d.MemoryMiB | Should -Be 384
        $d.VCpus | Should -Be 1
        $null = Set-XenDomain -XenHost ops ps-t1b -NewName ps-t1
    }

    It 'refuses the maximum memory of a running VM with what to do (VM_BAD_POWER_STATE), and sets it once halted' {
        Set-XenDomain -XenHost ops ps-t1 -MaxMemoryMiB 1024 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidDomainOperation,XenPS.Commands.SetXenDomainCommand'
        "$($err[0])" | Should -Match 'only while it is halted'
        Stop-XenDomain -XenHost ops ps-t1 -TurnOff -Confirm:$false
        (Set-XenDomain -XenHost ops ps-t1 -MaxMemoryMiB 1024 -PassThru).MaxMemoryMiB | Should -Be 1024
    }

    It 'starts a halted VM (VM.start), and one too big for any host is InsufficientHostResources' {
        (Start-XenDomain -XenHost ops ps-t1 -PassThru).State | Should -Be 'Running'
        Start-XenDomain -XenHost ops bigvm -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InsufficientHostResources,XenPS.Commands.StartXenDomainCommand'
    }

    It 'sets AutoStart as XCP-ng''s other_config auto_poweron' {
        (Set-XenDomain -XenHost ops ps-t1 -AutoStart $true -PassThru).AutoStart | Should -BeTrue
        (Get-XenDomain -XenHost ops ps-t1).AutoStart | Should -BeTrue
    }

    It 'waits through event.from, not by listing the pool each interval, and times out with what it reached' {
        $listings = Calls 'VM.get_all_records'
        $events = Calls 'event.from'
        Wait-XenDomain -XenHost ops db1 -State Running -Timeout 2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,XenPS.Commands.WaitXenDomainCommand'
        "$($err[0])" | Should -Match 'it is Halted'
        ((Calls 'VM.get_all_records') - $listings) | Should -BeLessOrEqual 3 -Because 'one listing to select db1, one to start the watch; a poller would list every 200 ms'
        ((Calls 'event.from') - $events) | Should -BeGreaterThan 0
    }

    It 'writes one XenHostInfo per pool member, the master first' {
        $info = Get-XenHostInfo -XenHost ops
        $info | Should -HaveCount 2
        $info.HostName | Should -Be @('xcp-host1', 'xcp-host2')
        $info.IsPoolMaster | Should -Be @($true, $false)
        $info[0].Host | Should -Be 'ops'
        $info[0].Dom0MemoryMiB | Should -Be 1024
    }

    It 'lists interfaces and refuses hotplug with the pool''s way' {
        (Get-XenDomainNetworkAdapter -XenHost ops web1).MacAddress | Should -Match '^00:16:3e:'
        (Get-XenDomainNetworkAdapter -XenHost ops web1).Bridge | Should -Be 'xenbr0'
        Add-XenDomainDisk -XenHost ops ps-t1 'vdev=xvdb, target=/dev/null' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OperationNotSupported,*'
        "$($err[0])" | Should -Match 'xe vbd-create'
    }

    It 'explains that a pool has no /etc/xen' {
        $file = Join-Path $TestDrive 'ps-cfg.cfg'
        Set-Content -Path $file -Value "name = `"ps-cfg`"`nmemory = 128`n"
        Import-XenDomainConfig $file | Export-XenDomainConfig -XenHost ops -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OperationNotSupported,*'
        "$($err[0])" | Should -Match 'New-XenDomain -Template'
    }
}

Describe 'Move-XenDomain inside a XenAPI pool (VM.pool_migrate)' {
    BeforeAll {
        $script:Pool = Connect-Fake -Name mig
        function Calls([string] $Method) { $c = Invoke-FakeControl @{ action = 'calls' }; if ($c.$Method) { [int]$c.$Method } else { 0 } }
        function Other([string] $Member) { if ($Member -eq 'xcp-host1') { 'xcp-host2' } else { 'xcp-host1' } }
        $script:G = New-XenDomain -XenHost mig -Template 'Debian Bookworm 12' -Name ps-m1 -MemoryMiB 256
    }
    AfterAll {
        Invoke-FakeControl @{ action = 'set'; task_ms = 150 } | Out-Null
        Remove-AllTestHosts
    }

    It 'moves a running VM to the member -Destination names, live, and writes it there with its uuid' {
        $to = Other $G.ResidentOn
        $calls = Calls 'Async.VM.pool_migrate'
        $d = Move-XenDomain -XenHost mig ps-m1 -Destination $to -Wait
        $d.ResidentOn | Should -Be $to
        $d.State | Should -Be 'Running'
        $d.Uuid | Should -Be $G.Uuid
        $d.Host | Should -Be 'mig'
        ((Calls 'Async.VM.pool_migrate') - $calls) | Should -Be 1
        (Get-XenDomain -XenHost mig ps-m1).ResidentOn | Should -Be $to
    }

    It 'takes the member from Get-XenHostInfo and the VM from the pipeline; -WhatIf moves nothing and names VM.pool_migrate' {
        $d = Get-XenDomain -XenHost mig ps-m1
        $to = Get-XenHostInfo -XenHost mig | Where-Object HostName -NE $d.ResidentOn
        $calls = Calls 'Async.VM.pool_migrate'
        $log = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $log | Out-Null # "What if:" goes to the host, which the transcript records
        try { $d | Move-XenDomain -Destination $to -WhatIf }
        finally { Stop-Transcript | Out-Null }
        $out = Get-Content -Raw $log
        $out | Should -Match 'VM\.pool_migrate'
        $out | Should -Match "to $($to.HostName) \(from $($d.ResidentOn)\) inside the pool mig"
        (Calls 'Async.VM.pool_migrate') | Should -Be $calls
        ($d | Move-XenDomain -Destination $to).ResidentOn | Should -Be $to.HostName
    }

    It 'Test-XenDomainMigration lists the pool''s checks, ending in XAPI''s VM.assert_can_boot_here' {
        $d = Get-XenDomain -XenHost mig ps-m1
        $t = Test-XenDomainMigration -XenHost mig ps-m1 -Destination (Other $d.ResidentOn)
        $t.Passed | Should -BeTrue
        $t.Checks.Name | Should -Be @('NotDomain0', 'DomainRunning', 'PoolMember', 'NotOnDestination', 'HostEnabled', 'DestinationMemory', 'CanRunThere')
        $t.DestinationMember | Should -Be (Other $d.ResidentOn)
        (Test-XenDomainMigration -XenHost mig ps-m1 -Destination $d.ResidentOn).Failed | Should -Be @('NotOnDestination')
    }

    It 'refuses an unknown member, the pool connection itself, another host, xl''s options and a paused VM, each with what to do' {
        $d = Get-XenDomain -XenHost mig ps-m1
        Move-XenDomain -XenHost mig ps-m1 -Destination nosuchhost -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,XenPS.Commands.MoveXenDomainCommand'
        "$($err[0])" | Should -Match 'its members: xcp-host1, xcp-host2'
        $err[0].TargetObject.Name | Should -Be 'ps-m1'

        Move-XenDomain -XenHost mig ps-m1 -Destination mig -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DestinationIsSourcePool,XenPS.Commands.MoveXenDomainCommand'

        $sim = New-TestSimHost
        Move-XenDomain -XenHost mig ps-m1 -Destination $sim -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CrossPoolMigrationNotSupported,XenPS.Commands.MoveXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        "$($err[0])" | Should -Match 'xe vm-export'

        Move-XenDomain -XenHost mig ps-m1 -Destination (Other $d.ResidentOn) -Paused -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match '-Paused is for xl migrate'

        Move-XenDomain -XenHost mig paused1 -Destination xcp-host2 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'Resume-XenDomain'

        # a simulated host's domain and a pool member's name: no such connection, and that host is no pool
        New-XenDomain -XenHost $sim /dev/null 'name="simvm"' memory=64 -WarningAction SilentlyContinue | Out-Null
        Move-XenDomain -XenHost $sim simvm -Destination xcp-host2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DestinationNotFound,XenPS.Commands.MoveXenDomainCommand'
        (Get-XenDomain -XenHost mig ps-m1).ResidentOn | Should -Be $d.ResidentOn
    }

    It 'a VM XAPI will not place there (a disk on the master''s local storage) fails the preflight with XAPI''s code' {
        $v = New-XenDomain -XenHost mig -Template 'Debian Bookworm 12' -Name ps-local -MemoryMiB 128
        if ($v.ResidentOn -ne 'xcp-host1') { $null = Move-XenDomain -XenHost mig ps-local -Destination xcp-host1 }
        Invoke-FakeControl @{ action = 'local_disks'; name = 'ps-local' } | Out-Null
        Move-XenDomain -XenHost mig ps-local -Destination xcp-host2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MigrationGuestNotMigratable,XenPS.Commands.MoveXenDomainCommand'
        "$($err[0])" | Should -Match 'CanRunThere'
        "$($err[0])" | Should -Match 'VM_REQUIRES_SR'
        (Get-XenDomain -XenHost mig ps-local).ResidentOn | Should -Be 'xcp-host1'
    }

    It 'shows the XAPI task''s progress, completed at the end' {
        $d = Get-XenDomain -XenHost mig ps-m1
        Invoke-FakeControl @{ action = 'set'; task_ms = 1200 } | Out-Null
        try {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module XenPS; Move-XenDomain -XenHost mig ps-m1 -Destination '$(Other $d.ResidentOn)' -Wait")
            $out = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $out[0].ResidentOn | Should -Be (Other $d.ResidentOn)
            $ps.Streams.Progress.StatusDescription | Should -Contain "ps-m1 (id $($d.Id)) on mig to $(Other $d.ResidentOn): XAPI task 50%"
            $ps.Streams.Progress[-1].RecordType | Should -Be 'Completed'
            $ps.Dispose()
        }
        finally { Invoke-FakeControl @{ action = 'set'; task_ms = 150 } | Out-Null }
    }

    It 'Ctrl+C cancels the XAPI task (task.cancel) and the VM runs where it was' {
        $d = Get-XenDomain -XenHost mig ps-m1
        Invoke-FakeControl @{ action = 'set'; task_ms = 6000 } | Out-Null
        try {
            $cancels = Calls 'task.cancel'
            $started = Calls 'Async.VM.pool_migrate'
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module XenPS; Move-XenDomain -XenHost mig ps-m1 -Destination '$(Other $d.ResidentOn)' -Wait")
            $async = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(20)
            while ((Calls 'Async.VM.pool_migrate') -eq $started -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Calls 'Async.VM.pool_migrate') | Should -Be ($started + 1)
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'the task is cancelled, not waited for'
            $ps.Dispose()
            ((Calls 'task.cancel') - $cancels) | Should -Be 1
            @(Invoke-FakeControl @{ action = 'tasks' }).Where({ $_ }).Count | Should -Be 0
        }
        finally { Invoke-FakeControl @{ action = 'set'; task_ms = 150 } | Out-Null }
        $now = Get-XenDomain -XenHost mig ps-m1
        $now.ResidentOn | Should -Be $d.ResidentOn
        $now.State | Should -Be 'Running'
    }
}

Describe 'Completion of -Destination' {
    BeforeAll { $null = Connect-Fake -Name comp }
    AfterAll { Remove-AllTestHosts }

    It 'offers the connections and the members of the pool -XenHost names' {
        $line = 'Move-XenDomain web1 -XenHost comp -Destination '
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'comp'
        $r.CompletionMatches.CompletionText | Should -Contain 'xcp-host1'
        $r.CompletionMatches.CompletionText | Should -Contain 'xcp-host2'
        ($r.CompletionMatches | Where-Object CompletionText -eq 'xcp-host2').ToolTip | Should -Match 'member of the pool comp: \d+ MiB free'
        $line = 'Move-XenDomain web1 -XenHost comp -Destination xcp-host2'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('xcp-host2')
    }

    It 'offers the domain names of the host -XenHost names (the same reading of -XenHost)' {
        $line = 'Stop-XenDomain -XenHost comp -Name web'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'web1'
    }
}
