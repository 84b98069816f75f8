# Domains at rest on real Xen (issue 10): configs stored in the lab's /etc/xen, started by name, autostart links in
# /etc/xen/auto, and the host's own `/etc/init.d/xendomains start` (what dom0 runs at boot) starting exactly the
# autostart domains. Everything is read back raw over ssh (cat, ls -l, xl list), not only through XenPS.
# Only xps-sto-* domains and files are created; the xendomains steps destroy every guest first, as a host boot would.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name stolab -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -PassThru


    function New-LabGuestConfig([string] $Name) {
        $p = New-TestConfig @"
name    = "$Name"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
"@ -FileName "$Name.cfg"
        Import-XenDomainConfig $p
    }

    function Remove-StoTraces {
        Get-XenDomain -XenHost stolab 'xps-sto-*' -ErrorAction SilentlyContinue | Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
        Invoke-Dom0 'rm -f /etc/xen/xps-sto-* /etc/xen/auto/xps-sto-*; rm -f /tmp/PWNED /etc/PWNED /etc/xen/PWNED /root/PWNED' | Out-Null
    }
    function Get-RawNames { @(Invoke-Dom0 'xl list' | Select-Object -Skip 1 | ForEach-Object { (-split $_)[0] }) }
    Remove-StoTraces
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-StoTraces
    Disconnect-XenHost stolab -ErrorAction SilentlyContinue
}

