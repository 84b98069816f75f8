# The error ids and parameter sets not exercised elsewhere.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Export and conversion errors' {
    It 'ConfigNotRepresentable: a value xl.cfg has no escape for' {
        $yaml = New-TestConfig "name: esc`nextra: `"a\eb`"`n" -FileName 'esc.yaml'
        $c = Import-XenDomainConfig $yaml
        $c | ConvertTo-XenDomainConfig -Format Xl -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigNotRepresentable,XenPS.Commands.ConvertToXenDomainConfigCommand'
        $target = Join-Path $TestDrive 'esc.cfg'
        $c | Export-XenDomainConfig -Path $target -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'ConfigNotRepresentable,XenPS.Commands.ExportXenDomainConfigCommand'
        Test-Path $target | Should -BeFalse
    }

    It 'ConfigHasNoName and ConfigNameNotAFileName when exporting into a folder' {
        $dir = Join-Path $TestDrive 'names'
        $null = New-Item -ItemType Directory $dir
        $c = [XenPS.XenDomainConfig]::new()
        $c.Set('memory', '64', [XenPS.SourcePosition]::new($null, 0, 0))
        $c | Export-XenDomainConfig -Path $dir -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigHasNoName,XenPS.Commands.ExportXenDomainConfigCommand'
        $c.Set('name', '../escape', [XenPS.SourcePosition]::new($null, 0, 0))
        $c | Export-XenDomainConfig -Path $dir -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'ConfigNameNotAFileName,XenPS.Commands.ExportXenDomainConfigCommand'
        Get-ChildItem $dir | Should -BeNullOrEmpty
        Test-Path (Join-Path $TestDrive 'escape.cfg') | Should -BeFalse
    }

    It 'ParentFolderNotFound' {
        Import-XenDomainConfig "$ExamplesDir/test1.cfg" | Export-XenDomainConfig -Path (Join-Path $TestDrive 'no/such/folder/x.cfg') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ParentFolderNotFound,XenPS.Commands.ExportXenDomainConfigCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Reading errors and the -LiteralPath set' {
    It 'NotAFileSystemPath' {
        Import-XenDomainConfig Env:PATH -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NotAFileSystemPath,XenPS.Commands.ImportXenDomainConfigCommand'
    }

    It '-LiteralPath reads a file whose name has wildcard characters' {
        $p = New-TestConfig "name = `"lit`"`nkernel = `"/boot/vmlinuz`"`n" -FileName 'odd[1].cfg'
        (Import-XenDomainConfig -LiteralPath $p).Name | Should -Be 'lit'
        Test-XenDomainConfig -LiteralPath $p -Quiet | Should -BeTrue
    }

    It '-Quiet writes $false for a missing file' {
        Test-XenDomainConfig (Join-Path $TestDrive 'absent.cfg') -Quiet -ErrorAction SilentlyContinue | Should -Be $false
    }
}

Describe 'Host and domain parameter sets' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'XenHostConnectionClosed for a connection object that was disconnected' {
        Disconnect-XenHost $h.Name
        { Get-XenDomain -XenHost $h } | Should -Throw -ErrorId 'XenHostConnectionClosed,XenPS.Commands.GetXenDomainCommand'
    }

    It 'Get-XenDomain -InputObject reads piped domains again from their host' {
        $d = New-XenDomain /dev/null 'name="again"' -Paused
        $d.StateFlags | Should -Be '--p---'
        $h.Backend.UnpauseDomain($d, [System.Threading.CancellationToken]::None)
        $now = $d | Get-XenDomain
        $now.Id | Should -Be $d.Id
        $now.StateFlags | Should -Not -Be '--p---'
        $d | Stop-XenDomain -TurnOff -Confirm:$false
        $d | Get-XenDomain -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.GetXenDomainCommand'
    }

    It 'Connect-XenConsole -Id' {
        $d = New-XenDomain /dev/null 'name="byid"' 'sim.boot_seconds=0'
        @(Connect-XenConsole -Id $d.Id -Until 'login:' -Timeout 20)[-1] | Should -Match 'byid login:'
    }

    It 'Connect-XenHost -SetDefault on an open connection moves the default' {
        $other = New-TestSimHost
        (Get-XenHostConnection -Default).Name | Should -Be $h.Name
        Connect-XenHost $other.Uri -Name $other.Name -SetDefault
        (Get-XenHostConnection -Default).Name | Should -Be $other.Name
    }
}
