# The XenDomain DSC resource against the live Xen 4.17 lab over ssh://, driven as Invoke-DscResource drives a
# class-based resource (a fresh runspace with `using module`, properties from a hashtable). XenHost is the lab's URI:
# no XenPS connection is opened in this process, so the resource connects by itself (KeyFile, KnownHostsFile,
# CommandTimeout). Everything is checked raw over ssh (xl list, xl list -l, cat, sha256sum, stat, readlink).
# Touches only dsc-* domains and /etc/xen/dsc-* files (one guest of 128 MiB), and removes them afterwards.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:Manifest = Join-Path (Get-Module XenPS).ModuleBase 'XenPS.psd1'
    $script:Runspaces = [System.Collections.Generic.List[object]]::new()

    function New-DscObject([hashtable] $Property) {
        $ps = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
        $Runspaces.Add($ps)
        $null = $ps.AddScript("using module `"$Manifest`"`nreturn [XenDomain]::new()")
        $o = $ps.Invoke() | Select-Object -First 1
        if ($ps.Streams.Error.Count) { throw $ps.Streams.Error[0] }
        foreach ($key in $Property.Keys) { $o.$key = $Property.$key }
        $o
    }
    function Invoke-Dsc([string] $Method, [hashtable] $Property) { (New-DscObject $Property).$Method() }
    # In this runspace, so the resource's verbose and warning lines reach this session.
    function Invoke-LocalDsc([string] $Method, [hashtable] $Property) {
        $o = (& (Get-Module XenPS) { 'XenDomain' -as [type] })::new()
        foreach ($key in $Property.Keys) { $o.$key = $Property.$key }
        $global:VerbosePreference = 'Continue'
        try { & { $o.$Method() } 4>&1 3>&1 } finally { $global:VerbosePreference = 'SilentlyContinue' }
    }

    function Get-RawRow([string] $Name) {
        foreach ($line in (Invoke-Dom0 'xl list' | Select-Object -Skip 1)) {
            $f = -split $line
            $n = $f[0..($f.Count - 6)] -join ' '
            if ($n -eq $Name) { return [pscustomobject]@{ Name = $n; Id = [int]$f[-5]; Mem = [long]$f[-4]; VCpus = [int]$f[-3]; State = $f[-2] } }
        }
    }
    function Wait-Raw([scriptblock] $Test, [int] $Seconds = 90) {
        $end = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Test)) {
            if ([DateTime]::UtcNow -gt $end) { return $false }
            Start-Sleep -Milliseconds 500
        }
        $true
    }
    # The stored file as dom0 sees it: content hash and modification time (ns), and the domid.
    function Get-Stamp {
        [pscustomobject]@{
            Hash = (-split (Invoke-Dom0 'sha256sum /etc/xen/dsc-a.cfg'))[0]
            Time = Invoke-Dom0 'stat -c %.9Y /etc/xen/dsc-a.cfg'
            Id   = (Get-RawRow dsc-a).Id
        }
    }
    function Remove-DscTraces {
        Invoke-Dom0 'for d in $(xl list | awk ''NR > 1 && $1 ~ /^dsc-/ { print $1 }''); do xl destroy "$d"; done; rm -f /etc/xen/dsc-* /etc/xen/auto/dsc-*' | Out-Null
    }
    Remove-DscTraces

    $script:GuestCfg = @"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
"@
    $script:A = @{
        Name = 'dsc-a'; XenHost = $env:XENPS_LAB_URI; KeyFile = $env:XENPS_LAB_IDENTITY; KnownHostsFile = $env:XENPS_LAB_KNOWN_HOSTS; CommandTimeout = 180
        Config = $GuestCfg; State = 'Running'; AutoStart = $true; MemoryMiB = 128
    }
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    foreach ($ps in $Runspaces) { $ps.Dispose() }
    Remove-DscTraces
}

