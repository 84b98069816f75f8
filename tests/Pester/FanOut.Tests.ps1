# Many hosts at once on simulated hosts: -XenHost over several connections works on them in parallel (bounded by
# -ThrottleLimit), writes each host's results as they arrive, makes a closed or broken host an error of its own, and
# lets domains of several hosts flow through one pipeline. Slow hosts are simulated hosts with a Latency option (each
# call waits that long, as a round trip would); an options object passed to Connect-XenHost slows a host down later.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    # A simulated host with its own options object (returned with the connection) so a test can change its latency.
    function New-SlowHost([string] $Name, [double] $Latency = 0) {
        $o = [XenPS.Backends.SimHostOptions]::new()
        $c = Connect-XenHost "sim://$(Join-Path $TestDrive $Name)" -Name $Name -Option $o -PassThru
        $o.Latency = [timespan]::FromSeconds($Latency)
        [pscustomobject]@{ Connection = $c; Options = $o }
    }
    function New-Guest([string] $Name, [object] $XenHost, [int] $MemoryMiB = 64, [string[]] $More = @()) {
        New-XenDomain /dev/null "name=`"$Name`"" "memory=$MemoryMiB" 'kernel=/boot/vmlinuz' @More -XenHost $XenHost
    }
    function Measure-Seconds([scriptblock] $Block) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $null = & $Block
        $sw.Elapsed.TotalSeconds
    }
}

Describe 'Many hosts in one command' {
    AfterEach { Remove-AllTestHosts }

    It 'Get-XenDomain -XenHost * lists every host with the Host column; a broken host is an error whose target is the host' {
        foreach ($n in 'fa', 'fb', 'fc', 'broken') { $null = New-SlowHost $n; $null = New-Guest "g-$n" $n }
        Remove-Item (Join-Path $TestDrive 'broken/journal-0.log') # its state is damaged now
        $r = Get-XenDomain -XenHost * -ErrorVariable ev -ErrorAction SilentlyContinue
        ($r | Where-Object Id -ne 0).Name | Sort-Object | Should -Be @('g-fa', 'g-fb', 'g-fc')
        ($r | ForEach-Object { "$($_.Host)/$($_.Name)" }) | Should -Contain 'fb/g-fb'
        $ev.Count | Should -Be 1
        $ev[0].TargetObject.Name | Should -Be 'broken'
        $ev[0].FullyQualifiedErrorId | Should -Match '^HostStateDamaged|StateDamaged'
        $text = $r | Out-String -Width 200
        $text | Should -Match 'Host\s+Name\s+ID'
        $text | Should -Match 'fc\s+g-fc\s+\d+'
    }

    It 'a closed connection given to -XenHost is an error of its own; the open ones are listed' {
        $a = (New-SlowHost 'open1').Connection
        $gone = (New-SlowHost 'gone').Connection
        Disconnect-XenHost $gone
        $r = Get-XenDomain -XenHost $a, $gone -ErrorVariable ev -ErrorAction SilentlyContinue
        $r.Host | Sort-Object -Unique | Should -Be 'open1'
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Match '^XenHostConnectionClosed'
        $ev[0].TargetObject | Should -Be $gone
        $ev[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'each host is written as its listing arrives: a slow host holds back only itself' {
        $slow = New-SlowHost 'slow'
        $null = New-SlowHost 'quick1' 0.05
        $null = New-SlowHost 'quick2' 0.05
        $slow.Options.Latency = [timespan]::FromSeconds(3)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $rows = Get-XenDomain -XenHost slow, quick1, quick2 | ForEach-Object { [pscustomobject]@{ Host = $_.Host; At = $sw.Elapsed.TotalSeconds } }
        $rows[-1].Host | Should -Be 'slow'
        $quick = $rows | Where-Object Host -ne 'slow'
        $quick.Count | Should -Be 2
        $quick | ForEach-Object { $_.At | Should -BeLessThan 2.0 }
        ($rows | Where-Object Host -eq 'slow')[0].At | Should -BeGreaterOrEqual 2.9
    }

    It 'hosts are listed in parallel, at most -ThrottleLimit at once' {
        foreach ($i in 1..6) { $null = New-SlowHost "p$i" 0.4 }
        $parallel = Measure-Seconds { Get-XenDomain -XenHost p* }
        $serial = Measure-Seconds { Get-XenDomain -XenHost p* -ThrottleLimit 1 }
        $serial | Should -BeGreaterOrEqual (6 * 0.4)
        $parallel | Should -BeLessThan ($serial / 2)
    }

    It 'Get-XenHostConnection shows each connection''s health' {
        $h = New-SlowHost 'healthy' 0.2
        $null = Get-XenDomain -XenHost healthy
        $c = Get-XenHostConnection healthy
        $c.State | Should -Be 'Open'
        $c.LastContact | Should -Not -BeNullOrEmpty
        $c.LatencyMs | Should -BeGreaterOrEqual 200
        $c.LastError | Should -BeNullOrEmpty
        Disconnect-XenHost $h.Connection
        $h.Connection.State | Should -Be 'Closed'
    }

    It 'Ctrl+C stops a command that waits on a slow host at once' {
        $slow = New-SlowHost 'stuck'
        $null = New-SlowHost 'fine'
        $slow.Options.Latency = [timespan]::FromSeconds(60)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$((Get-Module XenPS).Path)'; Get-XenDomain -XenHost stuck, fine")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 800
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Domains of several hosts in one pipeline' {
    AfterEach { Remove-AllTestHosts }

    It 'Get-XenDomain -XenHost * | Where-Object MemoryMiB -gt 4096 | Stop-XenDomain -Wait stops each big domain on its own host' {
        foreach ($n in 'h1', 'h2', 'h3') {
            $null = New-SlowHost $n
            $null = New-Guest "big-$n" $n 5000 @('sim.shutdown_seconds=1')
            $null = New-Guest "small-$n" $n 256
        }
        $stopped = Get-XenDomain -XenHost * | Where-Object MemoryMiB -gt 4096 | Stop-XenDomain -Wait -Timeout 60 -PassThru
        $stopped.Count | Should -Be 3
        $stopped | ForEach-Object { $_.Name | Should -Be "big-$($_.Host)" }
        $stopped.State | Sort-Object -Unique | Should -Be 'Halted'
        ($stopped | Out-String -Width 200) | Should -Match '(?m)^h2\s+big-h2\s'  # the Host column: they came from several hosts
        $left = Get-XenDomain -XenHost * | Where-Object Id -ne 0
        ($left.Name | Sort-Object) | Should -Be @('small-h1', 'small-h2', 'small-h3')
        $left | ForEach-Object { $_.Name | Should -Be "small-$($_.Host)" }
    }

    It 'Stop-XenDomain -Wait over several hosts is not serial per host' {
        foreach ($i in 1..4) {
            $h = New-SlowHost "w$i"
            $null = New-Guest "a-w$i" "w$i" 64 @('sim.shutdown_seconds=1')
            $null = New-Guest "b-w$i" "w$i" 64 @('sim.shutdown_seconds=1')
            $h.Options.Latency = [timespan]::FromSeconds(0.6)
        }
        $parallel = Measure-Seconds { Get-XenDomain -XenHost w* -Name a-* | Stop-XenDomain -Wait -Timeout 60 }
        $serial = Measure-Seconds { Get-XenDomain -XenHost w* -Name b-* | Stop-XenDomain -Wait -Timeout 60 -ThrottleLimit 1 }
        (Get-XenDomain -XenHost w* | Where-Object Id -ne 0).Count | Should -Be 0
        # serial: 4 requests and 4 listings per round of 0.6 s each at least
        $serial | Should -BeGreaterOrEqual (4 * 0.6 + 4 * 0.6)
        $parallel | Should -BeLessThan ($serial * 0.6)
    }

    It 'Suspend-XenDomain and Resume-XenDomain act on several hosts in parallel, with per-host errors' {
        foreach ($i in 1..3) { $null = New-SlowHost "s$i"; $null = New-Guest "v-s$i" "s$i" }
        $broken = New-SlowHost 'sbroken'
        $null = New-Guest 'v-sbroken' 'sbroken'
        $doms = Get-XenDomain -XenHost s* -Name v-*
        Remove-Item (Join-Path $TestDrive 'sbroken/journal-0.log')
        $r = $doms | Suspend-XenDomain -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue
        ($r | Sort-Object Host).Host | Should -Be @('s1', 's2', 's3')
        $r.State | Sort-Object -Unique | Should -Be 'Paused'
        $ev.Count | Should -Be 1
        $ev[0].TargetObject.Name | Should -Be 'v-sbroken'
        ($doms | Where-Object Host -ne 'sbroken' | Resume-XenDomain -PassThru).State | Sort-Object -Unique | Should -Be 'Running'
    }

    It 'Save-XenDomain over several hosts saves in parallel, each save''s progress its own and completed' {
        foreach ($i in 1..4) {
            $h = New-SlowHost "k$i"
            $null = New-Guest "a-k$i" "k$i"
            $null = New-Guest "b-k$i" "k$i"
            $h.Options.Latency = [timespan]::FromSeconds(0.5)
        }
        $a = Get-XenDomain -XenHost k* -Name a-*
        $b = Get-XenDomain -XenHost k* -Name b-*
        $parallel = Measure-Seconds { $a | Save-XenDomain -Path /var/lib/xen/save/a.save -Confirm:$false }
        $serial = Measure-Seconds { $b | Save-XenDomain -Path /var/lib/xen/save/b.save -Confirm:$false -ThrottleLimit 1 }
        (Get-XenDomain -XenHost k* | Where-Object Id -ne 0) | Should -BeNullOrEmpty
        foreach ($i in 1..4) { Join-Path $TestDrive "k$i/fs/var/lib/xen/save/a.save" | Should -Exist }
        $serial | Should -BeGreaterOrEqual (4 * 0.5)
        $parallel | Should -BeLessThan ($serial * 0.6)

        # progress from the workers: one activity per save, each completed (written on the pipeline thread)
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($modulePath, $root)
            Import-Module $modulePath
            foreach ($i in 1..3) {
                $null = Connect-XenHost "sim://$root/p$i" -Name "p$i"
                $null = New-XenDomain /dev/null "name=`"g-p$i`"" 'memory=64' 'kernel=/boot/vmlinuz' -XenHost "p$i"
            }
            Get-XenDomain -XenHost p* -Name g-* | Save-XenDomain -Path /var/lib/xen/save/g.save -Confirm:$false -PassThru
        }).AddArgument((Get-Module XenPS).Path).AddArgument("$TestDrive")
        $saved = $ps.Invoke()
        $ps.Streams.Error | Should -BeNullOrEmpty
        ($saved.Host | Sort-Object) | Should -Be @('p1', 'p2', 'p3')
        $records = $ps.Streams.Progress
        $ids = $records | Select-Object -ExpandProperty ActivityId -Unique
        @($ids).Count | Should -Be 3
        foreach ($id in $ids) { ($records | Where-Object ActivityId -eq $id)[-1].RecordType | Should -Be 'Completed' }
        $ps.Dispose()
    }

    It 'Add- and Remove-XenDomainDisk and -NetworkAdapter act on several hosts in parallel, with per-host errors' {
        foreach ($i in 1..4) {
            $h = New-SlowHost "d$i"
            $null = New-Guest "v-d$i" "d$i"
            $h.Options.Latency = [timespan]::FromSeconds(0.5)
        }
        $doms = Get-XenDomain -XenHost d* -Name v-*
        $img = (New-Item -ItemType File -Force (Join-Path $TestDrive 'fan.img')).FullName
        $parallel = Measure-Seconds { $doms | Add-XenDomainDisk -Target $img -VirtualDevice xvdb }
        $serial = Measure-Seconds { $doms | Add-XenDomainDisk -Target $img -VirtualDevice xvdc -ThrottleLimit 1 }
        foreach ($d in $doms) { (Get-XenDomainDisk -InputObject $d).Vdev | Should -Be @('xvdb', 'xvdc') }
        $serial | Should -BeGreaterOrEqual (4 * 0.5)
        $parallel | Should -BeLessThan ($serial * 0.6)

        $nics = $doms | Add-XenDomainNetworkAdapter -Bridge xenbr0 -PassThru
        ($nics | Sort-Object Host).Host | Should -Be @('d1', 'd2', 'd3', 'd4')
        $parallel = Measure-Seconds { $nics | Remove-XenDomainNetworkAdapter -Confirm:$false }
        $parallel | Should -BeLessThan ($serial * 0.6)
        $doms | ForEach-Object { Get-XenDomainNetworkAdapter -InputObject $_ } | Should -BeNullOrEmpty

        # one host's detach fails (the disk is gone there already): an error of its own, the others detach
        Remove-XenDomainDisk v-d4 -VirtualDevice xvdb -XenHost d4 -Confirm:$false
        $r = Remove-XenDomainDisk -Name v-* -VirtualDevice xvdb -XenHost d* -Confirm:$false -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue
        ($r | Sort-Object Host).Host | Should -Be @('d1', 'd2', 'd3')
        $ev.Count | Should -Be 1
        $ev[0].Exception.Message | Should -Match 'v-d4'
        foreach ($d in $doms) { (Get-XenDomainDisk -InputObject $d).Vdev | Should -Be @('xvdc') }
    }

    It 'Set-XenDomain over several hosts applies in parallel, -ThrottleLimit 1 one host after the other' {
        foreach ($i in 1..4) {
            $h = New-SlowHost "m$i"
            $null = New-Guest "m-m$i" "m$i" 128 @('maxmem=512')
            $h.Options.Latency = [timespan]::FromSeconds(0.5)
        }
        $doms = Get-XenDomain -XenHost m* -Name m-*
        $parallel = Measure-Seconds { $doms | Set-XenDomain -MemoryMiB 256 }
        $serial = Measure-Seconds { $doms | Set-XenDomain -MemoryMiB 192 -ThrottleLimit 1 }
        (Get-XenDomain -XenHost m* -Name m-*).MemoryMiB | Sort-Object -Unique | Should -Be 192
        $serial | Should -BeGreaterOrEqual (4 * 0.5)
        $parallel | Should -BeLessThan ($serial * 0.6)
    }
}
