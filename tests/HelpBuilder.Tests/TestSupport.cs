using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml;

namespace XenPS.HelpBuilder.Tests
{
    /// <summary>A copy of the fixture docs in a temp folder, edited per test, built against FixtureCmdlets.dll.</summary>
    public sealed class DocsWorkspace : IDisposable
    {
        public static string FixtureAssembly => Path.Combine(AppContext.BaseDirectory, "FixtureCmdlets.dll");

        public string Root { get; }
        public string Docs => Path.Combine(Root, "docs");
        public string Out => Path.Combine(Root, "out");

        public DocsWorkspace()
        {
            Root = Path.Combine(Path.GetTempPath(), "hb-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Docs);
            foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Docs"), "*.md"))
                File.Copy(f, Path.Combine(Docs, Path.GetFileName(f)));
        }

        public string PathOf(string page) => Path.Combine(Docs, page);

        public void Edit(string page, Func<string, string> change)
        {
            string before = File.ReadAllText(PathOf(page)).Replace("\r\n", "\n");
            string after = change(before);
            if (after == before) throw new InvalidOperationException($"The edit of {page} changed nothing.");
            File.WriteAllText(PathOf(page), after);
        }

        public void Replace(string page, string find, string with) => Edit(page, s => s.Replace(find, with));

        public void Write(string page, string text) => File.WriteAllText(PathOf(page), text);

        public void Delete(string page) => File.Delete(PathOf(page));

        /// <summary>1-based line of the first line containing <paramref name="text"/>.</summary>
        public int LineOf(string page, string text) =>
            Array.FindIndex(File.ReadAllLines(PathOf(page)), l => l.Contains(text, StringComparison.Ordinal)) + 1;

        public HelpBuild Build()
        {
            var b = new HelpBuild { DocsDirectory = Docs, AssemblyPath = FixtureAssembly, OutDirectory = Out };
            b.Run();
            return b;
        }

        public void Dispose()
        {
            try { Directory.Delete(Root, true); } catch (IOException) { }
        }
    }

    public sealed class Maml
    {
        public XmlDocument Doc { get; } = new();
        public XmlNamespaceManager Ns { get; }

        public Maml(string path)
        {
            Doc.Load(path);
            Ns = new XmlNamespaceManager(Doc.NameTable);
            Ns.AddNamespace("msh", MamlWriter.Msh);
            Ns.AddNamespace("maml", MamlWriter.Maml);
            Ns.AddNamespace("command", MamlWriter.Command);
            Ns.AddNamespace("dev", MamlWriter.Dev);
        }

        public XmlNodeList All(string xpath) => Doc.SelectNodes(xpath, Ns)!;

        public XmlNode One(string xpath)
        {
            var n = Doc.SelectNodes(xpath, Ns)!;
            if (n.Count != 1) throw new Xunit.Sdk.XunitException($"Expected one node for {xpath}, found {n.Count}.");
            return n[0]!;
        }

        public string Text(string xpath) => One(xpath).InnerText;

        public static string Cmd(string name) => $"/msh:helpItems/command:command[command:details/command:name='{name}']";
    }

    public static class Built
    {
        /// <summary>Builds the untouched fixture docs once per call and returns the MAML.</summary>
        public static (Maml Maml, HelpBuild Build) Fixture()
        {
            using var ws = new DocsWorkspace();
            var b = ws.Build();
            if (b.Diagnostics.HasErrors)
                throw new Xunit.Sdk.XunitException(string.Join("\n", b.Diagnostics.Items));
            return (new Maml(Path.Combine(ws.Out, "FixtureCmdlets.dll-Help.xml")), b);
        }

        public static IEnumerable<HelpDiagnostic> Errors(this HelpBuild b) => b.Diagnostics.Items.Where(d => d.Severity == Severity.Error);
        public static IEnumerable<HelpDiagnostic> Warnings(this HelpBuild b) => b.Diagnostics.Items.Where(d => d.Severity == Severity.Warning);
    }
}
