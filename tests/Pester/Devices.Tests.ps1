# Disk and network interface hotplug on a simulated host: Get-/Add-/Remove-XenDomainDisk and -NetworkAdapter.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    function New-TestImage([string] $Name = ('img-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.img')) {
        (New-Item -ItemType File -Force (Join-Path $TestDrive $Name)).FullName
    }
}

Describe 'Get-XenDomainDisk and Get-XenDomainNetworkAdapter' {
    BeforeEach {
        $script:h = New-TestSimHost -SetDefault
        New-XenDomain /dev/null 'name="web"' memory=64 "disk=['format=raw, vdev=xvda, access=rw, target=/dev/vg/web', 'phy:/dev/vg/cd,hdc:cdrom,r']" "vif=['bridge=xenbr0,mac=00:16:3e:00:00:02', 'bridge=xenbr1']" | Out-Null
        New-XenDomain /dev/null 'name="db"' memory=64 "disk=['format=raw, vdev=xvda, access=rw, target=/dev/vg/db']" | Out-Null
    }
    AfterEach { Remove-AllTestHosts }

    It 'writes typed disks with the vdev decoded, the target from the config and the domain they belong to' {
        $disks = Get-XenDomainDisk web
        $disks | Should -HaveCount 2
        $disks[0] | Should -BeOfType ([XenPS.XenDomainDisk])
        $disks.Vdev | Should -Be @('hdc', 'xvda')
        $x = $disks | Where-Object Vdev -eq xvda
        $x.DevId | Should -Be 51712
        $x.Target | Should -Be '/dev/vg/web'
        $x.Access | Should -Be 'rw'
        $x.DomainName | Should -Be 'web'
        $x.DomainId | Should -Be (Get-XenDomain web).Id
        $x.Host | Should -Be $h.Name
        $x.BackendPath | Should -Be "/local/domain/0/backend/vbd/$($x.DomainId)/51712"
    }

    It 'writes typed network interfaces with devid, MAC and bridge' {
        $nics = Get-XenDomainNetworkAdapter web
        $nics | Should -HaveCount 2
        $nics[0] | Should -BeOfType ([XenPS.XenDomainNetworkAdapter])
        $nics.DevId | Should -Be @(0, 1)
        $nics[0].MacAddress | Should -Be '00:16:3e:00:00:02'
        $nics[1].MacAddress | Should -Match '^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$'
        $nics[1].Bridge | Should -Be 'xenbr1'
    }

    It 'takes domains from the pipeline, by wildcard, and filters by vdev or MAC' {
        (Get-XenDomain web, db | Get-XenDomainDisk -VirtualDevice xvda).DomainName | Should -Be @('web', 'db')
        (Get-XenDomainDisk * -VirtualDevice 'hd*').DomainName | Should -Be 'web'
        ('web' | Get-XenDomainNetworkAdapter -MacAddress '00:16:3e:00:00:*').DevId | Should -Be 0
        Get-XenDomainNetworkAdapter db | Should -BeNullOrEmpty
    }

    It 'formats like xl''s tables' {
        $t = Get-XenDomainDisk web | Out-String
        $t | Should -Match 'Vdev\s+DevId\s+BE\s+State'
        $t | Should -Match 'xvda\s+51712\s+0\s+'
        (Get-XenDomainNetworkAdapter web | Out-String) | Should -Match 'Idx\s+BE\s+Mac Addr\.'
    }

    It 'writes DomainNotFound for a name that matches nothing and goes on' {
        $r = Get-XenDomainDisk nosuch, db -ErrorVariable err -ErrorAction SilentlyContinue
        $r.DomainName | Should -Be 'db'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DomainNotFound,*'
    }

    It 'lists the devices of a domain on several hosts, each with its host' {
        $h2 = New-TestSimHost
        New-XenDomain /dev/null 'name="web"' memory=64 "disk=['vdev=xvdz, target=/dev/null']" -XenHost $h2 | Out-Null
        $all = Get-XenDomainDisk web -XenHost $h, $h2
        ($all | Where-Object Host -eq $h2.Name).Vdev | Should -Be 'xvdz'
        ($all | Where-Object Host -eq $h.Name).Vdev | Should -Be @('hdc', 'xvda')
    }
}

