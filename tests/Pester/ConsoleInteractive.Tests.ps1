# Connect-XenConsole in a real terminal: tmux runs pwsh, keys are typed into it, the screen is read back.
BeforeDiscovery {
    $script:noTmux = -not (Get-Command tmux -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:socket = "xenps-test-$PID"
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

Describe 'Connect-XenConsole in a terminal' -Skip:$noTmux {
    AfterAll { tmux -L $socket kill-server 2>$null }

    It 'streams the console, sends keys to the guest, and Ctrl+] detaches' {
        $state = Join-Path $TestDrive 'tty-host'
        $marker = Join-Path $TestDrive 'detached'
        $script = Join-Path $TestDrive 'console.ps1'
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
Connect-XenHost 'sim://$state' -Name tty | Out-Null
New-XenDomain /dev/null 'name="ttyguest"' 'sim.boot_seconds=0' | Out-Null
Connect-XenConsole ttyguest
'detached' | Set-Content '$marker'
"@ | Set-Content $script
        tmux -L $socket new-session -d -s con -x 120 -y 40 "$PwshExe -NoProfile -NonInteractive -File $script; sleep 60"
        $null = Wait-Screen 'ttyguest login:' 90
        tmux -L $socket send-keys -t con 'root' Enter
        $null = Wait-Screen 'root@ttyguest' 20
        tmux -L $socket send-keys -t con 'echo XENPS-TTY-21' Enter
        $screen = Wait-Screen '(?m)^XENPS-TTY-21\s*$' 20
        $screen | Should -Match 'root@ttyguest:~# echo XENPS-TTY-21'
        tmux -L $socket send-keys -t con 'C-]'
        $null = Wait-Screen 'Detached from the console of ttyguest' 20
        $deadline = (Get-Date).AddSeconds(20)
        while (-not (Test-Path $marker) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 250 }
        Test-Path $marker | Should -BeTrue -Because 'the cmdlet returns after Ctrl+]'
    }
}
