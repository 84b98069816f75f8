# The XenDomain DSC resource on a simulated host, driven as Invoke-DscResource drives a class-based resource: a fresh
# runspace imports the module with `using module` and hands back [XenDomain]::new(); the properties are set from a
# hashtable in this runspace and Get/Test/Set called on the object. Where PSDesiredStateConfiguration is installed,
# Invoke-DscResource itself runs too (it is not installable here: that test is then skipped, with the reason in its name).
BeforeDiscovery {
    $script:noPsdsc = -not (Get-Module -ListAvailable PSDesiredStateConfiguration | Where-Object { $_.ExportedCommands.ContainsKey('Invoke-DscResource') -or $_.Version -ge [version]'2.0' })
    $script:psdscNote = if ($noPsdsc) { ' (not run: PSDesiredStateConfiguration is not installed here)' } else { '' }
    $docs = (Resolve-Path "$PSScriptRoot/../../docs/help/about_XenPS_DSC.md").Path
    $script:helpExamples = foreach ($m in [regex]::Matches((Get-Content -Raw $docs), '(?ms)^### (Example[^\r\n]*)\r?\n.*?^```powershell\r?\n(.*?)^```')) {
        @{ Title = $m.Groups[1].Value.Trim(); Code = $m.Groups[2].Value; NeedsPsdsc = $m.Groups[2].Value -match 'Invoke-DscResource' }
    }
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:Manifest = Join-Path (Get-Module XenPS).ModuleBase 'XenPS.psd1'
    $script:Runspaces = [System.Collections.Generic.List[object]]::new()

    # What Invoke-DscResource does for a class-based resource (PSDesiredStateConfiguration 2.x, Invoke-DscClassBasedResource).
    function New-DscObject([hashtable] $Property) {
        $ps = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
        $Runspaces.Add($ps)
        $null = $ps.AddScript("using module `"$Manifest`"`nreturn [XenDomain]::new()")
        $o = $ps.Invoke() | Select-Object -First 1
        if ($ps.Streams.Error.Count) { throw $ps.Streams.Error[0] }
        foreach ($key in $Property.Keys) { $o.$key = $Property.$key }
        $o
    }
    function Invoke-Dsc([ValidateSet('Get', 'Test', 'Set')] [string] $Method, [hashtable] $Property) {
        (New-DscObject $Property).$Method()
    }
    # The DSC v3 adapter's way (and a script's): the class from the module's own scope, in this runspace, so its
    # Write-Verbose and Write-Warning reach this session's streams.
    function New-LocalDscObject([hashtable] $Property) {
        $type = & (Get-Module XenPS) { 'XenDomain' -as [type] }
        $o = $type::new()
        foreach ($key in $Property.Keys) { $o.$key = $Property.$key }
        $o
    }

    $script:state = Join-Path $TestDrive 'dsc-host'
    Connect-XenHost "sim://$state" -Name dsc -SetDefault
    $script:Etc = Join-Path $state 'fs/etc/xen'
    $script:WebCfg = "name = 'web'`nmemory = 256`nmaxmem = 512`nvcpus = 1`nkernel = '/boot/vmlinuz'`nextra = 'console=hvc0 quiet'`nsim.shutdown_seconds = 0`n"
    $script:Web = @{ Name = 'web'; XenHost = 'dsc'; Config = $WebCfg; State = 'Running'; AutoStart = $true }
    function Get-Stamp { $f = Get-Item -LiteralPath (Join-Path $Etc 'web.cfg'); [pscustomobject]@{ Hash = (Get-FileHash $f.FullName).Hash; Time = $f.LastWriteTimeUtc; Id = (Get-XenDomain web -ErrorAction SilentlyContinue).Id } }
}

AfterAll {
    foreach ($ps in $Runspaces) { $ps.Dispose() }
    Remove-AllTestHosts
}

Describe 'The XenDomain DSC resource' {
    It 'is exported by the manifest and is a class-based DSC resource keyed by Name and XenHost' {
        (Import-PowerShellDataFile $Manifest).DscResourcesToExport | Should -Be @('XenDomain')
        (Get-Module XenPS).ExportedDscResources | Should -Be @('XenDomain')
        $o = New-DscObject @{}
        $type = $o.GetType()
        $type.Name | Should -Be 'XenDomain'
        $type.FullName | Should -Not -Be 'XenPS.XenDomain'
        @($type.GetCustomAttributes($true) | Where-Object { $_ -is [System.Management.Automation.DscResourceAttribute] }).Count | Should -Be 1
        $keys = $type.GetProperties() | Where-Object { $_.GetCustomAttributes($true) | Where-Object { $_ -is [System.Management.Automation.DscPropertyAttribute] -and $_.Key } }
        ($keys.Name | Sort-Object) | Should -Be @('Name', 'XenHost')
        $o.Ensure | Should -Be 'Present'
        $o.State | Should -BeNullOrEmpty
    }

    It 'Get reports a domain the host does not have as Absent and Stopped, and Test says it is not as desired' {
        $g = Invoke-Dsc Get @{ Name = 'web'; XenHost = 'dsc' }
        $g.Ensure | Should -Be 'Absent'
        $g.State | Should -Be 'Stopped'
        $g.DomainState | Should -Be 'Halted'
        $g.Id | Should -BeNullOrEmpty
        $g.AutoStart | Should -BeFalse
        Invoke-Dsc Test $Web | Should -BeFalse
    }

    It 'Set stores the config in /etc/xen, starts the domain and links it for autostart; Test is then true' {
        Invoke-Dsc Set $Web
        Test-Path (Join-Path $Etc 'web.cfg') | Should -BeTrue
        Test-Path (Join-Path $Etc 'auto/web.cfg') | Should -BeTrue
        $d = Get-XenDomain web
        $d.State | Should -Be 'Running'
        $d.ConfigPath | Should -Be '/etc/xen/web.cfg'
        $d.AutoStart | Should -BeTrue
        Invoke-Dsc Test $Web | Should -BeTrue
        $g = Invoke-Dsc Get $Web
        $g.Ensure | Should -Be 'Present'
        $g.State | Should -Be 'Running'
        $g.Id | Should -Be $d.Id
        $g.MemoryMiB | Should -Be 256
        $g.StoredConfigPath | Should -Be '/etc/xen/web.cfg'
        $g.Config | Should -Match 'memory = 256'
    }

    It 'a second Set changes nothing: the stored file keeps its hash and timestamp, the domain its domid' {
        $before = Get-Stamp
        Start-Sleep -Milliseconds 1100
        $o = New-LocalDscObject $Web
        $global:VerbosePreference = 'Continue'
        try { $out = & { $o.Set() } 4>&1 3>&1 } finally { $global:VerbosePreference = 'SilentlyContinue' }
        "$out" | Should -Match 'in the desired state already; nothing was changed'
        @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Count | Should -Be 0
        $after = Get-Stamp
        $after.Hash | Should -Be $before.Hash
        $after.Time | Should -Be $before.Time
        $after.Id | Should -Be $before.Id
    }

    It 'a config written by Set and read back compares equal (parsed): Get''s Config as the desired config is in the desired state' {
        $g = Invoke-Dsc Get $Web
        $p = $Web.Clone(); $p.Config = $g.Config
        Invoke-Dsc Test $p | Should -BeTrue
        $p.Config = "# the same, reordered and requoted`nsim.shutdown_seconds=0`nextra=`"console=hvc0 quiet`"`nkernel=`"/boot/vmlinuz`"`nvcpus=1`nmaxmem=0x200`nmemory=256`nname=`"web`"`n"
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'detects a domain stopped behind its back, says which property differs (-Verbose), and starts it again' {
        $id = (Get-XenDomain web).Id
        Stop-XenDomain web -TurnOff -Confirm:$false
        $o = New-LocalDscObject $Web
        $global:VerbosePreference = 'Continue'
        try { $out = & { $o.Test() } 4>&1 } finally { $global:VerbosePreference = 'SilentlyContinue' }
        $out[-1] | Should -BeFalse
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose[0] | Should -Be 'XenDomain web on dsc: State is Stopped, desired Running.'
        $verbose[-1] | Should -Be 'XenDomain web on dsc: not in the desired state (State differ).'
        $before = Get-Stamp
        Invoke-Dsc Set $Web
        $d = Get-XenDomain web
        $d.State | Should -Be 'Running'
        $d.Id | Should -Not -Be $id
        (Get-Stamp).Hash | Should -Be $before.Hash -Because 'the stored config was right and is not rewritten'
        Invoke-Dsc Test $Web | Should -BeTrue
    }

    It 'detects a domain resized behind its back and resizes it back live (the same domid)' {
        $p = $Web.Clone(); $p.MemoryMiB = 256
        Set-XenDomain web -MemoryMiB 192
        Invoke-Dsc Test $p | Should -BeFalse
        $o = New-LocalDscObject $p
        $global:VerbosePreference = 'Continue'
        try { $out = & { $o.Test() } 4>&1 } finally { $global:VerbosePreference = 'SilentlyContinue' }
        "$out" | Should -Match 'MemoryMiB is 192, desired 256'
        $id = (Get-XenDomain web).Id
        Invoke-Dsc Set $p
        (Get-XenDomain web).MemoryMiB | Should -Be 256
        (Get-XenDomain web).Id | Should -Be $id
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'a changed config of a running domain is stored with a warning, not a silent restart; AllowRestart restarts it' {
        $p = $Web.Clone(); $p.Config = $WebCfg -replace 'console=hvc0 quiet', 'console=hvc0'
        $id = (Get-XenDomain web).Id
        $o = New-LocalDscObject $p
        $warnings = & { $o.Set() } 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        @($warnings).Count | Should -Be 1
        $warnings[0].Message | Should -Match 'needs a restart to take the change: its stored config changed \(extra\)'
        $warnings[0].Message | Should -Match 'AllowRestart'
        (Get-XenDomain web).Id | Should -Be $id
        (Get-Content -Raw (Join-Path $Etc 'web.cfg')) | Should -Match 'extra = "console=hvc0"'

        $p.Config = $WebCfg -replace 'console=hvc0 quiet', 'console=ttyS0'
        $p.AllowRestart = $true
        Invoke-Dsc Set $p
        $d = Get-XenDomain web
        $d.Id | Should -Not -Be $id
        $d.Config.Extra | Should -Be 'console=ttyS0'
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'memory above the running maximum (maxmem) needs a restart: a warning, and nothing is changed on the running domain' {
        $p = $Web.Clone(); $p.Config = $WebCfg -replace 'console=hvc0 quiet', 'console=ttyS0'; $p.MemoryMiB = 768
        $id = (Get-XenDomain web).Id
        $o = New-LocalDscObject $p
        $warnings = & { $o.Set() } 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        $warnings[0].Message | Should -Match 'MemoryMiB = 768 is above its maximum memory of 512 MiB'
        (Get-XenDomain web).MemoryMiB | Should -Be 256
        (Get-XenDomain web).Id | Should -Be $id
        Invoke-Dsc Test $p | Should -BeFalse
    }

    It 'takes ConfigPath (xl or YAML on this machine); Paused and Stopped are reached' {
        $yaml = Join-Path $TestDrive 'db.yaml'
        "name: db`nmemory: 128`nkernel: /boot/vmlinuz`nsim.shutdown_seconds: 0`n" | Set-Content $yaml
        $p = @{ Name = 'db'; XenHost = 'dsc'; ConfigPath = $yaml; State = 'Paused' }
        Invoke-Dsc Set $p
        (Get-XenDomain db).State | Should -Be 'Paused'
        (Get-Content -Raw (Join-Path $Etc 'db.cfg')) | Should -Match 'memory = 128'
        Invoke-Dsc Test $p | Should -BeTrue
        $p.State = 'Stopped'
        Invoke-Dsc Set $p
        Get-XenDomain db -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-XenDomain db -All).State | Should -Be 'Halted'
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'Ensure Absent with State Stopped stops the domain and removes its config and autostart link' {
        $p = @{ Name = 'web'; XenHost = 'dsc'; Ensure = 'Absent'; State = 'Stopped' }
        Invoke-Dsc Test $p | Should -BeFalse
        Invoke-Dsc Set $p
        Get-XenDomain web -All -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path (Join-Path $Etc 'web.cfg') | Should -BeFalse
        Test-Path (Join-Path $Etc 'auto/web.cfg') | Should -BeFalse
        Invoke-Dsc Test $p | Should -BeTrue
    }

    It 'connects by itself when XenHost is a URI with no connection of that name, and leaves no connection behind' {
        $other = Join-Path $TestDrive 'dsc-uri-host'
        $before = @(Get-XenHostConnection).Count
        $p = @{ Name = 'app'; XenHost = "sim://$other"; Config = "memory = 128`nkernel = '/boot/vmlinuz'`n"; State = 'Running' }
        Invoke-Dsc Set $p
        Invoke-Dsc Test $p | Should -BeTrue
        @(Get-XenHostConnection).Count | Should -Be $before
        $c = Connect-XenHost "sim://$other" -Name uri-check -PassThru
        (Get-XenDomain app -XenHost $c).ConfigPath | Should -Be '/etc/xen/app.cfg'
        Disconnect-XenHost uri-check
    }

    It 'says clearly what is wrong: <What>' -ForEach @(
        @{ What = 'a XenHost that is neither a connection nor a URI'; P = @{ Name = 'web'; XenHost = 'nosuchhost' }; Pattern = "XenHost 'nosuchhost' is neither a host connection of this process nor a host URI.*Connect-XenHost <uri> -Name nosuchhost" }
        @{ What = 'a connection property the URI does not take'; P = @{ Name = 'web'; XenHost = 'sim://dsc-keyfile'; KeyFile = '/root/.ssh/id' }; Pattern = 'KeyFile does not apply to sim:// hosts' }
        @{ What = 'a config for another domain'; P = @{ Name = 'web'; XenHost = 'dsc'; Config = "name='db'`nmemory=128" }; Pattern = "names the domain 'db', but the resource's Name is 'web'" }
        @{ What = 'Set of Present with no config anywhere'; Method = 'Set'; P = @{ Name = 'nothere'; XenHost = 'dsc'; State = 'Running' }; Pattern = 'nothere on dsc has no stored config in /etc/xen and none is given: give the XenDomain resource ConfigPath' }
        @{ What = 'Absent and Running at once'; P = @{ Name = 'web'; XenHost = 'dsc'; Ensure = 'Absent'; State = 'Running' }; Pattern = "Ensure = 'Absent' removes web's stored config from the host, so State = 'Running' cannot be given with it" }
        @{ What = 'a relative ConfigPath'; P = @{ Name = 'web'; XenHost = 'dsc'; ConfigPath = 'web.cfg' }; Pattern = "ConfigPath 'web.cfg' is not an absolute path" }
    ) {
        $e = { Invoke-Dsc $(if ($Method) { $Method } else { 'Test' }) $P } | Should -Throw -PassThru
        $e.Exception.Message | Should -Match $Pattern
        $e.Exception | Should -BeOfType ([XenPS.XenPSException])
    }

    It 'refuses a State outside Running/Stopped/Paused as the property is set' {
        { New-DscObject @{ Name = 'web'; XenHost = 'dsc'; State = 'Rebooted' } } | Should -Throw '*Rebooted*'
    }

    It "Invoke-DscResource drives it: Test, Set, Test, Get$psdscNote" -Skip:$noPsdsc {
        $p = @{ Name = 'idr'; XenHost = 'dsc'; Config = "memory = 128`nkernel = '/boot/vmlinuz'`n"; State = 'Running' }
        (Invoke-DscResource -Name XenDomain -ModuleName XenPS -Method Test -Property $p).InDesiredState | Should -BeFalse
        $null = Invoke-DscResource -Name XenDomain -ModuleName XenPS -Method Set -Property $p
        (Invoke-DscResource -Name XenDomain -ModuleName XenPS -Method Test -Property $p).InDesiredState | Should -BeTrue
        (Invoke-DscResource -Name XenDomain -ModuleName XenPS -Method Get -Property $p).State | Should -Be 'Running'
    }
}

Describe 'The XenDomain DSC resource on a XenAPI pool (the fake XCP-ng pool)' {
    BeforeAll {
        $root = (Resolve-Path "$PSScriptRoot/../..").Path
        $fakeOut = Join-Path $root 'out/FakeXapi'
        $null = & dotnet build (Join-Path $root 'tests/FakeXapi/FakeXapi.csproj') -c Release -o $fakeOut --nologo -v quiet
        if ($LASTEXITCODE -ne 0) { throw "Building tests/FakeXapi failed (exit code $LASTEXITCODE)." }
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in @((Join-Path $fakeOut 'FakeXapi.dll'), '--password', 'dsc-fake-Pw0')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $script:Fake = [System.Diagnostics.Process]::Start($psi)
        $script:Info = $Fake.StandardOutput.ReadLine() | ConvertFrom-Json
    }
    AfterAll {
        if ($Fake -and -not $Fake.HasExited) { $Fake.Kill(); $Fake.WaitForExit(5000) }
    }

    It 'connects with Credential and CertificateThumbprint, and a pool without /etc/xen is a clear OperationNotSupported' {
        $cred = [pscredential]::new('root', (ConvertTo-SecureString 'dsc-fake-Pw0' -AsPlainText -Force))
        $p = @{ Name = 'web'; XenHost = "xapi://127.0.0.1:$($Info.port)"; Credential = $cred; CertificateThumbprint = $Info.masterThumbprint; State = 'Running' }
        $e = { Invoke-Dsc Test $p } | Should -Throw -PassThru
        $e.Exception.Reason | Should -Be 'OperationNotSupported'
        $e.Exception.Message | Should -Match 'does not support stored domain configs \(/etc/xen\), which the XenDomain DSC resource manages'
        $p.Credential = [pscredential]::new('root', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        $e = { Invoke-Dsc Test $p } | Should -Throw -PassThru
        $e.Exception.Reason | Should -Be 'ConnectionFailed' -Because 'the credential is what the pool checked'
        $e.Exception.Message | Should -Match 'refused the user name or password'
    }
}

Describe 'Help example (about_XenPS_DSC): <Title>' -ForEach $helpExamples {
    BeforeAll {
        $script:exampleState = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $env:XENPS_SIM_ROOT_SAVED = $env:XENPS_SIM_ROOT
        $env:XENPS_SIM_ROOT = $exampleState
    }
    AfterAll {
        $env:XENPS_SIM_ROOT = $env:XENPS_SIM_ROOT_SAVED
        Get-XenHostConnection | Where-Object Name -ne 'dsc' | Disconnect-XenHost
    }

    It 'runs without error against a simulated host' -Skip:($NeedsPsdsc -and $noPsdsc) {
        $sb = [scriptblock]::Create($Code)
        $null = & $sb -ErrorAction Stop -WarningAction SilentlyContinue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { throw $_ }
    }
}
