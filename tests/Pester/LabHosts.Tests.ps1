# Many hosts against the live Xen 4.17 lab over ssh:// (shared: only domains named fan-*): fan-out over the lab host(s)
# and simulated hosts in one pipeline, a dead host that holds the others back no longer than its own timeout, and the
# shared ssh connection re-established after it was killed or hung. The two-host part ('Lab2') needs XENPS_LAB2_URI.
# Without XENPS_LAB_URI every test is skipped. Cleans up only its own domains and their console logs in dom0.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    if (-not $env:XENPS_LAB_URI) { return }
    $script:prefix = 'fan-'
    $script:lab = Connect-XenHost $env:XENPS_LAB_URI -Name fanlab1 -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $env:XENPS_LAB_KNOWN_HOSTS -CommandTimeout 180 -PassThru
    $script:lab2 = $null
    if ($env:XENPS_LAB2_URI) {
        $key2 = if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }
        $script:lab2 = Connect-XenHost $env:XENPS_LAB2_URI -Name fanlab2 -KeyFile $key2 -KnownHostsFile $env:XENPS_LAB2_KNOWN_HOSTS -CommandTimeout 180 -PassThru
    }
    $null = Connect-XenHost "sim://$(Join-Path $TestDrive 'fansim1')" -Name fansim1
    $null = Connect-XenHost "sim://$(Join-Path $TestDrive 'fansim2')" -Name fansim2

    # dom0 of the second lab host, as Invoke-Dom0 is of the first.
    function Invoke-Dom02([string] $Command) {
        $u = [uri]$env:XENPS_LAB2_URI
        $key2 = if ($env:XENPS_LAB2_IDENTITY) { $env:XENPS_LAB2_IDENTITY } else { $env:XENPS_LAB_IDENTITY }
        $out = & ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$env:XENPS_LAB2_KNOWN_HOSTS" `
            -i $key2 -p $u.Port "$($u.UserInfo)@$($u.Host)" $Command
        if ($LASTEXITCODE -ne 0) { throw "ssh '$Command' failed ($LASTEXITCODE): $out" }
        $out
    }
    function Get-RawNames([scriptblock] $Dom0) {
        & $Dom0 'xl list' | Select-Object -Skip 1 | ForEach-Object { (-split $_)[0] }
    }

    $script:guestCfg = New-TestConfig @'
name    = "fan-x"
type    = "pv"
kernel  = "/var/lib/xenlab/guest-kernel"
ramdisk = "/var/lib/xenlab/domu-initrd.gz"
extra   = "console=hvc0 quiet"
memory  = 128
vcpus   = 1
'@ -FileName 'fan-guest.cfg'

    function Remove-MyGuests {
        $hosts = @('fanlab1') + $(if ($lab2) { 'fanlab2' } else { @() })
        Get-XenDomain -XenHost $hosts -ErrorAction SilentlyContinue | Where-Object { $_.Id -ne 0 -and $_.Name.StartsWith($prefix) } |
            Stop-XenDomain -TurnOff -Confirm:$false -ErrorAction SilentlyContinue
        Invoke-Dom0 "rm -f /var/log/xen/console/guest-$prefix*.log" | Out-Null
        if ($lab2) { Invoke-Dom02 "rm -f /var/log/xen/console/guest-$prefix*.log" | Out-Null }
    }
    Remove-MyGuests

    # A TCP forwarder to the lab's sshd that can be frozen: it then keeps every connection open and passes nothing
    # on, as a dead network path does. A connection through it is a host that hangs.
    if (-not ('XenPSLabTests.Forwarder' -as [type])) {
        Add-Type -TypeDefinition @'
using System; using System.Collections.Generic; using System.IO; using System.Net; using System.Net.Sockets; using System.Threading;
namespace XenPSLabTests {
    public sealed class Forwarder : IDisposable {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _all = new List<TcpClient>();
        private readonly int _target;
        public volatile bool Frozen;
        public int Port { get; }
        public Forwarder(int target) {
            _target = target; _listener.Start(); Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            new Thread(Accept) { IsBackground = true }.Start();
        }
        private void Accept() {
            while (true) {
                TcpClient c;
                try { c = _listener.AcceptTcpClient(); } catch { return; }
                lock (_all) _all.Add(c);
                new Thread(() => Serve(c)) { IsBackground = true }.Start();
            }
        }
        private void Serve(TcpClient c) {
            if (Frozen) return; // accepted, and nothing ever said
            var s = new TcpClient();
            try { s.Connect(IPAddress.Loopback, _target); } catch { c.Close(); return; }
            lock (_all) _all.Add(s);
            new Thread(() => Pump(c.GetStream(), s.GetStream())) { IsBackground = true }.Start();
            Pump(s.GetStream(), c.GetStream());
        }
        private void Pump(Stream from, Stream to) {
            var buf = new byte[16384];
            try {
                int n;
                while ((n = from.Read(buf, 0, buf.Length)) > 0) {
                    while (Frozen) Thread.Sleep(50);
                    to.Write(buf, 0, n);
                }
            } catch { }
        }
        public void Dispose() { Frozen = false; _listener.Stop(); lock (_all) foreach (var c in _all) c.Close(); }
    }
}
'@
    }
}

