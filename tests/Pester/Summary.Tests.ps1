# build.ps1 Test ends with 'N passed, N failed, N skipped': tests that did not run must be in the skipped count.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:repo = (Resolve-Path "$PSScriptRoot/../..").Path
}

Describe 'The test summary counts what did not run as skipped' {
    It 'reads skipped xunit tests (outcome NotExecuted) from a TRX file, which the TRX counters leave out' {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $repo 'build.ps1'), [ref]$null, [ref]$null)
        $fn = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq 'Read-TrxCounts' }, $true)
        $fn | Should -Not -BeNullOrEmpty -Because 'build.ps1 reads TRX files with Read-TrxCounts'
        . ([scriptblock]::Create($fn.Extent.Text))
        $c = Read-TrxCounts (Join-Path $PSScriptRoot 'fixtures/skipped-and-run.trx')
        $c.Passed | Should -Be 2
        $c.Failed | Should -Be 1
        $c.Skipped | Should -Be 3
    }

    It 'counts the Lab-tagged Pester tests as skipped when no lab is up' {
        $lab = Join-Path $PSScriptRoot 'Lab.Tests.ps1'
        $expected = @([System.Management.Automation.Language.Parser]::ParseFile($lab, [ref]$null, [ref]$null).FindAll({
            param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq 'It' }, $true)).Count
        $expected | Should -BeGreaterThan 10
        $result = Join-Path $TestDrive 'lab-counts.json'
        $moduleRoot = Split-Path (Get-Module XenPS).ModuleBase
        $saved = $env:XENPS_LAB_URI
        $env:XENPS_LAB_URI = $null
        try {
            & $PwshExe -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Invoke-XenPSPester.ps1') `
                -PesterManifest (Get-Module Pester).Path -ModuleRoot $moduleRoot -ResultFile $result -Path $lab | Out-Null
        }
        finally { $env:XENPS_LAB_URI = $saved }
        $r = Get-Content -Raw $result | ConvertFrom-Json
        $r.Skipped | Should -Be $expected
        $r.Passed | Should -Be 0
        $r.Failed | Should -Be 0
    }
}
