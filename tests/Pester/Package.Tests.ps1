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
        $repoName = "xenps-test-$PID"
        Register-PSResourceRepository -Name $repoName -Uri $repoDir -Trusted
        try {
            Publish-PSResource -Path $staged -Repository $repoName -SkipDependenciesCheck
            $manifest = Import-PowerShellDataFile (Join-Path $staged 'XenPS.psd1')
            $nupkg = Join-Path $repoDir "XenPS.$($manifest.ModuleVersion).nupkg"
            Test-Path $nupkg | Should -BeTrue

            $script = @"
`$ErrorActionPreference = 'Stop'
Install-PSResource -Name XenPS -Repository '$repoName' -TrustRepository -Scope CurrentUser -Quiet
`$m = Get-Module XenPS -ListAvailable
if (`$m.ModuleBase -notlike '$dataHome*') { throw "installed to `$(`$m.ModuleBase)" }
"@
            $env:XDG_DATA_HOME_SAVED = $env:XDG_DATA_HOME
            $env:XDG_DATA_HOME = $dataHome
            try {
                & $pwsh @pwshPrefix -NoProfile -NonInteractive -Command $script
                $LASTEXITCODE | Should -Be 0
                $use = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = (`$env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { `$_ -notlike '*out*' }) -join [IO.Path]::PathSeparator
Import-Module XenPS
Connect-XenHost 'sim://$(Join-Path $TestDrive 'installed-host')' | Out-Null
(Get-XenDomain).Name
(Get-Module XenPS).ModuleBase
"@
                $out = & $pwsh @pwshPrefix -NoProfile -NonInteractive -Command $use
                $LASTEXITCODE | Should -Be 0
                $out[0] | Should -Be 'Domain-0'
                $out[-1] | Should -BeLike "$dataHome*"
            }
            finally {
                $env:XDG_DATA_HOME = $env:XDG_DATA_HOME_SAVED
                Remove-Item Env:XDG_DATA_HOME_SAVED -ErrorAction SilentlyContinue
            }
        }
        finally {
            Unregister-PSResourceRepository -Name $repoName
        }
    }
}
