using System.Management.Automation;

namespace Fixture
{
    /// <summary>Something the fixture cmdlets output.</summary>
    public sealed class Widget
    {
        public string Name { get; set; } = "";
    }

    public enum WidgetColor { Red, Green, Blue }

    /// <summary>Two parameter sets, a positional wildcard pipeline parameter, an alias, a switch.</summary>
    [Cmdlet(VerbsCommon.Get, "Widget", DefaultParameterSetName = "Name")]
    [OutputType(typeof(Widget))]
    public sealed class GetWidgetCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Name", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        public string[] Name { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
        [Alias("WidgetId", "WId")]
        public int[] Id { get; set; } = null!;

        [Parameter]
        [ValidateSet("Small", "Large")]
        public string? Size { get; set; }

        [Parameter]
        public WidgetColor Color { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter(DontShow = true)]
        public string? Secret { get; set; }
    }

    /// <summary>SupportsShouldProcess (WhatIf/Confirm), positional 0 and 1, remaining arguments.</summary>
    [Cmdlet(VerbsCommon.Remove, "Widget", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class RemoveWidgetCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public string Name { get; set; } = null!;

        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        public object[]? Rest { get; set; }
    }

    /// <summary>No [OutputType] at all: it writes nothing, and its help says None.</summary>
    [Cmdlet(VerbsCommon.Clear, "Widget")]
    public sealed class ClearWidgetCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public string Name { get; set; } = null!;
    }

    /// <summary>Abstract: never a cmdlet of its own.</summary>
    public abstract class WidgetCmdletBase : PSCmdlet
    {
        [Parameter]
        public string? Host { get; set; }
    }

    /// <summary>Inherits a parameter from its base class.</summary>
    [Cmdlet(VerbsCommon.New, "Widget")]
    [OutputType(typeof(Widget), typeof(string))]
    public sealed class NewWidgetCommand : WidgetCmdletBase
    {
        [Parameter(Mandatory = true)]
        public string Name { get; set; } = null!;
    }

    /// <summary>Not public: not exported.</summary>
    [Cmdlet(VerbsCommon.Get, "Hidden")]
    internal sealed class GetHiddenCommand : PSCmdlet
    {
    }
}
