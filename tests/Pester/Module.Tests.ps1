BeforeAll {
    Import-Module XenPS -Force
}

Describe 'The staged module' {
    It 'is the staged copy, at the version of Directory.Build.props' {
        $m = Get-Module XenPS
        [xml] $props = Get-Content -Raw "$PSScriptRoot/../../Directory.Build.props"
        $m.Version.ToString() | Should -Be $props.Project.PropertyGroup.XenPSVersion
        $m.ModuleBase | Should -BeLike '*out*XenPS*'
    }
}
