using System;
using System.IO;
using System.Linq;
using Xunit;

namespace XenPS.HelpBuilder.Tests
{
    public class AboutTests
    {
        private const string Sample = """
            ---
            document type: about
            HelpUri: ''
            Locale: en-US
            PlatyPS schema version: 2024-05-01
            title: about_Widgets
            ---

            # about_Widgets

            ## Short description

            Explains widgets.

            ## Long description

            Widgets are small things that do one job each, and this sentence is long enough that it has to be wrapped at eighty columns **twice** or more, see [the guide](https://example.org/guide) and [Get-Widget](Get-Widget.md).

            Second paragraph.

            - A list item that is also long enough to need wrapping at eighty columns with a hanging indent under the marker.
            - Short item.

            ```powershell
            Get-Widget -Name 'a very long command line that must never be wrapped because it is code and code is copied by people'
            ```

            ### Sub heading

            Text under the sub heading.
            """;

        private static string Convert(string md, out DiagnosticBag d)
        {
            d = new DiagnosticBag();
            return AboutWriter.Convert("about_Widgets.md", md.Replace("\r\n", "\n"), d);
        }

        [Fact]
        public void Classic_about_layout()
        {
            string txt = Convert(Sample, out var d);
            Assert.Empty(d.Items);
            Assert.StartsWith("TOPIC\n    about_Widgets\n\nSHORT DESCRIPTION\n    Explains widgets.\n\nLONG DESCRIPTION\n    Widgets are small", txt);
            Assert.Contains("\n\n    Second paragraph.\n", txt);
            Assert.Contains("\n    Sub heading\n    Text under the sub heading.\n", txt);
        }

        [Fact]
        public void Prose_is_wrapped_at_80_with_a_4_space_indent()
        {
            string txt = Convert(Sample, out _);
            var lines = txt.Split('\n');
            foreach (var l in lines.Where(l => !l.StartsWith("        Get-Widget", StringComparison.Ordinal)))
                Assert.True(l.Length <= 80, $"line longer than 80: '{l}'");
            var para = lines.SkipWhile(l => l != "LONG DESCRIPTION").Skip(1).TakeWhile(l => l.Length > 0).ToList();
            Assert.True(para.Count >= 3);
            Assert.All(para, l => Assert.StartsWith("    ", l));
            Assert.All(para, l => Assert.False(l.StartsWith("     ", StringComparison.Ordinal)));
            string joined = string.Join(" ", para.Select(l => l.Trim()));
            Assert.Contains("wrapped at eighty columns twice or more", joined); // emphasis markers dropped
            Assert.Contains("see the guide (https://example.org/guide) and Get-Widget.", joined); // relative link: text only
        }

        [Fact]
        public void List_items_hang_under_their_marker_and_code_is_never_wrapped()
        {
            string txt = Convert(Sample, out _);
            var lines = txt.Split('\n');
            int i = Array.FindIndex(lines, l => l.StartsWith("    - A list item", StringComparison.Ordinal));
            Assert.True(i > 0);
            Assert.StartsWith("      ", lines[i + 1]);
            Assert.NotEqual(' ', lines[i + 1][6]);
            Assert.Contains("\n        Get-Widget -Name 'a very long command line that must never be wrapped because it is code and code is copied by people'\n", txt);
        }

        [Fact]
        public void Missing_short_description_is_an_error()
        {
            Convert(Sample.Replace("## Short description\n\nExplains widgets.\n", ""), out var d);
            var e = Assert.Single(d.Items, x => x.Severity == Severity.Error);
            Assert.Contains("Short description", e.Message);
        }

        [Fact]
        public void The_XenPS_about_topic_converts_cleanly()
        {
            string md = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "RealDocs", "about_XenPS.md"));
            string txt = Convert(md, out var d);
            Assert.Empty(d.Items);
            Assert.StartsWith("TOPIC\n    about_XenPS\n\nSHORT DESCRIPTION\n", txt);
            foreach (var section in new[] { "LONG DESCRIPTION", "HOSTS AND URIS", "CONFIG FORMATS", "NAME=VALUE OVERRIDES", "THE SIMULATED HOST", "ERROR IDS", "TESTING RUNBOOKS WITH PESTER" })
                Assert.Contains("\n" + section + "\n", txt);
            foreach (var key in new[] { "sim.boot_seconds", "sim.shutdown_seconds", "sim.ignore_shutdown", "sim.crash_after_seconds", "sim://NAME", "sim:///path", "xl:///", "ssh://", "sim:///$TestDrive/host" })
                Assert.Contains(key, txt);
            foreach (var l in txt.Split('\n').Where(l => !l.StartsWith("        ", StringComparison.Ordinal)))
                Assert.True(l.Length <= 80, $"line longer than 80: '{l}'");
        }

        [Fact]
        public void About_pages_in_the_docs_folder_are_written_next_to_the_MAML()
        {
            using var ws = new DocsWorkspace();
            ws.Write("about_Widgets.md", Sample.Replace("\r\n", "\n"));
            var b = ws.Build();
            Assert.Empty(b.Errors());
            string txt = File.ReadAllText(Path.Combine(ws.Out, "about_Widgets.help.txt"));
            Assert.StartsWith("TOPIC\n    about_Widgets\n", txt);
        }
    }
}
