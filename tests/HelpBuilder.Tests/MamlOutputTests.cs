using System.Linq;
using Xunit;

namespace XenPS.HelpBuilder.Tests
{
    /// <summary>Markdown (fixture docs) + compiled fixture cmdlets in, MAML checked with XPath.</summary>
    public class MamlOutputTests
    {
        private static readonly Maml M = Built.Fixture().Maml;
        private static readonly string Get = Maml.Cmd("Get-Widget");
        private static readonly string Remove = Maml.Cmd("Remove-Widget");
        private static readonly string New = Maml.Cmd("New-Widget");

        [Fact]
        public void Root_is_a_maml_helpItems_with_one_command_per_exported_cmdlet()
        {
            Assert.Equal("maml", M.Text("/msh:helpItems/@schema"));
            var names = M.All("/msh:helpItems/command:command/command:details/command:name").Cast<System.Xml.XmlNode>().Select(n => n.InnerText);
            Assert.Equal(new[] { "Clear-Widget", "Get-Widget", "New-Widget", "Remove-Widget" }, names);
        }

        [Fact]
        public void Details_have_name_verb_noun_and_the_synopsis()
        {
            Assert.Equal("Get", M.Text(Get + "/command:details/command:verb"));
            Assert.Equal("Widget", M.Text(Get + "/command:details/command:noun"));
            Assert.Equal("Gets widgets by name or id.", M.Text(Get + "/command:details/maml:description/maml:para"));
        }

        [Fact]
        public void Description_is_unwrapped_paragraphs_and_one_para_per_list_item()
        {
            var paras = M.All(Get + "/maml:description/maml:para");
            Assert.Equal(3, paras.Count);
            Assert.Equal("The `Get-Widget` cmdlet gets widgets. Names accept wildcards, so **Name** can match many widgets.", paras[0]!.InnerText);
            Assert.Equal("- Widgets come back in name order.", paras[1]!.InnerText);
        }

        [Fact]
        public void One_syntax_item_per_parameter_set_default_first()
        {
            var items = M.All(Get + "/command:syntax/command:syntaxItem");
            Assert.Equal(2, items.Count);
            Assert.Equal("Name", M.Text(Get + "/command:syntax/command:syntaxItem[1]/command:parameter[1]/maml:name"));
            Assert.Equal("Id", M.Text(Get + "/command:syntax/command:syntaxItem[2]/command:parameter[1]/maml:name"));
            Assert.Empty(M.All(Get + "/command:syntax/command:syntaxItem[2]/command:parameter[maml:name='Name']"));
        }

        [Fact]
        public void Mandatory_pipeline_parameter_renders_required_and_both_pipeline_kinds()
        {
            var p = M.One(Get + "/command:syntax/command:syntaxItem[1]/command:parameter[maml:name='Name']");
            Assert.Equal("true", p.Attributes!["required"]!.Value);
            Assert.Equal("True (ByValue, ByPropertyName)", p.Attributes["pipelineInput"]!.Value);
            Assert.Equal("0", p.Attributes["position"]!.Value);
            var q = M.One(Get + "/command:parameters/command:parameter[maml:name='Name']");
            Assert.Equal("true", q.Attributes!["required"]!.Value);
            Assert.Equal("True (ByValue, ByPropertyName)", q.Attributes["pipelineInput"]!.Value);
        }

        [Fact]
        public void By_property_name_only_and_aliases()
        {
            var p = M.One(Get + "/command:parameters/command:parameter[maml:name='Id']");
            Assert.Equal("True (ByPropertyName)", p.Attributes!["pipelineInput"]!.Value);
            Assert.Equal("WidgetId, WId", p.Attributes["aliases"]!.Value);
            Assert.Equal("named", p.Attributes["position"]!.Value);
            Assert.Equal("False", M.One(Get + "/command:parameters/command:parameter[maml:name='Size']").Attributes!["pipelineInput"]!.Value);
            Assert.Equal("none", M.One(Get + "/command:parameters/command:parameter[maml:name='Size']").Attributes!["aliases"]!.Value);
        }

