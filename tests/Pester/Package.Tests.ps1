# The module installs like any other: publish the staged module to a local repository, install it with
# Install-PSResource into a private location, import it in a fresh pwsh and use it.
BeforeAll {
    $script:staged = (Get-Module XenPS -ListAvailable | Select-Object -First 1).ModuleBase
    . "$PSScriptRoot/common.ps1"
}

Describe 'Package and install' -Tag 'Package' {
    It 'publishes, installs with Install-PSResource and runs Get-XenDomain in a fresh pwsh' {
        $repoDir = Join-Path $TestDrive 'repo'
        $dataHome = Join-Path $TestDrive 'data'
        $null = New-Item -ItemType Directory $repoDir, $dataHome
        $version = (Import-PowerShellDataFile (Join-Path $staged 'XenPS.psd1')).ModuleVersion
        # PSResourceGet keeps its repository list and CurrentUser modules under the home folder: a private
        # one keeps this test away from the user's own.
        $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name xenps-local -Uri '$repoDir' -Trusted
Publish-PSResource -Path '$staged' -Repository xenps-local -SkipDependenciesCheck
Install-PSResource -Name XenPS -Repository xenps-local -TrustRepository -Scope CurrentUser -Quiet
"@
        $use = @"
`$ErrorActionPreference = 'Stop'
# Only the private CurrentUser folder and PowerShell's own modules: the staged copy must not be found.
`$env:PSModulePath = (Join-Path '$dataHome' '.local/share/powershell/Modules') + [IO.Path]::PathSeparator + (Join-Path `$PSHOME 'Modules')
Import-Module XenPS
Connect-XenHost 'sim://$(Join-Path $TestDrive 'installed-host')' | Out-Null
(Get-XenDomain).Name
(Get-Module XenPS).ModuleBase
"@
        $savedHome, $savedXdg = $env:HOME, $env:XDG_DATA_HOME
        $env:HOME = $dataHome
        $env:XDG_DATA_HOME = $null
        try {
            & $PwshExe -NoProfile -NonInteractive -Command $install
            $LASTEXITCODE | Should -Be 0
            Test-Path (Join-Path $repoDir "XenPS.$version.nupkg") | Should -BeTrue
            $out = & $PwshExe -NoProfile -NonInteractive -Command $use
            $LASTEXITCODE | Should -Be 0
        }
        finally {
            $env:HOME, $env:XDG_DATA_HOME = $savedHome, $savedXdg
        }
        $out[0] | Should -Be 'Domain-0'
        $out[-1] | Should -BeLike "$dataHome*"
    }
}
