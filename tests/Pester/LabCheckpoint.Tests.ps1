# Save-XenDomain / Restore-XenDomain against the live Xen 4.17 lab (tests/XenLab) over ssh://.
# Touches only domains and files named xps-sav-*; the checkpoint (~130 MB for a 128 MiB guest) is in dom0's RAM disk
# and is deleted afterwards. Skipped without XENPS_LAB_URI.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name labsav -KeyFile $env:XENPS_LAB_IDENTITY `
        -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -PassThru

    # The domain's row in raw `xl list` (name id mem vcpus state time), or $null.
    function Get-RawRow([string] $Name) {
        foreach ($line in (Invoke-Dom0 'xl list' | Select-Object -Skip 1)) {
            $f = -split $line
            if ($f[0] -eq $Name) { return [pscustomobject]@{ Id = [int]$f[1]; State = $f[4] } }
        }
        $null
    }
    # A restored guest's console may take a moment to answer again (keys typed before xenconsoled has reattached to the
    # new domain are lost on a loaded TCG host): type a harmless line until the guest answers it.
    function Wait-GuestAnswers([string] $Name) {
        for ($i = 1; $i -le 4; $i++) {
            $got = Connect-XenConsole $Name -XenHost labsav -Send "echo XPS-READY-$i" -Until "^XPS-READY-$i" -Timeout 30 -ErrorAction SilentlyContinue
            if (@($got)[-1] -match "^XPS-READY-$i") { return }
        }
        throw "$Name did not answer at its console after 4 tries"
    }
    function Remove-SavGuests {
        Get-XenDomain -XenHost labsav -Name 'xps-sav-*' -ErrorAction SilentlyContinue | Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
        Invoke-Dom0 'rm -f /var/lib/xenlab/xps-sav-*.save' | Out-Null
    }

    $script:guestCfg = New-TestConfig @'
name    = "xps-sav-1"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
'@ -FileName 'xps-sav.cfg'
    $script:file = '/var/lib/xenlab/xps-sav-1.save'
    Remove-SavGuests
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-SavGuests
    Invoke-Dom0 'rm -f /var/log/xen/console/guest-xps-sav-*.log' | Out-Null  # xenconsoled's logs of our guests
    Disconnect-XenHost labsav -ErrorAction SilentlyContinue
}

Describe 'Checkpoints on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'saves a running guest to a file in dom0: the domain is gone from xl list' {
        $script:orig = New-XenDomain $guestCfg -XenHost labsav
        $null = $orig | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 120
        # Something only this run of the guest knows: a file in its RAM root, and its uptime.
        $up = Connect-XenConsole xps-sav-1 -XenHost labsav -Send 'echo XPSMARK-$((6*7)) > /xps-mark; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        $script:uptimeBefore = [int](@($up)[-1] -replace '^UP=(\d+).*$', '$1')

        $cp = Save-XenDomain xps-sav-1 -XenHost labsav -Path $file -Confirm:$false -PassThru
        $cp.Path | Should -Be $file
        $cp.DomainUuid | Should -Be $orig.Uuid
        $cp.SizeBytes | Should -BeGreaterThan 100MB
        Get-RawRow 'xps-sav-1' | Should -BeNullOrEmpty
        [long](Invoke-Dom0 "wc -c < $file") | Should -Be $cp.SizeBytes
    }

    It 'restores it: listed again with the same name and uuid and a new domid, and the guest carried on' {
        $r = Restore-XenDomain -Path $file -XenHost labsav
        $r.Name | Should -Be 'xps-sav-1'
        $r.Uuid | Should -Be $orig.Uuid
        $r.Id | Should -Not -Be $orig.Id
        (Get-RawRow 'xps-sav-1').Id | Should -Be $r.Id
        # The same memory and clock: the file written before the save is there, and uptime went on.
        Wait-GuestAnswers 'xps-sav-1'
        $lines = Connect-XenConsole xps-sav-1 -XenHost labsav -Send 'cat /xps-mark; echo UP=$(cut -d. -f1 /proc/uptime)' -Until '^UP=\d+' -Timeout 60
        ($lines -join "`n") | Should -Match 'XPSMARK-42'
        [int](@($lines)[-1] -replace '^UP=(\d+).*$', '$1') | Should -BeGreaterOrEqual $uptimeBefore
    }

    It 'does not overwrite an existing checkpoint without -Force, and leaves the guest running' {
        $before = Invoke-Dom0 "stat -c '%s %Y' $file"
        Save-XenDomain xps-sav-1 -XenHost labsav -Path $file -KeepRunning -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'CheckpointExists,XenPS.Commands.SaveXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject.Name | Should -Be 'xps-sav-1'
        Invoke-Dom0 "stat -c '%s %Y' $file" | Should -Be $before
        (Get-RawRow 'xps-sav-1').State | Should -Match '^[r-][b-]----$'
    }

    It 'refuses to restore a domain whose name is running, and a file that is not a checkpoint, with xl''s reasons' {
        Restore-XenDomain -Path $file -XenHost labsav -ErrorAction SilentlyContinue -ErrorVariable e1
        $e1[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.RestoreXenDomainCommand'
        $e1[0].TargetObject | Should -Be $file
        Restore-XenDomain -Path /var/lib/xenlab/domu-initrd.gz -XenHost labsav -ErrorAction SilentlyContinue -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -Be 'CheckpointInvalid,XenPS.Commands.RestoreXenDomainCommand'
        Restore-XenDomain -Path /var/lib/xenlab/xps-sav-none.save -XenHost labsav -ErrorAction SilentlyContinue -ErrorVariable e3
        $e3[0].FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,XenPS.Commands.RestoreXenDomainCommand'
        $e3[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @(Get-XenDomain -XenHost labsav -Name 'xps-sav-*').Count | Should -Be 1
    }

    It 'with -KeepRunning -Force replaces the file and the guest goes on with the same domid' {
        $id = (Get-RawRow 'xps-sav-1').Id
        $cp = Save-XenDomain xps-sav-1 -XenHost labsav -Path $file -KeepRunning -Force -PassThru
        $cp.Domain.Id | Should -Be $id
        (Get-RawRow 'xps-sav-1').Id | Should -Be $id
        $lines = Connect-XenConsole xps-sav-1 -XenHost labsav -Send 'echo XPS-$((6*7))-AGAIN' -Until '^XPS-42-AGAIN' -Timeout 60
        @($lines)[-1] | Should -Match '^XPS-42-AGAIN'
    }
}
