using System;
using System.IO;
using System.Linq;
using Xunit;

namespace XenPS.HelpBuilder.Tests
{
    public class AssemblyReaderTests
    {
        private static readonly System.Collections.Generic.List<CommandInfo> Cmdlets = AssemblyReader.ReadCmdlets(DocsWorkspace.FixtureAssembly);

        [Fact]
        public void Only_public_non_abstract_cmdlet_types_are_read()
        {
            Assert.Equal(new[] { "Clear-Widget", "Get-Widget", "New-Widget", "Remove-Widget" }, Cmdlets.Select(c => c.Name));
        }

        [Fact]
        public void Parameter_metadata_comes_from_the_attributes()
        {
            var get = Cmdlets.Single(c => c.Name == "Get-Widget");
            Assert.Equal("Name", get.DefaultParameterSet);
            Assert.Equal(new[] { "Name", "Id" }, get.ParameterSetNames());
            var name = get.Parameters.Single(p => p.Name == "Name");
            Assert.True(name.SupportsWildcards);
            var e = Assert.Single(name.Sets);
            Assert.Equal(new ParameterSetEntry("Name", true, 0, true, true, false), e);
            Assert.True(get.Parameters.Single(p => p.Name == "Force").IsSwitch);
            Assert.True(get.Parameters.Single(p => p.Name == "Secret").DontShow);
            Assert.Equal(new[] { "Fixture.Widget" }, get.OutputTypes);

            var remove = Cmdlets.Single(c => c.Name == "Remove-Widget");
            Assert.True(remove.SupportsShouldProcess);
            Assert.True(remove.Parameters.Single(p => p.Name == "Rest").Sets[0].ValueFromRemainingArguments);
            Assert.Equal(new[] { "System.Void" }, remove.OutputTypes);
            Assert.Contains(Cmdlets.Single(c => c.Name == "New-Widget").Parameters, p => p.Name == "Host");
        }

        [Fact]
        public void Missing_assembly_is_a_clear_error()
        {
            var e = Assert.Throws<FileNotFoundException>(() => AssemblyReader.ReadCmdlets("/nonexistent/X.dll"));
            Assert.Contains("does not exist", e.Message);
        }
    }

    public class CliTests
    {
        private static (int Code, string Out, string Err) Run(params string[] args)
        {
            var o = new StringWriter();
            var e = new StringWriter();
            int code = Cli.Run(args, o, e);
            return (code, o.ToString(), e.ToString());
        }

        [Fact]
        public void Writes_the_help_and_exits_0()
        {
            using var ws = new DocsWorkspace();
            var r = Run("--docs", ws.Docs, "--assembly", DocsWorkspace.FixtureAssembly, "--out", ws.Out);
            Assert.Equal(0, r.Code);
            Assert.Contains("wrote", r.Out);
            Assert.Contains("warning: -WhatIf", r.Out);
            Assert.True(File.Exists(Path.Combine(ws.Out, "FixtureCmdlets.dll-Help.xml")));
        }

        [Fact]
        public void Errors_exit_1_with_file_and_line_on_stderr()
        {
            using var ws = new DocsWorkspace();
            ws.Replace("New-Widget.md", "### -Host\n", "### -Hostname\n");
            var r = Run("--docs", ws.Docs, "--assembly", DocsWorkspace.FixtureAssembly, "--out", ws.Out);
            Assert.Equal(1, r.Code);
            Assert.Contains($"New-Widget.md:{ws.LineOf("New-Widget.md", "### -Hostname")}: error: New-Widget has no parameter -Hostname.", r.Err);
            Assert.Contains("FAILED", r.Err);
        }

        [Fact]
        public void Warnaserror_turns_warnings_into_failure()
        {
            using var ws = new DocsWorkspace();
            Assert.Equal(1, Run("--docs", ws.Docs, "--assembly", DocsWorkspace.FixtureAssembly, "--out", ws.Out, "--warnaserror").Code);
        }

        [Fact]
        public void Bad_command_lines_exit_2()
        {
            Assert.Equal(2, Run("--docs", "x").Code);
            Assert.Equal(2, Run("--bogus").Code);
            Assert.Equal(2, Run("--docs", ".", "--assembly", "/nonexistent/X.dll", "--out", "o").Code);
        }
    }
}
