BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Import-XenDomainConfig' {
    It 'reads an xl.cfg file into a typed config' {
        $c = Import-XenDomainConfig "$ExamplesDir/test1.cfg"
        $c | Should -BeOfType ([XenPS.XenDomainConfig])
        $c.Name | Should -Be 'test1'
        $c.MemoryMiB | Should -Be 256
        $c.MaxMemoryMiB | Should -Be 1024
        $c.Type | Should -Be 'PV'
        $c.Disks.Count | Should -Be 2
        $c.Disks[0].Target | Should -Be '/dev/vg0/test1-root'
        $c.Disks[1].Vdev | Should -Be 'xvdb'
        $c.Vifs[0].Bridge | Should -Be 'xenbr0'
        $c.OnCrash | Should -Be 'Preserve'
        $c.Settings['memory'] | Should -Be '256'
        $c.Cmdline | Should -Be 'root=/dev/xvda1 ro console=hvc0 quiet'
    }

    It 'reads YAML with disk and vif mappings into xl spec strings' {
        $c = Import-XenDomainConfig "$ExamplesDir/web.yaml"
        $c.Name | Should -Be 'web'
        $c.Type | Should -Be 'PVH'
        $c.SourceFormat | Should -Be 'Yaml'
        $c.Disks[0].Target | Should -Be '/srv/xen/web-root.img'
        $c.Disks[1].Format | Should -Be 'qcow2'
        $c.Vifs[0].Mac | Should -Be '00:16:3e:00:00:10'
        $c.Settings['disk'][0] | Should -BeOfType ([string])
    }

    It 'applies name=value overrides after the file; the last one wins' {
        $c = Import-XenDomainConfig "$ExamplesDir/test1.cfg" memory=1024 'name="other"; vcpus=2'
        $c.MemoryMiB | Should -Be 1024
        $c.Name | Should -Be 'other'
        $c.VCpus | Should -Be 2
    }

    It 'builds a complete config from /dev/null and overrides only (the seed command)' {
        $c = Import-XenDomainConfig /dev/null ramdisk=initrd.img kernel=/boot/vmlinuz-2.6.12.6-xenU name=ramdisk nics=0 vcpus=1 memory=64 root=/dev/ram0 -WarningAction SilentlyContinue
        $c.Name | Should -Be 'ramdisk'
        $c.Kernel | Should -Be '/boot/vmlinuz-2.6.12.6-xenU'
        $c.Ramdisk | Should -Be 'initrd.img'
        $c.MemoryMiB | Should -Be 64
        $c.Cmdline | Should -Be 'root=/dev/ram0'
    }

    It 'takes files from Get-ChildItem on the pipeline' {
        $dir = Join-Path $TestDrive 'many'
        $null = New-Item -ItemType Directory $dir
        'name = "a"', 'name = "b"', 'name = "c"' | ForEach-Object -Begin { $i = 0 } -Process {
            Set-Content -LiteralPath (Join-Path $dir "d$((++$i)).cfg") -Value $_
        }
        $names = Get-ChildItem $dir -Filter *.cfg | Import-XenDomainConfig | ForEach-Object Name
        $names | Should -Be @('a', 'b', 'c')
    }

    It 'reports a broken file as a non-terminating error with file:line:column and reads the next file' {
        $bad = New-TestConfig "name = `"x`"`nmemory = 512 1024`n" -FileName 'bad.cfg'
        $good = New-TestConfig "name = `"y`"`n" -FileName 'good.cfg'
        $out = Import-XenDomainConfig $bad, $good -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Name | Should -Be 'y'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ConfigSyntaxError,XenPS.Commands.ImportXenDomainConfigCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        $err[0].Exception.Message | Should -Match ([regex]::Escape("bad.cfg:2:"))
        $err[0].TargetObject | Should -Be $bad
    }

    It 'reports every grammar error as ConfigSyntaxError (ParserError), a bad value as InvalidDomainConfig' -ForEach @(
        @{ Text = "name = `"x`"`ndisk = [ 'a',`n"; Id = 'ConfigSyntaxError'; Category = 'ParserError' }   # unterminated list
        @{ Text = "name = `"x`"`nmemory = 0x1F`n"; Id = 'ConfigSyntaxError'; Category = 'ParserError' }    # upper-case hex: libxlu's lexical error
        @{ Text = "name = `"x`"`nmemory = -1`n"; Id = 'ConfigSyntaxError'; Category = 'ParserError' }      # no sign in xl.cfg
        @{ Text = "name = `"x`"`nextra = `"a`"`nextra += [ 1 ]`n"; Id = 'ConfigSyntaxError'; Category = 'ParserError' }
        @{ Text = "name: x`nmemory:`n"; Id = 'ConfigSyntaxError'; Category = 'ParserError'; Yaml = $true }
        @{ Text = "name = `"x`"`nuuid = `"08`"`n"; Id = 'InvalidDomainConfig'; Category = 'InvalidData' }    # valid token, invalid value
        @{ Text = "name = `"x`"`non_crash = `"explode`"`n"; Id = 'InvalidDomainConfig'; Category = 'InvalidData' }
    ) {
        $p = New-TestConfig $Text -FileName $(if ($Yaml) { 'kind.yaml' } else { 'kind.cfg' })
        Import-XenDomainConfig $p -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "$Id,XenPS.Commands.ImportXenDomainConfigCommand"
        $e[0].CategoryInfo.Category | Should -Be $Category
    }

    It 'reports Python-isms of legacy xm files with the fix' {
        $xm = New-TestConfig "name = 'old'`nacpi = True`n"
        { Import-XenDomainConfig $xm -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigSyntaxError,XenPS.Commands.ImportXenDomainConfigCommand'
        $e = $null
        Import-XenDomainConfig $xm -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Diagnostics.Hint -join ' ' | Should -Match 'acpi = 1'
    }

    It 'converts the literal Python subset with -AllowLegacyXm, warning about each conversion' {
        $xm = New-TestConfig "name = 'old'`nacpi = True`n"
        $c = Import-XenDomainConfig $xm -AllowLegacyXm -WarningVariable w -WarningAction SilentlyContinue
        $c.Settings['acpi'] | Should -Be '1'
        $w.Count | Should -BeGreaterThan 0
    }

    Context 'a folder like /etc/xen, with the subfolder auto' {
        BeforeAll {
            $script:etc = Join-Path $TestDrive 'etc-xen'
            $null = New-Item -ItemType Directory (Join-Path $etc 'auto') -Force
            Set-Content -LiteralPath (Join-Path $etc 'a.cfg') -Value "name = `"a`"`nkernel = `"/boot/vmlinuz`""
            Set-Content -LiteralPath (Join-Path $etc 'b.cfg') -Value "name = `"b`"`nkernel = `"/boot/vmlinuz`""
        }

        It 'skips folders that a wildcard matches, with a verbose line' {
            $c = Import-XenDomainConfig (Join-Path $etc '*') -ErrorVariable e -Verbose 4>&1 -ErrorAction SilentlyContinue
            $e | Should -BeNullOrEmpty
            ($c | Where-Object { $_ -is [XenPS.XenDomainConfig] }).Name | Should -Be @('a', 'b')
            ($c | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
                Should -Match ([regex]::Escape((Join-Path $etc 'auto')) + '.*directory')
        }

        It 'skips folders piped from Get-ChildItem' {
            $c = Get-ChildItem $etc | Import-XenDomainConfig -ErrorVariable e -ErrorAction SilentlyContinue
            $e | Should -BeNullOrEmpty
            $c.Name | Should -Be @('a', 'b')
            $d = Get-ChildItem $etc | Test-XenDomainConfig -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2 | Should -BeNullOrEmpty
            $d | Should -BeNullOrEmpty
            Get-ChildItem $etc | Test-XenDomainConfig -Quiet | Should -Be @($true, $true)
        }

        It 'reports a folder named explicitly as a folder, not as missing or unreadable' -ForEach @(
            @{ How = 'Path' }, @{ How = 'LiteralPath' }
        ) {
            $auto = Join-Path $etc 'auto'
            $p = @{ $How = $auto }
            Import-XenDomainConfig @p -ErrorVariable e -ErrorAction SilentlyContinue
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be 'PathIsDirectory,XenPS.Commands.ImportXenDomainConfigCommand'
            $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e[0].Exception.Message | Should -Match "'$([regex]::Escape($auto))' is a directory"
            Test-XenDomainConfig @p -Quiet -ErrorAction SilentlyContinue | Should -Be $false
        }
    }

    It 'writes a PathNotFound error for a missing file' {
        Import-XenDomainConfig (Join-Path $TestDrive 'nope.cfg') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,XenPS.Commands.ImportXenDomainConfigCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'warns about unknown keys with a suggestion' {
        $p = New-TestConfig "name = `"t`"`nmemroy = 512`n"
        $null = Import-XenDomainConfig $p -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match "memory"
    }
}

Describe 'Test-XenDomainConfig' {
    It 'writes diagnostics as objects with code, line and column' {
        $p = New-TestConfig "name = `"t`"`nmemroy = 512`n"
        $d = Test-XenDomainConfig $p
        $d | Should -BeOfType ([XenPS.XenDiagnostic])
        $u = $d | Where-Object Code -eq 'UnknownKey'
        $u.Line | Should -Be 2
        $u.Column | Should -Be 1
        $u.Severity | Should -Be 'Warning'
    }

    It 'shows diagnostics as a table with their location' {
        $p = New-TestConfig "name = `"t`"`nmemroy = 512`n"
        $text = Test-XenDomainConfig $p | Out-String -Width 200
        $text | Should -Match 'Severity\s+Code\s+Location\s+Message'
        $text | Should -Match 'Warning\s+UnknownKey\s+\S*:2:1\s+Unknown key'
    }

    It 'writes nothing for a clean file' {
        Test-XenDomainConfig "$ExamplesDir/test1.cfg" | Should -BeNullOrEmpty
    }

    It '-Quiet writes one boolean per file' {
        $bad = New-TestConfig "name = `"x`"`nmemory = 512 1024`n"
        $r = Test-XenDomainConfig "$ExamplesDir/test1.cfg", $bad -Quiet
        $r | Should -Be @($true, $false)
    }
}

Describe 'ConvertTo-XenDomainConfig and Export-XenDomainConfig' {
    It 'round-trips xl text' {
        $c = Import-XenDomainConfig "$ExamplesDir/test1.cfg"
        $text = $c | ConvertTo-XenDomainConfig -Format Xl
        $p = New-TestConfig $text
        $c2 = Import-XenDomainConfig $p
        ($c2.Settings.Keys -join ',') | Should -Be ($c.Settings.Keys -join ',')
        $c2.Disks.Target | Should -Be $c.Disks.Target
    }

    It 'round-trips YAML' {
        $c = Import-XenDomainConfig "$ExamplesDir/test1.cfg"
        $yaml = ConvertTo-XenDomainConfig $c -Format Yaml
        $p = New-TestConfig $yaml -FileName 'rt.yaml'
        $c2 = Import-XenDomainConfig $p
        $c2.Name | Should -Be 'test1'
        $c2.Settings['disk'] | Should -Be $c.Settings['disk']
    }

    It 'exports into a folder as NAME.cfg, refuses to overwrite without -Force' {
        $dir = Join-Path $TestDrive 'export'
        $null = New-Item -ItemType Directory $dir
        $c = Import-XenDomainConfig "$ExamplesDir/test1.cfg"
        $f = $c | Export-XenDomainConfig -Path $dir -PassThru
        $f.Name | Should -Be 'test1.cfg'
        $before = Get-Content -Raw $f.FullName
        $c2 = Import-XenDomainConfig "$ExamplesDir/test1.cfg" memory=999
        $c2 | Export-XenDomainConfig -Path $dir -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigFileExists,XenPS.Commands.ExportXenDomainConfigCommand'
        Get-Content -Raw $f.FullName | Should -Be $before
        $c2 | Export-XenDomainConfig -Path $dir -Force
        (Import-XenDomainConfig $f.FullName).MemoryMiB | Should -Be 999
    }

    It '-WhatIf writes nothing' {
        $target = Join-Path $TestDrive 'whatif.yaml'
        Import-XenDomainConfig "$ExamplesDir/test1.cfg" | Export-XenDomainConfig -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
    }

    It '-PassThru writes the file as Get-Item does (provider properties included)' {
        $target = Join-Path $TestDrive 'passthru.cfg'
        $f = Import-XenDomainConfig "$ExamplesDir/test1.cfg" | Export-XenDomainConfig -Path $target -PassThru
        $f | Should -BeOfType ([System.IO.FileInfo])
        $f.FullName | Should -Be $target
        $f.PSPath | Should -Be (Get-Item -LiteralPath $target).PSPath
        $f.PSIsContainer | Should -BeFalse
        $f.PSParentPath | Should -Not -BeNullOrEmpty
        ($f | Format-Table | Out-String) | Should -Match 'Directory:'
        $f | Remove-Item
        Test-Path -LiteralPath $target | Should -BeFalse
    }

    Context 'domains on the pipeline' {
        BeforeAll { $null = New-TestSimHost -SetDefault }
        AfterAll { Remove-AllTestHosts }

        It 'exports the config a domain carries, overrides included' {
            $null = New-XenDomain "$ExamplesDir/test1.cfg" memory=384
            $dir = Join-Path $TestDrive 'from-domains'
            $null = New-Item -ItemType Directory $dir
            $f = Get-XenDomain test1 | Export-XenDomainConfig -Path $dir -PassThru
            $f.Name | Should -Be 'test1.cfg'
            (Import-XenDomainConfig $f.FullName).MemoryMiB | Should -Be 384
        }

        It 'writes into the current location without -Path' {
            $dir = Join-Path $TestDrive 'cwd'
            $null = New-Item -ItemType Directory $dir
            Push-Location $dir
            try { Get-XenDomain test1 | Export-XenDomainConfig } finally { Pop-Location }
            (Import-XenDomainConfig (Join-Path $dir 'test1.cfg')).Name | Should -Be 'test1'
        }

        It 'says that Domain-0 carries no config, and exports the others' {
            $dir = Join-Path $TestDrive 'all-domains'
            $null = New-Item -ItemType Directory $dir
            Get-XenDomain | Export-XenDomainConfig -Path $dir -ErrorVariable e -ErrorAction SilentlyContinue
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be 'DomainHasNoConfig,XenPS.Commands.ExportXenDomainConfigCommand'
            $e[0].TargetObject.Name | Should -Be 'Domain-0'
            (Get-ChildItem $dir).Name | Should -Be 'test1.cfg'
        }
    }

    It 'chooses YAML from the extension' {
        $target = Join-Path $TestDrive 'by-ext.yml'
        Import-XenDomainConfig "$ExamplesDir/test1.cfg" | Export-XenDomainConfig -Path $target
        (Import-XenDomainConfig $target).SourceFormat | Should -Be 'Yaml'
    }
}
