# The host's /etc/xen as its library of defined domains (issue 10), on a simulated host: Export-XenDomainConfig
# -XenHost, Get-XenDomain -All, Start-XenDomain, Remove-XenDomainConfig. The files are real files in the host's state
# folder (<state>/fs/etc/xen), checked directly, not only through XenPS.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    function Get-EtcXen($h) { Join-Path ([uri]$h.Uri).LocalPath 'fs/etc/xen' }
}

Describe 'Stored configs on a simulated host' {
    BeforeEach {
        $script:h = New-TestSimHost
        $script:etc = Get-EtcXen $h
        $script:cfg = New-TestConfig "name = `"web`"`nkernel = `"/boot/vmlinuz`"`nmemory = 256`n" -FileName 'web.cfg'
    }
    AfterEach { Disconnect-XenHost $h }

    It 'Export-XenDomainConfig -XenHost stores NAME.cfg in the host''s /etc/xen; no overwrite without -Force' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        Get-Content -LiteralPath (Join-Path $etc 'web.cfg') -Raw | Should -Match 'memory = 256'
        Import-XenDomainConfig $cfg memory=512 | Export-XenDomainConfig -XenHost $h -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigFileExists,XenPS.Commands.ExportXenDomainConfigCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -LiteralPath (Join-Path $etc 'web.cfg') -Raw | Should -Match 'memory = 256'
        Import-XenDomainConfig $cfg memory=512 | Export-XenDomainConfig -XenHost $h -Force
        Get-Content -LiteralPath (Join-Path $etc 'web.cfg') -Raw | Should -Match 'memory = 512'
        @(Get-ChildItem -LiteralPath $etc -Force -Filter '.xenps-*') | Should -BeNullOrEmpty
    }

    It '-WhatIf stores nothing; a name that could leave /etc/xen is refused' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h -WhatIf
        Test-Path -LiteralPath (Join-Path $etc 'web.cfg') | Should -BeFalse
        foreach ($bad in '../evil.cfg', 'a/b.cfg', '-x.cfg', '.hidden.cfg') {
            Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h -Path $bad -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,XenPS.Commands.ExportXenDomainConfigCommand'
        }
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h -Path '/root/x.cfg' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,XenPS.Commands.ExportXenDomainConfigCommand'
        # nothing was written anywhere in the host's files (the folder may not even exist yet)
        $fs = Join-Path ([uri]$h.Uri).LocalPath 'fs'
        @(if (Test-Path -LiteralPath $fs) { Get-ChildItem -LiteralPath $fs -Recurse -File -Force }) | Should -BeNullOrEmpty
    }

    It 'Get-XenDomain -All lists a defined domain as Halted with no Id; plain Get-XenDomain does not' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        Get-XenDomain -XenHost $h web -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $d = Get-XenDomain -XenHost $h -All web
        $d.State | Should -Be 'Halted'
        $d.Id | Should -BeNullOrEmpty
        $d.ConfigPath | Should -Be '/etc/xen/web.cfg'
        $d.AutoStart | Should -BeFalse
        $d.MemoryMiB | Should -Be 256
        @(Get-XenDomain -XenHost $h -All | Where-Object State -eq Halted).Name | Should -Be @('web')
    }

    It 'files that count follow xl: *.cfg and names without an extension; a file that does not parse is listed with its errors' {
        $null = New-Item -ItemType Directory -Force (Join-Path $etc 'auto'), (Join-Path $etc 'scripts')
        Set-Content -LiteralPath (Join-Path $etc 'legacy') -Value "name = `"legacy`"`nkernel = `"/k`""
        Set-Content -LiteralPath (Join-Path $etc 'xl.conf') -Value 'autoballoon="off"'
        Set-Content -LiteralPath (Join-Path $etc 'notes.txt') -Value 'x'
        Set-Content -LiteralPath (Join-Path $etc 'broken.cfg') -Value "name = `"broken`"`nmemory = 512 1024"
        $all = Get-XenDomain -XenHost $h -All | Where-Object Id -eq $null
        ($all.Name | Sort-Object) | Should -Be @('broken', 'legacy')
        $b = $all | Where-Object Name -eq 'broken'
        $b.Config | Should -BeNullOrEmpty
        $b.ConfigDiagnostics[0].Line | Should -Be 2
        $b.ConfigDiagnostics[0].File | Should -Be '/etc/xen/broken.cfg'
        Start-XenDomain -XenHost $h broken -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Match '^(ConfigSyntaxError|InvalidDomainConfig),XenPS.Commands.StartXenDomainCommand'
    }

    It 'Start-XenDomain starts it by name, with overrides and -Paused; a running one is DomainAlreadyRunning' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        $d = Start-XenDomain -XenHost $h web memory=384 -Paused -PassThru
        $d.State | Should -Be 'Paused'
        $d.MemoryMiB | Should -Be 384
        $d.ConfigPath | Should -Be '/etc/xen/web.cfg'
        Get-Content -LiteralPath (Join-Path $etc 'web.cfg') -Raw | Should -Match 'memory = 256' -Because 'overrides are for this start only'
        (Get-XenDomain -XenHost $h web).AutoStart | Should -BeFalse
        Start-XenDomain -XenHost $h web -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainAlreadyRunning,XenPS.Commands.StartXenDomainCommand'
        $e[0].TargetObject.Name | Should -Be 'web'
    }

    It 'Start-XenDomain takes the defined domains from Get-XenDomain -All; -WhatIf starts nothing' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        Import-XenDomainConfig $cfg 'name="db"' | Export-XenDomainConfig -XenHost $h
        Get-XenDomain -XenHost $h -All | Where-Object State -eq Halted | Start-XenDomain -WhatIf
        @(Get-XenDomain -XenHost $h | Where-Object Id -ne 0) | Should -BeNullOrEmpty
        Get-XenDomain -XenHost $h -All | Where-Object State -eq Halted | Start-XenDomain
        (Get-XenDomain -XenHost $h | Where-Object Id -ne 0).Name | Sort-Object | Should -Be @('db', 'web')
    }

    It 'Remove-XenDomainConfig keeps a running domain''s config unless -Force, and removes the file' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        Start-XenDomain -XenHost $h web
        Remove-XenDomainConfig -XenHost $h web -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainIsRunning,XenPS.Commands.RemoveXenDomainConfigCommand'
        Test-Path -LiteralPath (Join-Path $etc 'web.cfg') | Should -BeTrue
        Remove-XenDomainConfig -XenHost $h web -Force -Confirm:$false
        Test-Path -LiteralPath (Join-Path $etc 'web.cfg') | Should -BeFalse
        (Get-XenDomain -XenHost $h web).State | Should -Be 'Running' -Because 'the running domain is not touched'
    }

    It 'Remove-XenDomainConfig in a session that cannot ask is ConfirmationRequired and removes nothing' {
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        $uri = $h.Uri
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module '$((Get-Module XenPS).Path)'; Connect-XenHost '$uri' -Name s | Out-Null; Remove-XenDomainConfig -XenHost s web -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId"
        $out | Should -Be 'ConfirmationRequired,XenPS.Commands.RemoveXenDomainConfigCommand'
        Test-Path -LiteralPath (Join-Path $etc 'web.cfg') | Should -BeTrue
    }
}

