using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace XenPS.HelpBuilder
{
    /// <summary>The whole run: read the cmdlets and the pages, check them, write MAML and about text.</summary>
    public sealed class HelpBuild
    {
        public required string DocsDirectory { get; init; }
        public required string AssemblyPath { get; init; }
        public required string OutDirectory { get; init; }
        public IReadOnlyList<string> References { get; init; } = Array.Empty<string>();

        public DiagnosticBag Diagnostics { get; } = new();

        /// <summary>Files written (only when there was no error).</summary>
        public List<string> Written { get; } = new();

        public string MamlFileName => Path.GetFileName(AssemblyPath) + "-Help.xml";

        /// <summary>Returns true when the help was written; false when any error was found (nothing is written then).</summary>
        public bool Run()
        {
            var d = Diagnostics;
            if (!Directory.Exists(DocsDirectory))
            {
                d.Error(DocsDirectory, 0, "The docs folder does not exist.", "pass --docs <folder with the PlatyPS markdown>.");
                return false;
            }
            var cmdlets = AssemblyReader.ReadCmdlets(AssemblyPath, References);

            var pages = new Dictionary<string, CommandPage>(StringComparer.OrdinalIgnoreCase);
            var abouts = new List<(string Name, string Text)>();
            var unreadable = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // pages already reported as broken
            foreach (var file in Directory.EnumerateFiles(DocsDirectory, "*.md").OrderBy(f => f, StringComparer.Ordinal))
            {
                string rel = Relative(file);
                string text = File.ReadAllText(file);
                try
                {
                    var (fm, _) = MarkdownReader.SplitFrontMatter(rel, text);
                    string type = MarkdownReader.DocumentType(fm);
                    bool aboutName = Path.GetFileName(file).StartsWith("about_", StringComparison.OrdinalIgnoreCase);
                    if (type.Equals("about", StringComparison.OrdinalIgnoreCase) || (type.Length == 0 && aboutName))
                    {
                        string name = Path.GetFileNameWithoutExtension(file);
                        abouts.Add((name, AboutWriter.Convert(rel, text, d)));
                        continue;
                    }
                    if (type.Equals("module", StringComparison.OrdinalIgnoreCase)) continue;
                    if (!type.Equals("cmdlet", StringComparison.OrdinalIgnoreCase))
                    {
                        d.Error(rel, 1, type.Length == 0 ? "The front matter has no 'document type'." : $"Unknown document type '{type}'.",
                            "set 'document type: cmdlet' (or 'about' for about_ topics, 'module' for the module page).");
                        unreadable.Add(Path.GetFileNameWithoutExtension(file));
                        continue;
                    }
                    var page = MarkdownReader.ReadCommandPage(rel, text, d);
                    string title = page.Title.Length > 0 ? page.Title : page.FrontMatter.GetValueOrDefault("title") ?? "";
                    if (title.Length == 0)
                    {
                        d.Error(rel, 1, "The page has no '# <Cmdlet-Name>' title.", "add '# Verb-Noun' after the front matter.");
                        continue;
                    }
                    if (pages.TryGetValue(title, out var other))
                    {
                        d.Error(rel, page.TitleLine, $"{title} is documented twice (also in {other.File}).", "delete one of the pages.");
                        continue;
                    }
                    pages[title] = page;
                }
                catch (HelpFormatException e)
                {
                    d.Add(e.Diagnostic);
                    unreadable.Add(Path.GetFileNameWithoutExtension(file));
                }
            }

            var merged = new List<(CommandInfo, CommandPage)>();
            foreach (var cmd in cmdlets)
            {
                if (!pages.TryGetValue(cmd.Name, out var page))
                {
                    if (unreadable.Contains(cmd.Name)) continue; // its page is there but broken: already an error
                    d.Error(Relative(Path.Combine(DocsDirectory, cmd.Name + ".md")), 0, $"Cmdlet {cmd.Name} ({cmd.TypeName}) has no help page.",
                        $"add {cmd.Name}.md in PlatyPS 2.0 format (front matter 'document type: cmdlet', 'title: {cmd.Name}'; SYNOPSIS, DESCRIPTION, EXAMPLES, PARAMETERS).");
                    continue;
                }
                PageValidator.Validate(cmd, page, d);
                merged.Add((cmd, page));
            }
            foreach (var page in pages.Values)
                if (!cmdlets.Exists(c => c.Name.Equals(page.Title, StringComparison.OrdinalIgnoreCase)))
                    d.Error(page.File, page.TitleLine, $"{page.Title} is not a cmdlet of {Path.GetFileName(AssemblyPath)}.",
                        "rename the page to an exported cmdlet or delete it.");

            if (d.HasErrors) return false;

            Directory.CreateDirectory(OutDirectory);
            var utf8 = new UTF8Encoding(false);
            string maml = Path.Combine(OutDirectory, MamlFileName);
            File.WriteAllText(maml, MamlWriter.Write(merged), utf8);
            Written.Add(maml);
            foreach (var (name, text) in abouts)
            {
                string path = Path.Combine(OutDirectory, name + ".help.txt");
                File.WriteAllText(path, text, utf8);
                Written.Add(path);
            }
            return true;
        }

        private string Relative(string path)
        {
            string rel = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(path));
            return rel.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(path) : rel;
        }
    }
}
