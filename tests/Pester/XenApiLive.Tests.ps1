# Opt-in: a real XCP-ng / XenServer pool. Skipped unless XENPS_XAPI_URI is set (see README, "XenAPI pools").
#   XENPS_XAPI_URI         xapi://host[:port] of any pool member
#   XENPS_XAPI_USER        user name (default root)
#   XENPS_XAPI_PASSWORD    password (required with the URI)
#   XENPS_XAPI_THUMBPRINT  the SHA-256 certificate thumbprint to pin (default: the system store decides)
#   XENPS_XAPI_VM          a running PV VM the suite may pause, resume and read the console of (optional)
BeforeDiscovery {
    $script:Live = [bool]$env:XENPS_XAPI_URI
    $script:LiveVm = [bool]$env:XENPS_XAPI_VM
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if ($env:XENPS_XAPI_URI) {
        $user = if ($env:XENPS_XAPI_USER) { $env:XENPS_XAPI_USER } else { 'root' }
        $cred = [pscredential]::new($user, (ConvertTo-SecureString $env:XENPS_XAPI_PASSWORD -AsPlainText -Force))
        $extra = @{}
        if ($env:XENPS_XAPI_THUMBPRINT) { $extra.CertificateThumbprint = $env:XENPS_XAPI_THUMBPRINT }
        Connect-XenHost $env:XENPS_XAPI_URI -Name live -Credential $cred @extra
    }
}

AfterAll { Remove-AllTestHosts }

Describe 'A real XenAPI pool (XENPS_XAPI_URI)' -Skip:(-not $Live) {
    It 'lists the pool''s VMs with each host''s Domain-0 first' {
        $all = Get-XenDomain -XenHost live
        $all[0].Name | Should -Be 'Domain-0'
        $all[0].ResidentOn | Should -Not -BeNullOrEmpty
        $all | Where-Object { $_.State -eq 'Running' -and -not $_.IsDomain0 } | ForEach-Object { $_.ResidentOn | Should -Not -BeNullOrEmpty }
    }

    It 'pauses, resumes and reads the console of XENPS_XAPI_VM' -Skip:(-not $LiveVm) {
        (Suspend-XenDomain -XenHost live $env:XENPS_XAPI_VM -PassThru).State | Should -Be 'Paused'
        (Resume-XenDomain -XenHost live $env:XENPS_XAPI_VM -PassThru).State | Should -Be 'Running'
        $null = Connect-XenConsole -XenHost live $env:XENPS_XAPI_VM -Send '' -Timeout 10
    }
}