Describe 'Add-XenDomainDisk and Remove-XenDomainDisk' {
    BeforeEach {
        $script:h = New-TestSimHost -SetDefault
        New-XenDomain /dev/null 'name="web"' memory=64 "disk=['format=raw, vdev=xvda, access=rw, target=/dev/null']" | Out-Null
        $script:img = New-TestImage
    }
    AfterEach { Remove-AllTestHosts }

    It 'attaches a disk from typed parameters and -PassThru writes it' {
        $d = Add-XenDomainDisk web -Target $img -VirtualDevice xvdb -Access r -PassThru
        $d | Should -BeOfType ([XenPS.XenDomainDisk])
        $d.Vdev | Should -Be 'xvdb'
        $d.DevId | Should -Be 51728
        $d.Access | Should -Be 'r'
        $d.Target | Should -Be $img
        (Get-XenDomainDisk web).Vdev | Should -Be @('xvda', 'xvdb')
    }

    It 'attaches a disk from an xl disk spec, and lists it in the domain''s config as xl list -l does' {
        Add-XenDomainDisk web -Spec "format=raw, vdev=xvdc, access=rw, target=$img" | Should -BeNullOrEmpty
        (Get-XenDomain web).Config.Disks.Vdev | Should -Contain 'xvdc'
        ((Get-XenDomain web).Config.Disks | Where-Object Vdev -eq xvdc).Target | Should -Be $img
    }

    It 'keeps hotplugged disks in the host''s state: a new session sees them' {
        Add-XenDomainDisk web -Target $img -VirtualDevice xvdb
        $uri = $h.Uri
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module '$((Get-Module XenPS).Path)'; Connect-XenHost '$uri' -SetDefault | Out-Null; (Get-XenDomainDisk web).Vdev -join ','"
        $out | Should -Be 'xvda,xvdb'
    }

    It 'refuses -Spec together with typed parameters, and a bad spec with its diagnostic, before touching any domain' {
        { Add-XenDomainDisk web -Spec "vdev=xvdb, target=$img" -Access r -ErrorAction Stop } | Should -Throw -ErrorId 'DiskSpecAndParameters,*'
        { Add-XenDomainDisk web -Spec 'format=bogus, vdev=xvdc, target=/x' -ErrorAction Stop } | Should -Throw -ErrorId 'DiskSpecInvalid,*'
        { Add-XenDomainDisk web -Target $img -ErrorAction Stop } | Should -Throw -ErrorId 'VirtualDeviceRequired,*'
        (Get-XenDomainDisk web).Vdev | Should -Be 'xvda'
    }

    It 'writes per-domain errors with stable ids and the domain as target: vdev in use, missing target' {
        New-XenDomain /dev/null 'name="db"' memory=64 | Out-Null
        Add-XenDomainDisk web, db -Target $img -VirtualDevice xvda -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'DeviceInUse,XenPS.Commands.AddXenDomainDiskCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject.Name | Should -Be 'web'
        (Get-XenDomainDisk db).Vdev | Should -Be 'xvda'
        Add-XenDomainDisk web -Target (Join-Path $TestDrive 'absent.img') -VirtualDevice xvdc -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'DiskTargetNotFound,XenPS.Commands.AddXenDomainDiskCommand'
        $e2[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'refuses Domain-0 clearly' {
        Add-XenDomainDisk Domain-0 -Target $img -VirtualDevice xvdb -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CannotAttachToDomain0,XenPS.Commands.AddXenDomainDiskCommand'
        $err[0].Exception.Message | Should -Match 'no frontend'
        Get-XenDomainDisk Domain-0 | Should -BeNullOrEmpty
    }

    It '-WhatIf attaches and removes nothing' {
        Add-XenDomainDisk web -Target $img -VirtualDevice xvdb -WhatIf
        Remove-XenDomainDisk web xvda -WhatIf
        (Get-XenDomainDisk web).Vdev | Should -Be 'xvda'
    }

    It 'removes a disk piped from Get-XenDomainDisk, -PassThru writing it' {
        Add-XenDomainDisk web -Target $img -VirtualDevice xvdb
        $r = Get-XenDomainDisk web | Where-Object Vdev -eq xvdb | Remove-XenDomainDisk -Confirm:$false -PassThru
        $r.Vdev | Should -Be 'xvdb'
        (Get-XenDomainDisk web).Vdev | Should -Be 'xvda'
        (Get-XenDomain web).Config.Disks.Vdev | Should -Be 'xvda'
    }

    It 'removes by name and vdev or devid, -Force included, and a missing device is DeviceNotFound with the device as target' {
        Add-XenDomainDisk web -Target $img -VirtualDevice xvdb
        Remove-XenDomainDisk web 51728 -Force -Confirm:$false
        Remove-XenDomainDisk web xvdf, xvda -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'DeviceNotFound,XenPS.Commands.RemoveXenDomainDiskCommand'
        $err[0].TargetObject | Should -Be 'xvdf'
        Get-XenDomainDisk web | Should -BeNullOrEmpty
    }

    It 'asks before removing (ConfirmImpact High): a session that cannot ask gets ConfirmationRequired, not a hang' {
        $uri = $h.Uri
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module '$((Get-Module XenPS).Path)'; Connect-XenHost '$uri' -SetDefault | Out-Null; Remove-XenDomainDisk web xvda -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId; (Get-XenDomainDisk web).Vdev"
        $out[0] | Should -BeLike 'ConfirmationRequired,*'
        $out[1] | Should -Be 'xvda'
    }
}

Describe 'Add-XenDomainNetworkAdapter and Remove-XenDomainNetworkAdapter' {
    BeforeEach {
        $script:h = New-TestSimHost -SetDefault
        New-XenDomain /dev/null 'name="web"' memory=64 "vif=['bridge=xenbr0']" | Out-Null
    }
    AfterEach { Remove-AllTestHosts }

    It 'attaches with every default: the next devid, xenbr0, a MAC in 00:16:3e' {
        $n = Add-XenDomainNetworkAdapter web -PassThru
        $n | Should -BeOfType ([XenPS.XenDomainNetworkAdapter])
        $n.DevId | Should -Be 1
        $n.Bridge | Should -Be 'xenbr0'
        $n.MacAddress | Should -Match '^00:16:3e:'
        (Get-XenDomain web).Config.Vifs.Mac | Should -Contain $n.MacAddress
    }

    It 'attaches from typed parameters or a spec, not both' {
        (Add-XenDomainNetworkAdapter web -Bridge xenbr1 -MacAddress 00-16-3E-0A-0B-0C -Model e1000 -PassThru).MacAddress | Should -Be '00:16:3e:0a:0b:0c'
        (Add-XenDomainNetworkAdapter web -Spec 'bridge=xenbr2,devid=7' -PassThru).DevId | Should -Be 7
        { Add-XenDomainNetworkAdapter web -Spec 'bridge=xenbr0' -Bridge xenbr1 -ErrorAction Stop } | Should -Throw -ErrorId 'VifSpecAndParameters,*'
        { Add-XenDomainNetworkAdapter web -Spec 'colour=blue' -ErrorAction Stop } | Should -Throw -ErrorId 'VifSpecInvalid,*'
        (Get-XenDomainNetworkAdapter web | Where-Object DevId -eq 1).Model | Should -Be 'e1000'
    }

    It 'a devid in use is DeviceInUse; Domain-0 is refused' {
        Add-XenDomainNetworkAdapter web -DevId 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DeviceInUse,XenPS.Commands.AddXenDomainNetworkAdapterCommand'
        Add-XenDomainNetworkAdapter -Id 0 -ErrorVariable e0 -ErrorAction SilentlyContinue
        $e0[0].FullyQualifiedErrorId | Should -Be 'CannotAttachToDomain0,XenPS.Commands.AddXenDomainNetworkAdapterCommand'
    }

    It 'removes by devid, by MAC and from the pipeline; a missing one is DeviceNotFound' {
        $a = Add-XenDomainNetworkAdapter web -PassThru
        $b = Add-XenDomainNetworkAdapter web -MacAddress 00:16:3e:0a:0b:0c -PassThru
        Remove-XenDomainNetworkAdapter web -MacAddress 00:16:3E:0A:0B:0C -Confirm:$false
        Remove-XenDomainNetworkAdapter web $a.DevId -Confirm:$false
        (Get-XenDomainNetworkAdapter web).DevId | Should -Be 0
        Get-XenDomainNetworkAdapter web | Remove-XenDomainNetworkAdapter -Confirm:$false -PassThru | ForEach-Object DevId | Should -Be 0
        Get-XenDomainNetworkAdapter web | Should -BeNullOrEmpty
        Remove-XenDomainNetworkAdapter web 7 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DeviceNotFound,XenPS.Commands.RemoveXenDomainNetworkAdapterCommand'
        $err[0].TargetObject | Should -Be '7'
        Remove-XenDomainNetworkAdapter web -MacAddress 'not-a-mac' -Confirm:$false -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'InvalidMacAddress,XenPS.Commands.RemoveXenDomainNetworkAdapterCommand'
    }
}
