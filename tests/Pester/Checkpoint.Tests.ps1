# Save-XenDomain / Restore-XenDomain on a simulated host (the checkpoint files live in its state folder).
BeforeAll {
    . "$PSScriptRoot/common.ps1"
}

Describe 'Save-XenDomain and Restore-XenDomain' {
    BeforeEach {
        $script:h = New-TestSimHost -SetDefault
        $script:file = '/var/lib/xen/save/web1.save'
        $script:local = Join-Path $TestDrive "$($h.Name)/fs/var/lib/xen/save/web1.save"
    }
    AfterEach { Remove-AllTestHosts }

    It 'saves a domain (gone afterwards) and restores it with the same name and uuid and a new domid' {
        $d = New-XenDomain /dev/null 'name="web1"' memory=256
        $cp = Save-XenDomain web1 -Path $file -Confirm:$false -PassThru
        $cp | Should -BeOfType ([XenPS.Services.XenCheckpoint])
        $cp.Path | Should -Be $file
        $cp.Host | Should -Be $h.Name
        $cp.DomainName | Should -Be 'web1'
        $cp.DomainUuid | Should -Be $d.Uuid
        $cp.SizeBytes | Should -Be (Get-Item $local).Length
        $cp.Domain | Should -BeNullOrEmpty
        Get-XenDomain web1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $r = Restore-XenDomain -Path $file
        $r | Should -BeOfType ([XenPS.XenDomain])
        $r.Name | Should -Be 'web1'
        $r.Uuid | Should -Be $d.Uuid
        $r.Id | Should -Not -Be $d.Id
        $r.MemoryMiB | Should -Be 256
        $r.Host | Should -Be $h.Name
        (Get-XenDomain web1).Id | Should -Be $r.Id
    }

    It 'restores in another process, after this one has ended its work (the file is in the state folder)' {
        $d = New-XenDomain /dev/null 'name="web1"'
        Save-XenDomain web1 -Path $file -Confirm:$false
        Remove-AllTestHosts
        $uri = "sim://$(Join-Path $TestDrive $h.Name)"
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module XenPS; Connect-XenHost '$uri' -SetDefault; `$r = Restore-XenDomain '$file'; '{0} {1} {2}' -f `$r.Name, `$r.Uuid, `$r.Id"
        $LASTEXITCODE | Should -Be 0
        @($out)[-1] | Should -Be "web1 $($d.Uuid) $($d.Id + 1)"
    }

    It '-KeepRunning leaves the domain running with its domid, and -PassThru carries it' {
        $d = New-XenDomain /dev/null 'name="web1"'
        $cp = Save-XenDomain web1 -Path $file -KeepRunning -PassThru
        $cp.Domain.Id | Should -Be $d.Id
        $cp.Domain.State | Should -Not -Be 'Paused'
        (Get-XenDomain web1).Id | Should -Be $d.Id
        Test-Path $local | Should -BeTrue
    }

    It '-Paused leaves the domain paused' {
        $d = New-XenDomain /dev/null 'name="web1"'
        Save-XenDomain web1 -Path $file -Paused
        (Get-XenDomain web1).StateFlags | Should -Be '--p---'
        $r = Restore-XenDomain $file -Paused -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'DomainExists,XenPS.Commands.RestoreXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject | Should -Be $file
        Stop-XenDomain web1 -TurnOff -Confirm:$false
        (Restore-XenDomain $file -Paused).StateFlags | Should -Be '--p---'
    }

    It 'does not overwrite an existing file without -Force, and replaces it with -Force' {
        New-XenDomain /dev/null 'name="web1"' | Out-Null
        Save-XenDomain web1 -Path $file -KeepRunning
        $before = [IO.File]::ReadAllBytes($local)
        Save-XenDomain web1 -Path $file -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'CheckpointExists,XenPS.Commands.SaveXenDomainCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject.Name | Should -Be 'web1'
        [IO.File]::ReadAllBytes($local) | Should -Be $before
        (Get-XenDomain web1).State | Should -Be 'Running'
        Save-XenDomain web1 -Path $file -Confirm:$false -Force
        Get-XenDomain web1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        ([IO.File]::ReadAllBytes($local) -join ',') | Should -Not -Be ($before -join ',')
    }

    It '-WhatIf changes nothing' {
        $d = New-XenDomain /dev/null 'name="web1"'
        Save-XenDomain web1 -Path $file -WhatIf
        Test-Path $local | Should -BeFalse
        (Get-XenDomain web1).Id | Should -Be $d.Id
        Save-XenDomain web1 -Path $file -KeepRunning
        Stop-XenDomain web1 -TurnOff -Confirm:$false
        Restore-XenDomain $file -WhatIf
        Get-XenDomain web1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'writes non-terminating errors with stable ids and the item as target, and goes on with the others' {
        New-XenDomain /dev/null 'name="web1"' | Out-Null
        New-XenDomain /dev/null 'name="web2"' | Out-Null
        $out = Save-XenDomain -Id 0, 1, 2 -Path /var/lib/xen/save/one.save -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable err
        @($out).Count | Should -Be 1
        $out.DomainName | Should -Be 'web1'
        $err.Count | Should -Be 2
        $err[0].FullyQualifiedErrorId | Should -Be 'CannotSaveDomain0,XenPS.Commands.SaveXenDomainCommand'
        $err[0].TargetObject.Id | Should -Be 0
        $err[1].FullyQualifiedErrorId | Should -Be 'CheckpointPathAlreadyUsed,XenPS.Commands.SaveXenDomainCommand'
        $err[1].TargetObject.Name | Should -Be 'web2'
        (Get-XenDomain web2).State | Should -Be 'Running'

        Save-XenDomain web2 -Path relative.save -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -Be 'CheckpointPathInvalid,XenPS.Commands.SaveXenDomainCommand'
        $e2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Save-XenDomain web2 -Path /no/such/dir/x.save -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e3
        $e3[0].FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,XenPS.Commands.SaveXenDomainCommand'

        $r = Restore-XenDomain /var/lib/xen/save/none.save, /var/lib/xen/save/one.save -ErrorAction SilentlyContinue -ErrorVariable e4
        $r.Name | Should -Be 'web1'
        $e4.Count | Should -Be 1
        $e4[0].FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,XenPS.Commands.RestoreXenDomainCommand'
        $e4[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e4[0].TargetObject | Should -Be '/var/lib/xen/save/none.save'
        $e4[0].Exception.Message | Should -Match 'does not exist on the host'

        Set-Content -LiteralPath (Join-Path $TestDrive "$($h.Name)/fs/tmp/notes.txt") -Value 'hello'
        Restore-XenDomain /tmp/notes.txt -ErrorAction SilentlyContinue -ErrorVariable e5
        $e5[0].FullyQualifiedErrorId | Should -Be 'CheckpointInvalid,XenPS.Commands.RestoreXenDomainCommand'
        $e5[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'asks before a save that stops the domain, and where nobody can answer it is ConfirmationRequired' {
        New-XenDomain /dev/null 'name="web1"' | Out-Null
        $uri = "sim://$(Join-Path $TestDrive $h.Name)"
        $out = & $PwshExe -NoProfile -NonInteractive -Command "Import-Module XenPS; Connect-XenHost '$uri' -SetDefault; Save-XenDomain web1 -Path '$file' -ErrorAction SilentlyContinue -ErrorVariable e; `$e[0].FullyQualifiedErrorId; (Get-XenDomain web1).State"
        @($out)[-2] | Should -Be 'ConfirmationRequired,XenPS.Commands.SaveXenDomainCommand'
        @($out)[-1] | Should -Be 'Running'
        Test-Path $local | Should -BeFalse
    }

    It 'shows the save as progress that is always completed' {
        $uri = "sim://$(Join-Path $TestDrive $h.Name)"
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($uri, $file)
                    Import-Module XenPS
                    Connect-XenHost $uri -Name prog -SetDefault
                    New-XenDomain /dev/null 'name="web1"' memory=128 | Out-Null
                    Save-XenDomain web1 -Path $file -Confirm:$false
                    Save-XenDomain web1 -Path $file -Confirm:$false -ErrorAction SilentlyContinue # gone now: an error, still completed
                }).AddArgument($uri).AddArgument($file)
            $null = $ps.Invoke()
            $p = @($ps.Streams.Progress | Where-Object Activity -eq 'Saving Xen domains')
            $p.Count | Should -BeGreaterThan 3
            $p[-1].RecordType | Should -Be 'Completed'
            @($p | Where-Object RecordType -eq 'Completed').Count | Should -Be 1  # the failed second save selected nothing
            ($p | Where-Object { $_.StatusDescription -match 'frames 32768/32768' }) | Should -Not -BeNullOrEmpty
            $pct = $p | Where-Object RecordType -ne 'Completed' | ForEach-Object PercentComplete
            ($pct | Sort-Object) -join ',' | Should -Be ($pct -join ',')
        }
        finally { $ps.Dispose() }
    }

    It 'the restored guest carries on: its console continues, it does not boot again' {
        New-XenDomain /dev/null 'name="web1"' | Out-Null
        $null = Connect-XenConsole web1 -Until 'login: $' -Timeout 30
        $null = Connect-XenConsole web1 -Send 'echo before-save-marker' -Until '^before-save-marker' -Timeout 30
        Save-XenDomain web1 -Path $file -Confirm:$false
        $r = Restore-XenDomain $file
        # The restored domain's console, from the start of its current boot: the history before the save, then the resume.
        $text = (Connect-XenConsole web1 -Until 'Restarting tasks \.\.\. done\.' -Timeout 30) -join "`n"
        $text | Should -Match '(?m)^before-save-marker'
        $text | Should -Match 'Freezing user space processes'
        @([regex]::Matches($text, 'Linux version')).Count | Should -Be 1
        $after = Connect-XenConsole $r -Send 'echo after-restore-marker' -Until '^after-restore-marker' -Timeout 30
        @($after)[-1] | Should -Be 'after-restore-marker'
    }
}
