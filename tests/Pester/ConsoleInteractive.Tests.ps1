# Connect-XenConsole in a real terminal: tmux runs pwsh, keys are typed into it, the screen is read back.
BeforeDiscovery {
    $script:noTmux = -not (Get-Command tmux -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:socket = "xenps-test-$PID"
    $script:session = 'con'
    function Get-Screen { (tmux -L $socket capture-pane -t $session -p) -join "`n" }
    function Wait-Screen([string] $Pattern, [int] $Seconds) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while ((Get-Date) -lt $deadline) {
            $screen = Get-Screen
            if ($screen -match $Pattern) { return $screen }
            Start-Sleep -Milliseconds 250
        }
        throw "The terminal did not show '$Pattern' within $Seconds s. Screen:`n$(Get-Screen)"
    }
    function Wait-File([string] $Path, [int] $Seconds) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while (-not (Test-Path $Path) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 250 }
        Test-Path $Path
    }
    # Runs $Body (PowerShell text) in a fresh pwsh inside a new tmux session 'con'; after it, the script writes
    # 'after' to $marker and the session prints AFTER-SCRIPT, then waits in a shell.
    function Start-TerminalScript([string] $Body, [string] $Marker, [hashtable] $Environment = @{}) {
        # A new session each time; the previous one is killed once the new one runs (killing the last session of a
        # server and starting the next at once races with the server's exit).
        $previous = $session
        $script:session = 'con' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script = Join-Path $TestDrive ("console-" + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.ps1')
        @"
`$env:PSModulePath = '$env:PSModulePath'
Import-Module XenPS
$Body
'after' | Set-Content '$Marker'
"@ | Set-Content $script
        $envs = ($Environment.GetEnumerator() | ForEach-Object { "$($_.Key)='$($_.Value)'" }) -join ' '
        tmux -L $socket new-session -d -s $session -x 120 -y 40 "env $envs $PwshExe -NoProfile -NonInteractive -File $script; echo AFTER-SCRIPT; sleep 120"
        if ($previous -ne 'con') { tmux -L $socket kill-session -t $previous 2>$null }
    }
}

Describe 'Connect-XenConsole in a terminal (simulated host)' -Skip:$noTmux {
    AfterAll { tmux -L $socket kill-server 2>$null }

    It 'streams the console, sends keys to the guest, and Ctrl+] detaches' {
        $state = Join-Path $TestDrive 'tty-host'
        $marker = Join-Path $TestDrive 'detached'
        Start-TerminalScript @"
Connect-XenHost 'sim://$state' -Name tty | Out-Null
New-XenDomain /dev/null 'name="ttyguest"' 'sim.boot_seconds=0' | Out-Null
Connect-XenConsole ttyguest
"@ $marker
        $null = Wait-Screen 'ttyguest login:' 90
        tmux -L $socket send-keys -t $session 'root' Enter
        $null = Wait-Screen 'root@ttyguest' 20
        tmux -L $socket send-keys -t $session 'echo XENPS-TTY-21' Enter
        $screen = Wait-Screen '(?m)^XENPS-TTY-21\s*$' 20
        $screen | Should -Match 'root@ttyguest:~# echo XENPS-TTY-21'
        tmux -L $socket send-keys -t $session 'C-]'
        $null = Wait-Screen 'Detached from the console of ttyguest' 20
        Wait-File $marker 20 | Should -BeTrue -Because 'the cmdlet returns after Ctrl+]'
    }

    It 'sends Ctrl+C to the guest (a new prompt) instead of stopping the cmdlet' {
        $state = Join-Path $TestDrive 'tty-int'
        $marker = Join-Path $TestDrive 'int-after'
        Start-TerminalScript @"
Connect-XenHost 'sim://$state' -Name tty | Out-Null
New-XenDomain /dev/null 'name="intguest"' 'sim.boot_seconds=0' | Out-Null
Connect-XenConsole intguest
"@ $marker
        $null = Wait-Screen 'intguest login:' 90
        tmux -L $socket send-keys -t $session 'root' Enter
        $null = Wait-Screen 'root@intguest' 20
        tmux -L $socket send-keys -t $session 'echo NEVER-RUN'
        Start-Sleep -Milliseconds 300
        tmux -L $socket send-keys -t $session 'C-c'
        $null = Wait-Screen 'echo NEVER-RUN\^C' 20
        # Still attached: the next line goes to the guest, not to a local shell.
        tmux -L $socket send-keys -t $session 'echo XENPS-AFTER-INT' Enter
        $screen = Wait-Screen '(?m)^XENPS-AFTER-INT\s*$' 20
        $screen | Should -Match 'root@intguest:~# echo XENPS-AFTER-INT'
        $screen | Should -Not -Match '(?m)^NEVER-RUN'
        $screen | Should -Not -Match 'AFTER-SCRIPT'
        Test-Path $marker | Should -BeFalse -Because 'Ctrl+C does not end the console session'
        tmux -L $socket send-keys -t $session 'C-]'
        $null = Wait-Screen 'Detached from the console of intguest' 20
        Wait-File $marker 20 | Should -BeTrue -Because 'the script goes on after Ctrl+] (the pipeline was not stopped)'
    }

    It 'ends the session with a clear message when the guest powers off' {
        $state = Join-Path $TestDrive 'tty-off'
        $marker = Join-Path $TestDrive 'off-after'
        Start-TerminalScript @"
Connect-XenHost 'sim://$state' -Name tty | Out-Null
New-XenDomain /dev/null 'name="offguest"' 'sim.boot_seconds=0' 'sim.shutdown_seconds=0' | Out-Null
Connect-XenConsole offguest
"@ $marker
        $null = Wait-Screen 'offguest login:' 90
        tmux -L $socket send-keys -t $session 'root' Enter
        $null = Wait-Screen 'root@offguest' 20
        tmux -L $socket send-keys -t $session 'poweroff' Enter
        $screen = Wait-Screen 'offguest has shut down; console closed' 30
        $screen | Should -Match 'reboot: Power down'
        $screen | Should -Not -Match 'invalid domain identifier'
        Wait-File $marker 20 | Should -BeTrue -Because 'the cmdlet returns once the domain has gone'
    }
}

# xl:/// with a stand-in `xl` first on PATH: its `console` behaves like xenconsole (raw terminal, Ctrl+] detaches,
# exits 0 when the domain goes away) and logs every byte it reads.
Describe 'Connect-XenConsole in a terminal (xl console attached)' -Skip:($noTmux -or $IsWindows) {
    BeforeAll {
        $script:bin = Join-Path $TestDrive 'fakexl'
        $null = New-Item -ItemType Directory -Force $bin
        $script:fake = Join-Path $bin 'xl'
        @'
#!/bin/sh
# A stand-in for xl: state in $FAKEXL_DIR (alive = the guest exists; bytes = what the console read).
d="$FAKEXL_DIR"
case "$1" in
  info) printf 'host                   : fakedom0\nnr_cpus                : 2\ntotal_memory           : 4096\nfree_memory            : 3000\nxen_version            : 4.17.7\n' ;;
  domid) if [ "$2" = fakeguest ] && [ -f "$d/alive" ]; then echo 7; else echo "$2 is an invalid domain identifier (rc=-6)" >&2; exit 1; fi ;;
  domname) if [ "$2" = 7 ] && [ -f "$d/alive" ]; then echo fakeguest; else echo "$2 is an invalid domain identifier (rc=-6)" >&2; exit 1; fi ;;
  list)
    if [ -f "$d/down" ]; then echo 'ssh: connect to host dom0: Connection refused' >&2; exit 255; fi
    if [ "$2" = -l ]; then echo '[]'; exit 0; fi
    printf 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n'
    printf 'Domain-0                                     0  1024     1     r-----      10.0\n'
    [ -f "$d/alive" ] && printf 'fakeguest                                    7   128     1     -b----       1.0\n'
    exit 0 ;;
  console)
    # FAKEXL_SLOW: like a console program that is still connecting, it takes Ctrl+C as SIGINT for a while.
    if [ -n "$FAKEXL_SLOW" ]; then trap 'echo got-SIGINT >> "$d/signals"' INT; printf 'connecting\r\n'; sleep 3; trap - INT; fi
    old=$(stty -g); stty raw -echo
    printf 'fake xenconsole for %s\r\n' "$2"
    while :; do
      b=$(dd bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
      echo "$b" >> "$d/bytes"
      case "$b" in
        1d) stty "$old"; exit 0 ;;
        70) rm -f "$d/alive"; printf 'reboot: Power down\r\n'; stty "$old"; exit 0 ;;
        03) printf '^C\r\n' ;;
        64) touch "$d/down"; stty "$old"; exit 255 ;;
      esac
    done ;;
  *) echo "fake xl: $*" >&2; exit 1 ;;
esac
'@ | Set-Content -LiteralPath $fake -NoNewline
        chmod +x $fake
    }
    AfterAll { tmux -L $socket kill-server 2>$null }

    BeforeAll {
        function Start-FakeConsole([hashtable] $Environment = @{}) {
            $script:fakeDir = Join-Path $TestDrive ('xl-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
            $null = New-Item -ItemType Directory $fakeDir
            $null = New-Item -ItemType File (Join-Path $fakeDir 'alive')
            $script:marker = Join-Path $fakeDir 'after'
            Start-TerminalScript @"
Connect-XenHost xl:/// -Name fake | Out-Null
Connect-XenConsole fakeguest
"@ $marker (@{ PATH = "${bin}:$env:PATH"; FAKEXL_DIR = $fakeDir } + $Environment)
        }
    }

    It 'gives Ctrl+C to xl console (raw terminal) and keeps the session; Ctrl+] detaches' {
        Start-FakeConsole
        $null = Wait-Screen 'fake xenconsole for fakeguest' 60
        tmux -L $socket send-keys -t $session 'C-c'
        $null = Wait-Screen '\^C' 20
        Start-Sleep -Milliseconds 500
        Get-Content (Join-Path $fakeDir 'bytes') | Should -Contain '03'
        Test-Path $marker | Should -BeFalse
        tmux -L $socket send-keys -t $session 'C-]'
        $null = Wait-Screen 'Detached from the console of fakeguest' 20
        Wait-File $marker 20 | Should -BeTrue
    }

    It 'leaves a Ctrl+C that arrives before raw mode to the console program: the cmdlet does not kill it' {
        Start-FakeConsole @{ FAKEXL_SLOW = '1' }
        $null = Wait-Screen 'connecting' 60
        tmux -L $socket send-keys -t $session 'C-c'
        $null = Wait-Screen 'fake xenconsole for fakeguest' 20
        Get-Content (Join-Path $fakeDir 'signals') | Should -Be 'got-SIGINT'
        tmux -L $socket send-keys -t $session 'x'
        Start-Sleep -Milliseconds 500
        Get-Content (Join-Path $fakeDir 'bytes') | Should -Contain '78' -Because 'the session is still up after the interrupt'
        tmux -L $socket send-keys -t $session 'C-]'
        $null = Wait-Screen 'AFTER-SCRIPT' 20
    }

    It 'reports a console that ended with an error (the host no longer answers), not a shut-down domain' {
        Start-FakeConsole
        $null = Wait-Screen 'fake xenconsole for fakeguest' 60
        tmux -L $socket send-keys -t $session 'd'
        $screen = Wait-Screen 'ended with exit code 255' 30
        $screen | Should -Not -Match 'has shut down'
        Wait-File $marker 20 | Should -BeTrue
    }

    It 'says the domain has shut down when xl console ends because it has gone' {
        Start-FakeConsole
        $null = Wait-Screen 'fake xenconsole for fakeguest' 60
        tmux -L $socket send-keys -t $session 'p'
        $screen = Wait-Screen 'fakeguest has shut down; console closed' 30
        $screen | Should -Not -Match 'Detached from'
        Wait-File $marker 20 | Should -BeTrue
    }
}