Describe 'Set-XenDomain -AutoStart on a simulated host' {
    BeforeEach {
        $script:h = New-TestSimHost
        $script:etc = Get-EtcXen $h
        $script:cfg = New-TestConfig "name = `"web`"`nkernel = `"/boot/vmlinuz`"`nmemory = 256`n" -FileName 'web.cfg'
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
    }
    AfterEach { Disconnect-XenHost $h }

    It 'creates the link /etc/xen/auto/web.cfg to the stored config, idempotently, on a defined domain' {
        Set-XenDomain -XenHost $h web -AutoStart $true -WhatIf
        Test-Path -LiteralPath (Join-Path $etc 'auto/web.cfg') | Should -BeFalse
        $d = Set-XenDomain -XenHost $h web -AutoStart $true -PassThru
        $d.AutoStart | Should -BeTrue
        (Get-Item -LiteralPath (Join-Path $etc 'auto/web.cfg')).LinkTarget | Should -Be '../web.cfg'
        (Get-XenDomain -XenHost $h -All web).AutoStart | Should -BeTrue
        $v = Set-XenDomain -XenHost $h web -AutoStart $true -Verbose 4>&1
        (($v | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Match 'AutoStart = \$true: Unchanged'
        Set-XenDomain -XenHost $h web -AutoStart $false
        Test-Path -LiteralPath (Join-Path $etc 'auto/web.cfg') | Should -BeFalse
        (Get-XenDomain -XenHost $h -All web).AutoStart | Should -BeFalse
    }

    It 'works on a running domain together with other settings, autostart last' {
        Start-XenDomain -XenHost $h web
        $d = Set-XenDomain -XenHost $h web -MemoryMiB 200 -AutoStart $true -PassThru
        $d.MemoryMiB | Should -Be 200
        $d.AutoStart | Should -BeTrue
        (Get-XenDomain -XenHost $h web).AutoStart | Should -BeTrue
    }

    It 'a domain without a stored config is ConfigFileNotFound and nothing is linked' {
        New-XenDomain -XenHost $h (New-TestConfig "name = `"adhoc`"`nkernel = `"/k`"`n") | Out-Null
        Set-XenDomain -XenHost $h adhoc -AutoStart $true -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigFileNotFound,XenPS.Commands.SetXenDomainCommand'
        $e[0].Exception.Message | Should -Match 'Export-XenDomainConfig -XenHost'
        Test-Path -LiteralPath (Join-Path $etc 'auto') | Should -BeFalse
    }

    It 'Remove-XenDomainConfig removes the autostart link with the file' {
        Set-XenDomain -XenHost $h web -AutoStart $true
        Remove-XenDomainConfig -XenHost $h web -Confirm:$false
        Test-Path -LiteralPath (Join-Path $etc 'web.cfg') | Should -BeFalse
        @(Get-ChildItem -LiteralPath (Join-Path $etc 'auto') -Force) | Should -BeNullOrEmpty
    }
}

Describe 'Restart-XenHost: the simulated host''s boot starts its autostart domains' {
    BeforeEach {
        $script:h = New-TestSimHost
        $script:cfg = New-TestConfig "name = `"web`"`nkernel = `"/boot/vmlinuz`"`nmemory = 256`n" -FileName 'web.cfg'
        Import-XenDomainConfig $cfg | Export-XenDomainConfig -XenHost $h
        Import-XenDomainConfig $cfg 'name="db"' | Export-XenDomainConfig -XenHost $h
    }
    AfterEach { Disconnect-XenHost $h }

    It 'every domain stops, then exactly the autostart domains start; -WhatIf restarts nothing' {
        Set-XenDomain -XenHost $h web -AutoStart $true
        New-XenDomain -XenHost $h (New-TestConfig "name = `"adhoc`"`nkernel = `"/k`"`n") | Out-Null
        Restart-XenHost -XenHost $h -WhatIf
        (Get-XenDomain -XenHost $h adhoc).Name | Should -Be 'adhoc'
        $started = Restart-XenHost -XenHost $h -Confirm:$false -PassThru
        $started.Name | Should -Be 'web'
        (Get-XenDomain -XenHost $h | Where-Object Id -ne 0).Name | Should -Be @('web')
        (Get-XenDomain -XenHost $h -All db).State | Should -Be 'Halted'
    }

    It 'a broken autostart entry is an error naming it; the others start' {
        Set-XenDomain -XenHost $h web -AutoStart $true
        Set-XenDomain -XenHost $h db -AutoStart $true
        Set-Content -LiteralPath (Join-Path (Get-EtcXen $h) 'db.cfg') -Value "name = `"db`"`nmemory = 1 2"
        Restart-XenHost -XenHost $h -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].TargetObject | Should -Match '/etc/xen/auto/db.cfg'
        (Get-XenDomain -XenHost $h | Where-Object Id -ne 0).Name | Should -Be @('web')
    }
}
