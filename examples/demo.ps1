<#
.SYNOPSIS
    The seed's xm session, as PowerShell, on an embedded simulated Xen host. Run it with: dotnet pwsh ./build.ps1 Demo
#>
param(
    # The folder that holds the staged module (out/ after ./build.ps1 Build).
    [string] $ModuleRoot = (Join-Path $PSScriptRoot '../out')
)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = (Resolve-Path $ModuleRoot).Path + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module XenPS

function Show([string] $command) {
    Write-Host ''
    Write-Host "PS> $command" -ForegroundColor Yellow
}

# A simulated host whose state lives in a temporary folder (sim://NAME keeps one per user instead).
$state = Join-Path ([IO.Path]::GetTempPath()) "xenps-demo-$PID"
try {
    Show "Connect-XenHost sim://$state -Name demo -TotalMemoryMiB 4096 -CpuCount 2"
    Connect-XenHost "sim://$state" -Name demo -TotalMemoryMiB 4096 -CpuCount 2

    Show 'New-XenDomain ./examples/test1.cfg                      # xm create test1.cfg'
    New-XenDomain (Join-Path $PSScriptRoot 'test1.cfg') | Out-Host

    Show 'New-XenDomain /dev/null ramdisk=initrd.img kernel=/boot/vmlinuz-2.6.12.6-xenU name=ramdisk nics=0 vcpus=1 memory=64 root=/dev/ram0'
    New-XenDomain /dev/null ramdisk=initrd.img kernel=/boot/vmlinuz-2.6.12.6-xenU name=ramdisk nics=0 vcpus=1 memory=64 root=/dev/ram0 | Out-Host

    Show 'Get-XenDomain                                             # xm list'
    Get-XenDomain | Out-Host

    Show "Connect-XenConsole test1 -Until 'login:'                  # xm console test1"
    Connect-XenConsole test1 -Until 'login:' -Timeout 60 | Out-Host

    Show 'Get-XenDomain test1 | Stop-XenDomain -Wait -PassThru      # xm shutdown -w test1'
    Get-XenDomain test1 | Stop-XenDomain -Wait -Timeout 60 -PassThru | Out-Host

    Show 'Stop-XenDomain ramdisk -TurnOff -Confirm:$false           # xm destroy ramdisk'
    Stop-XenDomain ramdisk -TurnOff -Confirm:$false

    Show 'Get-XenDomain'
    Get-XenDomain | Out-Host
}
finally {
    Get-XenHostConnection | Disconnect-XenHost
    Remove-Item -Recurse -Force $state -ErrorAction SilentlyContinue
}
