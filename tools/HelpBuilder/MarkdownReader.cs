using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// Reads PlatyPS 2.0 markdown (schema 2024-05-01): the front matter and the ```yaml parameter
    /// blocks with YamlDotNet, everything else with Markdig. Line numbers in errors are 1-based file lines.
    /// </summary>
    public static class MarkdownReader
    {
        private static readonly MarkdownPipeline Pipeline =
            new MarkdownPipelineBuilder().UsePipeTables().UsePreciseSourceLocation().Build();

        public static readonly string[] KnownSections =
        {
            "SYNOPSIS", "SYNTAX", "ALIASES", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
        };

        /// <summary>Splits off the front matter; the body keeps its line numbering (front matter lines are blanked).</summary>
        public static (Dictionary<string, string> FrontMatter, string Body) SplitFrontMatter(string file, string text)
        {
            text = text.Replace("\r\n", "\n");
            var lines = text.Split('\n');
            if (lines.Length == 0 || lines[0].TrimEnd() != "---")
                throw new HelpFormatException(file, 1, "The page has no front matter (it must start with a '---' line).",
                    "start the file with the PlatyPS front matter: ---, 'document type: cmdlet', 'title: <Name>', ..., ---.");
            int end = Array.FindIndex(lines, 1, l => l.TrimEnd() == "---");
            if (end < 0)
                throw new HelpFormatException(file, 1, "The front matter is not closed.", "end it with a '---' line.");

            var fm = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string yaml = string.Join("\n", lines, 1, end - 1);
            var root = LoadYaml(file, yaml, 1, "front matter");
            if (root != null)
            {
                if (root is not YamlMappingNode map)
                    throw new HelpFormatException(file, 2, "The front matter is not a set of 'key: value' lines.", "write it as 'key: value' lines.");
                foreach (var (k, v) in map.Children)
                {
                    string key = ((k as YamlScalarNode)?.Value ?? "").Trim();
                    fm[key] = v switch
                    {
                        YamlScalarNode s => s.Value ?? "",
                        YamlSequenceNode seq => string.Join(", ", seq.Children.OfType<YamlScalarNode>().Select(s => s.Value)),
                        _ => throw new HelpFormatException(file, 1 + (int)v.Start.Line, $"Front matter key '{key}' has a nested value.", "use a plain value."),
                    };
                }
            }
            var body = new StringBuilder();
            for (int i = 0; i < lines.Length; i++)
            {
                if (i > 0) body.Append('\n');
                if (i > end) body.Append(lines[i]);
            }
            return (fm, body.ToString());
        }

        /// <summary>Parses YAML; errors point at file lines (<paramref name="lineBefore"/> is the file line just above the text).</summary>
        private static YamlNode? LoadYaml(string file, string yaml, int lineBefore, string what)
        {
            // A first pass with the bare parser remembers the last good position: some malformed input
            // makes YamlDotNet throw without a mark (e.g. an unclosed '[' flow sequence).
            Mark? last = null;
            string fix = "fix the YAML syntax (indentation, 'key: value', quote values that contain ': ' or start with '{' or '[').";
            try
            {
                var parser = new Parser(new StringReader(yaml));
                while (parser.MoveNext()) last = parser.Current!.End;
            }
            catch (YamlException e)
            {
                int line = lineBefore + Math.Max(1, (int)e.Start.Line);
                throw new HelpFormatException(file, line, $"Malformed YAML in the {what}: {e.InnerException?.Message ?? e.Message}", fix);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
            {
                int line = lineBefore + Math.Max(1, (int)(last?.Line ?? 1));
                throw new HelpFormatException(file, line, $"Malformed YAML in the {what}: cannot parse after this line.", fix);
            }
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException e)
            {
                int line = lineBefore + Math.Max(1, (int)e.Start.Line);
                throw new HelpFormatException(file, line, $"Malformed YAML in the {what}: {e.InnerException?.Message ?? e.Message}", fix);
            }
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }

        public static string DocumentType(Dictionary<string, string> fm) =>
            fm.TryGetValue("document type", out var t) ? t.Trim() : "";

        public static CommandPage ReadCommandPage(string file, string text, DiagnosticBag diags)
        {
            var (fm, body) = SplitFrontMatter(file, text);
            var page = new CommandPage { File = file };
            foreach (var kv in fm) page.FrontMatter[kv.Key] = kv.Value;

            var doc = Markdown.Parse(body, Pipeline);
            string section = "";
            PageExample? example = null;
            PageParameter? parameter = null;
            PageType? type = null;
            bool skip = false;

            foreach (var block in doc)
            {
                int line = block.Line + 1;
                if (block is HeadingBlock h)
                {
                    string htext = InlineText(h.Inline).Trim();
                    if (h.Level == 1)
                    {
                        if (page.Title.Length == 0) { page.Title = htext; page.TitleLine = line; }
                        continue;
                    }
                    if (h.Level == 2)
                    {
                        section = htext.ToUpperInvariant();
                        example = null; parameter = null; type = null; skip = false;
                        if (!KnownSections.Contains(section))
                            diags.Warn(file, line, $"Unknown section '## {htext}' is ignored.", "use the PlatyPS 2.0 section names.");
                        page.Sections.TryAdd(section, line);
                        continue;
                    }
                    if (h.Level == 3)
                    {
                        skip = false;
                        switch (section)
                        {
                            case "EXAMPLES":
                                example = new PageExample { Title = htext, Line = line };
                                page.Examples.Add(example);
                                continue;
                            case "PARAMETERS":
                                if (htext.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase)) { parameter = null; skip = true; continue; }
                                string name = htext.TrimStart('-').Trim();
                                int sp = name.IndexOf(' ');
                                if (sp > 0) name = name.Substring(0, sp);
                                parameter = new PageParameter { Name = name, Line = line };
                                page.Parameters.Add(parameter);
                                continue;
                            case "INPUTS":
                                type = new PageType(htext, new List<string>());
                                page.Inputs.Add(type);
                                continue;
                            case "OUTPUTS":
                                type = new PageType(htext, new List<string>());
                                page.Outputs.Add(type);
                                continue;
                        }
                    }
                }
                if (skip) continue;

                switch (section)
                {
                    case "SYNOPSIS": page.Synopsis.AddRange(Paras(block, body)); break;
                    case "DESCRIPTION": page.Description.AddRange(Paras(block, body)); break;
                    case "NOTES": page.Notes.AddRange(Paras(block, body)); break;
                    case "EXAMPLES":
                        if (example == null) break;
                        if (example.Code.Length == 0 && block is FencedCodeBlock code && IsPowerShell(code.Info))
                            example.Code = CodeText(code);
                        else
                            example.Remarks.AddRange(Paras(block, body));
                        break;
                    case "PARAMETERS":
                        if (parameter == null) break;
                        if (parameter.Yaml == null && block is FencedCodeBlock y && string.Equals(y.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                            parameter.Yaml = ReadParameterYaml(file, CodeText(y), line, parameter.Name);
                        else
                            parameter.Description.AddRange(Paras(block, body));
                        break;
                    case "INPUTS":
                    case "OUTPUTS":
                        type?.Description.AddRange(Paras(block, body));
                        break;
                    case "RELATED LINKS":
                        foreach (var link in block.Descendants<LinkInline>())
                            if (!link.IsImage) page.Links.Add(new PageLink(InlineText(link).Trim(), (link.Url ?? "").Trim()));
                        break;
                }
            }
            return page;
        }

        private static bool IsPowerShell(string? info) =>
            string.IsNullOrWhiteSpace(info) || info.Trim().ToLowerInvariant() is "powershell" or "ps" or "pwsh" or "ps1";

        private static string CodeText(LeafBlock b) => b.Lines.ToString().Replace("\r\n", "\n").TrimEnd('\n');

        /// <summary>
        /// MAML paragraphs of a block: a paragraph unwrapped to one line, each list item one para
        /// (marker kept), code and tables verbatim.
        /// </summary>
        public static IEnumerable<string> Paras(Block block, string source)
        {
            switch (block)
            {
                case ParagraphBlock:
                    yield return Unwrap(Source(block, source));
                    break;
                case ListBlock list:
                    foreach (var item in list.OfType<ListItemBlock>())
                        yield return Unwrap(Source(item, source));
                    break;
                case FencedCodeBlock f:
                    yield return CodeText(f);
                    break;
                case CodeBlock c:
                    yield return CodeText(c);
                    break;
                case HeadingBlock h:
                    yield return InlineText(h.Inline).Trim();
                    break;
                case ThematicBreakBlock:
                case BlankLineBlock:
                    break;
                default:
                    string raw = Source(block, source).TrimEnd();
                    if (raw.Length > 0) yield return raw;
                    break;
            }
        }

        public static string Source(Block block, string source)
        {
            int start = Math.Max(0, block.Span.Start);
            int end = Math.Min(source.Length - 1, block.Span.End);
            return end >= start ? source.Substring(start, end - start + 1) : "";
        }

        public static string Unwrap(string text) =>
            string.Join(" ", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

        /// <summary>
        /// Plain text of inline markdown: emphasis dropped, code spans keep their backticks. With
        /// <paramref name="onlineLinkUrls"/>, an online link is written as 'text (url)'.
        /// </summary>
        public static string InlineText(Inline? inline, bool onlineLinkUrls = false)
        {
            var sb = new StringBuilder();
            void Walk(Inline? i)
            {
                for (; i != null; i = i.NextSibling)
                {
                    switch (i)
                    {
                        case LiteralInline l: sb.Append(l.Content.ToString()); break;
                        case CodeInline c: sb.Append('`').Append(c.Content).Append('`'); break;
                        case LineBreakInline: sb.Append(' '); break;
                        case HtmlEntityInline e: sb.Append(e.Transcoded.ToString()); break;
                        case AutolinkInline a: sb.Append(a.Url); break;
                        case LinkInline link when onlineLinkUrls:
                            int before = sb.Length;
                            Walk(link.FirstChild);
                            string text = sb.ToString(before, sb.Length - before);
                            if (MamlWriter.IsOnline(link.Url ?? "") && text != link.Url) sb.Append(" (").Append(link.Url).Append(')');
                            break;
                        case ContainerInline ci: Walk(ci.FirstChild); break;
                    }
                }
            }
            if (inline is ContainerInline root) Walk(root.FirstChild); else Walk(inline);
            return sb.ToString();
        }

        /// <summary>Reads the parameter's ```yaml block; <paramref name="fenceLine"/> is the file line of the opening fence.</summary>
        public static ParameterYaml ReadParameterYaml(string file, string yaml, int fenceLine, string parameter)
        {
            var root = LoadYaml(file, yaml, fenceLine, $"yaml block of -{parameter}");
            if (root is not YamlMappingNode map)
                throw new HelpFormatException(file, fenceLine, $"The yaml block of -{parameter} is empty or not a 'key: value' mapping.",
                    "write Type, DefaultValue, SupportsWildcards, Aliases, ParameterSets, DontShow, AcceptedValues, HelpMessage.");
            int L(YamlNode n) => fenceLine + (int)n.Start.Line;
            var result = new ParameterYaml { Line = fenceLine };
            foreach (var (k, v) in map.Children)
            {
                string key = (k as YamlScalarNode)?.Value ?? "";
                switch (key)
                {
                    case "Type": result.Type = Scalar(file, v, key, L(v)); break;
                    case "DefaultValue": result.DefaultValue = Scalar(file, v, key, L(v)); break;
                    case "SupportsWildcards": result.SupportsWildcards = Bool(file, v, key, L(v)); break;
                    case "DontShow": result.DontShow = Bool(file, v, key, L(v)); break;
                    case "HelpMessage": result.HelpMessage = Scalar(file, v, key, L(v)); break;
                    case "Aliases": result.Aliases.AddRange(List(file, v, key, L(v))); break;
                    case "AcceptedValues": result.AcceptedValues.AddRange(List(file, v, key, L(v))); break;
                    case "ParameterSets":
                        if (v is not YamlSequenceNode sets)
                            throw new HelpFormatException(file, L(v), $"-{parameter}: ParameterSets must be a list ('- Name: ...').", "write each set as a '- Name:' item.");
                        foreach (var s in sets)
                        {
                            if (s is not YamlMappingNode sm)
                                throw new HelpFormatException(file, L(s), $"-{parameter}: each ParameterSets item must be a mapping.", "write '- Name: ...' then Position, IsRequired, ...");
                            string? name = null; int? pos = null; bool req = false, byVal = false, byProp = false, rem = false;
                            foreach (var (sk, sv) in sm.Children)
                            {
                                string skey = (sk as YamlScalarNode)?.Value ?? "";
                                switch (skey)
                                {
                                    case "Name": name = Scalar(file, sv, skey, L(sv)); break;
                                    case "Position":
                                        string p = Scalar(file, sv, skey, L(sv)) ?? "";
                                        if (p.Equals("Named", StringComparison.OrdinalIgnoreCase)) pos = null;
                                        else if (int.TryParse(p, out int n) && n >= 0) pos = n;
                                        else throw new HelpFormatException(file, L(sv), $"-{parameter}: Position '{p}' is neither 'Named' nor a number.", "use Named or 0, 1, ...");
                                        break;
                                    case "IsRequired": req = Bool(file, sv, skey, L(sv)); break;
                                    case "ValueFromPipeline": byVal = Bool(file, sv, skey, L(sv)); break;
                                    case "ValueFromPipelineByPropertyName": byProp = Bool(file, sv, skey, L(sv)); break;
                                    case "ValueFromRemainingArguments": rem = Bool(file, sv, skey, L(sv)); break;
                                }
                            }
                            if (string.IsNullOrWhiteSpace(name))
                                throw new HelpFormatException(file, L(s), $"-{parameter}: a ParameterSets item has no Name.", "add 'Name: (All)' or the set's name.");
                            result.ParameterSets.Add(new ParameterSetYaml(L(s), name, pos, req, byVal, byProp, rem));
                        }
                        break;
                }
            }
            return result;
        }

        private static string? Scalar(string file, YamlNode v, string key, int line) =>
            v is YamlScalarNode s ? s.Value : throw new HelpFormatException(file, line, $"'{key}' must be a single value.", $"write '{key}: value'.");

        private static bool Bool(string file, YamlNode v, string key, int line)
        {
            string s = Scalar(file, v, key, line) ?? "";
            if (bool.TryParse(s.Trim(), out bool b)) return b;
            throw new HelpFormatException(file, line, $"'{key}' must be true or false, not '{s}'.", $"write '{key}: true' or '{key}: false'.");
        }

        private static IEnumerable<string> List(string file, YamlNode v, string key, int line)
        {
            if (v is YamlSequenceNode seq)
                return seq.Children.Select(c => Scalar(file, c, key, line) ?? "").Where(s => s.Length > 0).ToList();
            string one = Scalar(file, v, key, line) ?? "";
            if (one.Trim().Length == 0 || one.Trim().Equals("None", StringComparison.OrdinalIgnoreCase)) return Array.Empty<string>();
            return one.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        }
    }
}
