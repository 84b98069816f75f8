# Set-XenDomain (xm mem-set / mem-max / vcpu-set / rename) and Get-XenHostInfo (xm info) on simulated hosts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Set-XenDomain' {
    BeforeEach {
        $script:h = New-TestSimHost -SetDefault
        $script:web = New-XenDomain /dev/null 'name="web1"' memory=512 maxmem=1024 vcpus=1 maxvcpus=2
    }
    AfterEach { Remove-AllTestHosts }

    It 'sets the memory target (xl mem-set) and -PassThru writes the domain afterwards' {
        $d = Set-XenDomain web1 -MemoryMiB 384 -PassThru
        $d | Should -BeOfType ([XenPS.XenDomain])
        $d.MemoryMiB | Should -Be 384
        $d.MaxMemoryMiB | Should -Be 1024
        (Get-XenDomain web1).MemoryMiB | Should -Be 384
    }

    It 'sets the maximum memory (xl mem-max)' {
        Set-XenDomain web1 -MaxMemoryMiB 2048
        (Get-XenDomain web1).MaxMemoryMiB | Should -Be 2048
    }

    It 'sets the vCPUs (xl vcpu-set) up to the boot-time maximum, which the domain carries' {
        $web.MaxVCpus | Should -Be 2
        Set-XenDomain web1 -VCpus 2
        (Get-XenDomain web1).VCpus | Should -Be 2
    }

    It 'renames a domain (xl rename): the same uuid under the new name' {
        $d = Set-XenDomain web1 -NewName web2 -PassThru
        $d.Name | Should -Be 'web2'
        $d.Uuid | Should -Be $web.Uuid
        Get-XenDomain web1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'applies many settings in a safe order and reports each one' {
        $v = Set-XenDomain web1 -MaxMemoryMiB 3072 -MemoryMiB 2048 -VCpus 2 -NewName web9 -Verbose 4>&1 | ForEach-Object Message
        $v | Where-Object { $_ -like 'web1 (id *' } | Should -Be @(
            "web1 (id $($web.Id)) on $($h.Name): MaxMemoryMiB = 3072 MiB: Applied"
            "web1 (id $($web.Id)) on $($h.Name): MemoryMiB = 2048 MiB: Applied"
            "web1 (id $($web.Id)) on $($h.Name): VCpus = 2: Applied"
            "web1 (id $($web.Id)) on $($h.Name): NewName = 'web9': Applied")
        $d = Get-XenDomain web9
        $d.MemoryMiB, $d.MaxMemoryMiB, $d.VCpus | Should -Be 2048, 3072, 2
    }

    It 'lowers memory before the maximum' {
        Set-XenDomain web1 -MaxMemoryMiB 256 -MemoryMiB 200
        $d = Get-XenDomain web1
        $d.MemoryMiB, $d.MaxMemoryMiB | Should -Be 200, 256
    }

    It '-WhatIf shows each domain and changes nothing' {
        $out = Set-XenDomain web1 -MemoryMiB 100 -NewName other -WhatIf -PassThru
        $out | Should -BeNullOrEmpty
        $d = Get-XenDomain web1
        $d.MemoryMiB | Should -Be 512
        $d.Name | Should -Be 'web1'
    }

    It 'refuses <Case> with <Id> before anything changes, non-terminating, the domain as target' -ForEach @(
        @{ Case = 'memory above the maximum'; Params = @{ MemoryMiB = 4096 }; Id = 'SettingOutOfRange'; Category = 'InvalidArgument'; Text = 'Raise the maximum too' }
        @{ Case = 'a maximum below the memory'; Params = @{ MaxMemoryMiB = 256 }; Id = 'SettingOutOfRange'; Category = 'InvalidArgument'; Text = 'Lower its memory too' }
        @{ Case = 'vCPUs above maxvcpus'; Params = @{ VCpus = 3 }; Id = 'SettingOutOfRange'; Category = 'InvalidArgument'; Text = 'boot-time maximum of 2' }
        @{ Case = 'a name in use'; Params = @{ NewName = 'db1'; MemoryMiB = 256 }; Id = 'DomainExists'; Category = 'ResourceExists'; Text = "'db1' is in use" }
        @{ Case = 'an invalid name'; Params = @{ NewName = 'a/b'; MemoryMiB = 256 }; Id = 'InvalidArgument'; Category = 'InvalidArgument'; Text = "contains '/'" }
        @{ Case = 'more memory than the host has free'; Params = @{ MaxMemoryMiB = 16384; MemoryMiB = 9000 }; Id = 'InsufficientHostResources'; Category = 'ResourceUnavailable'; Text = 'MiB free' }
    ) {
        $null = New-XenDomain /dev/null 'name="db1"' memory=64
        Set-XenDomain web1 @Params -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,XenPS.Commands.SetXenDomainCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].TargetObject.Uuid | Should -Be $web.Uuid
        $err[0].Exception.Message | Should -Match ([regex]::Escape($Text))
        $err[0].Exception.Message | Should -Match 'Nothing was changed\.$'
        $d = Get-XenDomain -Id $web.Id
        $d.Name, $d.MemoryMiB, $d.MaxMemoryMiB, $d.VCpus | Should -Be 'web1', 512, 1024, 1
    }

    It 'goes on with the other domains after one fails' {
        $null = New-XenDomain /dev/null 'name="web2"' memory=128
        $got = Get-XenDomain web* | Set-XenDomain -MemoryMiB 600 -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
        $got.Name | Should -Be 'web1'
        $got.MemoryMiB | Should -Be 600
        $err.Count | Should -Be 1
        $err[0].TargetObject.Name | Should -Be 'web2'
        $err[0].FullyQualifiedErrorId | Should -Be 'SettingOutOfRange,XenPS.Commands.SetXenDomainCommand'
    }

    It 'takes domains from Get-XenDomain on the pipeline, by name and by -Id' {
        $null = New-XenDomain /dev/null 'name="web2"' memory=512 maxmem=1024
        Get-XenDomain web* | Set-XenDomain -MemoryMiB 256
        (Get-XenDomain web*).MemoryMiB | Should -Be 256, 256
        'web1' | Set-XenDomain -MemoryMiB 300
        Set-XenDomain -Id $web.Id -MaxMemoryMiB 900
        $d = Get-XenDomain web1
        $d.MemoryMiB, $d.MaxMemoryMiB | Should -Be 300, 900
    }

    It 'never renames Domain-0 and a wildcard does not select it' {
        Set-XenDomain -Id 0 -NewName host0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'Domain0Refused,XenPS.Commands.SetXenDomainCommand'
        $err[0].TargetObject.Id | Should -Be 0
        (Get-XenDomain -Id 0).Name | Should -Be 'Domain-0'
        $v = Set-XenDomain * -MemoryMiB 256 -Verbose 4>&1 | ForEach-Object Message
        $v | Should -Contain "web1 (id $($web.Id)) on $($h.Name): MemoryMiB = 256 MiB: Applied"
        ($v -join "`n") | Should -Not -Match 'Domain-0'
        (Get-XenDomain -Id 0).MemoryMiB | Should -Be 1024
    }

    It 'needs a setting, and reports an unknown domain as DomainNotFound' {
        { Set-XenDomain web1 -ErrorAction Stop } | Should -Throw -ErrorId 'NoSettingGiven,XenPS.Commands.SetXenDomainCommand'
        Set-XenDomain nosuch -MemoryMiB 64 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.SetXenDomainCommand'
    }

    It 'acts on a domain that went through Export-Clixml / Import-Clixml with its limits intact' {
        $file = Join-Path $TestDrive 'web1.xml'
        Get-XenDomain web1 | Export-Clixml $file
        $back = Import-Clixml $file
        ([XenPS.XenDomain]$back).MaxVCpus | Should -Be 2
        $back | Set-XenDomain -VCpus 2 -PassThru | ForEach-Object VCpus | Should -Be 2
    }

    It 'keeps the changes across processes' {
        Set-XenDomain web1 -MemoryMiB 333 -NewName kept
        $uri = $h.Uri
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module '$((Get-Module XenPS).Path)'; Connect-XenHost '$uri' | Out-Null; `$d = Get-XenDomain kept; '{0} {1}' -f `$d.Name, `$d.MemoryMiB"
        $out | Should -Be 'kept 333'
    }
}

Describe 'Get-XenHostInfo' {
    AfterEach { Remove-AllTestHosts }

    It 'writes the facts of the default host as a typed object' {
        $h = New-TestSimHost -SetDefault -CpuCount 6 -TotalMemoryMiB 12288
        $null = New-XenDomain /dev/null 'name="g"' memory=512
        $i = Get-XenHostInfo
        $i | Should -BeOfType ([XenPS.XenHostInfo])
        $i.Host | Should -Be $h.Name
        $i.CpuCount | Should -Be 6
        $i.TotalMemoryMiB | Should -Be 12288
        $i.FreeMemoryMiB | Should -Be (12288 - 1024 - 512)
        $i.Dom0MemoryMiB | Should -Be 1024
        $i.XenVersion | Should -Be '4.17.7-sim'
        $i.Scheduler | Should -Be 'credit2'
        $i.VirtCaps | Should -Contain 'hvm'
        $i.Capabilities | Should -Contain 'xen-3.0-x86_64'
        ($i | Format-Table | Out-String) | Should -Match 'Scheduler'
        ($i | Format-List | Out-String) | Should -Match 'Capabilities\s+: xen-3.0-x86_64 hvm-3.0-x86_32'
    }

    It 'asks several hosts, from -XenHost or the pipeline' {
        $a = New-TestSimHost -CpuCount 2
        $b = New-TestSimHost -CpuCount 8
        (Get-XenHostInfo -XenHost $a, $b).CpuCount | Should -Be 2, 8
        ($a, $b | Get-XenHostInfo).Host | Should -Be $a.Name, $b.Name
        (Get-XenHostInfo -XenHost *).Count | Should -Be 2
    }

    It 'writes a host that cannot answer as a non-terminating error with the host as target, and the others' {
        $a = New-TestSimHost
        $b = New-TestSimHost
        Disconnect-XenHost $b
        $got = Get-XenHostInfo -XenHost $a, $b -ErrorVariable err -ErrorAction SilentlyContinue
        $got.Host | Should -Be $a.Name
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionClosed,XenPS.Commands.GetXenHostInfoCommand'
        $err[0].TargetObject.Name | Should -Be $b.Name
    }
}
