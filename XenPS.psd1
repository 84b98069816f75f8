@{
    RootModule           = 'XenPS.psm1'
    # Written by build.ps1 from Directory.Build.props (the one version source); do not edit here.
    ModuleVersion        = '0.0.0'
    GUID                 = '5f0d6a43-7c8e-4b8a-9f3e-2a61d0c4b7e1'
    Author               = 'The XenPS authors'
    CompanyName          = 'XenPS'
    Copyright            = '(c) The XenPS authors. MIT License.'
    Description          = 'Manage Xen domains the way xm did - create from xl/xm/YAML configs with name=value overrides, list, console, shutdown, destroy - with typed objects on the pipeline. Drives the xl toolstack locally or over SSH, and ships an embedded simulated Xen host for trying the module and Pester-testing runbooks without a hypervisor.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('XenPS.Format.ps1xml')
    TypesToProcess       = @('XenPS.Types.ps1xml')
    CmdletsToExport      = @(
        'Connect-XenHost'
        'Connect-XenConsole'
        'ConvertTo-XenDomainConfig'
        'Disconnect-XenHost'
        'Export-XenDomainConfig'
        'Get-XenDomain'
        'Get-XenHostConnection'
        'Import-XenDomainConfig'
        'New-XenDomain'
        'Resume-XenDomain'
        'Stop-XenDomain'
        'Suspend-XenDomain'
        'Test-XenDomainConfig'
        'Set-XenDomain'
        'Start-XenDomain'
        'Remove-XenDomainConfig'
        'Restart-XenHost'
        'Get-XenHostInfo'
        'Save-XenDomain'
        'Restore-XenDomain'
        'Restart-XenDomain'
        'Wait-XenDomain'
        'Get-XenDomainDisk'
        'Add-XenDomainDisk'
        'Remove-XenDomainDisk'
        'Get-XenDomainNetworkAdapter'
        'Add-XenDomainNetworkAdapter'
        'Remove-XenDomainNetworkAdapter'
        'Move-XenDomain'
        'Test-XenDomainMigration'
    )
    FunctionsToExport    = @()
    DscResourcesToExport = @('XenDomain')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Xen', 'xl', 'xm', 'Hypervisor', 'Virtualization', 'VM', 'Domain', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/xenps/XenPS'
            ReleaseNotes = @'
0.1.0 - first release.
- Domain configs: xl.cfg read exactly as Xen 4.17's libxlu reads it, legacy xm files diagnosed (or their literal
  subset converted with -AllowLegacyXm), YAML; name=value overrides as xl create takes them; validation with
  file:line:column diagnostics; canonical xl and YAML writers (Import-, Test-, ConvertTo-, Export-XenDomainConfig).
- Hosts: an embedded simulated Xen 4.17 host (sim://), the xl toolstack locally (xl:///) or over OpenSSH (ssh://).
- Domains: New-, Get-, Stop-XenDomain and Connect-XenConsole, interactive or scripted (-Until/-Send).
'@
        }
    }
}
