# Move-XenDomain / Test-XenDomainMigration against the live Xen 4.17 lab over ssh://: a localhost migration and the
# preflight's refusal of a PV guest on the first host ('Lab'), and with the second lab host (XENPS_LAB2_URI, 'Lab2')
# a live host-to-host migration, the preflight failures caught before xl runs, the way back with xl's -D, -p and -C,
# and Ctrl+C in the middle of xl migrate. Guests are PVH (Debian's Xen has no shadow paging, so PV guests cannot be
# migrated live). Touches only domains and files named mig-*, on both hosts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name labmig -KeyFile $env:XENPS_LAB_IDENTITY `
        -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -Option @{ MigrationAddress = 'xenlab1' } -PassThru
    $script:two = [bool]$env:XENPS_LAB2_URI
    if ($two) {
        $script:lab2 = Connect-XenHost $env:XENPS_LAB2_URI -Name labmig2 -KeyFile $(if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }) `
            -KnownHostsFile $env:XENPS_LAB2_KNOWN_HOSTS -CommandTimeout 180 -Option @{ MigrationAddress = 'xenlab2' } -PassThru
    }

    # Runs a command in the second lab dom0 with ssh (the spec's own view).
    function Invoke-Dom0Two([string] $Command) {
        $u = [uri]$env:XENPS_LAB2_URI
        $id = if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }
        $out = & ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$env:XENPS_LAB2_KNOWN_HOSTS" -i $id -p $u.Port "$($u.UserInfo)@$($u.Host)" $Command
        if ($LASTEXITCODE -ne 0) { throw "ssh (lab2) '$Command' failed ($LASTEXITCODE): $out" }
        $out
    }
    # The domain's row in raw `xl list` of a host (name id mem vcpus state), or $null.
    function Get-RawRow([string] $Name, [switch] $Two) {
        $lines = if ($Two) { Invoke-Dom0Two 'xl list' } else { Invoke-Dom0 'xl list' }
        foreach ($line in ($lines | Select-Object -Skip 1)) {
            $f = -split $line
            if ($f[0] -eq $Name) { return [pscustomobject]@{ Id = [int]$f[1]; State = $f[4] } }
        }
        $null
    }
    function Get-RawNames([switch] $Two) {
        $lines = if ($Two) { Invoke-Dom0Two 'xl list' } else { Invoke-Dom0 'xl list' }
        $lines | Select-Object -Skip 1 | ForEach-Object { (-split $_)[0] }
    }
    # Keys typed before xenconsoled has attached to a new domain are lost on a loaded TCG host: type until it answers.
    function Wait-GuestAnswers([string] $Name, $On) {
        for ($i = 1; $i -le 6; $i++) {
            $got = Connect-XenConsole $Name -XenHost $On -Send "echo MIG-READY-$i" -Until "^MIG-READY-$i" -Timeout 30 -ErrorAction SilentlyContinue
            if (@($got)[-1] -match "^MIG-READY-$i") { return }
        }
        throw "$Name did not answer at its console on $On after 6 tries"
    }
    function Remove-MigGuests {
        foreach ($h in @($lab) + $(if ($two) { @($lab2) } else { @() })) {
            Get-XenDomain -XenHost $h -Name 'mig-*' -ErrorAction SilentlyContinue | Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
        }
        Invoke-Dom0 'rm -f /var/lib/xenlab/mig-only-here-kernel' | Out-Null
    }
    function New-MigConfig([string] $Name, [string] $Type = 'pvh') {
        New-TestConfig @"
name    = "$Name"
type    = "$Type"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
"@ -FileName "$Name.cfg"
    }
    Remove-MigGuests
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-MigGuests
    Invoke-Dom0 'rm -f /var/log/xen/console/guest-mig-*.log' | Out-Null
    if ($two) { Invoke-Dom0Two 'rm -f /var/log/xen/console/guest-mig-*.log' | Out-Null }
    Disconnect-XenHost labmig -ErrorAction SilentlyContinue
    Disconnect-XenHost labmig2 -ErrorAction SilentlyContinue
}

Describe 'Migration on one live Xen 4.17 host' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'refuses a PV guest in the preflight for lack of shadow paging, before xl runs, and the guest runs on' {
        $pv = New-XenDomain (New-MigConfig 'mig-pv' 'pv') -XenHost labmig
        (Get-XenHostInfo -XenHost labmig).VirtCaps | Should -Not -Contain 'shadow'
        $t = Test-XenDomainMigration mig-pv -XenHost labmig -Destination labmig -DestinationAddress localhost
        $t.Failed | Should -Be @('GuestType')
        ($t.Checks | Where-Object Name -eq 'DestinationReachable').Passed | Should -BeTrue
        Move-XenDomain mig-pv -XenHost labmig -Destination labmig -DestinationAddress localhost -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MigrationGuestNotMigratable,XenPS.Commands.MoveXenDomainCommand'
        $err[0].Exception.Message | Should -Match 'shadow'
        Get-RawNames | Should -Not -Contain 'mig-pv--incoming'
        (Get-RawRow 'mig-pv').Id | Should -Be $pv.Id
        Stop-XenDomain mig-pv -XenHost labmig -TurnOff -Confirm:$false
    }

    It 'migrates a PVH guest to its own host (xl migrate d localhost): a new domid, and the guest kept running' {
        $script:one = New-XenDomain (New-MigConfig 'mig-1') -XenHost labmig
        $null = Connect-XenConsole mig-1 -XenHost labmig -Until 'XENPS-GUEST-UP' -Timeout 120
        $up = Connect-XenConsole mig-1 -XenHost labmig -Send 'echo MIGMARK-$((6*7)) > /mig-mark; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        $script:uptimeBefore = [int](@($up)[-1] -replace '^UP=(\d+).*$', '$1')
        $m = Move-XenDomain mig-1 -XenHost labmig -Destination labmig -DestinationAddress localhost -Wait
        $m.Id | Should -Not -Be $one.Id
        $m.Uuid | Should -Be $one.Uuid
        $m.Host | Should -Be 'labmig'
        (Get-RawRow 'mig-1').Id | Should -Be $m.Id
        Get-RawNames | Where-Object { $_ -like 'mig-1*' } | Should -Be @('mig-1')
        Wait-GuestAnswers 'mig-1' labmig
        $lines = Connect-XenConsole mig-1 -XenHost labmig -Send 'cat /mig-mark; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        ($lines -join "`n") | Should -Match 'MIGMARK-42'
        [int](@($lines)[-1] -replace '^UP=(\d+).*$', '$1') | Should -BeGreaterOrEqual $uptimeBefore
        $script:one = $m
    }
}

