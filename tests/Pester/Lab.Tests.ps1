# The core cmdlets against a live Xen 4.17 host booted under QEMU (tests/XenLab), over ssh://.
# build.ps1 Test boots the lab and sets XENPS_LAB_URI, XENPS_LAB_IDENTITY and XENPS_LAB_KNOWN_HOSTS;
# without them every test here is skipped (and counted as skipped), and build.ps1 says that the lab did not run.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:labParams = @{
        KeyFile        = $env:XENPS_LAB_IDENTITY
        KnownHostsFile = $env:XENPS_LAB_KNOWN_HOSTS
        CommandTimeout = 180
    }
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name lab @labParams -PassThru


    # A guest of the lab image: Debian kernel + busybox initramfs that prints XENPS-GUEST-UP on hvc0.
    $script:guestCfg = New-TestConfig @'
# XenPS lab guest (paths are dom0 paths)
name    = "xenps-lab"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
on_crash = "preserve"
'@ -FileName 'lab-guest.cfg'

    function Remove-LabGuests {
        Get-XenDomain -XenHost lab | Where-Object Id -ne 0 | Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
    }
    Remove-LabGuests
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-LabGuests
    Disconnect-XenHost lab -ErrorAction SilentlyContinue
}

Describe 'Live Xen 4.17 over ssh://' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'lists Domain-0 first, agreeing field by field with xl list' {
        $mine = Get-XenDomain -XenHost lab
        $raw = Invoke-Dom0 'xl list' | Select-Object -Skip 1
        $mine[0].Name | Should -Be 'Domain-0'
        $mine[0].Id | Should -Be 0
        $mine.Count | Should -Be @($raw).Count
        foreach ($line in $raw) {
            # Parse from the right, as names may hold spaces: name id mem vcpus state time
            $f = -split $line
            $time = [double]$f[-1]; $state = $f[-2]; $vcpus = [int]$f[-3]; $mem = [long]$f[-4]; $id = [int]$f[-5]
            $name = ($f[0..($f.Count - 6)] -join ' ')
            $d = $mine | Where-Object Id -eq $id
            $d.Name | Should -Be $name
            $d.MemoryMiB | Should -Be $mem
            $d.VCpus | Should -Be $vcpus
            # r and b flicker between two calls; the other four flags must agree.
            $d.StateFlags.Substring(2) | Should -Be $state.Substring(2)
            $d.CpuTime | Should -BeGreaterOrEqual 0
            [Math]::Abs($d.CpuTime - $time) | Should -BeLessThan 30
        }
    }

    It 'creates from a file with overrides, and the console reaches the guest marker' {
        $d = New-XenDomain $guestCfg 'name="xenps-lab-1"' memory=160 -XenHost lab
        $d.Name | Should -Be 'xenps-lab-1'
        $d.Id | Should -BeGreaterThan 0
        $d.MemoryMiB | Should -Be 160
        $lines = $d | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        @($lines)[-1] | Should -Match 'XENPS-GUEST-UP'
    }

    It 'types on the console and reads the answer' {
        $lines = Connect-XenConsole xenps-lab-1 -XenHost lab -Send 'echo XENPS-$((6*7))' -Until '^XENPS-42' -Timeout 60
        @($lines)[-1] | Should -Match '^XENPS-42'
    }

    It 'reads a re-created domain''s console from its own boot, not an earlier run of the name' {
        # xenconsoled appends every run of a name to one log file; the guest prints its uuid in the marker.
        $first = New-XenDomain $guestCfg 'name="xenps-lab-again"' -XenHost lab
        $null = $first | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        $first | Stop-XenDomain -TurnOff -Confirm:$false
        $second = New-XenDomain $guestCfg 'name="xenps-lab-again"' -XenHost lab
        $second.Uuid | Should -Not -Be $first.Uuid
        $lines = $second | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        @($lines)[-1] | Should -Match ([regex]::Escape($second.Uuid))
        $second | Stop-XenDomain -TurnOff -Confirm:$false
    }

    It 'reads the console of a domain created outside XenPS from its current boot (xenconsoled''s boot marker)' {
        # Another session (plain xl on dom0) creates the same name twice; XenPS never saw either create.
        $create = "xl create /dev/null 'name=""xenps-lab-other""' 'kernel=""/var/lib/xenlab/guest-kernel""' " +
            "'ramdisk=""/var/lib/xenlab/domu-initrd.gz""' 'extra=""console=hvc0 quiet""' memory=128 >/dev/null 2>&1"
        Invoke-Dom0 $create | Out-Null
        $first = Get-XenDomain xenps-lab-other -XenHost lab
        $null = $first | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        Invoke-Dom0 'xl destroy xenps-lab-other' | Out-Null
        Invoke-Dom0 $create | Out-Null
        $second = Get-XenDomain xenps-lab-other -XenHost lab
        $second.Uuid | Should -Not -Be $first.Uuid
        $lines = $second | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        @($lines)[-1] | Should -Match ([regex]::Escape($second.Uuid))
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($first.Uuid))
        ($lines -join "`n") | Should -Not -Match 'Logfile Opened|^\[\d{4}-'
        $second | Stop-XenDomain -TurnOff -Confirm:$false
    }

    It 'selects by domid and uuid, and shows the lifecycle State, as on the simulated host' {
        $d = Get-XenDomain xenps-lab-1 -XenHost lab
        $d.State | Should -Be 'Running'
        (Get-XenDomain ([string]$d.Id) -XenHost lab).Name | Should -Be 'xenps-lab-1'
        (Get-XenDomain $d.Uuid -XenHost lab).Name | Should -Be 'xenps-lab-1'
        (Get-XenDomain -XenHost lab -State Running).Name | Should -Contain 'xenps-lab-1'
        (Get-XenDomain -Id 0 -XenHost lab).Uuid | Should -Be '00000000-0000-0000-0000-000000000000'
    }

    It 'lists the lab and a simulated host in one call, with a Host column, per-host results' {
        $simDir = Join-Path $TestDrive 'fanout'
        $null = Connect-XenHost "sim://$simDir" -Name fanout-sim
        try {
            $null = New-XenDomain /dev/null 'name="fan-sim"' 'kernel="/boot/vmlinuz"' memory=64 -XenHost fanout-sim
            $all = Get-XenDomain -XenHost lab, fanout-sim
            ($all | Where-Object Name -eq 'xenps-lab-1').Host | Should -Be 'lab'
            ($all | Where-Object Name -eq 'fan-sim').Host | Should -Be 'fanout-sim'
            ($all | Where-Object Name -eq 'Domain-0').Count | Should -Be 2
            ($all | Out-String -Width 200) | Should -Match 'Host\s+Name\s+ID'
        }
        finally { Disconnect-XenHost fanout-sim }
    }

    It 'attaches interactively through xl console over ssh -t, and Ctrl+] detaches' -Skip:(-not (Get-Command tmux -ErrorAction SilentlyContinue)) {
        $socket = "xenps-lab-tty-$PID"
        $marker = Join-Path $TestDrive 'lab-detached'
        $script = Join-Path $TestDrive 'lab-console.ps1'
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
Connect-XenHost '$env:XENPS_LAB_URI' -Name lab -KeyFile '$env:XENPS_LAB_IDENTITY' -KnownHostsFile '$env:XENPS_LAB_KNOWN_HOSTS' | Out-Null
Connect-XenConsole xenps-lab-1
'detached' | Set-Content '$marker'
"@ | Set-Content $script
        try {
            tmux -L $socket new-session -d -s con -x 120 -y 30 "$PwshExe -NoProfile -NonInteractive -File $script; sleep 60"
            $deadline = (Get-Date).AddSeconds(60)
            do { Start-Sleep 1; $screen = (tmux -L $socket capture-pane -t con -p) -join "`n" } until ($screen -match 'Connected to the console' -or (Get-Date) -gt $deadline)
            Start-Sleep 3
            tmux -L $socket send-keys -t con 'echo LAB-TTY-$((6*7))' Enter
            $deadline = (Get-Date).AddSeconds(30)
            do { Start-Sleep 1; $screen = (tmux -L $socket capture-pane -t con -p) -join "`n" } until ($screen -match '(?m)^LAB-TTY-42' -or (Get-Date) -gt $deadline)
            $screen | Should -Match '(?m)^LAB-TTY-42'
            tmux -L $socket send-keys -t con 'C-]'
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path $marker) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 500 }
            Test-Path $marker | Should -BeTrue -Because 'Ctrl+] ends xl console and the cmdlet returns'
        }
        finally { tmux -L $socket kill-server 2>$null }
    }

    It 'refuses a duplicate name with DomainExists' {
        New-XenDomain $guestCfg 'name="xenps-lab-1"' -XenHost lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.NewXenDomainCommand'
        $e[0].Exception.Message | Should -Match 'already exists'
    }

    It 'stops gracefully with -Wait' {
        Stop-XenDomain xenps-lab-1 -XenHost lab -Wait -Timeout 120
        Get-XenDomain xenps-lab-1 -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'creates /dev/null plus overrides paused: --p---, unpauses, pauses, destroys' {
        $d = New-XenDomain /dev/null 'name="xenps-lab-2"' 'kernel="/var/lib/xenlab/guest-kernel"' 'ramdisk="/var/lib/xenlab/domu-initrd.gz"' memory=128 -Paused -XenHost lab
        $d.StateFlags | Should -Be '--p---'
        (Get-XenDomain xenps-lab-2 -XenHost lab).State | Should -Be 'Paused'
        (Resume-XenDomain xenps-lab-2 -XenHost lab -PassThru).StateFlags | Should -Not -Match 'p'
        (Suspend-XenDomain xenps-lab-2 -XenHost lab -PassThru).StateFlags | Should -Be '--p---'
        Stop-XenDomain xenps-lab-2 -XenHost lab -TurnOff -Confirm:$false
        Get-XenDomain xenps-lab-2 -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'shows a crashed guest kept by on_crash=preserve as ---sc-' {
        $null = New-XenDomain $guestCfg 'name="xenps-lab-3"' -XenHost lab
        $null = Connect-XenConsole xenps-lab-3 -XenHost lab -Until 'XENPS-GUEST-UP' -Timeout 120
        $null = Connect-XenConsole xenps-lab-3 -XenHost lab -Send 'echo c > /proc/sysrq-trigger' -Timeout 10 -ErrorAction SilentlyContinue
        $deadline = (Get-Date).AddSeconds(60)
        do { Start-Sleep 2; $d = Get-XenDomain xenps-lab-3 -XenHost lab } until ($d.StateFlags -eq '---sc-' -or (Get-Date) -gt $deadline)
        $d.StateFlags | Should -Be '---sc-'
        $d.ShutdownReason | Should -Be 'Crash'
        Stop-XenDomain xenps-lab-3 -XenHost lab -TurnOff -Confirm:$false
    }

    It 'reports an unknown domain as DomainNotFound' {
        Stop-XenDomain nosuch-domain -XenHost lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.StopXenDomainCommand'
        Connect-XenConsole -Id 4242 -XenHost lab -Until x -Timeout 5 -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.ConnectXenConsoleCommand'
    }

    It 'rejects a bad config before anything reaches the host' {
        $bad = New-TestConfig "name = `"xenps-bad`"`nmemory = 128 256`n"
        New-XenDomain $bad -XenHost lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigSyntaxError,XenPS.Commands.NewXenDomainCommand'
        Get-XenDomain xenps-bad -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'maps xl''s own failure (missing kernel) to an error with xl''s text' {
        New-XenDomain /dev/null 'name="xenps-nokernel"' 'kernel="/nonexistent/vmlinuz"' memory=128 -XenHost lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 1
        $e[0].Exception.Message | Should -Match 'nonexistent'
        Get-XenDomain xenps-nokernel -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses too much memory with InsufficientHostResources' {
        New-XenDomain $guestCfg 'name="xenps-huge"' memory=100000 -XenHost lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'InsufficientHostResources,XenPS.Commands.NewXenDomainCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        Get-XenDomain xenps-huge -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses Domain-0 before sending anything' {
        Stop-XenDomain -Id 0 -XenHost lab -TurnOff -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'CannotStopDomain0,XenPS.Commands.StopXenDomainCommand'
        (Get-XenDomain -Id 0 -XenHost lab).Name | Should -Be 'Domain-0'
    }

    It 'treats hostile names and values as data, never as shell code' {
        Invoke-Dom0 'cd /root; rm -f /tmp/pwned* pwned*'
        Get-XenDomain 'a;touch /tmp/pwned1' -XenHost lab -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Stop-XenDomain '$(touch /tmp/pwned2)' -XenHost lab -ErrorAction SilentlyContinue
        # xl itself refuses a '/' in a name (it names a log file after the domain), so the payloads here avoid it.
        $hostile = 'x;touch pwned3;$(touch pwned4)`touch pwned5`|touch pwned6'
        $d = New-XenDomain $guestCfg "name=`"$($hostile -replace '"', '\"')`"" 'extra="console=hvc0 ;touch /tmp/pwned7 $(touch /tmp/pwned8)"' -Paused -XenHost lab -WarningAction SilentlyContinue
        $d.Name | Should -Be $hostile
        (Get-XenDomain -XenHost lab | Where-Object Name -eq $hostile).Id | Should -Be $d.Id
        $d | Stop-XenDomain -TurnOff -Confirm:$false
        Invoke-Dom0 'cd /root; ls /tmp/pwned* pwned* 2>/dev/null | wc -l' | Should -Be '0'
        (Get-XenDomain -Id 0 -XenHost lab).StateFlags | Should -Match '^r'
    }
}

Describe 'The simulated host is calibrated against the lab' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    BeforeAll {
        $script:sim = Connect-XenHost "sim://$(Join-Path $TestDrive 'calibration')" -Name calib -TotalMemoryMiB 3071 -CpuCount 1 -PassThru

        # One scenario, observed the same way on either host.
        function Invoke-Scenario([string] $HostName) {
            $obs = [ordered]@{}
            $d = New-XenDomain $guestCfg 'name="xenps-calib"' -Paused -XenHost $HostName
            $obs.CreatedFlags = $d.StateFlags
            $obs.Memory = $d.MemoryMiB
            $obs.MaxMemory = $d.MaxMemoryMiB
            $obs.VCpus = $d.VCpus
            $obs.Type = $d.Type
            $obs.UuidForm = $d.Uuid -match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            $obs.ListedState = (Get-XenDomain xenps-calib -XenHost $HostName).State
            New-XenDomain $guestCfg 'name="xenps-calib"' -XenHost $HostName -ErrorVariable e1 -ErrorAction SilentlyContinue
            $obs.DuplicateError = $e1[0].FullyQualifiedErrorId
            New-XenDomain $guestCfg 'name="xenps-calib-huge"' memory=100000 -XenHost $HostName -ErrorVariable e2 -ErrorAction SilentlyContinue
            $obs.MemoryError = $e2[0].FullyQualifiedErrorId
            Get-XenDomain nosuch-calib -XenHost $HostName -ErrorVariable e3 -ErrorAction SilentlyContinue
            $obs.UnknownError = $e3[0].FullyQualifiedErrorId
            Stop-XenDomain -Id 0 -XenHost $HostName -ErrorVariable e4 -ErrorAction SilentlyContinue
            $obs.Dom0Error = $e4[0].FullyQualifiedErrorId
            Stop-XenDomain xenps-calib -XenHost $HostName -TurnOff -Confirm:$false
            $obs.AfterDestroy = @(Get-XenDomain xenps-calib -XenHost $HostName -ErrorAction SilentlyContinue).Count
            $obs.Dom0 = (Get-XenDomain -Id 0 -XenHost $HostName) | ForEach-Object { "$($_.Name)/$($_.StateFlags)" }
            [pscustomobject]$obs
        }
    }
    AfterAll { Disconnect-XenHost calib -ErrorAction SilentlyContinue }

    It 'gives the same domain fields, state transitions and error ids as the real host' {
        $real = Invoke-Scenario lab
        $simulated = Invoke-Scenario calib
        foreach ($p in $real.PSObject.Properties.Name) {
            $simulated.$p | Should -Be $real.$p -Because "$p should match the live host"
        }
    }
}
