using System.Collections.Generic;

namespace XenPS.HelpBuilder
{
    /// <summary>A PlatyPS 2.0 cmdlet page: the prose, plus the yaml metadata that is only checked.</summary>
    public sealed class CommandPage
    {
        public required string File { get; init; }
        public Dictionary<string, string> FrontMatter { get; } = new(System.StringComparer.OrdinalIgnoreCase);
        public string Title { get; set; } = "";
        public int TitleLine { get; set; }
        public string? HelpUri => FrontMatter.TryGetValue("HelpUri", out var u) && !string.IsNullOrWhiteSpace(u) ? u : null;
        public List<string> Synopsis { get; } = new();
        public List<string> Description { get; } = new();
        public List<PageExample> Examples { get; } = new();
        public List<PageParameter> Parameters { get; } = new();
        public List<PageType> Inputs { get; } = new();
        public List<PageType> Outputs { get; } = new();
        public List<string> Notes { get; } = new();
        public List<PageLink> Links { get; } = new();
        /// <summary>Line of each level-2 section heading that was present (SYNOPSIS, DESCRIPTION ...).</summary>
        public Dictionary<string, int> Sections { get; } = new(System.StringComparer.OrdinalIgnoreCase);
    }

    public sealed class PageExample
    {
        public required string Title { get; init; }
        public int Line { get; init; }
        public string Code { get; set; } = "";
        public List<string> Remarks { get; } = new();
    }

    public sealed class PageParameter
    {
        public required string Name { get; init; }
        public int Line { get; init; }
        public List<string> Description { get; } = new();
        public ParameterYaml? Yaml { get; set; }
    }

    /// <summary>The ```yaml block under a parameter, as written.</summary>
    public sealed class ParameterYaml
    {
        public int Line { get; init; }
        public string? Type { get; set; }
        public string? DefaultValue { get; set; }
        public bool? SupportsWildcards { get; set; }
        public List<string> Aliases { get; } = new();
        public List<ParameterSetYaml> ParameterSets { get; } = new();
        public bool? DontShow { get; set; }
        public List<string> AcceptedValues { get; } = new();
        public string? HelpMessage { get; set; }
    }

    public sealed record ParameterSetYaml(
        int Line, string Name, int? Position, bool IsRequired, bool ValueFromPipeline,
        bool ValueFromPipelineByPropertyName, bool ValueFromRemainingArguments);

    public sealed record PageType(string Name, List<string> Description);

    public sealed record PageLink(string Text, string Uri);

    /// <summary>A PlatyPS about topic: H2 sections (Short description, Long description, ...).</summary>
    public sealed class AboutPage
    {
        public required string File { get; init; }
        public required string Title { get; init; }
        public required string Markdown { get; init; }
    }
}
