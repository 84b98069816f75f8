# Restart-XenDomain and Wait-XenDomain against the live Xen 4.17 lab over ssh:// (shared: only domains named xps-rst-*).
# Without XENPS_LAB_URI every test is skipped. Cleans up only its own domains and their console logs in dom0.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:prefix = 'xps-rst-'
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name rstlab -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -PassThru

    # The raw `xl list` row of a name: @{ Id; State } or $null.
    function Get-RawRow([string] $Name) {
        foreach ($line in (Invoke-Dom0 'xl list' | Select-Object -Skip 1)) {
            $f = -split $line
            if ($f[0] -eq $Name) { return [pscustomobject]@{ Id = [int]$f[1]; State = $f[4] } }
        }
        $null
    }
    # How many XENPS-GUEST-UP lines the guest's console log holds, polled until at least $AtLeast (bounded).
    function Wait-MarkerCount([string] $Name, [int] $AtLeast, [int] $Seconds = 90) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        do {
            $n = [int](Invoke-Dom0 "grep -ac XENPS-GUEST-UP /var/log/xen/console/guest-$Name.log || true")
            if ($n -ge $AtLeast) { return $n }
            Start-Sleep -Milliseconds 500
        } while ((Get-Date) -lt $deadline)
        $n
    }

    $script:guestCfg = New-TestConfig @'
name    = "xps-rst-x"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
'@ -FileName 'rst-guest.cfg'

    function Remove-MyGuests {
        Get-XenDomain -XenHost rstlab | Where-Object { $_.Id -ne 0 -and $_.Name.StartsWith($prefix) } |
            Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
        Invoke-Dom0 "rm -f /var/log/xen/console/guest-$prefix*.log" | Out-Null
    }
    Remove-MyGuests
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-MyGuests
    Disconnect-XenHost rstlab -ErrorAction SilentlyContinue
}

Describe 'Restart-XenDomain and Wait-XenDomain on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'Wait-XenDomain -Until XENPS-GUEST-UP returns once a new guest has booted' {
        $d = New-XenDomain $guestCfg 'name="xps-rst-1"' -XenHost rstlab
        $w = $d | Wait-XenDomain -Until 'XENPS-GUEST-UP' -Timeout 120
        $w.Name | Should -Be 'xps-rst-1'
        $w.Id | Should -Be $d.Id
        Wait-MarkerCount xps-rst-1 1 5 | Should -Be 1
    }

    It 'Restart-XenDomain -Wait returns after the guest booted again: a new domid in raw xl list, a second XENPS-GUEST-UP' {
        $before = Get-RawRow 'xps-rst-1'
        $before | Should -Not -BeNullOrEmpty
        $r = Restart-XenDomain xps-rst-1 -XenHost rstlab -Wait -Timeout 180 -PassThru
        $r.Id | Should -Not -Be $before.Id
        $r.State | Should -Be 'Running'
        $raw = Get-RawRow 'xps-rst-1'
        $raw.Id | Should -Be $r.Id -Because 'xl itself lists the new boot with the new domid'
        $raw.State.Substring(2) | Should -Be '----' -Because 'it runs: not paused, not being built, not shut down'
        Wait-MarkerCount xps-rst-1 2 | Should -Be 2 -Because 'the console log shows the second boot reaching its marker'
        # XenPS's console of the current boot holds the new boot alone
        $lines = $r | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 60
        $all = (Invoke-Dom0 "grep -abn 'Logfile Opened\|XENPS' /var/log/xen/console/guest-xps-rst-1.log") -join "`n"
        @(@($lines) -match 'XENPS-GUEST-UP').Count | Should -Be 1 -Because "the console read $($lines -join ' | ') of the log $all"
        @(@($lines) -match 'XENPS-GUEST-SHUTDOWN').Count | Should -Be 0 -Because "the console read $($lines -join ' | ') of the log $all"
    }

    It 'Wait-XenDomain -State Gone after a shutdown (on_poweroff = destroy)' {
        $d = Get-XenDomain xps-rst-1 -XenHost rstlab
        Stop-XenDomain xps-rst-1 -XenHost rstlab
        $w = $d | Wait-XenDomain -State Gone -Timeout 120
        $w.Name | Should -Be 'xps-rst-1'
        Get-RawRow 'xps-rst-1' | Should -BeNullOrEmpty
    }

    It 'Wait-XenDomain -State Halted after a shutdown kept by on_poweroff = preserve' {
        $d = New-XenDomain $guestCfg 'name="xps-rst-2"' 'on_poweroff="preserve"' -XenHost rstlab
        $null = $d | Wait-XenDomain -Until 'XENPS-GUEST-UP' -Timeout 120
        Stop-XenDomain xps-rst-2 -XenHost rstlab
        $w = $d | Wait-XenDomain -State Halted -Timeout 120
        $w.StateFlags | Should -Be '---s--'
        (Get-RawRow 'xps-rst-2').State | Should -Be '---s--'
        Stop-XenDomain xps-rst-2 -XenHost rstlab -TurnOff -Confirm:$false
    }
}
