# Test-XenDomainConfig accepts and refuses what `xl -N create` (xl's dry run) on Xen 4.17 accepts and refuses.
# The verdicts of xl are recorded in tests/corpus/parity/xl-verdicts.tsv (checked on every run); in the lab the same
# files go to the real `xl -N create` and the record itself is checked.
BeforeDiscovery {
    $corpus = Resolve-Path "$PSScriptRoot/../corpus"
    $script:cases = Import-Csv -LiteralPath "$corpus/parity/xl-verdicts.tsv" -Delimiter "`t" | ForEach-Object {
        @{ File = $_.file; Path = Join-Path $corpus $_.file; XlRc = [int]$_.xl_rc; XlMessage = $_.xl_message; Difference = $_.difference }
    }
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    # Errors XenPS reports for a file (its verdict: refused when there is one).
    function Get-XenPSErrors([string] $Path) {
        @(Test-XenDomainConfig -Path $Path -WarningAction SilentlyContinue | Where-Object Severity -eq 'Error')
    }
}

Describe 'Test-XenDomainConfig agrees with xl -N create (recorded verdicts)' {
    It 'covers the whole corpus: every .cfg in tests/corpus has a recorded verdict' {
        $corpus = Resolve-Path "$PSScriptRoot/../corpus"
        $files = @(Get-ChildItem "$corpus/*.cfg", "$corpus/parity/*.cfg" | ForEach-Object { [IO.Path]::GetRelativePath($corpus, $_.FullName).Replace('\', '/') })
        $recorded = @((Import-Csv -LiteralPath "$corpus/parity/xl-verdicts.tsv" -Delimiter "`t").file)
        $files | Where-Object { $_ -notin $recorded } | Should -BeNullOrEmpty
        $recorded | Where-Object { $_ -notin $files } | Should -BeNullOrEmpty
    }

    It '<File>: xl exits <XlRc>' -ForEach $cases {
        $errors = Get-XenPSErrors $Path
        if ($Difference -like 'xenps-refuses:*') {
            $XlRc | Should -Be 0 -Because 'a difference XenPS keeps on purpose is a config xl accepts'
            $errors | Should -Not -BeNullOrEmpty -Because $Difference
        }
        elseif ($Difference -like 'host:*') {
            # xl's verdict depends on the host it ran on; XenPS checks the config alone and accepts it.
            $errors | Should -BeNullOrEmpty -Because $Difference
        }
        elseif ($XlRc -eq 0) {
            $errors | Should -BeNullOrEmpty -Because "xl -N create accepts $File ($XlMessage)"
        }
        else {
            $errors | Should -Not -BeNullOrEmpty -Because "xl -N create refuses $File ($XlMessage)"
        }
    }

    It 'a PV config with neither kernel nor bootloader is refused with xl''s words, at its file and line' {
        $e = Get-XenPSErrors (Resolve-Path "$PSScriptRoot/../corpus/parity/pv-no-kernel.cfg")
        $e.Code | Should -Be 'KernelRequired'
        $e.Message | Should -Match 'Neither kernel nor bootloader specified'
        $e.Line | Should -BeGreaterThan 0
        $e.Hint | Should -Match 'bootloader = "pygrub"'
    }

    It 'a vdispl key xl does not know is refused as xl words it' {
        $e = Get-XenPSErrors (Resolve-Path "$PSScriptRoot/../corpus/parity/vdispl-unknown.cfg")
        $e.Code | Should -Be 'VdisplSpecInvalid'
        $e.Message | Should -Match 'Unknown string "foo=bar" in vdispl spec'
    }

    It 'a vif type=netfront is a warning (xl: "Invalid parameter `type''.") and the domain is created without it' {
        $p = Resolve-Path "$PSScriptRoot/../corpus/parity/vif-type-netfront.cfg"
        $all = @(Test-XenDomainConfig -Path $p -WarningAction SilentlyContinue)
        $all | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
        ($all | Where-Object Code -eq 'VifSpecInvalid').Severity | Should -Be 'Warning'
        $sim = New-TestSimHost
        try {
            $d = New-XenDomain $p -XenHost $sim -WarningAction SilentlyContinue
            $d.Name | Should -Be 'p7'
            $d.Config.Vifs[0].Type | Should -BeNullOrEmpty -Because 'xl ignores the token it cannot use'
            $d.Config.Vifs[0].Bridge | Should -Be 'xenbr0'
        }
        finally { Disconnect-XenHost $sim }
    }

    It 'memory above maxmem and vcpus = 0 are built as xl builds them (warnings, not errors)' {
        $sim = New-TestSimHost
        try {
            $a = New-XenDomain (Resolve-Path "$PSScriptRoot/../corpus/parity/maxmem-lt-memory.cfg") -XenHost $sim -WarningAction SilentlyContinue
            $a.MemoryMiB | Should -Be 256
            $a.MaxMemoryMiB | Should -Be 128
            $b = New-XenDomain (Resolve-Path "$PSScriptRoot/../corpus/parity/vcpus-zero.cfg") -XenHost $sim -WarningAction SilentlyContinue
            $b.VCpus | Should -Be 1
        }
        finally { Disconnect-XenHost $sim }
    }
}

Describe 'The recorded verdicts are what xl -N create says in the lab' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    BeforeAll {
        # xl's dry run on dom0 for every file in one ssh call: the corpus goes over stdin as a tar archive into a
        # private temporary folder; the script is a constant and the file names never reach a shell line.
        $corpus = Resolve-Path "$PSScriptRoot/../corpus"
        $u = [uri]$env:XENPS_LAB_URI
        $script = 'd=$(mktemp -d /tmp/xenps-parity.XXXXXX) || exit 125; trap ''rm -rf "$d"'' EXIT; tar -C "$d" -xf - || exit 125; ' +
            'cd "$d" && for f in *.cfg parity/*.cfg; do (xl -N create "$f" >/dev/null 2>"$d/err"); rc=$?; ' +
            'm=$(grep -v "^Parsing config" "$d/err" | head -n 1); printf "%s\t%s\t%s\n" "$f" "$rc" "$m"; done'
        $tar = Join-Path $TestDrive 'corpus.tar'
        & tar -C $corpus -cf $tar (Get-ChildItem "$corpus/*.cfg").Name (Get-ChildItem "$corpus/parity/*.cfg" | ForEach-Object { "parity/$($_.Name)" })
        $out = & bash -c 'ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$1" -i "$2" -p "$3" "$4" "$5" < "$6"' bash `
            $env:XENPS_LAB_KNOWN_HOSTS $env:XENPS_LAB_IDENTITY $u.Port "$($u.UserInfo)@$($u.Host)" $script $tar
        $script:live = @{}
        foreach ($line in $out) {
            $f = "$line".Split("`t")
            if ($f.Count -ge 3) { $live[$f[0]] = [pscustomobject]@{ Rc = [int]$f[1]; Message = $f[2] -replace '^[^:]+\.cfg:', 'FILE:' } }
        }
    }

    It '<File>: xl -N create still exits <XlRc>' -ForEach $cases {
        $now = $live[$File]
        $now | Should -Not -BeNullOrEmpty -Because 'every file of the corpus went to xl'
        $now.Rc | Should -Be $XlRc -Because "the record says '$XlMessage'; now xl says '$($now.Message)'"
        # a crash (rc 134) leaves the shell's "Aborted" line, not xl's own words
        if ($XlMessage -and $XlRc -lt 128) { $now.Message.Contains($XlMessage.Replace('FILE:', '')) | Should -BeTrue -Because "xl said '$($now.Message)'" }
    }
}