AfterAll {
    if (-not $env:XENPS_LAB_URI) { return }
    Remove-MyGuests
    Get-XenHostConnection | Disconnect-XenHost -ErrorAction SilentlyContinue
}

Describe 'Many hosts on live Xen 4.17' -Tag 'Lab' -Skip:(-not $env:XENPS_LAB_URI) {
    It 'the lab host and two simulated hosts in one command, the Host column naming each' {
        $info = Get-XenHostInfo -XenHost fanlab1, fansim1, fansim2
        ($info.Host | Sort-Object) | Should -Be @('fanlab1', 'fansim1', 'fansim2')
        ($info | Where-Object Host -eq 'fanlab1').XenVersion | Should -Match '^4\.17'
        $rows = Get-XenDomain -XenHost fanlab1, fansim1, fansim2 -Name Domain-0
        ($rows.Host | Sort-Object) | Should -Be @('fanlab1', 'fansim1', 'fansim2')
        ($rows | Out-String -Width 200) | Should -Match '(?m)^fanlab1\s+Domain-0\s+0'
        $c = Get-XenHostConnection fanlab1
        $c.State | Should -Be 'Open'
        $c.LatencyMs | Should -BeGreaterThan 0
        $c.LastContact | Should -BeGreaterThan (Get-Date).AddMinutes(-1)
    }

    It 'a dead host does not hold the others back beyond its own timeout' {
        $fw = [XenPSLabTests.Forwarder]::new(([uri]$env:XENPS_LAB_URI).Port)
        try {
            $known = Join-Path $TestDrive 'dead-known_hosts'
            Copy-Item $env:XENPS_LAB_KNOWN_HOSTS $known
            $null = Connect-XenHost "ssh://root@127.0.0.1:$($fw.Port)" -Name fandead -KeyFile $env:XENPS_LAB_IDENTITY -KnownHostsFile $known -AcceptNewHostKey `
                -CommandTimeout 25 -Option @{ ConnectTimeout = 10 } # the login itself, through the forwarder, to a TCG sshd under load
            $fw.Frozen = $true # the path to it is dead now; its shared connection hangs
            $sw = [Diagnostics.Stopwatch]::StartNew()
            # domains and errors in the order they are written, each with the time it came (-ErrorAction Continue: the CI runner
            # runs the specs under $ErrorActionPreference = 'Stop', which would make the dead host's error end the command)
            $rows = Get-XenDomain -XenHost fandead, fanlab1, fansim1, fansim2 -ErrorAction Continue 2>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { [pscustomobject]@{ Host = "error:$($_.TargetObject.Name)"; At = $sw.Elapsed.TotalSeconds; Error = $_ } }
                else { [pscustomobject]@{ Host = $_.Host; At = $sw.Elapsed.TotalSeconds; Error = $null } }
            }
            $total = $sw.Elapsed.TotalSeconds
            ($rows | Where-Object { -not $_.Error }).Host | Sort-Object -Unique | Should -Be @('fanlab1', 'fansim1', 'fansim2')
            $dead = @($rows | Where-Object Error)
            $dead.Count | Should -Be 1
            $dead[0].Host | Should -Be 'error:fandead'
            $rows[-1].Host | Should -Be 'error:fandead'              # the others were all written before it
            ($rows | Where-Object Host -like 'fansim*') | ForEach-Object { $_.At | Should -BeLessThan 5 } # not held back at all
            $dead[0].Error.CategoryInfo.Category | Should -BeIn @('OperationTimeout', 'ConnectionError')
            $dead[0].At | Should -BeGreaterOrEqual 24
            $total | Should -BeLessThan 45                               # its own timeout (25 s, and the bounded check), not more
            (Get-XenHostConnection fandead).State | Should -Be 'Degraded'
            (Get-XenHostConnection fandead).LastError | Should -Not -BeNullOrEmpty
            (Get-XenHostConnection fanlab1).State | Should -Be 'Open'
        }
        finally {
            Disconnect-XenHost fandead -ErrorAction SilentlyContinue
            $fw.Dispose()
        }
    }

    It 'a hung shared ssh connection is replaced on the next call, and the health says what was recovered' {
        $null = Get-XenDomain -XenHost fanlab1
        $null = Get-XenDomain -XenHost fanlab1 # the check before this call learns the master's pid
        $runner = $lab.Backend.Runner
        $master = $runner.MasterProcessId
        $master | Should -BeGreaterThan 0
        $before = $lab.Reconnects
        & kill -STOP $master
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            (Get-XenDomain -XenHost fanlab1 -Name Domain-0).Id | Should -Be 0
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 60
            $c = Get-XenHostConnection fanlab1
            $c.Reconnects | Should -Be ($before + 1)
            $c.LastError | Should -Match 'did not answer'
            $c.State | Should -Be 'Open'
            # the hung master was ended (SIGKILL): gone, or a zombie until whoever adopted it reaps it
            $ended = $false
            foreach ($i in 1..50) {
                $stat = Get-Content "/proc/$master/stat" -Raw -ErrorAction SilentlyContinue
                if (-not $stat -or $stat -match '^\d+ \(.*\) Z ') { $ended = $true; break }
                Start-Sleep -Milliseconds 100
            }
            $ended | Should -BeTrue -Because "the stopped ssh master $master must have been killed"
        }
        finally { & kill -KILL $master 2>$null }
    }

    It 'a killed shared ssh connection is re-established on the next call' {
        $null = Get-XenDomain -XenHost fanlab1
        $null = Get-XenDomain -XenHost fanlab1
        $master = $lab.Backend.Runner.MasterProcessId
        $master | Should -BeGreaterThan 0
        $before = $lab.Reconnects
        & kill -KILL $master
        Start-Sleep -Milliseconds 200
        (Get-XenDomain -XenHost fanlab1 -Name Domain-0).Id | Should -Be 0
        $c = Get-XenHostConnection fanlab1
        $c.Reconnects | Should -Be ($before + 1)
        $c.LastError | Should -Match 'had gone'
        $c.State | Should -Be 'Open'
        $lab.Backend.Runner.MasterProcessId | Should -Not -Be $master
    }
}

Describe 'Both lab hosts and two simulated hosts in one pipeline' -Tag 'Lab', 'Lab2' -Skip:(-not ($env:XENPS_LAB_URI -and $env:XENPS_LAB2_URI)) {
    It 'guests on both lab hosts and on two simulated hosts: waited for and stopped together, each on its own host' {
        $d1 = New-XenDomain $guestCfg 'name="fan-1"' -XenHost fanlab1
        $d2 = New-XenDomain $guestCfg 'name="fan-2"' -XenHost fanlab2
        $null = New-XenDomain /dev/null 'name="fan-s1"' 'memory=64' 'kernel=/boot/vmlinuz' 'sim.shutdown_seconds=1' -XenHost fansim1
        $null = New-XenDomain /dev/null 'name="fan-s2"' 'memory=64' 'kernel=/boot/vmlinuz' 'sim.shutdown_seconds=1' -XenHost fansim2
        # both real guests booted (one wait over both hosts)
        $up = $d1, $d2 | Wait-XenDomain -Until 'XENPS-GUEST-UP' -Timeout 120
        ($up.Host | Sort-Object) | Should -Be @('fanlab1', 'fanlab2')

        $all = Get-XenDomain -XenHost fanlab1, fanlab2, fansim1, fansim2 -Name 'fan-*'
        ($all | ForEach-Object { "$($_.Host)/$($_.Name)" } | Sort-Object) | Should -Be @('fanlab1/fan-1', 'fanlab2/fan-2', 'fansim1/fan-s1', 'fansim2/fan-s2')
        $text = $all | Out-String -Width 200
        $text | Should -Match '(?m)^fanlab1\s+fan-1\s+\d+'
        $text | Should -Match '(?m)^fanlab2\s+fan-2\s+\d+'

        $sw = [Diagnostics.Stopwatch]::StartNew()
        $stopped = $all | Stop-XenDomain -Wait -Timeout 120 -PassThru
        $sw.Stop()
        ($stopped | ForEach-Object { "$($_.Host)/$($_.Name)" } | Sort-Object) | Should -Be @('fanlab1/fan-1', 'fanlab2/fan-2', 'fansim1/fan-s1', 'fansim2/fan-s2')
        Get-RawNames { param($c) Invoke-Dom0 $c } | Should -Not -Contain 'fan-1'
        Get-RawNames { param($c) Invoke-Dom02 $c } | Should -Not -Contain 'fan-2'
        (Get-XenDomain -XenHost fansim1, fansim2 | Where-Object Id -ne 0) | Should -BeNullOrEmpty
        Write-Host ("    both lab guests and two simulated ones stopped together in {0:F1} s" -f $sw.Elapsed.TotalSeconds)
    }
}
