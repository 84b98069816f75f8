using System.IO;
using System.Linq;
using Xunit;

namespace XenPS.HelpBuilder.Tests
{
    /// <summary>Each way a page can fail the build: an error naming the file (and line) and the fix; nothing written.</summary>
    public class ValidationTests
    {
        private static HelpDiagnostic SingleError(HelpBuild b, DocsWorkspace ws)
        {
            var e = Assert.Single(b.Errors());
            Assert.False(File.Exists(Path.Combine(ws.Out, "FixtureCmdlets.dll-Help.xml")), "nothing may be written when the build fails");
            Assert.NotNull(e.Fix);
            return e;
        }

        [Fact]
        public void Untouched_fixture_builds_with_only_the_WhatIf_warning()
        {
            using var ws = new DocsWorkspace();
            var b = ws.Build();
            Assert.Empty(b.Errors());
            var w = Assert.Single(b.Warnings());
            Assert.Contains("-WhatIf", w.Message);
            Assert.True(File.Exists(Path.Combine(ws.Out, "FixtureCmdlets.dll-Help.xml")));
        }

        [Fact]
        public void Exported_cmdlet_without_a_page_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Delete("New-Widget.md");
            var e = SingleError(ws.Build(), ws);
            Assert.EndsWith("New-Widget.md", e.File);
            Assert.Contains("New-Widget", e.Message);
            Assert.Contains("has no help page", e.Message);
            Assert.Contains("New-Widget.md", e.Fix);
        }

