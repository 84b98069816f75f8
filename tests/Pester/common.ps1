# Shared by the specs: dot-source in BeforeAll.
Import-Module XenPS -Force

# A fresh simulated host in its own folder; returns the connection (not the default unless asked).
function New-TestSimHost {
    param([string] $Name = ('t' + [guid]::NewGuid().ToString('N').Substring(0, 8)), [switch] $SetDefault, [long] $TotalMemoryMiB = 8192, [int] $CpuCount = 4)
    $dir = Join-Path $TestDrive $Name
    Connect-XenHost "sim://$dir" -Name $Name -SetDefault:$SetDefault -TotalMemoryMiB $TotalMemoryMiB -CpuCount $CpuCount -PassThru
}

function Remove-AllTestHosts {
    Get-XenHostConnection | Disconnect-XenHost
}

# Writes a config file into TestDrive and returns its path.
function New-TestConfig {
    param([string] $Text, [string] $FileName = ('cfg-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.cfg'))
    $p = Join-Path $TestDrive $FileName
    Set-Content -LiteralPath $p -Value $Text -NoNewline
    $p
}

$script:ExamplesDir = (Resolve-Path "$PSScriptRoot/../../examples").Path

# The pwsh of this process, to start a fresh one (`dotnet pwsh` would need the repository as the current folder).
$script:PwshExe = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
if (-not (Test-Path $PwshExe)) { $script:PwshExe = (Get-Process -Id $PID).Path }

# Runs a command in the lab's dom0 directly with ssh (a spec's own view, independent of XenPS): the lab specs' one way in.
function Invoke-Dom0([string] $Command) {
    $u = [uri]$env:XENPS_LAB_URI
    $out = & ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$env:XENPS_LAB_KNOWN_HOSTS" `
        -i $env:XENPS_LAB_IDENTITY -p $u.Port "$($u.UserInfo)@$($u.Host)" $Command
    if ($LASTEXITCODE -ne 0) { throw "ssh '$Command' failed ($LASTEXITCODE): $out" }
    $out
}