        [Fact]
        public void Positions_come_from_the_code()
        {
            Assert.Equal("0", M.One(Remove + "/command:parameters/command:parameter[maml:name='Name']").Attributes!["position"]!.Value);
            Assert.Equal("1", M.One(Remove + "/command:parameters/command:parameter[maml:name='Rest']").Attributes!["position"]!.Value);
            var order = M.All(Remove + "/command:syntax/command:syntaxItem/command:parameter/maml:name").Cast<System.Xml.XmlNode>().Select(n => n.InnerText);
            Assert.Equal(new[] { "Name", "Rest", "WhatIf", "Confirm" }, order);
        }

        [Fact]
        public void Wildcard_parameters_render_globbing_true()
        {
            Assert.Equal("true", M.One(Get + "/command:parameters/command:parameter[maml:name='Name']").Attributes!["globbing"]!.Value);
            Assert.Equal("false", M.One(Get + "/command:parameters/command:parameter[maml:name='Id']").Attributes!["globbing"]!.Value);
        }

        [Fact]
        public void Switch_has_no_value_and_defaults_to_False()
        {
            var p = Get + "/command:parameters/command:parameter[maml:name='Force']";
            Assert.Empty(M.All(p + "/command:parameterValue"));
            Assert.Equal("System.Management.Automation.SwitchParameter", M.Text(p + "/dev:type/maml:name"));
            Assert.Equal("False", M.Text(p + "/dev:defaultValue"));
        }

        [Fact]
        public void Types_and_parameter_values_are_full_names()
        {
            Assert.Equal("System.String[]", M.Text(Get + "/command:parameters/command:parameter[maml:name='Name']/command:parameterValue"));
            Assert.Equal("System.Int32[]", M.Text(Get + "/command:parameters/command:parameter[maml:name='Id']/dev:type/maml:name"));
        }

        [Fact]
        public void ValidateSet_and_enum_values_become_a_parameterValueGroup_in_syntax()
        {
            var size = M.All(Get + "/command:syntax/command:syntaxItem[1]/command:parameter[maml:name='Size']/command:parameterValueGroup/command:parameterValue")
                .Cast<System.Xml.XmlNode>().Select(n => n.InnerText);
            Assert.Equal(new[] { "Small", "Large" }, size);
            var color = M.All(Get + "/command:syntax/command:syntaxItem[1]/command:parameter[maml:name='Color']/command:parameterValueGroup/command:parameterValue")
                .Cast<System.Xml.XmlNode>().Select(n => n.InnerText);
            Assert.Equal(new[] { "Red", "Green", "Blue" }, color);
        }

        [Fact]
        public void DontShow_and_common_parameters_are_left_out()
        {
            Assert.Empty(M.All(Get + "//command:parameter[maml:name='Secret']"));
            Assert.Empty(M.All("//command:parameter[maml:name='Verbose' or maml:name='ErrorAction' or maml:name='ProgressAction']"));
        }

        [Fact]
        public void ShouldProcess_adds_WhatIf_and_Confirm_only_where_supported()
        {
            Assert.Equal("cf", M.One(Remove + "/command:parameters/command:parameter[maml:name='Confirm']").Attributes!["aliases"]!.Value);
            Assert.Equal("Prompts you for confirmation before running the cmdlet.", M.Text(Remove + "/command:parameters/command:parameter[maml:name='Confirm']/maml:description/maml:para"));
            Assert.Single(M.All(Remove + "/command:parameters/command:parameter[maml:name='WhatIf']"));
            Assert.Empty(M.All(Get + "//command:parameter[maml:name='WhatIf' or maml:name='Confirm']"));
        }

