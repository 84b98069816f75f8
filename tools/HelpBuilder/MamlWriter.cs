using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace XenPS.HelpBuilder
{
    /// <summary>
    /// Writes MAML the way PlatyPS does (the shape of Microsoft.PowerShell.ThreadJob.dll-Help.xml):
    /// metadata from the compiled cmdlet, prose from the page. Common parameters are left out
    /// (Get-Help adds [&lt;CommonParameters&gt;] itself); WhatIf/Confirm are in for SupportsShouldProcess.
    /// </summary>
    public static class MamlWriter
    {
        public const string Maml = "http://schemas.microsoft.com/maml/2004/10";
        public const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        public const string Msh = "http://msh";

        private static readonly Dictionary<string, string> ShouldProcessText = new()
        {
            ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet isn't run.",
            ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
        };

        public static string Write(IEnumerable<(CommandInfo Cmd, CommandPage Page)> commands)
        {
            var sb = new StringBuilder();
            var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
            using (var sw = new Utf8StringWriter(sb))
            using (var w = XmlWriter.Create(sw, settings))
            {
                w.WriteStartDocument();
                w.WriteStartElement("helpItems", Msh);
                w.WriteAttributeString("schema", "maml");
                foreach (var (cmd, page) in commands) WriteCommand(w, cmd, page);
                w.WriteEndElement();
                w.WriteEndDocument();
            }
            return sb.ToString() + "\n";
        }

        private sealed class Utf8StringWriter : StringWriter
        {
            public Utf8StringWriter(StringBuilder sb) : base(sb) { }
            public override Encoding Encoding => new UTF8Encoding(false);
        }

        /// <summary>A merged parameter: code metadata, page prose.</summary>
        private sealed record Param(ParameterInfo Info, List<string> Description, string DefaultValue);

        private static void WriteCommand(XmlWriter w, CommandInfo cmd, CommandPage page)
        {
            w.WriteStartElement("command", "command", Command);
            w.WriteAttributeString("xmlns", "maml", null, Maml);
            w.WriteAttributeString("xmlns", "command", null, Command);
            w.WriteAttributeString("xmlns", "dev", null, Dev);

            w.WriteStartElement("command", "details", Command);
            w.WriteElementString("command", "name", Command, cmd.Name);
            w.WriteElementString("command", "verb", Command, cmd.Verb);
            w.WriteElementString("command", "noun", Command, cmd.Noun);
            Description(w, page.Synopsis);
            w.WriteEndElement();

            Description(w, page.Description);

            var all = MergeParameters(cmd, page);

            w.WriteStartElement("command", "syntax", Command);
            foreach (var set in cmd.ParameterSetNames())
            {
                w.WriteStartElement("command", "syntaxItem", Command);
                w.WriteElementString("maml", "name", Maml, cmd.Name);
                var inSet = all.Where(p => p.Info.In(set) != null && !p.Info.DontShow)
                    .Select((p, i) => (P: p, E: p.Info.In(set)!, I: i))
                    .OrderBy(x => x.E.Position.HasValue ? 0 : x.E.Mandatory ? 1 : 2)
                    .ThenBy(x => x.E.Position ?? 0)
                    .ThenBy(x => x.I);
                foreach (var (p, e, _) in inSet) WriteParameter(w, p, e, inSyntax: true);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("command", "parameters", Command);
            foreach (var p in all.Where(p => !p.Info.DontShow).OrderBy(p => p.Info.Name, StringComparer.OrdinalIgnoreCase))
            {
                var sets = cmd.ParameterSetNames();
                var entries = sets.Select(s => p.Info.In(s)).Where(e => e != null).Select(e => e!).ToList();
                if (entries.Count == 0) entries = p.Info.Sets;
                var merged = new ParameterSetEntry("",
                    entries.All(e => e.Mandatory),
                    entries.Select(e => e.Position).FirstOrDefault(x => x.HasValue),
                    entries.Any(e => e.ValueFromPipeline),
                    entries.Any(e => e.ValueFromPipelineByPropertyName),
                    entries.Any(e => e.ValueFromRemainingArguments));
                WriteParameter(w, p, merged, inSyntax: false);
            }
            w.WriteEndElement();

            w.WriteStartElement("command", "inputTypes", Command);
            foreach (var t in page.Inputs)
            {
                w.WriteStartElement("command", "inputType", Command);
                TypeElement(w, t.Name);
                Description(w, t.Description);
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("command", "returnValues", Command);
            foreach (var t in cmd.OutputTypes)
            {
                string name = t == "System.Void" ? "None" : t;
                var doc = page.Outputs.FirstOrDefault(o => PageValidator.MatchType(o.Name, new[] { t }) != null || o.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                w.WriteStartElement("command", "returnValue", Command);
                TypeElement(w, name);
                Description(w, doc?.Description ?? new List<string>());
                w.WriteEndElement();
            }
            w.WriteEndElement();

            if (page.Notes.Count > 0)
            {
                w.WriteStartElement("maml", "alertSet", Maml);
                w.WriteStartElement("maml", "alert", Maml);
                foreach (var para in page.Notes) w.WriteElementString("maml", "para", Maml, para);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteStartElement("command", "examples", Command);
            foreach (var ex in page.Examples)
            {
                w.WriteStartElement("command", "example", Command);
                w.WriteElementString("maml", "title", Maml, $"--------- {ex.Title} ---------");
                w.WriteElementString("dev", "code", Dev, ex.Code);
                w.WriteStartElement("dev", "remarks", Dev);
                foreach (var para in ex.Remarks) w.WriteElementString("maml", "para", Maml, para);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("command", "relatedLinks", Command);
            if (page.HelpUri is { } online && IsOnline(online)) Link(w, "Online Version:", online);
            foreach (var l in page.Links) Link(w, l.Text.Length > 0 ? l.Text : l.Uri, IsOnline(l.Uri) ? l.Uri : "");
            w.WriteEndElement();

            w.WriteEndElement();
        }

        /// <summary>Only absolute http(s) links are URIs; a relative link (Get-XenDomain.md) would break Get-Help -Online.</summary>
        public static bool IsOnline(string uri) =>
            Uri.TryCreate(uri, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

        private static void Link(XmlWriter w, string text, string uri)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, text);
            w.WriteElementString("maml", "uri", Maml, uri);
            w.WriteEndElement();
        }

        private static List<Param> MergeParameters(CommandInfo cmd, CommandPage page)
        {
            var result = new List<Param>();
            PageParameter? Doc(string name) => page.Parameters.Find(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            foreach (var p in cmd.Parameters)
            {
                var doc = Doc(p.Name);
                string def = doc?.Yaml?.DefaultValue is { Length: > 0 } d ? d : "None";
                if (p.IsSwitch && def == "None") def = "False";
                result.Add(new Param(p, doc?.Description ?? new List<string>(), def));
            }
            if (cmd.SupportsShouldProcess)
            {
                foreach (var (name, alias) in new[] { ("WhatIf", "wi"), ("Confirm", "cf") })
                {
                    if (result.Exists(r => r.Info.Name.Equals(name, StringComparison.OrdinalIgnoreCase))) continue;
                    var info = new ParameterInfo { Name = name, TypeName = "System.Management.Automation.SwitchParameter", IsSwitch = true };
                    info.Aliases.Add(alias);
                    info.Sets.Add(new ParameterSetEntry(CommandInfo.AllSets, false, null, false, false, false));
                    var doc = Doc(name);
                    var text = doc is { Description.Count: > 0 } ? doc.Description : new List<string> { ShouldProcessText[name] };
                    result.Add(new Param(info, text, "False"));
                }
            }
            return result;
        }

        public static string PipelineInput(ParameterSetEntry e) =>
            (e.ValueFromPipeline, e.ValueFromPipelineByPropertyName) switch
            {
                (true, true) => "True (ByValue, ByPropertyName)",
                (true, false) => "True (ByValue)",
                (false, true) => "True (ByPropertyName)",
                _ => "False",
            };

        private static void WriteParameter(XmlWriter w, Param p, ParameterSetEntry e, bool inSyntax)
        {
            var info = p.Info;
            w.WriteStartElement("command", "parameter", Command);
            w.WriteAttributeString("required", e.Mandatory ? "true" : "false");
            w.WriteAttributeString("variableLength", "true");
            w.WriteAttributeString("globbing", info.SupportsWildcards ? "true" : "false");
            w.WriteAttributeString("pipelineInput", PipelineInput(e));
            w.WriteAttributeString("position", e.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named");
            w.WriteAttributeString("aliases", info.Aliases.Count == 0 ? "none" : string.Join(", ", info.Aliases));
            w.WriteElementString("maml", "name", Maml, info.Name);
            Description(w, p.Description);
            if (inSyntax && info.AcceptedValues.Count > 0 && !info.IsSwitch)
            {
                w.WriteStartElement("command", "parameterValueGroup", Command);
                foreach (var v in info.AcceptedValues)
                {
                    w.WriteStartElement("command", "parameterValue", Command);
                    w.WriteAttributeString("required", "false");
                    w.WriteAttributeString("command", "variableLength", Command, "false");
                    w.WriteString(v);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            else if (!info.IsSwitch)
            {
                w.WriteStartElement("command", "parameterValue", Command);
                w.WriteAttributeString("required", "true");
                w.WriteAttributeString("variableLength", "false");
                w.WriteString(info.TypeName);
                w.WriteEndElement();
            }
            TypeElement(w, info.TypeName, withUri: true);
            w.WriteElementString("dev", "defaultValue", Dev, p.DefaultValue);
            w.WriteEndElement();
        }

        private static void TypeElement(XmlWriter w, string name, bool withUri = false)
        {
            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, name);
            if (withUri) { w.WriteStartElement("maml", "uri", Maml); w.WriteEndElement(); }
            w.WriteEndElement();
        }

        private static void Description(XmlWriter w, IEnumerable<string> paras)
        {
            w.WriteStartElement("maml", "description", Maml);
            foreach (var p in paras) w.WriteElementString("maml", "para", Maml, p);
            w.WriteEndElement();
        }
    }
}
