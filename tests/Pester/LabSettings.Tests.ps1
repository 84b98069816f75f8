# Set-XenDomain and Get-XenHostInfo against the live Xen 4.17 lab over ssh://, checked with raw xl over ssh.
# Touches only domains named xps-set-* (at most two guests of 128 MiB) and removes them afterwards.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name set-lab -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -PassThru

    # xl list's row of a domain: Name, Id, Mem, VCpus (parsed from the right).
    function Get-RawRow([string] $Name) {
        foreach ($line in (Invoke-Dom0 'xl list' | Select-Object -Skip 1)) {
            $f = -split $line
            $n = $f[0..($f.Count - 6)] -join ' '
            if ($n -eq $Name) { return [pscustomobject]@{ Name = $n; Id = [int]$f[-5]; Mem = [long]$f[-4]; VCpus = [int]$f[-3] } }
        }
    }
    function Get-RawJson([string] $Name) { (Invoke-Dom0 "xl list -l $Name") -join "`n" | ConvertFrom-Json }
    # Waits (polling raw xl) until $Test holds; the guest's balloon driver and CPU hotplug act in their own time.
    function Wait-Raw([scriptblock] $Test, [int] $Seconds = 60) {
        $end = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Test)) {
            if ([DateTime]::UtcNow -gt $end) { return $false }
            Start-Sleep -Milliseconds 500
        }
        $true
    }
    function Remove-SetGuests {
        Get-XenDomain 'xps-set-*' -XenHost set-lab -ErrorAction SilentlyContinue | Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
    }
    Remove-SetGuests

    # Boots with 2 vCPUs (maxvcpus 2) so that taking one away shows in xl; maxmem above memory leaves room to raise.
    $script:guest = New-XenDomain /dev/null 'name="xps-set-a"' 'kernel="/var/lib/xenlab/guest-kernel"' 'ramdisk="/var/lib/xenlab/domu-initrd.gz"' `
        'extra="console=hvc0 quiet"' memory=128 maxmem=192 vcpus=2 -XenHost set-lab
    $null = $guest | Connect-XenConsole -Until 'XENPS-GUEST-UP' -Timeout 180
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-SetGuests
    Disconnect-XenHost set-lab -ErrorAction SilentlyContinue
}

Describe 'Set-XenDomain on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'lists the boot-time limits xl list -l shows' {
        $d = Get-XenDomain xps-set-a -XenHost set-lab
        $j = Get-RawJson xps-set-a
        $d.MaxVCpus | Should -Be $j[0].config.b_info.max_vcpus
        $d.MaxVCpus | Should -Be 2
        $d.MaxMemoryMiB | Should -Be ($j[0].config.b_info.max_memkb / 1024)
    }

    It 'raises the maximum memory (xl mem-max): max_memkb in xl list -l' {
        $d = Set-XenDomain xps-set-a -XenHost set-lab -MaxMemoryMiB 256 -PassThru
        $d.MaxMemoryMiB | Should -Be 256
        (Get-RawJson xps-set-a)[0].config.b_info.max_memkb | Should -Be (256 * 1024)
    }

    It 'lowers the memory target (xl mem-set): target_memkb at once, Mem in xl list once the guest has ballooned' {
        Set-XenDomain xps-set-a -XenHost set-lab -MemoryMiB 112
        (Get-RawJson xps-set-a)[0].config.b_info.target_memkb | Should -Be (112 * 1024)
        Wait-Raw { (Get-RawRow xps-set-a).Mem -eq 112 } | Should -BeTrue
        (Get-XenDomain xps-set-a -XenHost set-lab).MemoryMiB | Should -Be 112
    }

    It 'refuses a too-big memory target with SettingOutOfRange, and nothing changes' {
        Set-XenDomain xps-set-a -XenHost set-lab -MemoryMiB 4096 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'SettingOutOfRange,XenPS.Commands.SetXenDomainCommand'
        $err[0].Exception.Message | Should -Match 'above the maximum memory 256 MiB'
        $err[0].Exception.Message | Should -Match 'Nothing was changed'
        # xl's own refusal, through the backend (no XenPS check in front): the same reason
        $d = Get-XenDomain xps-set-a -XenHost set-lab
        $e = { $lab.Backend.SetMemoryTarget($d, 4096, [Threading.CancellationToken]::None) } | Should -Throw -PassThru
        $e.Exception.InnerException.Reason | Should -Be 'SettingOutOfRange'
        $e.Exception.InnerException.Message | Should -Match 'memory_dynamic_max must be less than or equal to memory_static_max'
        (Get-RawJson xps-set-a)[0].config.b_info.target_memkb | Should -Be (112 * 1024)
        (Get-RawRow xps-set-a).Mem | Should -Be 112
    }

    It 'takes a vCPU away (xl vcpu-set): xl vcpu-list shows it offline and xl list counts one' {
        Set-XenDomain xps-set-a -XenHost set-lab -VCpus 1
        Wait-Raw { (Get-RawRow xps-set-a).VCpus -eq 1 } | Should -BeTrue
        $vcpu1 = Invoke-Dom0 'xl vcpu-list xps-set-a' | Where-Object { (-split $_)[2] -eq '1' }
        (-split $vcpu1)[4] | Should -Be '--p'
        (Get-XenDomain xps-set-a -XenHost set-lab).VCpus | Should -Be 1
    }

    It 'offers it back only with -AllowOvercommit on this one-CPU host; xenstore shows it available' {
        $id = (Get-RawRow xps-set-a).Id
        Set-XenDomain xps-set-a -XenHost set-lab -VCpus 2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InsufficientHostResources,XenPS.Commands.SetXenDomainCommand'
        Invoke-Dom0 "xenstore-read /local/domain/$id/cpu/1/availability" | Should -Be 'offline'
        Set-XenDomain xps-set-a -XenHost set-lab -VCpus 2 -AllowOvercommit
        Invoke-Dom0 "xenstore-read /local/domain/$id/cpu/1/availability" | Should -Be 'online'
        Set-XenDomain xps-set-a -XenHost set-lab -VCpus 3 -AllowOvercommit -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'SettingOutOfRange,XenPS.Commands.SetXenDomainCommand'
    }

    It 'renames (xl rename): the same domid under the new name; a name in use is refused' {
        $id = (Get-RawRow xps-set-a).Id
        $d = Set-XenDomain xps-set-a -XenHost set-lab -NewName xps-set-b -PassThru
        $d.Name | Should -Be 'xps-set-b'
        (Get-RawRow xps-set-b).Id | Should -Be $id
        Get-RawRow xps-set-a | Should -BeNullOrEmpty
        (Invoke-Dom0 "xl domname $id") | Should -Be 'xps-set-b'

        $null = New-XenDomain /dev/null 'name="xps-set-z"' 'kernel="/var/lib/xenlab/guest-kernel"' 'ramdisk="/var/lib/xenlab/domu-initrd.gz"' memory=128 -Paused -XenHost set-lab
        Set-XenDomain xps-set-b -XenHost set-lab -NewName xps-set-z -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.SetXenDomainCommand'
        # and xl's own refusal through the backend
        $b = Get-XenDomain xps-set-b -XenHost set-lab
        $e = { $lab.Backend.RenameDomain($b, 'xps-set-z', [Threading.CancellationToken]::None) } | Should -Throw -PassThru
        $e.Exception.InnerException.Reason | Should -Be 'DomainExists'
        $e.Exception.InnerException.Message | Should -Match 'Domain with name "xps-set-z" already exists'
        (Get-RawRow xps-set-b).Id | Should -Be $id
        Set-XenDomain -Id 0 -XenHost set-lab -NewName xps-set-dom0 -ErrorVariable err0 -ErrorAction SilentlyContinue
        $err0[0].FullyQualifiedErrorId | Should -Be 'Domain0Refused,XenPS.Commands.SetXenDomainCommand'
        (Get-RawRow Domain-0).Id | Should -Be 0
    }
}

Describe 'Get-XenHostInfo on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'agrees with raw xl info' {
        $i = Get-XenHostInfo -XenHost set-lab
        $raw = @{}
        foreach ($l in Invoke-Dom0 'xl info') { $k, $v = $l -split '\s*:\s*', 2; if ($k) { $raw[$k.Trim()] = "$v".Trim() } }
        $i.Host | Should -Be 'set-lab'
        $i.HostName | Should -Be $raw['host']
        $i.XenVersion | Should -Be $raw['xen_version']
        $i.CpuCount | Should -Be ([int]$raw['nr_cpus'])
        $i.TotalMemoryMiB | Should -Be ([long]$raw['total_memory'])
        [Math]::Abs($i.FreeMemoryMiB - [long]$raw['free_memory']) | Should -BeLessOrEqual 512 # others share the lab
        $i.Scheduler | Should -Be $raw['xen_scheduler']
        ($i.Capabilities -join ' ') | Should -Be $raw['xen_caps']
        ($i.VirtCaps -join ' ') | Should -Be $raw['virt_caps']
        $i.KernelRelease | Should -Be $raw['release']
        $i.CoresPerSocket | Should -Be ([int]$raw['cores_per_socket'])
        $i.XenCommandLine | Should -Be $raw['xen_commandline']
        $i.Dom0MemoryMiB | Should -Be (Get-RawRow Domain-0).Mem
    }
}