Describe 'The XenDomain DSC resource on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'Get and Test see nothing yet; Set stores /etc/xen/dsc-a.cfg, starts the guest from it and links it for autostart' {
        @(Get-XenHostConnection | Where-Object Uri -eq $env:XENPS_LAB_URI).Count | Should -Be 0 -Because 'the resource must connect by itself'
        $g = Invoke-Dsc Get $A
        $g.Ensure | Should -Be 'Absent'
        $g.State | Should -Be 'Stopped'
        Invoke-Dsc Test $A | Should -BeFalse

        Invoke-Dsc Set $A
        (Invoke-Dom0 'cat /etc/xen/dsc-a.cfg') -join "`n" | Should -Match 'name = "dsc-a"'
        Invoke-Dom0 'readlink /etc/xen/auto/dsc-a.cfg' | Should -Match 'dsc-a\.cfg$'
        $row = Get-RawRow dsc-a
        $row | Should -Not -BeNullOrEmpty
        $row.State.Substring(2) | Should -Be '----' -Because 'it runs: not paused, not shut down'
        $row.Mem | Should -Be 128
        ((Invoke-Dom0 'xl list -l dsc-a') -join "`n" | ConvertFrom-Json)[0].config.b_info.kernel | Should -Be '/var/lib/xenlab/guest-kernel'
        @(Get-XenHostConnection | Where-Object Uri -eq $env:XENPS_LAB_URI).Count | Should -Be 0 -Because 'its own connection is not left behind'

        Invoke-Dsc Test $A | Should -BeTrue
        $g = Invoke-Dsc Get $A
        $g.Ensure | Should -Be 'Present'
        $g.State | Should -Be 'Running'
        $g.Id | Should -Be $row.Id
        $g.AutoStart | Should -BeTrue
        $g.StoredConfigPath | Should -Be '/etc/xen/dsc-a.cfg'
    }

    It 'a second Set changes nothing: the file''s sha256 and mtime on dom0 and the domid stay the same' {
        $before = Get-Stamp
        $out = Invoke-LocalDsc Set $A
        "$out" | Should -Match 'in the desired state already; nothing was changed'
        $after = Get-Stamp
        $after.Hash | Should -Be $before.Hash
        $after.Time | Should -Be $before.Time
        $after.Id | Should -Be $before.Id
    }

    It 'a guest ballooned down behind its back (xl mem-set) is detected and resized back live, the same domid' {
        $id = (Get-RawRow dsc-a).Id
        $null = Invoke-Dom0 'xl mem-set dsc-a 112m'
        Wait-Raw { (Get-RawRow dsc-a).Mem -eq 112 } | Should -BeTrue
        $out = Invoke-LocalDsc Test $A
        $out[-1] | Should -BeFalse
        "$out" | Should -Match 'XenDomain dsc-a on \S+: MemoryMiB is 112, desired 128: the running domain'
        $stamp = Get-Stamp
        Invoke-Dsc Set $A
        (Get-RawRow dsc-a).Mem | Should -Be 128 -Because 'Set waits until the guest shows it'
        (Get-RawRow dsc-a).Id | Should -Be $id
        (Get-Stamp).Hash | Should -Be $stamp.Hash -Because 'the stored config was right'
        Invoke-Dsc Test $A | Should -BeTrue
    }

    It 'a guest shut down behind its back (xl shutdown) is detected and started again from the stored config' {
        $stamp = Get-Stamp
        $null = Invoke-Dom0 'xl shutdown -w dsc-a 2>&1'
        Get-RawRow dsc-a | Should -BeNullOrEmpty
        $out = Invoke-LocalDsc Test $A
        $out[-1] | Should -BeFalse
        "$out" | Should -Match 'State is Stopped, desired Running'
        Invoke-Dsc Set $A
        $row = Get-RawRow dsc-a
        $row | Should -Not -BeNullOrEmpty
        $row.Id | Should -Not -Be $stamp.Id
        $after = Get-Stamp
        $after.Hash | Should -Be $stamp.Hash
        $after.Time | Should -Be $stamp.Time -Because 'the stored config is not rewritten'
        Invoke-Dsc Test $A | Should -BeTrue
    }

    It 'a changed config of the running guest is stored with a warning and no restart; with AllowRestart it is shut down and started with it' {
        $id = (Get-RawRow dsc-a).Id
        $p = $A.Clone(); $p.Config = $GuestCfg -replace 'console=hvc0 quiet', 'console=hvc0 quiet loglevel=3'
        $out = Invoke-LocalDsc Set $p
        $warnings = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match 'dsc-a .* needs a restart to take the change: its stored config changed \(extra\).*AllowRestart'
        (Get-RawRow dsc-a).Id | Should -Be $id
        (Invoke-Dom0 'cat /etc/xen/dsc-a.cfg') -join "`n" | Should -Match 'loglevel=3'

        $p.Config = $GuestCfg -replace 'console=hvc0 quiet', 'console=hvc0 quiet loglevel=4'
        $p.AllowRestart = $true
        $p.StopTimeoutSec = 120
        Invoke-Dsc Set $p
        $row = Get-RawRow dsc-a
        $row.Id | Should -Not -Be $id
        ((Invoke-Dom0 'xl list -l dsc-a') -join "`n" | ConvertFrom-Json)[0].config.b_info.cmdline | Should -Match 'loglevel=4'
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'Ensure Absent with State Stopped shuts the guest down and removes its config and autostart link' {
        $p = $A.Clone()
        foreach ($k in 'Config', 'AutoStart', 'MemoryMiB') { $p.Remove($k) }
        $p.Ensure = 'Absent'; $p.State = 'Stopped'; $p.StopTimeoutSec = 120
        Invoke-Dsc Test $p | Should -BeFalse
        Invoke-Dsc Set $p
        Get-RawRow dsc-a | Should -BeNullOrEmpty
        Invoke-Dom0 'ls /etc/xen /etc/xen/auto 2>/dev/null | grep -c "^dsc-" || true' | Should -Be '0'
        Invoke-Dsc Test $p | Should -BeTrue
    }
}
