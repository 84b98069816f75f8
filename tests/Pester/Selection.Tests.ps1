BeforeAll {
    . "$PSScriptRoot/common.ps1"
    function New-Guest([string] $Name, [object] $XenHost) {
        $a = @{}
        if ($XenHost) { $a.XenHost = $XenHost }
        New-XenDomain /dev/null "name=`"$($Name -replace '"', '\"')`"" 'memory=64' 'kernel=/boot/vmlinuz' @a
    }
}

# One rule for every selecting cmdlet: an exact (case-sensitive) name first, then all digits = domid and a UUID =
# uuid, then PowerShell wildcards; the destructive cmdlets first.
Describe 'Selecting domains by name, domid and uuid' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'an exact name is case-sensitive: destroying web leaves Web' {
        New-Guest Web | Out-Null
        New-Guest web | Out-Null
        Stop-XenDomain -Name web -TurnOff -Confirm:$false
        (Get-XenDomain).Name | Should -Be @('Domain-0', 'Web')
    }

    It 'a name that exists literally is taken literally before any wildcard reading' {
        New-Guest 'web1' | Out-Null
        New-Guest 'web[1]' | Out-Null
        Stop-XenDomain -Name 'web[1]' -TurnOff -Confirm:$false
        (Get-XenDomain).Name | Should -Be @('Domain-0', 'web1')
    }

    It 'a name with a backtick is found by its exact name' {
        New-Guest 'a`b' | Out-Null
        (Get-XenDomain -Name 'a`b').Name | Should -Be 'a`b'
        Suspend-XenDomain -Name 'a`b' -PassThru | ForEach-Object State | Should -Be 'Paused'
    }

    It 'wildcards keep PowerShell semantics (case-insensitive) and never select Domain-0 for a change' {
        New-Guest Web1 | Out-Null
        New-Guest web2 | Out-Null
        (Get-XenDomain -Name 'WEB*').Name | Should -Be @('Web1', 'web2')
        Stop-XenDomain * -TurnOff -Confirm:$false
        (Get-XenDomain).Name | Should -Be 'Domain-0'
    }

    It 'all digits is a domid on every cmdlet, as in xl' {
        $d = New-Guest digits
        $id = [string]$d.Id
        (Get-XenDomain $id).Name | Should -Be 'digits'
        (Suspend-XenDomain $id -PassThru).State | Should -Be 'Paused'
        (Resume-XenDomain $id -PassThru).State | Should -Be 'Running'
        Connect-XenConsole $id -Until 'login:' -Timeout 30 | Should -Not -BeNullOrEmpty
        Stop-XenDomain $id -TurnOff -Confirm:$false
        Get-XenDomain digits -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a UUID selects that domain' {
        $d = New-Guest byuuid
        (Get-XenDomain $d.Uuid).Name | Should -Be 'byuuid'
        (Get-XenDomain $d.Uuid.ToUpperInvariant()).Name | Should -Be 'byuuid'
    }

    It 'a name that differs only in case is not found, and the error says which one exists' {
        New-Guest Web | Out-Null
        Stop-XenDomain web -TurnOff -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.StopXenDomainCommand'
        $err[0].Exception.Message | Should -Match "did you mean 'Web'"
        (Get-XenDomain Web).Name | Should -Be 'Web'
    }

    It 'an unknown domid is DomainNotFound that says digits are read as a domid' {
        Get-XenDomain 999 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.GetXenDomainCommand'
        $err[0].Exception.Message | Should -Match 'domid'
    }
}

Describe 'Lifecycle State' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'an idle guest is Running (not Blocked); xl flags stay in StateFlags and Flags' {
        New-Guest idle -ErrorAction Stop | Out-Null
        Start-Sleep -Milliseconds 1200
        $d = Get-XenDomain idle
        $d.State | Should -Be 'Running'
        $d.StateFlags | Should -Match '^[r-][b-]----$'
        $d.Flags.GetType().Name | Should -Be 'XenDomainStateFlags'
        (Get-XenDomain -State Running).Name | Should -Contain 'idle'
        Suspend-XenDomain idle
        (Get-XenDomain -State Paused).Name | Should -Be 'idle'
        Get-XenDomain | Where-Object State -eq Paused | ForEach-Object Name | Should -Be 'idle'
    }
}

