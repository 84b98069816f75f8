using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// PlatyPS about-topic markdown -> the classic about_*.help.txt: TOPIC / name, each '##' section as
    /// an upper-case heading at column 0, prose indented 4 and wrapped at <see cref="Width"/> columns,
    /// code indented 8 and never wrapped.
    /// </summary>
    public static class AboutWriter
    {
        public const int Width = 80;
        private static readonly MarkdownPipeline Pipeline =
            new MarkdownPipelineBuilder().UsePipeTables().UsePreciseSourceLocation().Build();

        public static string Convert(string file, string text, DiagnosticBag diags)
        {
            var (fm, body) = MarkdownReader.SplitFrontMatter(file, text);
            var doc = Markdown.Parse(body, Pipeline);
            var sb = new StringBuilder();
            string? title = null;
            bool sawShort = false, sawLong = false, afterHeading = false;

            void Blank() { if (sb.Length > 0 && !sb.ToString().EndsWith("\n\n", StringComparison.Ordinal)) sb.Append('\n'); }

            foreach (var block in doc)
            {
                switch (block)
                {
                    case HeadingBlock h when h.Level == 1:
                        title = MarkdownReader.InlineText(h.Inline).Trim();
                        sb.Append("TOPIC\n").Append("    ").Append(title).Append('\n');
                        afterHeading = false;
                        break;
                    case HeadingBlock h when h.Level == 2:
                        string head = MarkdownReader.InlineText(h.Inline).Trim().ToUpperInvariant();
                        sawShort |= head == "SHORT DESCRIPTION";
                        sawLong |= head == "LONG DESCRIPTION";
                        Blank();
                        sb.Append(head).Append('\n');
                        afterHeading = true;
                        break;
                    case HeadingBlock h:
                        Blank();
                        sb.Append(Wrap(MarkdownReader.InlineText(h.Inline).Trim(), "    ", "    ")).Append('\n');
                        afterHeading = true;
                        break;
                    default:
                        string rendered = Render(block, body, "    ");
                        if (rendered.Length == 0) break;
                        if (!afterHeading) Blank();
                        sb.Append(rendered);
                        afterHeading = false;
                        break;
                }
            }
            if (title == null)
                throw new HelpFormatException(file, 1, "The about topic has no '# about_Name' title.", "add '# about_<Name>' after the front matter.");
            if (!sawShort) diags.Error(file, 1, $"{title} has no '## Short description' section.", "add '## Short description' with one sentence.");
            if (!sawLong) diags.Error(file, 1, $"{title} has no '## Long description' section.", "add '## Long description'.");
            if (fm.TryGetValue("title", out var t) && !t.Equals(title, StringComparison.OrdinalIgnoreCase))
                diags.Warn(file, 1, $"Front matter title '{t}' is not '{title}'.", $"set 'title: {title}'.");
            return sb.ToString().TrimEnd('\n') + "\n";
        }

        private static string Render(Block block, string source, string indent)
        {
            switch (block)
            {
                case ParagraphBlock p:
                    return Wrap(PlainText(p.Inline), indent, indent) + "\n";
                case ListBlock list:
                {
                    var sb = new StringBuilder();
                    int n = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        string marker = list.IsOrdered ? $"{n++}. " : "- ";
                        bool first = true;
                        foreach (var child in item)
                        {
                            if (child is ParagraphBlock ip)
                            {
                                string lead = first ? indent + marker : indent + new string(' ', marker.Length);
                                sb.Append(Wrap(PlainText(ip.Inline), lead, indent + new string(' ', marker.Length))).Append('\n');
                            }
                            else
                            {
                                sb.Append(Render(child, source, indent + new string(' ', marker.Length)));
                            }
                            first = false;
                        }
                    }
                    return sb.ToString();
                }
                case FencedCodeBlock or CodeBlock:
                {
                    var code = ((LeafBlock)block).Lines.ToString().Replace("\r\n", "\n").TrimEnd('\n');
                    return string.Join("\n", code.Split('\n').Select(l => l.Length == 0 ? "" : indent + "    " + l)) + "\n";
                }
                case Table:
                    return string.Join("\n", MarkdownReader.Source(block, source).Split('\n').Select(l => indent + l.Trim())) + "\n";
                case QuoteBlock q:
                    return string.Concat(q.Select(b => Render(b, source, indent + "    ")));
                case ThematicBreakBlock:
                case BlankLineBlock:
                    return "";
                default:
                    string raw = MarkdownReader.Source(block, source).TrimEnd();
                    return raw.Length == 0 ? "" : string.Join("\n", raw.Split('\n').Select(l => indent + l.Trim())) + "\n";
            }
        }

        /// <summary>Inline markdown as plain text: emphasis dropped, `code` kept, links as 'text (url)' when online.</summary>
        public static string PlainText(ContainerInline? inline) => MarkdownReader.InlineText(inline, onlineLinkUrls: true);

        /// <summary>Greedy word wrap: no line longer than <paramref name="width"/> unless one word is.</summary>
        public static string Wrap(string text, string firstIndent, string indent, int width = Width)
        {
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var lines = new List<string>();
            var line = new StringBuilder(firstIndent);
            bool empty = true;
            foreach (var word in words)
            {
                if (!empty && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear().Append(indent);
                    empty = true;
                }
                if (!empty) line.Append(' ');
                line.Append(word);
                empty = false;
            }
            lines.Add(line.ToString().TrimEnd());
            return string.Join("\n", lines);
        }
    }
}
