BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Connect-XenConsole (scripted)' {
    BeforeAll {
        $script:h = New-TestSimHost -SetDefault
        $null = New-XenDomain "$ExamplesDir/test1.cfg" 'sim.boot_seconds=1'
    }
    AfterAll { Remove-AllTestHosts }

    It 'returns the console lines up to the login prompt' {
        $lines = Connect-XenConsole test1 -Until 'login:' -Timeout 30
        @($lines)[-1] | Should -Match 'test1 login:'
        ($lines -join "`n") | Should -Match ([regex]::Escape('/boot/vmlinuz-6.1.0-56-amd64'))
        ($lines -join "`n") | Should -Match 'root=/dev/xvda1'
    }

    It 'takes the domain from the pipeline' {
        $lines = Get-XenDomain test1 | Connect-XenConsole -Until 'login:'
        @($lines)[-1] | Should -Match 'login:'
    }

    It 'types lines with -Send and waits for the answer' {
        $null = Connect-XenConsole test1 -Until 'login:'
        $lines = Connect-XenConsole test1 -Send 'root' -Until '#\s*$' -Timeout 10
        $lines = Connect-XenConsole test1 -Send 'echo XENPS-42' -Until '^XENPS-42$' -Timeout 10
        @($lines)[-1] | Should -Be 'XENPS-42'
    }

    It 'times out with ConsoleTimeout carrying the last lines seen' {
        Connect-XenConsole test1 -Until 'never-printed' -Timeout 1 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConsoleTimeout,XenPS.Commands.ConnectXenConsoleCommand'
        $e[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $e[0].Exception.LastLines.Count | Should -BeGreaterThan 0
        $e[0].ErrorDetails.Message | Should -Match 'Last console lines'
    }

    It 'refuses to be interactive without a terminal' {
        { Connect-XenConsole test1 } | Should -Throw -ErrorId 'ConsoleNeedsTerminal,XenPS.Commands.ConnectXenConsoleCommand'
    }

    It 'rejects a bad -Until pattern' {
        { Connect-XenConsole test1 -Until '(' } | Should -Throw -ErrorId 'InvalidUntilPattern,XenPS.Commands.ConnectXenConsoleCommand'
    }

    It 'says so when the domain shuts down while a scripted read waits' {
        $null = New-XenDomain /dev/null 'name="goner"' 'sim.boot_seconds=0' 'sim.shutdown_seconds=0'
        $null = Connect-XenConsole goner -Until 'login:'
        Connect-XenConsole goner -Send 'poweroff' -Until 'never-printed' -Timeout 20 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.ConnectXenConsoleCommand'
        $e[0].Exception.Message | Should -Be "goner has shut down; console closed. No line matched 'never-printed' before it did."
    }

    It 'reports an unknown domain' {
        Connect-XenConsole nosuch -Until x -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'DomainNotFound,XenPS.Commands.ConnectXenConsoleCommand'
    }
}