        [Fact]
        public void Inherited_parameter_is_included_with_the_yaml_default_value()
        {
            Assert.Equal("localhost", M.Text(New + "/command:parameters/command:parameter[maml:name='Host']/dev:defaultValue"));
            Assert.Equal("true", M.One(New + "/command:parameters/command:parameter[maml:name='Name']").Attributes!["required"]!.Value);
        }

        [Fact]
        public void Examples_have_dashed_title_code_and_remarks()
        {
            Assert.Equal("--------- Example 1: Get one widget ---------", M.Text(Get + "/command:examples/command:example[1]/maml:title"));
            Assert.Equal("Get-Widget -Name gizmo", M.Text(Get + "/command:examples/command:example[1]/dev:code"));
            Assert.Equal("This command gets the widget named gizmo.", M.Text(Get + "/command:examples/command:example[1]/dev:remarks/maml:para"));
            // Prose before the code and the Output block go to the remarks, in order.
            Assert.Equal("1, 2 | Get-Widget", M.Text(Get + "/command:examples/command:example[2]/dev:code"));
            var remarks = M.All(Get + "/command:examples/command:example[2]/dev:remarks/maml:para");
            Assert.Equal(3, remarks.Count);
            Assert.Equal("Ids come from the pipeline too.", remarks[0]!.InnerText);
            Assert.Equal("Name\n----\ngizmo", remarks[1]!.InnerText);
        }

        [Fact]
        public void Relative_link_gets_an_empty_uri_absolute_link_is_kept()
        {
            var rel = M.One(Get + "/command:relatedLinks/maml:navigationLink[maml:linkText='New-Widget']");
            Assert.Equal("", rel.SelectSingleNode("maml:uri", M.Ns)!.InnerText);
            Assert.Equal("https://example.org/widgets", M.Text(Get + "/command:relatedLinks/maml:navigationLink[maml:linkText='Widget guide']/maml:uri"));
        }

        [Fact]
        public void HelpUri_becomes_the_Online_Version_link_only_when_absolute()
        {
            Assert.Equal("https://example.org/help/Get-Widget", M.Text(Get + "/command:relatedLinks/maml:navigationLink[1][maml:linkText='Online Version:']/maml:uri"));
            Assert.Empty(M.All(Remove + "/command:relatedLinks/maml:navigationLink[maml:linkText='Online Version:']"));
        }

        [Fact]
        public void Inputs_outputs_and_notes()
        {
            Assert.Equal("System.String", M.Text(Get + "/command:inputTypes/command:inputType/dev:type/maml:name"));
            Assert.Equal("You can pipe widget names to this cmdlet.", M.Text(Get + "/command:inputTypes/command:inputType/maml:description/maml:para"));
            Assert.Equal("Fixture.Widget", M.Text(Get + "/command:returnValues/command:returnValue/dev:type/maml:name"));
            Assert.Equal("The widgets found.", M.Text(Get + "/command:returnValues/command:returnValue/maml:description/maml:para"));
            var outs = M.All(New + "/command:returnValues/command:returnValue/dev:type/maml:name").Cast<System.Xml.XmlNode>().Select(n => n.InnerText);
            Assert.Equal(new[] { "Fixture.Widget", "System.String" }, outs);
            Assert.Equal("None", M.Text(Remove + "/command:returnValues/command:returnValue/dev:type/maml:name"));
            // No [OutputType] at all reads as None too.
            string clear = Maml.Cmd("Clear-Widget");
            Assert.Equal("None", M.Text(clear + "/command:returnValues/command:returnValue/dev:type/maml:name"));
            Assert.Equal("This cmdlet returns no output.", M.Text(clear + "/command:returnValues/command:returnValue/maml:description/maml:para"));
            Assert.Equal("This cmdlet returns no output.", M.Text(Remove + "/command:returnValues/command:returnValue/maml:description/maml:para"));
            Assert.Equal("Widgets are cached for one minute.", M.Text(Get + "/maml:alertSet/maml:alert/maml:para"));
        }
    }
}
