BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Connect-XenHost, Get-XenHostConnection, Disconnect-XenHost' {
    AfterEach { Remove-AllTestHosts }

    It 'connects to a simulated host; the first connection is the default' {
        $h = New-TestSimHost -Name 'alpha'
        $h | Should -BeOfType ([XenPS.XenHostConnection])
        $h.IsDefault | Should -BeTrue
        $h.Kind | Should -Be 'sim'
        $b = New-TestSimHost -Name 'beta'
        $b.IsDefault | Should -BeFalse
        (Get-XenHostConnection -Default).Name | Should -Be 'alpha'
        (Get-XenHostConnection b*).Name | Should -Be 'beta'
    }

    It 'shows connections as a table, the default marked' {
        $null = New-TestSimHost -Name 'tab1'
        $null = New-TestSimHost -Name 'tab2'
        $text = Get-XenHostConnection | Out-String -Width 120
        $text | Should -Match 'Name\s+Kind\s+Default\s+State\s+Latency\(ms\)\s+LastContact\s+Uri'
        $text | Should -Match 'tab1\s+sim\s+\*\s+Open\s+\d+\s+\d\d:\d\d:\d\d\s+sim:///'
        $text | Should -Not -Match 'Backend'
    }

    It '-SetDefault moves the default' {
        $null = New-TestSimHost -Name 'one'
        $null = New-TestSimHost -Name 'two' -SetDefault
        (Get-XenHostConnection -Default).Name | Should -Be 'two'
    }

    It 'names a sim:///path connection after its folder by default' {
        $dir = Join-Path $TestDrive 'labhost'
        $c = Connect-XenHost "sim://$dir" -PassThru
        $c.Name | Should -Be 'labhost'
    }

    It 'refuses a second connection with the same name to another URI' {
        $null = New-TestSimHost -Name 'dup'
        Connect-XenHost "sim://$(Join-Path $TestDrive 'other')" -Name dup -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionExists,XenPS.Commands.ConnectXenHostCommand'
    }

    It 'rejects an unsupported URI clearly' {
        Connect-XenHost 'ftp://nowhere' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'InvalidXenHostUri,XenPS.Commands.ConnectXenHostCommand'
        $e[0].Exception.Message | Should -Match 'sim://'
    }

    It 'reports damaged simulated host state as XenHostConnectionFailed, naming the file and line' {
        $h = New-TestSimHost -Name 'damaged'
        $null = New-XenDomain /dev/null 'name="vm1"' memory=64 -XenHost $h
        Disconnect-XenHost damaged
        $journal = Get-ChildItem (Join-Path $TestDrive 'damaged') -Filter 'journal-*.log'
        (Get-Content -Raw $journal).Replace('"mem":64', '"mem":65') | Set-Content -NoNewline $journal
        Connect-XenHost "sim://$(Join-Path $TestDrive 'damaged')" -Name damaged -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionFailed,XenPS.Commands.ConnectXenHostCommand'
        $e[0].Exception.Message | Should -Match 'journal-0\.log:2: checksum mismatch'
        Get-XenHostConnection damaged -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports an ssh host that does not answer as XenHostConnectionFailed, quickly' -Skip:(-not (Get-Command ssh -ErrorAction SilentlyContinue)) {
        # Port 9 on the loopback: nothing listens there.
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Connect-XenHost 'ssh://root@127.0.0.1:9' -Name deadhost -ErrorVariable e -ErrorAction SilentlyContinue
        $sw.Stop()
        $e[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionFailed,XenPS.Commands.ConnectXenHostCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
        Get-XenHostConnection deadhost -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-WhatIf connects nothing' {
        Connect-XenHost "sim://$(Join-Path $TestDrive 'w')" -Name whatif -WhatIf
        Get-XenHostConnection | Should -BeNullOrEmpty
    }

    It 'disconnects by name and from the pipeline' {
        $null = New-TestSimHost -Name 'x1'
        $null = New-TestSimHost -Name 'x2'
        Disconnect-XenHost x1
        (Get-XenHostConnection).Name | Should -Be 'x2'
        Get-XenHostConnection | Disconnect-XenHost
        Get-XenHostConnection | Should -BeNullOrEmpty
    }

    It 'reports an unknown connection name' {
        Get-XenHostConnection nope -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'XenHostConnectionNotFound,XenPS.Commands.GetXenHostConnectionCommand'
    }

    It 'terminates a domain cmdlet with no connection at all, saying how to connect' {
        { Get-XenDomain } | Should -Throw -ErrorId 'NoXenHostConnection,XenPS.Commands.GetXenDomainCommand'
        try { Get-XenDomain } catch { $_.Exception.Message | Should -Match 'Connect-XenHost' }
    }

    It '-XenHost takes a connection name; an unknown name fails at binding' {
        $null = New-TestSimHost -Name 'named'
        (Get-XenDomain -XenHost named -Id 0).Name | Should -Be 'Domain-0'
        { Get-XenDomain -XenHost nosuch } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,XenPS.Commands.GetXenDomainCommand'
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:h = New-TestSimHost -Name 'comp-host' -SetDefault
        $null = New-XenDomain /dev/null 'name=web01' -XenHost $h
        $null = New-XenDomain /dev/null 'name=web02' -XenHost $h
        $null = New-XenDomain /dev/null 'name="db server"' -XenHost $h
    }
    AfterAll { Remove-AllTestHosts }

    It 'completes domain names with wildcards' {
        $r = [System.Management.Automation.CommandCompletion]::CompleteInput('Get-XenDomain web', 17, $null)
        $r.CompletionMatches.CompletionText | Should -Be @('web01', 'web02')
    }

    It 'quotes names with spaces' {
        $line = 'Stop-XenDomain db'
        $r = [System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null)
        $r.CompletionMatches.CompletionText | Should -Be @("'db server'")
    }

    It 'completes host names for -XenHost' {
        $line = 'Get-XenDomain -XenHost comp'
        $r = [System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null)
        $r.CompletionMatches.CompletionText | Should -Be @('comp-host')
    }
}

