# xapi:// through the cmdlets, against the fake XCP-ng pool (tests/FakeXapi) that this spec builds and starts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    $fakeOut = Join-Path $root 'out/FakeXapi'
    $null = & dotnet build (Join-Path $root 'tests/FakeXapi/FakeXapi.csproj') -c Release -o $fakeOut --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Building tests/FakeXapi failed (exit code $LASTEXITCODE)." }

    $script:FakePassword = 'pester-fake-Pw0'
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Join-Path $fakeOut 'FakeXapi.dll'), '--supporter', '--password', $FakePassword)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $script:Fake = [System.Diagnostics.Process]::Start($psi)
    $script:Info = $Fake.StandardOutput.ReadLine() | ConvertFrom-Json
    $script:Uri = "xapi://127.0.0.1:$($Info.port)"
    $script:Cred = [pscredential]::new('root', (ConvertTo-SecureString $FakePassword -AsPlainText -Force))

    function Invoke-FakeControl([hashtable] $Body) {
        $r = Invoke-RestMethod -Method Post -Uri "https://127.0.0.1:$($Info.port)/fake/control" -SkipCertificateCheck `
            -ContentType 'application/json' -Body ($Body | ConvertTo-Json -Compress)
        $r | ForEach-Object { $_ }
    }
    function Connect-Fake([string] $Name = 'pool') {
        Connect-XenHost $Uri -Name $Name -Credential $Cred -CertificateThumbprint $Info.masterThumbprint -PassThru
    }
}

AfterAll {
    Remove-AllTestHosts
    if ($Fake) {
        $Fake.StandardInput.Close()
        if (-not $Fake.WaitForExit(5000)) { $Fake.Kill() }
    }
}

Describe 'Connect-XenHost xapi://' {
    AfterEach { Remove-AllTestHosts }

    It 'connects with -Credential and a pinned -CertificateThumbprint' {
        $c = Connect-Fake
        $c.Kind | Should -Be 'xapi'
        $c.Name | Should -Be 'pool'
        $c.Backend.BackendName | Should -Be 'XenAPI pool'
    }

    It 'warns that -SkipCertificateCheck turns the check off' {
        $null = Connect-XenHost $Uri -Name skip -Credential $Cred -SkipCertificateCheck -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -HaveCount 1
        "$w" | Should -Match 'will not be checked'
        Get-XenHostConnection skip | Should -Not -BeNullOrEmpty
    }

    It 'refuses a certificate that does not match the thumbprint, showing the real one' {
        Connect-XenHost $Uri -Name bad -Credential $Cred -CertificateThumbprint ('AB' * 32) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'XenHostConnectionFailed*'
        "$($err[0])" | Should -Match ([regex]::Escape(($Info.masterThumbprint -replace '(..)(?!$)', '$1:')))
        Get-XenHostConnection bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'says how to give the credential when it is missing' {
        Connect-XenHost $Uri -Name nocred -CertificateThumbprint $Info.masterThumbprint -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match '-Credential'
    }

    It 'follows a supporter to the pool master' {
        $null = Connect-XenHost "xapi://127.0.0.2:$($Info.port)" -Name viaSupporter -Credential $Cred -CertificateThumbprint $Info.supporterThumbprint
        (Get-XenDomain -XenHost viaSupporter web1).ResidentOn | Should -Be 'xcp-host1'
    }

    It 'takes the options by name through -Option as well' {
        $null = Connect-XenHost $Uri -Name byOption -Option @{ Credential = $Cred; CertificateThumbprint = $Info.masterThumbprint; Timeout = 30 }
        (Get-XenDomain -XenHost byOption | Measure-Object).Count | Should -BeGreaterThan 2
    }

    It 'logs out when disconnected' {
        $null = Connect-Fake
        (Invoke-FakeControl @{ action = 'sessions' } | Where-Object originator -EQ 'XenPS') | Should -HaveCount 1
        Disconnect-XenHost pool
        (Invoke-FakeControl @{ action = 'sessions' } | Where-Object originator -EQ 'XenPS') | Should -HaveCount 0
    }
}

Describe 'The seed session against a XenAPI pool' {
    BeforeAll { $null = Connect-Fake -Name seed }
    AfterAll { Remove-AllTestHosts }

    It 'lists the VMs, not templates or snapshots, with each host''s Domain-0 first' {
        $all = Get-XenDomain -XenHost seed
        $all[0].Name | Should -Be 'Domain-0'
        $all[0].ResidentOn | Should -Be 'xcp-host1'
        $all[1].Name | Should -Be 'Domain-0'
        $all.Name | Should -Contain 'web1'
        $all.Name | Should -Contain 'db1'
        $all.Name | Should -Not -Contain 'Debian Bookworm 12'
        $all.Name | Should -Not -Contain 'web1 before upgrade'
        $web1 = $all | Where-Object Name -EQ web1
        $web1.State | Should -Be 'Running'
        $web1.MemoryMiB | Should -Be 1024
        ($all | Where-Object Name -EQ db1).State | Should -Be 'Halted'
        (Get-XenDomain -XenHost seed | Out-String) | Should -Match 'web1'
    }

    It 'reads the console of a running guest up to a pattern, and types on it' {
        $lines = Connect-XenConsole -XenHost seed web1 -Until 'login: $' -Timeout 20
        ($lines -join "`n") | Should -Match 'Debian GNU/Linux 12 web1 hvc0'
        $lines[-1] | Should -Be 'web1 login: '
        $answer = Connect-XenConsole -XenHost seed web1 -Send 'root', 'hostname' -Until '^web1$' -Timeout 20
        $answer[-1] | Should -Be 'web1'
    }

    It 'reads the console of a guest on another pool member' {
        $lines = Connect-XenConsole -XenHost seed app2 -Until 'login: $' -Timeout 20
        ($lines -join "`n") | Should -Match 'Debian GNU/Linux 12 app2'
    }

    It 'pauses and resumes (Suspend-/Resume-XenDomain)' {
        (Suspend-XenDomain -XenHost seed web1 -PassThru).State | Should -Be 'Paused'
        (Resume-XenDomain -XenHost seed web1 -PassThru).State | Should -Be 'Running'
    }

    It 'shuts a guest down and waits for it' {
        Stop-XenDomain -XenHost seed web1 -Wait -Timeout 30
        (Get-XenDomain -XenHost seed web1).State | Should -Be 'Halted'
    }

    It 'turns a guest off (destroy: VM.hard_shutdown; the VM stays, halted)' {
        Stop-XenDomain -XenHost seed win1 -TurnOff -Confirm:$false
        (Get-XenDomain -XenHost seed win1).State | Should -Be 'Halted'
    }

    It 'keeps XAPI''s error code: a paused VM cannot be asked to shut down' {
        Stop-XenDomain -XenHost seed paused1 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'VM_BAD_POWER_STATE'
    }

    It 'refuses Domain-0' {
        Get-XenDomain -XenHost seed Domain-0 | Select-Object -First 1 | Stop-XenDomain -TurnOff -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CannotStopDomain0*'
    }

    It 'explains that pools create VMs from templates, not xl configs' {
        New-XenDomain -XenHost seed /dev/null name=x memory=64 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'template'
    }
}