Describe 'Several hosts' {
    BeforeEach {
        $script:a = New-TestSimHost -SetDefault
        $script:b = New-TestSimHost
        New-Guest ona $a | Out-Null
        New-Guest onb $b | Out-Null
    }
    AfterEach { Remove-AllTestHosts }

    It '-XenHost takes several hosts by name and lists each' {
        $all = Get-XenDomain -XenHost $a.Name, $b.Name
        # hosts answer in parallel and each host's domains are written as they arrive: any host order
        ($all | Where-Object Name -ne 'Domain-0').Name | Sort-Object | Should -Be @('ona', 'onb')
        ($all | Where-Object Name -eq 'onb').Host | Should -Be $b.Name
    }

    It '-XenHost takes wildcards over connection names' {
        (Get-XenDomain -XenHost * | Where-Object Name -like 'on*').Name | Sort-Object | Should -Be @('ona', 'onb')
    }

    It 'Get-XenHostConnection | Get-XenDomain lists every connection''s domains' {
        (Get-XenHostConnection | Get-XenDomain | Where-Object Name -like 'on*').Name | Should -Be @('ona', 'onb')
    }

    It 'piped names still bind to -Name, not to hosts' {
        ('ona', 'nosuch' | Get-XenDomain -ErrorAction SilentlyContinue).Name | Should -Be 'ona'
    }

    It 'objects from several hosts flow through one pipeline to their own host' {
        Get-XenDomain -XenHost * ona, onb | Stop-XenDomain -TurnOff -Confirm:$false
        Get-XenDomain -XenHost * | Where-Object Name -ne 'Domain-0' | Should -BeNullOrEmpty
    }

    It 'the table shows a Host column when more than one host is in the output' {
        $many = Get-XenDomain -XenHost * | Out-String -Width 200
        $many | Should -Match '^\s*Host\s+Name\s+ID'
        $one = Get-XenDomain -XenHost $a | Out-String -Width 200
        $one | Should -Not -Match 'Host\s+Name'
    }

    It 'a closed host among several is a per-host error; the others go on' {
        $c = New-TestSimHost
        Disconnect-XenHost $c.Name
        $r = Get-XenDomain -XenHost $a, $c -ErrorVariable err -ErrorAction SilentlyContinue
        ($r | Where-Object Name -ne 'Domain-0').Name | Should -Be 'ona'
        $err[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionClosed,XenPS.Commands.GetXenDomainCommand'
        $err[0].TargetObject.Name | Should -Be $c.Name
    }
}

Describe 'Connect-XenHost backend options' {
    AfterEach { Remove-AllTestHosts }

    It '-Option sets a backend option by name' {
        $h = Connect-XenHost "sim://$TestDrive/opt" -Option @{ TotalMemoryMiB = 4096; Dom0MemoryMiB = 512 } -PassThru
        $i = $h.Backend.GetHostInfo([System.Threading.CancellationToken]::None)
        $i.TotalMemoryMiB | Should -Be 4096
        $i.FreeMemoryMiB | Should -Be 3584
    }

    It 'an option the scheme does not take is InvalidXenHostUri listing what it takes' {
        Connect-XenHost "sim://$TestDrive/bad" -Option @{ KeyFile = '/x' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidXenHostUri,XenPS.Commands.ConnectXenHostCommand'
        $err[0].Exception.Message | Should -Match 'TotalMemoryMiB'
        Connect-XenHost "sim://$TestDrive/bad2" -KeyFile /x -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].Exception.Message | Should -Match '-KeyFile does not apply to sim://'
        Get-XenHostConnection | Should -BeNullOrEmpty
    }

    It 'an option value out of its range is InvalidXenHostUri saying the range, before anything is contacted' {
        Connect-XenHost 'ssh://root@192.0.2.1' -Option @{ MigrationLoginKeepSeconds = 5000 } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidXenHostUri,XenPS.Commands.ConnectXenHostCommand'
        $err[0].Exception.Message | Should -Match 'MigrationLoginKeepSeconds must be between 0 and 3600'
        Get-XenHostConnection | Should -BeNullOrEmpty
    }
}

Describe 'Validation happens once, with one set of codes, on every path' {
    BeforeEach { $script:h = New-TestSimHost -SetDefault }
    AfterEach { Remove-AllTestHosts }

    It 'a piped config with a bad value gives the same error as the file' {
        $p = New-TestConfig "name = `"v`"`non_crash = `"explode`"`n"
        New-XenDomain $p -ErrorVariable e1 -ErrorAction SilentlyContinue
        $c = [XenPS.XenDomainConfig]::new()
        $c.Set('name', 'v')
        $c.Set('on_crash', 'explode')
        $c | New-XenDomain -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'InvalidDomainConfig,XenPS.Commands.NewXenDomainCommand'
        $e2[0].FullyQualifiedErrorId | Should -Be $e1[0].FullyQualifiedErrorId
        $e2[0].Exception.Diagnostics[0].Code | Should -Be $e1[0].Exception.Diagnostics[0].Code
        Get-XenDomain v -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a piped config without a name is NameRequired' {
        [XenPS.XenDomainConfig]::new() | New-XenDomain -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Diagnostics[0].Code | Should -Be 'NameRequired'
    }
}
