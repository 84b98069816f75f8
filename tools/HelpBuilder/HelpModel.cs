using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// Checks one page against its compiled cmdlet. Errors fail the build; differences between the
    /// yaml metadata and the code are warnings because the code wins.
    /// </summary>
    public static class PageValidator
    {
        public static readonly string[] CommonParameters =
        {
            "Debug", "ErrorAction", "ErrorVariable", "InformationAction", "InformationVariable", "OutBuffer",
            "OutVariable", "PipelineVariable", "ProgressAction", "Verbose", "WarningAction", "WarningVariable",
        };

        public static readonly string[] ShouldProcessParameters = { "WhatIf", "Confirm" };

        public static void Validate(CommandInfo cmd, CommandPage page, DiagnosticBag d)
        {
            string f = page.File;
            int Sec(string s) => page.Sections.TryGetValue(s, out int l) ? l : page.TitleLine;

            if (!page.FrontMatter.TryGetValue("title", out var title) || !title.Equals(cmd.Name, StringComparison.OrdinalIgnoreCase))
                d.Warn(f, 1, $"Front matter title '{title}' is not '{cmd.Name}'.", $"set 'title: {cmd.Name}'.");
            if (!page.FrontMatter.ContainsKey("PlatyPS schema version"))
                d.Warn(f, 1, "Front matter has no 'PlatyPS schema version'.", "add 'PlatyPS schema version: 2024-05-01'.");

            if (page.Synopsis.Count == 0 || string.Join("", page.Synopsis).Trim().Length == 0)
                d.Error(f, Sec("SYNOPSIS"), $"{cmd.Name} has no synopsis.", "write one sentence under '## SYNOPSIS'.");
            else if (string.Join(" ", page.Synopsis).Contains("{{", StringComparison.Ordinal))
                d.Error(f, Sec("SYNOPSIS"), $"{cmd.Name} still has the placeholder synopsis.", "replace the '{{ Fill in the Synopsis }}' text.");
            if (page.Description.Count == 0 || string.Join("", page.Description).Trim().Length == 0)
                d.Error(f, Sec("DESCRIPTION"), $"{cmd.Name} has no description.", "write at least one paragraph under '## DESCRIPTION'.");
            if (page.Examples.Count == 0)
                d.Error(f, Sec("EXAMPLES"), $"{cmd.Name} has no example.", "add '### Example 1: <title>' under '## EXAMPLES' with a ```powershell block and a sentence.");
            foreach (var ex in page.Examples)
                if (ex.Code.Trim().Length == 0)
                    d.Error(f, ex.Line, $"'{ex.Title}' has no ```powershell code block.", "add the command in a ```powershell fence.");

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pp in page.Parameters)
            {
                if (!seen.Add(pp.Name))
                {
                    d.Error(f, pp.Line, $"-{pp.Name} is documented twice.", "keep one '### -" + pp.Name + "' section.");
                    continue;
                }
                var code = cmd.Parameters.Find(p => p.Name.Equals(pp.Name, StringComparison.OrdinalIgnoreCase));
                bool ssp = cmd.SupportsShouldProcess && ShouldProcessParameters.Contains(pp.Name, StringComparer.OrdinalIgnoreCase);
                if (code == null && !ssp)
                {
                    if (CommonParameters.Contains(pp.Name, StringComparer.OrdinalIgnoreCase))
                        d.Warn(f, pp.Line, $"-{pp.Name} is a common parameter and is not documented per cmdlet; the section is ignored.", "remove it; '### CommonParameters' covers it.");
                    else
                        d.Error(f, pp.Line, $"{cmd.Name} has no parameter -{pp.Name}.", $"remove the '### -{pp.Name}' section or rename it to the parameter in {cmd.TypeName}.");
                    continue;
                }
                if (pp.Description.Count == 0 || string.Join("", pp.Description).Contains("{{", StringComparison.Ordinal))
                    d.Error(f, pp.Line, $"-{pp.Name} has no description.", $"write what -{pp.Name} does under '### -{pp.Name}'.");
                if (pp.Yaml == null)
                    d.Warn(f, pp.Line, $"-{pp.Name} has no ```yaml metadata block; the code's metadata is used.", "add the PlatyPS yaml block (Type, DefaultValue, ParameterSets, ...).");
                else if (code != null)
                    CompareYaml(cmd, code, pp.Yaml, f, d);
            }

            foreach (var p in cmd.Parameters.Where(p => !p.DontShow))
                if (!seen.Contains(p.Name))
                    d.Error(f, Sec("PARAMETERS"), $"-{p.Name} of {cmd.Name} is not documented.",
                        $"add a '### -{p.Name}' section with a description and a ```yaml block under '## PARAMETERS'.");
            if (cmd.SupportsShouldProcess)
                foreach (var p in ShouldProcessParameters)
                    if (!seen.Contains(p))
                        d.Warn(f, Sec("PARAMETERS"), $"-{p} (SupportsShouldProcess) is not documented; the standard text is used.", $"add a '### -{p}' section.");

            foreach (var o in page.Outputs)
                if (MatchType(o.Name, cmd.OutputTypes) == null && !(o.Name.Equals("None", StringComparison.OrdinalIgnoreCase) && cmd.OutputTypes.Contains("System.Void")))
                    d.Warn(f, Sec("OUTPUTS"), $"Output type '{o.Name}' is not declared by [OutputType] on {cmd.TypeName}; it is left out.",
                        "add [OutputType(typeof(...))] to the cmdlet or fix the heading.");
        }

        /// <summary>The code's type name that a markdown heading names (full name, short name, or the same text).</summary>
        public static string? MatchType(string heading, IEnumerable<string> codeTypes)
        {
            string h = heading.Trim();
            foreach (var t in codeTypes)
            {
                if (t.Equals(h, StringComparison.OrdinalIgnoreCase)) return t;
                int dot = t.LastIndexOf('.');
                if (dot >= 0 && t.Substring(dot + 1).Equals(h, StringComparison.OrdinalIgnoreCase)) return t;
            }
            return null;
        }

        private static void CompareYaml(CommandInfo cmd, ParameterInfo code, ParameterYaml y, string f, DiagnosticBag d)
        {
            string who = $"-{code.Name}";
            void W(int line, string what, object? md, object? c) =>
                d.Warn(f, line, $"{who}: yaml {what} is '{md}' but the code says '{c}'; the code wins.", $"update the yaml block to '{c}'.");

            if (y.Type != null && !SameType(y.Type, code.TypeName)) W(y.Line, "Type", y.Type, code.TypeName);
            if (y.SupportsWildcards is bool w && w != code.SupportsWildcards) W(y.Line, "SupportsWildcards", w, code.SupportsWildcards);
            if (!SameSet(y.Aliases, code.Aliases)) W(y.Line, "Aliases", string.Join(", ", y.Aliases), string.Join(", ", code.Aliases));
            if (y.AcceptedValues.Count > 0 && !SameSet(y.AcceptedValues, code.AcceptedValues))
                W(y.Line, "AcceptedValues", string.Join(", ", y.AcceptedValues), string.Join(", ", code.AcceptedValues));

            foreach (var s in y.ParameterSets)
            {
                string set = s.Name == "(All)" ? CommandInfo.AllSets : s.Name;
                var e = code.Sets.Find(x => x.Name.Equals(set, StringComparison.OrdinalIgnoreCase));
                if (e == null)
                {
                    W(s.Line, "parameter set", s.Name, string.Join(", ", code.Sets.Select(x => x.Name == CommandInfo.AllSets ? "(All)" : x.Name)));
                    continue;
                }
                if (e.Mandatory != s.IsRequired) W(s.Line, $"IsRequired ({s.Name})", s.IsRequired, e.Mandatory);
                if (e.Position != s.Position) W(s.Line, $"Position ({s.Name})", s.Position?.ToString() ?? "Named", e.Position?.ToString() ?? "Named");
                if (e.ValueFromPipeline != s.ValueFromPipeline) W(s.Line, $"ValueFromPipeline ({s.Name})", s.ValueFromPipeline, e.ValueFromPipeline);
                if (e.ValueFromPipelineByPropertyName != s.ValueFromPipelineByPropertyName)
                    W(s.Line, $"ValueFromPipelineByPropertyName ({s.Name})", s.ValueFromPipelineByPropertyName, e.ValueFromPipelineByPropertyName);
                if (e.ValueFromRemainingArguments != s.ValueFromRemainingArguments)
                    W(s.Line, $"ValueFromRemainingArguments ({s.Name})", s.ValueFromRemainingArguments, e.ValueFromRemainingArguments);
            }
            string Names(IEnumerable<string> n) => string.Join(", ", n);
            var codeSets = code.Sets.Select(x => x.Name == CommandInfo.AllSets ? "(All)" : x.Name).ToList();
            if (y.ParameterSets.Count > 0 && codeSets.Any(c => !y.ParameterSets.Exists(s => s.Name.Equals(c, StringComparison.OrdinalIgnoreCase))))
                W(y.Line, "ParameterSets", Names(y.ParameterSets.Select(s => s.Name)), Names(codeSets));
        }

        private static bool SameType(string md, string code)
        {
            string a = md.Replace(" ", ""), b = code.Replace(" ", "");
            if (a.Equals(b, StringComparison.OrdinalIgnoreCase)) return true;
            int dot = b.LastIndexOf('.', b.IndexOf('[') is int i && i >= 0 ? i : b.Length - 1);
            return dot >= 0 && a.Equals(b.Substring(dot + 1), StringComparison.OrdinalIgnoreCase);
        }

        private static bool SameSet(List<string> a, List<string> b) =>
            new HashSet<string>(a, StringComparer.OrdinalIgnoreCase).SetEquals(b);
    }
}
