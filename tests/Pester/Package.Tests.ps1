# The module installs like any other: publish the staged module to a local repository, install it with
# Install-PSResource into a private location, import it in a fresh pwsh and use it.
BeforeAll {
    $script:staged = (Get-Module XenPS -ListAvailable | Select-Object -First 1).ModuleBase
    $script:pwsh = (Get-Process -Id $PID).Path
    $script:pwshPrefix = if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { @('pwsh') } else { @() }
}

Describe 'Package and install' -Tag 'Package' {
    It 'publishes, installs with Install-PSResource and runs Get-XenDomain in a fresh pwsh' {
        $repoDir = Join-Path $TestDrive 'repo'
        $dataHome = Join-Path $TestDrive 'data'
        $null = New-Item -ItemType Directory $repoDir, $dataHome
        $version = (Import-PowerShellDataFile (Join-Path $staged 'XenPS.psd1')).ModuleVersion
        # PSResourceGet keeps its repository list and CurrentUser modules under XDG_DATA_HOME: a private one
        # keeps this test away from the user's own.
        $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name xenps-local -Uri '$repoDir' -Trusted
Publish-PSResource -Path '$staged' -Repository xenps-local -SkipDependenciesCheck
Install-PSResource -Name XenPS -Repository xenps-local -TrustRepository -Scope CurrentUser -Quiet
"@
        $use = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = (`$env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { `$_ -like '$dataHome*' -or `$_ -like "`$PSHOME*" }) -join [IO.Path]::PathSeparator
Import-Module XenPS
Connect-XenHost 'sim://$(Join-Path $TestDrive 'installed-host')' | Out-Null
(Get-XenDomain).Name
(Get-Module XenPS).ModuleBase
"@
        $saved = $env:XDG_DATA_HOME
        $env:XDG_DATA_HOME = $dataHome
        try {
            & $pwsh @pwshPrefix -NoProfile -NonInteractive -Command $install
            $LASTEXITCODE | Should -Be 0
            Test-Path (Join-Path $repoDir "XenPS.$version.nupkg") | Should -BeTrue
            $out = & $pwsh @pwshPrefix -NoProfile -NonInteractive -Command $use
            $LASTEXITCODE | Should -Be 0
        }
        finally {
            $env:XDG_DATA_HOME = $saved
        }
        $out[0] | Should -Be 'Domain-0'
        $out[-1] | Should -BeLike "$dataHome*"
    }
}