Describe 'Migration between two live Xen 4.17 hosts' -Tag 'Lab', 'Lab2' -Skip:(-not $env:XENPS_LAB_URI -or -not $env:XENPS_LAB2_URI) {
    BeforeAll {
        if (-not (Get-XenDomain mig-1 -XenHost labmig -ErrorAction SilentlyContinue)) {
            $null = New-XenDomain (New-MigConfig 'mig-1') -XenHost labmig
            $null = Connect-XenConsole mig-1 -XenHost labmig -Until 'XENPS-GUEST-UP' -Timeout 120
        }
    }

    It 'catches, before xl runs, too little memory, a kernel missing there, a name taken there, and an address that reaches the source itself' {
        $d = Get-XenDomain mig-1 -XenHost labmig
        # too little memory: the domain as if it had more than the second host has free
        $big = $d.Clone(); $big.MemoryMiB = (Get-XenHostInfo -XenHost labmig2).FreeMemoryMiB + 1
        # a kernel path the first host has and the second does not
        Invoke-Dom0 'cp /var/lib/xenlab/guest-kernel /var/lib/xenlab/mig-only-here-kernel' | Out-Null
        $k = $d.Clone(); $k.Config = $d.Config.Clone(); $k.Config.Set('kernel', '/var/lib/xenlab/mig-only-here-kernel')
        $r = Test-XenDomainMigration -InputObject $big, $k -XenHost labmig -Destination labmig2
        $r[0].Failed | Should -Be @('DestinationMemory')
        $r[1].Failed | Should -Be @('PathsPresent')
        ($r[1].Checks | Where-Object Name -eq 'PathsPresent').Detail | Should -Match 'mig-only-here-kernel'
        Move-XenDomain -InputObject $k -XenHost labmig -Destination labmig2 -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'MigrationPathMissing,XenPS.Commands.MoveXenDomainCommand'

        # a name taken there
        $dup = New-XenDomain (New-MigConfig 'mig-1') -XenHost labmig2 -Paused
        Move-XenDomain mig-1 -XenHost labmig -Destination labmig2 -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'MigrationDomainExists,XenPS.Commands.MoveXenDomainCommand'
        Stop-XenDomain -InputObject $dup -TurnOff -Confirm:$false

        # ssh://root@127.0.0.1:2223 without a MigrationAddress: 127.0.0.1 from the first dom0 is the first dom0 itself
        $plain = Connect-XenHost $env:XENPS_LAB2_URI -Name labmig2plain -KeyFile $(if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }) `
            -KnownHostsFile $env:XENPS_LAB2_KNOWN_HOSTS -CommandTimeout 180 -PassThru
        try {
            $w = Test-XenDomainMigration mig-1 -XenHost labmig -Destination $plain
            $w.DestinationAddress | Should -Be '127.0.0.1'
            $w.Failed | Should -Be @('DestinationReachable')
            ($w.Checks | Where-Object Name -eq 'DestinationReachable').Detail | Should -Match 'source host itself'
        }
        finally { Disconnect-XenHost $plain }

        # the source's login begun while it lists the source is kept for the next migration to that destination, even when
        # no domain was found; the next preflight goes through it, and closing the connection ends it (in the background on
        # the dom0): no control folder and no master of it is left
        $x = Connect-XenHost $env:XENPS_LAB_URI -Name labmigx -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS `
            -CommandTimeout 180 -Option @{ MigrationAddress = 'xenlab1' } -PassThru
        $before = @(Invoke-Dom0 'ls -d /tmp/xenps-mig.* 2>/dev/null; true')
        Move-XenDomain mig-nosuch -XenHost $x -Destination labmig2 -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.MoveXenDomainCommand'
        $mine = @(@(Invoke-Dom0 'ls -d /tmp/xenps-mig.* 2>/dev/null; true') | Where-Object { $_ -and $_ -notin $before })
        $mine.Count | Should -Be 1
        $mine[0] | Should -Match '^/tmp/xenps-mig\.[A-Za-z0-9]{10}$'
        $verbose = Move-XenDomain mig-1 -XenHost $x -Destination labmig2 -WhatIf -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose | Where-Object Message -like 'Preflight DestinationReachable: passed*').Message | Should -Match 'through its login kept from an earlier migration'
        Disconnect-XenHost $x
        $left = $null
        for ($i = 0; $i -lt 40; $i++) {
            $left = Invoke-Dom0 "ls -d $($mine[0]) 2>/dev/null; pgrep -f '$($mine[0])/c[m]' >/dev/null && echo master-running; true"
            if (-not $left) { break }
            Start-Sleep -Milliseconds 500
        }
        $left | Should -BeNullOrEmpty

        # nothing was touched: the guest is where it was, nothing arrived on the second host
        (Get-RawRow 'mig-1').Id | Should -Be $d.Id
        Get-RawNames -Two | Where-Object { $_ -like 'mig-*' } | Should -BeNullOrEmpty
    }

    It 'migrates a running PVH guest live to the second host: written with its new host and domid, and its console shows it kept running' {
        $d = Get-XenDomain mig-1 -XenHost labmig
        Wait-GuestAnswers 'mig-1' labmig
        $up = Connect-XenConsole mig-1 -XenHost labmig -Send 'echo MIGMARK2-$((6*7)) > /mig-mark2; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        $before = [int](@($up)[-1] -replace '^UP=(\d+).*$', '$1')
        $m = Move-XenDomain mig-1 -XenHost labmig -Destination labmig2 -Wait
        $m.Host | Should -Be 'labmig2'
        $m.Uuid | Should -Be $d.Uuid
        $m.State | Should -Be 'Running'
        (Get-RawRow 'mig-1' -Two).Id | Should -Be $m.Id
        Get-RawRow 'mig-1' | Should -BeNullOrEmpty
        (Get-XenDomain mig-1 -XenHost labmig2).Id | Should -Be $m.Id
        Wait-GuestAnswers 'mig-1' labmig2
        $lines = Connect-XenConsole mig-1 -XenHost labmig2 -Send 'cat /mig-mark2; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        ($lines -join "`n") | Should -Match 'MIGMARK2-42'
        [int](@($lines)[-1] -replace '^UP=(\d+).*$', '$1') | Should -BeGreaterOrEqual $before
    }

    It 'moves it back keeping its domid (-PreserveDomainId, xl -D) and paused (-Paused, -p); the domid history is waited out, and -ConfigPath (-C) sends another config' {
        $d = Get-XenDomain mig-1 -XenHost labmig2
        # the domid must be free on the first host: only this spec's mig-* guests can hold it
        $holder = Get-XenDomain -XenHost labmig | Where-Object Id -eq $d.Id
        if ($holder) {
            $holder.Name | Should -BeLike 'mig-*'
            (Test-XenDomainMigration -InputObject $d -Destination labmig -PreserveDomainId).Failed | Should -Be @('DomainIdFree')
            $holder | Stop-XenDomain -TurnOff -Confirm:$false
        }
        # used there in the last minute (libxl keeps it from reuse for 60 s): the preflight says how long to wait
        $t = Test-XenDomainMigration -InputObject $d -Destination labmig -PreserveDomainId
        if (-not $t.Passed) {
            $t.Failed | Should -Be @('DomainIdFree')
            $detail = ($t.Checks | Where-Object Name -eq 'DomainIdFree').Detail
            $detail | Should -Match 'Try again in (\d+) s'
            Start-Sleep -Seconds ([int]$Matches[1])
            $t = Test-XenDomainMigration -InputObject $d -Destination labmig -PreserveDomainId
        }
        $t.Passed | Should -BeTrue
        ($t.Checks | Where-Object Name -eq 'DomainIdFree').Detail | Should -Match "domid $($d.Id) is free"

        $m = Move-XenDomain -InputObject $d -Destination labmig -PreserveDomainId -Paused -Wait
        $m.Host | Should -Be 'labmig'
        $m.Id | Should -Be $d.Id
        $m.Uuid | Should -Be $d.Uuid
        $m.State | Should -Be 'Paused'
        (Get-RawRow 'mig-1').Id | Should -Be $d.Id
        (Get-RawRow 'mig-1').State | Should -Match 'p'
        Get-RawRow 'mig-1' -Two | Should -BeNullOrEmpty

        # the second host has just destroyed its copy: the same domid cannot go back there for a minute, as raw xl says too
        (Invoke-Dom0Two 'cat /var/run/xen/domid-history') -join "`n" | Should -Match "(?m)^\d+ $($d.Id)$"
        $back = Test-XenDomainMigration mig-1 -XenHost labmig -Destination labmig2 -PreserveDomainId
        $back.Failed | Should -Be @('DomainIdFree')
        ($back.Checks | Where-Object Name -eq 'DomainIdFree').Detail | Should -Match 'less than a minute ago'

        Resume-XenDomain mig-1 -XenHost labmig
        Wait-GuestAnswers 'mig-1' labmig
        $lines = Connect-XenConsole mig-1 -XenHost labmig -Send 'cat /mig-mark2' -Until 'MIGMARK2-42' -Timeout 60
        ($lines -join "`n") | Should -Match 'MIGMARK2-42'

        # -ConfigPath: a config file on the sending dom0 goes instead of the domain's own (here: on_crash changed from xl's
        # default, destroy); with -PreserveDomainId it is refused first, as xl would drop -D
        $sent = '/var/lib/xenlab/mig-sent.cfg'
        Invoke-Dom0 ("printf '%s\n' 'name = `"mig-1`"' 'type = `"pvh`"' 'kernel = `"/var/lib/xenlab/guest-kernel`"' " +
            "'ramdisk = `"/var/lib/xenlab/domu-initrd.gz`"' 'extra = `"console=hvc0 quiet`"' 'memory = 128' 'vcpus = 1' 'on_crash = `"preserve`"' > $sent") | Out-Null
        Move-XenDomain mig-1 -XenHost labmig -Destination labmig2 -ConfigPath $sent -PreserveDomainId -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].Exception.Message | Should -Match 'no effect together with -ConfigPath'
        (Get-RawRow 'mig-1').Id | Should -Be $d.Id
        $c = Move-XenDomain mig-1 -XenHost labmig -Destination labmig2 -ConfigPath $sent -Wait
        $c.Host | Should -Be 'labmig2'
        ((Invoke-Dom0Two 'xl list -l mig-1') -join "`n" | ConvertFrom-Json)[0].config.on_crash | Should -Be 'preserve'
        Wait-GuestAnswers 'mig-1' labmig2
        Invoke-Dom0 "rm -f $sent" | Out-Null
    }

    It 'Ctrl+C during xl migrate leaves the guest running on the source, its console answering, and nothing on the destination' {
        New-XenDomain (New-MigConfig 'mig-stop') -XenHost labmig | Wait-XenDomain -Until 'XENPS-GUEST-UP' -Timeout 300 | Out-Null
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module XenPS; Move-XenDomain mig-stop -XenHost labmig -Destination labmig2 -Wait")
        $async = $ps.BeginInvoke()
        # Stop (Ctrl+C) once xl's receiver holds a half-copy: mig-stop--incoming, paused, on the second host
        $deadline = (Get-Date).AddSeconds(90)
        while (-not ((Get-RawNames -Two) -contains 'mig-stop--incoming') -and -not $async.IsCompleted -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
        (Get-RawNames -Two) | Should -Contain 'mig-stop--incoming' -Because 'the migration must be under way when it is stopped'
        $ps.Stop()
        $ps.Dispose()
        $row = Get-RawRow 'mig-stop'
        $row | Should -Not -BeNullOrEmpty -Because 'the guest stays on the source under its own name'
        $row.State | Should -Not -Match 'p' -Because 'it must not be left paused'
        (Get-RawNames) | Should -Not -Contain 'mig-stop--migratedaway'
        (Get-RawNames -Two) | Where-Object { $_ -like 'mig-stop*' } | Should -BeNullOrEmpty
        (Get-XenDomain mig-stop -XenHost labmig).State | Should -Be 'Running'
        Wait-GuestAnswers 'mig-stop' labmig
    }
}
