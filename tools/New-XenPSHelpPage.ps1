#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the skeleton of a PlatyPS 2.0 (schema 2024-05-01) help page for a XenPS cmdlet from its metadata.

.DESCRIPTION
    Reads Get-Command metadata of the built module (parameter sets, positions, pipeline binding, aliases,
    wildcards, enum values, ShouldProcess) and emits the front matter, SYNTAX, PARAMETERS (with the yaml
    metadata blocks), INPUTS and OUTPUTS. Prose is left as {{ Fill in ... }} placeholders to write by hand.
    Re-run it after a parameter change and diff the yaml blocks against docs/help/<Verb-Noun>.md.

.EXAMPLE
    dotnet build src/XenPS -c Release -o /tmp/docs-build
    dotnet pwsh ./tools/New-XenPSHelpPage.ps1 -ModulePath /tmp/docs-build/XenPS.dll -Name Get-XenDomain

.EXAMPLE
    dotnet pwsh ./tools/New-XenPSHelpPage.ps1 -ModulePath /tmp/docs-build/XenPS.dll -OutputFolder /tmp/skeletons
    Writes one skeleton per exported cmdlet into /tmp/skeletons (never into docs/help, so hand-written prose is safe).
#>
[CmdletBinding()]
param(
    # The built XenPS.dll (or the staged module's XenPS.psd1).
    [Parameter(Mandatory)] [string] $ModulePath,
    # Cmdlets to document (default: every cmdlet of the module).
    [string[]] $Name,
    # Write <Verb-Noun>.md files here instead of to the pipeline.
    [string] $OutputFolder,
    [string] $Date = '11/27/2026'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters
$commands = Get-Command -Module $module.Name -CommandType Cmdlet | Where-Object { -not $Name -or $_.Name -in $Name } | Sort-Object Name

function Format-YamlList([string[]] $Items) {
    if (-not $Items -or $Items.Count -eq 0) { return ' []' }
    "`n" + (($Items | ForEach-Object { "- $_" }) -join "`n")
}

function Get-DefaultValue($Command, $Parameter) {
    # The property's initial value on a fresh instance; '' for switches, mandatory and unset parameters.
    if ($Parameter.SwitchParameter) { return "''" }
    if ($Parameter.ParameterSets.Values | Where-Object IsMandatory) { return "''" }
    try {
        $instance = [Activator]::CreateInstance($Command.ImplementingType)
        $value = $instance.($Parameter.Name)
    }
    catch { return "''" }
    if ($null -eq $value) { return "''" }
    if ($value -is [array]) { return "''" }
    if ($value -is [enum]) { return $value.ToString() }
    if ($value -is [int] -or $value -is [long]) { if ($value -eq 0) { return "''" } else { return "'$value'" } }
    "''"
}

function New-Page($Command) {
    $sb = [System.Text.StringBuilder]::new()
    $null = $sb.AppendLine('---')
    $null = $sb.AppendLine('document type: cmdlet')
    $null = $sb.AppendLine("external help file: $($module.Name).dll-Help.xml")
    $null = $sb.AppendLine("HelpUri: ''")
    $null = $sb.AppendLine('Locale: en-US')
    $null = $sb.AppendLine("Module Name: $($module.Name)")
    $null = $sb.AppendLine("ms.date: $Date")
    $null = $sb.AppendLine('PlatyPS schema version: 2024-05-01')
    $null = $sb.AppendLine("title: $($Command.Name)")
    $null = $sb.AppendLine('---')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine("# $($Command.Name)")
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## SYNOPSIS')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('{{ Fill in the Synopsis }}')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## SYNTAX')
    $null = $sb.AppendLine()
    $sets = @($Command.ParameterSets)
    foreach ($set in $sets) {
        $title = $set.Name
        if ($set.IsDefault -and $set.Name -ne '__AllParameterSets') { $title += ' (Default)' }
        $null = $sb.AppendLine("### $title")
        $null = $sb.AppendLine()
        $null = $sb.AppendLine('```')
        $null = $sb.AppendLine("$($Command.Name) $set".TrimEnd())
        $null = $sb.AppendLine('```')
        $null = $sb.AppendLine()
    }
    $null = $sb.AppendLine('## ALIASES')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## DESCRIPTION')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('{{ Fill in the Description }}')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## EXAMPLES')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('### Example 1 - {{ Add title here }}')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('```powershell')
    $null = $sb.AppendLine('{{ Add code here }}')
    $null = $sb.AppendLine('```')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('{{ Add example description here }}')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## PARAMETERS')
    $null = $sb.AppendLine()

    $setOrder = @{}; $i = 0
    foreach ($s in $sets) { $setOrder[$s.Name] = $i++ }
    $params = $Command.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name
    foreach ($p in $params) {
        $null = $sb.AppendLine("### -$($p.Name)")
        $null = $sb.AppendLine()
        $null = $sb.AppendLine('{{ Fill in the Description }}')
        $null = $sb.AppendLine()
        $wild = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $type = $p.ParameterType
        $elem = if ($type.IsArray) { $type.GetElementType() } else { $type }
        $accepted = @()
        if ($elem.IsEnum) { $accepted = [enum]::GetNames($elem) }
        $vs = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
        if ($vs) { $accepted = $vs.ValidValues }
        $aliases = @($p.Aliases)
        $null = $sb.AppendLine('```yaml')
        $null = $sb.AppendLine("Type: $($type.FullName)")
        $null = $sb.AppendLine("DefaultValue: $(Get-DefaultValue $Command $p)")
        $null = $sb.AppendLine("SupportsWildcards: $($wild.ToString().ToLower())")
        $null = $sb.AppendLine('ParameterValue: []')
        $null = $sb.AppendLine("Aliases:$(Format-YamlList $aliases)")
        $null = $sb.AppendLine('ParameterSets:')
        $entries = $p.ParameterSets.GetEnumerator() | Sort-Object { if ($_.Key -eq '__AllParameterSets') { -1 } else { $setOrder[$_.Key] } }
        foreach ($e in $entries) {
            $m = $e.Value
            $setName = if ($e.Key -eq '__AllParameterSets') { '(All)' } else { $e.Key }
            $pos = if ($m.Position -lt 0) { 'Named' } else { $m.Position }
            $null = $sb.AppendLine("- Name: $setName")
            $null = $sb.AppendLine("  Position: $pos")
            $null = $sb.AppendLine("  IsRequired: $($m.IsMandatory.ToString().ToLower())")
            $null = $sb.AppendLine("  ValueFromPipeline: $($m.ValueFromPipeline.ToString().ToLower())")
            $null = $sb.AppendLine("  ValueFromPipelineByPropertyName: $($m.ValueFromPipelineByPropertyName.ToString().ToLower())")
            $null = $sb.AppendLine("  ValueFromRemainingArguments: $($m.ValueFromRemainingArguments.ToString().ToLower())")
        }
        $dontShow = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
        $help = ($p.ParameterSets.Values | Where-Object HelpMessage | Select-Object -First 1 -ExpandProperty HelpMessage)
        $null = $sb.AppendLine("DontShow: $($dontShow.ToString().ToLower())")
        $null = $sb.AppendLine("AcceptedValues:$(Format-YamlList $accepted)")
        $null = $sb.AppendLine("HelpMessage: '$help'")
        $null = $sb.AppendLine('```')
        $null = $sb.AppendLine()
    }
    $null = $sb.AppendLine('### CommonParameters')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,')
    $null = $sb.AppendLine('-InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable,')
    $null = $sb.AppendLine('-ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see')
    $null = $sb.AppendLine('[about_CommonParameters](https://go.microsoft.com/fwlink/?LinkID=113216).')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## INPUTS')
    $null = $sb.AppendLine()
    $inputs = $params | Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline } } |
        ForEach-Object { $t = $_.ParameterType; if ($t.IsArray) { $t.GetElementType().FullName } else { $t.FullName } } | Select-Object -Unique
    foreach ($t in $inputs) { $null = $sb.AppendLine("### $t"); $null = $sb.AppendLine(); $null = $sb.AppendLine('{{ Fill in the Description }}'); $null = $sb.AppendLine() }
    $null = $sb.AppendLine('## OUTPUTS')
    $null = $sb.AppendLine()
    foreach ($o in $Command.OutputType) {
        $n = if ($o.Type) { $o.Type.FullName } else { $o.Name }
        $null = $sb.AppendLine("### $n"); $null = $sb.AppendLine(); $null = $sb.AppendLine('{{ Fill in the Description }}'); $null = $sb.AppendLine()
    }
    $null = $sb.AppendLine('## NOTES')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('## RELATED LINKS')
    $null = $sb.AppendLine()
    $null = $sb.AppendLine('- [about_XenPS](about_XenPS.md)')
    $sb.ToString()
}

foreach ($c in $commands) {
    $page = New-Page $c
    if ($OutputFolder) {
        $null = New-Item -ItemType Directory -Force -Path $OutputFolder
        $file = Join-Path $OutputFolder "$($c.Name).md"
        Set-Content -LiteralPath $file -Value $page -NoNewline -Encoding utf8NoBOM
        Get-Item -LiteralPath $file
    }
    else { $page }
}