Describe 'Damaged simulated host state: detected, explained, repairable' {
    AfterEach { Remove-AllTestHosts }

    It 'refuses damage with the file and line and the repair command; -Option Repair keeps what verifies, with a backup' {
        $dir = Join-Path $TestDrive 'torepair'
        $h = Connect-XenHost "sim://$dir" -Name torepair -PassThru
        $null = New-XenDomain /dev/null 'name="keep1"' memory=64 -XenHost $h
        $null = New-XenDomain /dev/null 'name="lost2"' memory=64 -XenHost $h
        Disconnect-XenHost torepair
        $journal = Get-ChildItem $dir -Filter 'journal-*.log'
        (Get-Content -Raw $journal).Replace('"mem":64,"maxmem":64,"vcpus":1,"config":{"name":"lost2"', '"mem":65,"maxmem":64,"vcpus":1,"config":{"name":"lost2"').Replace('lost2', 'lost3') |
            Set-Content -NoNewline $journal
        Connect-XenHost "sim://$dir" -Name torepair -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'journal-\d+\.log:\d+: checksum mismatch'
        $e[0].Exception.Message | Should -Match 'Repair = \$true'
        $h = Connect-XenHost "sim://$dir" -Name torepair -Option @{ Repair = $true } -PassThru -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'Repaired the simulated host state'
        ($w -join "`n") | Should -Match 'backup-'
        (Get-XenDomain -XenHost $h).Name | Should -Contain 'keep1'
        @(Get-ChildItem $dir -Directory -Filter 'backup-*').Count | Should -Be 1
        (New-XenDomain /dev/null 'name="after"' memory=64 -XenHost $h).Id | Should -BeGreaterThan 2 -Because 'a domid is never handed out again'
    }

    It 'a torn last write (a crash mid-write) is dropped and said in verbose output' {
        $dir = Join-Path $TestDrive 'torn'
        $h = Connect-XenHost "sim://$dir" -Name torn -PassThru
        $null = New-XenDomain /dev/null 'name="t1"' memory=64 -XenHost $h
        Disconnect-XenHost torn
        $journal = Get-ChildItem $dir -Filter 'journal-*.log'
        [IO.File]::AppendAllText($journal.FullName, '{"c":"0badc0de","r":{"s":')
        $out = Connect-XenHost "sim://$dir" -Name torn -PassThru -Verbose 4>&1
        $h = $out | Where-Object { $_ -is [XenPS.XenHostConnection] }
        $verbose = $out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match '(?m)^torn: .*journal-0\.log:\d+: dropped an incomplete last line'
        (Get-XenDomain t1 -XenHost $h).Name | Should -Be 't1'
    }
}
