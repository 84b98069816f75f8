using System.Collections.Generic;

namespace XenPS.HelpBuilder
{
    /// <summary>A cmdlet as compiled: what the code says, which always wins over the markdown.</summary>
    public sealed class CommandInfo
    {
        public const string AllSets = "__AllParameterSets";

        public required string Verb { get; init; }
        public required string Noun { get; init; }
        public string Name => Verb + "-" + Noun;
        public required string TypeName { get; init; }
        public string? DefaultParameterSet { get; init; }
        public bool SupportsShouldProcess { get; init; }
        public List<ParameterInfo> Parameters { get; } = new();
        public List<string> OutputTypes { get; } = new();

        /// <summary>The parameter sets in syntax order: the default first, then as declared.</summary>
        public List<string> ParameterSetNames()
        {
            var names = new List<string>();
            if (DefaultParameterSet != null && DefaultParameterSet != AllSets &&
                Parameters.Exists(p => p.Sets.Exists(s => s.Name == DefaultParameterSet)))
                names.Add(DefaultParameterSet);
            foreach (var p in Parameters)
                foreach (var s in p.Sets)
                    if (s.Name != AllSets && !names.Contains(s.Name)) names.Add(s.Name);
            if (names.Count == 0) names.Add(AllSets);
            return names;
        }
    }

    public sealed class ParameterInfo
    {
        public required string Name { get; init; }
        public required string TypeName { get; init; }
        public bool IsSwitch { get; init; }
        public bool SupportsWildcards { get; init; }
        public bool DontShow { get; init; }
        public List<string> Aliases { get; } = new();
        public List<string> AcceptedValues { get; } = new();
        public List<ParameterSetEntry> Sets { get; } = new();

        /// <summary>The entry that applies in <paramref name="set"/>, or null when the parameter is not in it.</summary>
        public ParameterSetEntry? In(string set) =>
            Sets.Find(s => s.Name == set) ?? Sets.Find(s => s.Name == CommandInfo.AllSets);
    }

    public sealed record ParameterSetEntry(
        string Name, bool Mandatory, int? Position, bool ValueFromPipeline,
        bool ValueFromPipelineByPropertyName, bool ValueFromRemainingArguments);
}