        [Fact]
        public void Page_documenting_a_parameter_the_cmdlet_lacks_fails_with_its_line()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "### -Host\n", "### -Hostname\n");
            var b = ws.Build();
            var errors = b.Errors().ToList();
            var bogus = Assert.Single(errors, e => e.Message.Contains("no parameter -Hostname"));
            Assert.Equal(ws.LineOf("New-Widget.md", "### -Hostname"), bogus.Line);
            Assert.EndsWith("New-Widget.md", bogus.File);
            Assert.Single(errors, e => e.Message.Contains("-Host of New-Widget is not documented"));
            Assert.Equal(2, errors.Count);
        }

        [Fact]
        public void Undocumented_parameter_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Edit("Remove-Widget.md", s =>
            {
                int a = s.IndexOf("### -Rest", System.StringComparison.Ordinal);
                int z = s.IndexOf("### CommonParameters", System.StringComparison.Ordinal);
                return s.Remove(a, z - a);
            });
            var e = SingleError(ws.Build(), ws);
            Assert.Contains("-Rest of Remove-Widget is not documented", e.Message);
            Assert.Equal(ws.LineOf("Remove-Widget.md", "## PARAMETERS"), e.Line);
        }

        [Fact]
        public void Parameter_without_description_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("Remove-Widget.md", "Anything else.\n", "");
            var e = SingleError(ws.Build(), ws);
            Assert.Contains("-Rest has no description", e.Message);
        }

        [Theory]
        [InlineData("## SYNOPSIS\n\nCreates a widget.\n", "## SYNOPSIS\n\n", "has no synopsis")]
        [InlineData("## SYNOPSIS\n\nCreates a widget.\n", "## SYNOPSIS\n\n{{ Fill in the Synopsis }}\n", "placeholder synopsis")]
        [InlineData("## DESCRIPTION\n\nCreates a widget on a host.\n", "## DESCRIPTION\n\n", "has no description")]
        [InlineData("### Example 1: Create a widget\n\n```powershell\nNew-Widget -Name gizmo\n```\n\nCreates gizmo.\n", "", "has no example")]
        [InlineData("```powershell\nNew-Widget -Name gizmo\n```\n", "", "has no ```powershell code block")]
        public void Page_without_synopsis_description_or_example_fails(string find, string replace, string message)
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", find, replace);
            var e = SingleError(ws.Build(), ws);
            Assert.Contains(message, e.Message);
            Assert.EndsWith("New-Widget.md", e.File);
            Assert.True(e.Line > 0);
        }

        [Fact]
        public void Malformed_front_matter_fails_with_file_and_line()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "Locale: en-US\n", "Locale: [en-US\n");
            var e = SingleError(ws.Build(), ws);
            Assert.Contains("Malformed YAML in the front matter", e.Message);
            Assert.EndsWith("New-Widget.md", e.File);
            Assert.InRange(e.Line, ws.LineOf("New-Widget.md", "Locale: [en-US"), ws.LineOf("New-Widget.md", "PlatyPS schema"));
            Assert.Contains("New-Widget.md:" + e.Line + ": error:", e.ToString());
        }

        [Fact]
        public void Missing_front_matter_fails_at_line_1()
        {
            using var ws = new DocsWorkspace();
            ws.Edit("New-Widget.md", s => s.Substring(s.IndexOf("# New-Widget", System.StringComparison.Ordinal)));
            var e = SingleError(ws.Build(), ws);
            Assert.Equal(1, e.Line);
            Assert.Contains("no front matter", e.Message);
        }

        [Fact]
        public void Unclosed_front_matter_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Write("New-Widget.md", "---\ndocument type: cmdlet\ntitle: New-Widget\n\n# New-Widget\n");
            Assert.Contains("not closed", SingleError(ws.Build(), ws).Message);
        }

        [Fact]
        public void Missing_document_type_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "document type: cmdlet\n", "");
            Assert.Contains("no 'document type'", SingleError(ws.Build(), ws).Message);
        }

        [Fact]
        public void Malformed_yaml_block_value_fails_with_the_exact_line()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "  IsRequired: true\n", "  IsRequired: maybe\n");
            var e = SingleError(ws.Build(), ws);
            Assert.Equal(ws.LineOf("New-Widget.md", "IsRequired: maybe"), e.Line);
            Assert.Contains("'IsRequired' must be true or false", e.Message);
        }

        [Fact]
        public void Malformed_yaml_block_syntax_fails_with_a_line_inside_the_block()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "DefaultValue: localhost\n", "DefaultValue: localhost\n  - broken: [\n");
            var e = SingleError(ws.Build(), ws);
            Assert.Contains("Malformed YAML in the yaml block of -Host", e.Message);
            int fence = ws.LineOf("New-Widget.md", "The host (inherited") + 2;
            Assert.InRange(e.Line, fence + 1, fence + 20);
        }

        [Fact]
        public void Bad_position_in_yaml_fails()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("Remove-Widget.md", "  Position: 1\n", "  Position: first\n");
            var e = SingleError(ws.Build(), ws);
            Assert.Equal(ws.LineOf("Remove-Widget.md", "Position: first"), e.Line);
        }

        [Fact]
        public void Page_for_a_cmdlet_that_does_not_exist_fails()
        {
            using var ws = new DocsWorkspace();
            File.Copy(ws.PathOf("New-Widget.md"), ws.PathOf("Old-Widget.md"));
            ws.Edit("Old-Widget.md", s => s.Replace("# New-Widget\n", "# Old-Widget\n").Replace("title: New-Widget", "title: Old-Widget"));
            var e = SingleError(ws.Build(), ws);
            Assert.Contains("Old-Widget is not a cmdlet", e.Message);
        }

        [Fact]
        public void Yaml_that_disagrees_with_the_code_warns_and_the_code_wins()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("Remove-Widget.md", "  Position: 1\n", "  Position: 3\n");
            ws.Replace("Get-Widget.md", "Type: System.Int32[]\n", "Type: System.Int64[]\n");
            var b = ws.Build();
            Assert.Empty(b.Errors());
            var w = Assert.Single(b.Warnings(), x => x.Message.Contains("Position"));
            Assert.Equal(ws.LineOf("Remove-Widget.md", "Position: 3") - 1, w.Line); // the '- Name:' line of that set
            Assert.Contains("'3' but the code says '1'", w.Message);
            Assert.Single(b.Warnings(), x => x.Message.Contains("System.Int64[]"));
            var m = new Maml(Path.Combine(ws.Out, "FixtureCmdlets.dll-Help.xml"));
            Assert.Equal("1", m.One(Maml.Cmd("Remove-Widget") + "/command:parameters/command:parameter[maml:name='Rest']").Attributes!["position"]!.Value);
            Assert.Equal("System.Int32[]", m.Text(Maml.Cmd("Get-Widget") + "/command:parameters/command:parameter[maml:name='Id']/dev:type/maml:name"));
        }

        [Fact]
        public void Common_parameter_section_is_a_warning_not_an_error()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "### CommonParameters", "### -ProgressAction\n\nProgress.\n\n### CommonParameters");
            var b = ws.Build();
            Assert.Empty(b.Errors());
            Assert.Single(b.Warnings(), w => w.Message.Contains("-ProgressAction is a common parameter"));
        }

        [Fact]
        public void Output_heading_not_declared_by_OutputType_warns()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("Get-Widget.md", "### Fixture.Widget\n", "### Fixture.Gadget\n");
            var b = ws.Build();
            Assert.Empty(b.Errors());
            Assert.Single(b.Warnings(), w => w.Message.Contains("Fixture.Gadget"));
        }
    }
}