Describe 'Stored configs and autostart on the live lab' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'stores two configs in the lab''s /etc/xen (read back with cat) and lists them as Halted' {
        New-LabGuestConfig 'xps-sto-a' | Export-XenDomainConfig -XenHost stolab
        New-LabGuestConfig 'xps-sto-b' | Export-XenDomainConfig -XenHost stolab
        (Invoke-Dom0 'cat /etc/xen/xps-sto-a.cfg') -join "`n" | Should -Match 'name = "xps-sto-a"'
        Invoke-Dom0 'stat -c %a /etc/xen/xps-sto-b.cfg' | Should -Be '644'
        Invoke-Dom0 'ls -A /etc/xen | grep -c "^\.xenps-" || true' | Should -Be '0'
        $defined = Get-XenDomain -XenHost stolab -All 'xps-sto-*'
        ($defined.Name | Sort-Object) | Should -Be @('xps-sto-a', 'xps-sto-b')
        $defined.State | Should -Be @('Halted', 'Halted')
        $defined.ConfigPath | Sort-Object | Should -Be @('/etc/xen/xps-sto-a.cfg', '/etc/xen/xps-sto-b.cfg')
        New-LabGuestConfig 'xps-sto-a' | Export-XenDomainConfig -XenHost stolab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'ConfigFileExists,XenPS.Commands.ExportXenDomainConfigCommand'
    }

    It 'starts one by name (xl list shows it) and marks it autostart (ls -l /etc/xen/auto shows the link)' {
        Start-XenDomain -XenHost stolab xps-sto-a
        Get-RawNames | Should -Contain 'xps-sto-a'
        Set-XenDomain -XenHost stolab xps-sto-a -AutoStart $true
        $ls = (Invoke-Dom0 'ls -l /etc/xen/auto') -join "`n"
        $ls | Should -Match 'xps-sto-a\.cfg -> /etc/xen/xps-sto-a\.cfg'
        $ls | Should -Not -Match 'xps-sto-b'
        (Get-XenDomain -XenHost stolab xps-sto-a).AutoStart | Should -BeTrue
        (Get-XenDomain -XenHost stolab -All xps-sto-b).AutoStart | Should -BeFalse
        Set-XenDomain -XenHost stolab xps-sto-a -AutoStart $true # idempotent
        @(Invoke-Dom0 'ls -1 /etc/xen/auto | grep xps-sto-').Count | Should -Be 1
    }

    It 'with every guest destroyed, the host''s own xendomains start starts exactly the autostart domains' {
        Get-XenDomain -XenHost stolab | Where-Object Id -ne 0 | Stop-XenDomain -TurnOff -Confirm:$false
        Get-RawNames | Should -Be @('Domain-0')
        Invoke-Dom0 '/etc/init.d/xendomains start' | Out-Null
        $names = Get-RawNames
        $names | Should -Contain 'xps-sto-a'
        $names | Should -Not -Contain 'xps-sto-b'
        (Get-XenDomain -XenHost stolab xps-sto-a).AutoStart | Should -BeTrue
    }

    It 'autostart off: the link is gone and xendomains start starts nothing' {
        Set-XenDomain -XenHost stolab xps-sto-a -AutoStart $false
        Invoke-Dom0 'ls -1 /etc/xen/auto | grep -c xps-sto- || true' | Should -Be '0'
        Get-XenDomain -XenHost stolab | Where-Object Id -ne 0 | Stop-XenDomain -TurnOff -Confirm:$false
        Invoke-Dom0 '/etc/init.d/xendomains start' | Out-Null
        Get-RawNames | Should -Be @('Domain-0')
    }

    It 'hostile names over ssh are stored literally or refused; nothing leaves /etc/xen and no command runs' {
        $cfg = New-LabGuestConfig 'xps-sto-h'
        foreach ($odd in 'xps-sto-a;touch PWNED;b.cfg', 'xps-sto-$(touch PWNED).cfg', "xps-sto-q'uo`"te.cfg", 'xps-sto-sp ace.cfg', 'xps-sto-`touch PWNED`.cfg') {
            $cfg | Export-XenDomainConfig -XenHost stolab -Path $odd
        }
        $stored = @(Invoke-Dom0 'cd /etc/xen && ls -1 | grep "^xps-sto-" | sort')
        $stored | Should -Contain 'xps-sto-a;touch PWNED;b.cfg'
        $stored | Should -Contain 'xps-sto-$(touch PWNED).cfg'
        $stored | Should -Contain "xps-sto-q'uo`"te.cfg"
        $stored | Should -Contain 'xps-sto-sp ace.cfg'
        $stored | Should -Contain 'xps-sto-`touch PWNED`.cfg'
        foreach ($bad in '../xps-sto-evil.cfg', '-xps-sto.cfg', 'xps-sto/evil.cfg', '.xps-sto.cfg', '/etc/xps-sto-evil.cfg') {
            $cfg | Export-XenDomainConfig -XenHost stolab -Path $bad -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,XenPS.Commands.ExportXenDomainConfigCommand' -Because $bad
        }
        Invoke-Dom0 'find / -xdev -maxdepth 4 -name PWNED 2>/dev/null | wc -l' | Should -Be '0'
        Invoke-Dom0 'ls -1 /etc /var/lib /root /tmp | grep -c "xps-sto" || true' | Should -Be '0'
        $h = Get-XenDomain -XenHost stolab -All xps-sto-h
        @($h).Count | Should -Be 5
        $h | Set-XenDomain -AutoStart $true
        @(Invoke-Dom0 'ls -1 /etc/xen/auto | grep xps-sto-').Count | Should -Be 5
        $h | Remove-XenDomainConfig -Confirm:$false
        Invoke-Dom0 'ls -1 /etc/xen /etc/xen/auto | grep -c xps-sto-h || true' | Should -Be '0'
        Invoke-Dom0 'ls -1 /etc/xen | grep -c "^xps-sto-" || true' | Should -Be '2'
    }

    It 'Restart-XenHost does not reboot a real host (OperationNotSupported), and nothing changes there' {
        $before = Get-RawNames
        Restart-XenHost -XenHost stolab -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'OperationNotSupported,XenPS.Commands.RestartXenHostCommand'
        $e[0].TargetObject.Name | Should -Be 'stolab'
        Get-RawNames | Should -Be $before
    }

    It 'Remove-XenDomainConfig removes the file and its autostart link on the host' {
        Set-XenDomain -XenHost stolab xps-sto-b -AutoStart $true
        Remove-XenDomainConfig -XenHost stolab xps-sto-b -Confirm:$false
        Invoke-Dom0 '[ -e /etc/xen/xps-sto-b.cfg ] || [ -L /etc/xen/auto/xps-sto-b.cfg ] || echo gone' | Should -Be 'gone'
    }
}
