# Help correctness, in the manner of PSScriptAnalyzer's Tests/Engine/ModuleHelp.Tests.ps1: the MAML that
# build.ps1 makes from docs/help must be complete and agree with the code. A malformed help file fails
# silently in Get-Help, which is why this test exists.
BeforeDiscovery {
    Import-Module XenPS -Force
    $script:commands = Get-Command -Module XenPS -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }
    $docs = (Resolve-Path "$PSScriptRoot/../../docs/help").Path
    $script:examples = foreach ($c in $commands) {
        $md = Join-Path $docs "$($c.Name).md"
        if (-not (Test-Path $md)) { continue }
        $text = Get-Content -Raw $md
        $i = 0
        foreach ($m in [regex]::Matches($text, '(?ms)^### (Example[^\r\n]*)\r?\n.*?^```powershell\r?\n(.*?)^```')) {
            $i++
            @{ Command = $c.Name; Title = $m.Groups[1].Value.Trim(); Code = $m.Groups[2].Value }
        }
    }
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    # -WhatIf and -Confirm are real, documented parameters; only the common ones are left out.
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $script:cmd = Get-Command $Name
        $script:help = Get-Help $Name -Full
    }

    It 'is not auto-generated' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Auto-generated help has the syntax as its synopsis.
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis.Trim() | Should -Not -BeLike "*<CommonParameters>*"
    }

    It 'has a description' {
        ($help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has examples with code' {
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($e in $help.Examples.Example) { $e.Code | Should -Not -BeNullOrEmpty }
    }

    It 'documents every parameter, and only the real ones, as the code declares them' {
        # DontShow parameters are plumbing (as in PSScriptAnalyzer's ModuleHelp test): not documented.
        $codeParams = $cmd.Parameters.Values | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) }
        $helpParams = @($help.Parameters.Parameter)
        ($helpParams.Name | Sort-Object) | Should -Be ($codeParams.Name | Sort-Object)
        foreach ($p in $codeParams) {
            $hp = $helpParams | Where-Object Name -eq $p.Name
            ($hp.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($p.Name) needs a description"
            $mandatory = [bool]($p.ParameterSets.Values | Where-Object IsMandatory)
            $hp.Required | Should -Be $mandatory.ToString().ToLower() -Because "-$($p.Name) Required"
            $typeName = if ($p.ParameterType -eq [switch]) { 'SwitchParameter' } else { $p.ParameterType.Name }
            $hp.Type.Name | Should -BeLike "*$($typeName -replace '\[\]$','')*" -Because "-$($p.Name) type"
            $byValue = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipeline)
            $byName = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName)
            $expected = if ($byValue -and $byName) { 'true \(ByValue, ByPropertyName\)' } elseif ($byValue) { 'true \(ByValue\)' } elseif ($byName) { 'true \(ByPropertyName\)' } else { 'false' }
            $hp.PipelineInput | Should -Match "^$expected$" -Because "-$($p.Name) pipeline input"
            $positions = $p.ParameterSets.Values | Where-Object Position -ge 0 | ForEach-Object Position
            if (@($positions).Count -gt 0) { $hp.Position | Should -Be ([string]($positions | Select-Object -First 1)) -Because "-$($p.Name) position" }
            else { $hp.Position | Should -Be 'named' -Because "-$($p.Name) position" }
        }
    }
}

Describe 'about_XenPS' {
    It 'is found by Get-Help' {
        $h = Get-Help about_XenPS
        ($h | Out-String) | Should -Match 'sim://'
    }
}

Describe 'Help example: <Command> <Title>' -ForEach $examples {
    BeforeAll {
        $script:state = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Connect-XenHost "sim://$state" -Name "example-host" -SetDefault
    }
    AfterAll { Remove-AllTestHosts }

    It 'runs without error against a simulated host' {
        Push-Location $ExamplesDir
        try {
            $sb = [scriptblock]::Create($Code)
            $Error.Clear()
            $null = & $sb -ErrorAction Stop -WarningAction SilentlyContinue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { throw $_ }
        }
        finally { Pop-Location }
    }
}
