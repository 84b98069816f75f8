# Cmdlets in unattended runbooks: nothing blocks on a prompt nobody can answer; one prompt covers many domains.
BeforeDiscovery {
    $script:noTmux = -not (Get-Command tmux -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Destructive actions under -NonInteractive' {
    It 'Stop-XenDomain -TurnOff without -Confirm:$false is ConfirmationRequired naming the domain and the switch; nothing is destroyed' {
        $state = Join-Path $TestDrive 'ni-host'
        $script = Join-Path $TestDrive 'ni.ps1'
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
Connect-XenHost 'sim://$state' -Name ni | Out-Null
New-XenDomain /dev/null 'name="keepme"' | Out-Null
Stop-XenDomain keepme -TurnOff -ErrorVariable e -ErrorAction SilentlyContinue
"`$(`$e[0].FullyQualifiedErrorId)|`$(`$e[0].TargetObject.Name)|`$(`$e[0].Exception.Message)"
"left:`$((Get-XenDomain keepme).Name)"
"@ | Set-Content $script
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $out = & $PwshExe -NoProfile -NonInteractive -File $script 2>&1
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'it must not wait for an answer'
        $line = @($out) -match '^ConfirmationRequired'
        $line | Should -Not -BeNullOrEmpty -Because ($out -join "`n")
        $f = $line[0] -split '\|', 3
        $f[0] | Should -Be 'ConfirmationRequired,XenPS.Commands.StopXenDomainCommand'
        $f[1] | Should -Be 'keepme'
        $f[2] | Should -Match 'keepme'
        $f[2] | Should -Match '-Confirm:\$false'
        @($out) -contains 'left:keepme' | Should -BeTrue
    }
}

Describe 'One confirmation for many domains' -Skip:$noTmux {
    BeforeAll {
        $script:socket = "xenps-yta-$PID"
        function Get-Screen { (tmux -L $socket capture-pane -t con -p) -join "`n" }
        function Wait-Screen([string] $Pattern, [int] $Seconds) {
            $deadline = (Get-Date).AddSeconds($Seconds)
            while ((Get-Date) -lt $deadline) {
                $screen = Get-Screen
                if ($screen -match $Pattern) { return $screen }
                Start-Sleep -Milliseconds 250
            }
            throw "The terminal did not show '$Pattern' within $Seconds s. Screen:`n$(Get-Screen)"
        }
    }
    AfterAll { tmux -L $socket kill-server 2>$null }

    It 'Stop-XenDomain -TurnOff on three domains: Yes to All answers once for all' {
        $state = Join-Path $TestDrive 'yta-host'
        $marker = Join-Path $TestDrive 'yta-done'
        $script = Join-Path $TestDrive 'yta.ps1'
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
Connect-XenHost 'sim://$state' -Name yta | Out-Null
'a1','a2','a3' | ForEach-Object { New-XenDomain /dev/null "name=```"`$_```"" | Out-Null }
Stop-XenDomain a* -TurnOff
"left:`$(@(Get-XenDomain a* -ErrorAction SilentlyContinue).Count)" | Set-Content '$marker'
"@ | Set-Content $script
        tmux -L $socket new-session -d -s con -x 150 -y 40 "$PwshExe -NoProfile -File $script; sleep 60"
        $null = Wait-Screen 'Yes to All' 60
        tmux -L $socket send-keys -t con 'A' Enter
        $deadline = (Get-Date).AddSeconds(30)
        while (-not (Test-Path $marker) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 250 }
        Get-Content $marker | Should -Be 'left:0'
        ((Get-Screen) -split 'Yes to All').Count - 1 | Should -Be 1 -Because 'one prompt, not one per domain'
    }
}

Describe 'Domain objects survive serialization' {
    BeforeEach {
        $script:a = New-TestSimHost -SetDefault
        $script:b = New-TestSimHost
        $null = New-XenDomain /dev/null 'name="web"' -XenHost $a
        $null = New-XenDomain /dev/null 'name="web"' -XenHost $b
    }
    AfterEach { Remove-AllTestHosts }

    It 'Export-Clixml / Import-Clixml: the domain comes back as a XenDomain and acts on its own host, not the default' {
        $file = Join-Path $TestDrive 'web.xml'
        Get-XenDomain web -XenHost $b | Export-Clixml $file
        $back = Import-Clixml $file
        $back | Should -BeOfType ([XenPS.XenDomain])
        $back.Host | Should -Be $b.Name
        $back | Stop-XenDomain -TurnOff -Confirm:$false
        (Get-XenDomain -XenHost $a).Name | Should -Contain 'web' -Because 'the default host''s web is another domain'
        (Get-XenDomain -XenHost $b).Name | Should -Not -Contain 'web'
    }

    It 'a domain returned by Start-Job pipes back into XenPS cmdlets' {
        $uri = $b.Uri
        $job = Start-Job {
            $env:PSModulePath = $using:env:PSModulePath
            Import-Module XenPS
            Connect-XenHost $using:uri -Name ($using:b).Name | Out-Null
            Get-XenDomain web
        }
        $fromJob = $job | Wait-Job -Timeout 120 | Receive-Job
        $job | Remove-Job -Force
        $fromJob | Should -BeOfType ([XenPS.XenDomain])
        ($fromJob | Suspend-XenDomain -PassThru).State | Should -Be 'Paused'
        (Get-XenDomain web -XenHost $b).State | Should -Be 'Paused'
        (Get-XenDomain web -XenHost $a).State | Should -Be 'Running'
    }
}
