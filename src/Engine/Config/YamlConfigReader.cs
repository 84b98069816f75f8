using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace XenPS.Config
{
    /// <summary>
    /// Reads a domain config written in YAML with the XenPS schema (docs/help/about_XenPS_YamlSchema.md): one
    /// top-level mapping with the xl.cfg keys; scalars become strings (plain true/false become "1"/"0"), sequences
    /// become lists; disk: and vif: items are xl spec strings or mappings, which are turned into the canonical
    /// xl spec string. Works on YamlDotNet parser events so that every diagnostic has the node's line and column.
    /// </summary>
    public static class YamlConfigReader
    {
        private static readonly Regex XlKey = new Regex("^[a-z][._0-9a-z]*\\z", RegexOptions.CultureInvariant);

        /// <summary>Keys a disk: mapping item may use (flags take true/false).</summary>
        public static readonly IReadOnlyList<string> DiskItemKeys = new[]
        {
            "target", "format", "vdev", "access", "devtype", "backendtype", "backend", "script", "specification",
            "cdrom", "direct-io-safe", "discard", "trusted", "colo", "colo-host", "colo-port", "colo-export",
            "active-disk", "hidden-disk", "grant_usage",
        };

        private static readonly HashSet<string> DiskFlags = new HashSet<string>(StringComparer.Ordinal)
        {
            "cdrom", "direct-io-safe", "discard", "trusted", "colo",
        };

        /// <summary>Reads YAML text; returns null (with at least one error in <paramref name="diagnostics"/>) when it cannot be read.</summary>
        public static XenDomainConfig? Read(string text, string fileName, List<XenDiagnostic> diagnostics) =>
            Read(text, fileName, diagnostics, CancellationToken.None);

        /// <summary>Reads YAML text, honouring <paramref name="cancellationToken"/>; null (with an error) when it cannot be read.</summary>
        /// <remarks>Nesting is bounded by <see cref="ConfigLimits.MaxNestingDepth"/> (YamlTooDeep) and the document, with every
        /// alias expanded, by <see cref="ConfigLimits.MaxYamlNodes"/> nodes (YamlTooLarge); an alias inside the node it names is
        /// YamlRecursiveAlias.</remarks>
        public static XenDomainConfig? Read(string text, string fileName, List<XenDiagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var budget = new DiagnosticBudget();
            var config = Read(text, fileName, diagnostics, budget, cancellationToken);
            budget.AddSummary(diagnostics, fileName);
            return config;
        }

        internal static XenDomainConfig? Read(string text, string fileName, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            if (diagnostics is null) throw new ArgumentNullException(nameof(diagnostics));
            cancellationToken.ThrowIfCancellationRequested();
            var reader = new Reader(fileName, diagnostics, budget, cancellationToken);
            return reader.Run(text);
        }

        private static string Q(string? text) => ConfigLimits.Excerpt(text);

        // ---- a small node tree with positions, built from parser events ----

        internal abstract class YNode
        {
            protected YNode(Mark start) { Line = (int)start.Line; Column = (int)start.Column; }
            public int Line { get; }
            public int Column { get; }
            public abstract string Kind { get; }
            /// <summary>How many nodes this one stands for, counting what its aliases repeat (1 for a scalar).</summary>
            public long Size { get; set; } = 1;
            /// <summary>How many collections nest in it, itself included, aliases expanded (0 for a scalar).</summary>
            public int Height { get; set; }
        }

        internal sealed class YScalar : YNode
        {
            public YScalar(Scalar s) : base(s.Start)
            {
                Value = s.Value;
                Style = s.Style;
                Tag = s.Tag.IsEmpty ? null : s.Tag.Value;
            }
            public string Value { get; }
            public ScalarStyle Style { get; }
            public string? Tag { get; }
            public override string Kind => "a scalar";
        }

        internal sealed class YSequence : YNode
        {
            public YSequence(Mark start) : base(start) { }
            public List<YNode> Items { get; } = new List<YNode>();
            public override string Kind => "a sequence";
        }

        internal sealed class YMapping : YNode
        {
            public YMapping(Mark start) : base(start) { }
            public List<KeyValuePair<YNode, YNode>> Entries { get; } = new List<KeyValuePair<YNode, YNode>>();
            public override string Kind => "a mapping";
        }

        /// <summary>Stops reading at a limit (the error is already reported).</summary>
        private sealed class LimitException : Exception
        {
        }

        private sealed class Reader
        {
            private readonly string _file;
            private readonly List<XenDiagnostic> _diagnostics;
            private readonly DiagnosticBudget _budget;
            private readonly CancellationToken _cancel;
            private readonly Dictionary<string, YNode> _anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
            /// <summary>Anchors whose node is still being read: an alias to one of them would make a cycle.</summary>
            private readonly HashSet<string> _open = new HashSet<string>(StringComparer.Ordinal);
            private bool _failed;
            /// <summary>Collections open around the current node, the document's own mapping included.</summary>
            private int _depth;
            private long _nodes;

            /// <summary>The top-level mapping, then <see cref="ConfigLimits.MaxNestingDepth"/> levels of values (as xl.cfg counts lists).</summary>
            private const int MaxOpen = ConfigLimits.MaxNestingDepth + 1;

            public Reader(string file, List<XenDiagnostic> diagnostics, DiagnosticBudget budget, CancellationToken cancellationToken)
            {
                _file = file;
                _diagnostics = diagnostics;
                _budget = budget;
                _cancel = cancellationToken;
            }

            private void Error(string code, string message, YNode node, string hint) => Error(code, message, node.Line, node.Column, hint);

            private void Error(string code, string message, int line, int column, string hint)
            {
                _failed = true;
                _budget.Add(_diagnostics, new XenDiagnostic(DiagnosticSeverity.Error, code, message, _file, line, column, hint));
            }

            private LimitException Limit(string code, string message, Mark at, string hint)
            {
                Error(code, message, (int)at.Line, (int)at.Column, hint);
                return new LimitException();
            }

            private void CountNodes(long n, Mark at, string? alias)
            {
                _nodes += n;
                if (_nodes <= ConfigLimits.MaxYamlNodes) return;
                throw Limit("YamlTooLarge",
                    alias is null
                        ? $"The document has more than {ConfigLimits.N(ConfigLimits.MaxYamlNodes)} nodes: XenPS reads at most {ConfigLimits.N(ConfigLimits.MaxYamlNodes)}."
                        : $"The document has more than {ConfigLimits.N(ConfigLimits.MaxYamlNodes)} nodes once its aliases are expanded: the alias '*{Q(alias)}' here repeats {ConfigLimits.N(n)} nodes.",
                    at,
                    alias is null
                        ? "A domain config has a few dozen settings; check that this is the right file."
                        : "Aliases that repeat aliases grow exponentially (a \"billion laughs\" document); write the values out, or use fewer levels of aliases.");
            }

            public XenDomainConfig? Run(string text)
            {
                YNode? root;
                try
                {
                    var parser = new Parser(new StringReader(text));
                    parser.Consume<StreamStart>();
                    if (parser.TryConsume<StreamEnd>(out _))
                        return new XenDomainConfig(); // nothing but comments: an empty config
                    parser.Consume<DocumentStart>();
                    root = ParseNode(parser);
                    parser.Consume<DocumentEnd>();
                    if (!parser.Accept<StreamEnd>(out _))
                    {
                        var next = parser.Current!;
                        Error("YamlMultipleDocuments", "The file holds more than one YAML document.", (int)next.Start.Line, (int)next.Start.Column,
                            "A domain config is one document: remove the second '---' and what follows, or put it in its own file.");
                        return null;
                    }
                }
                catch (LimitException)
                {
                    return null;
                }
                catch (ArgumentException e)
                {
                    // YamlDotNet rejects some tokens by throwing ArgumentException: a tag that is not a URI (!!b[]ool), a \U
                    // escape beyond Unicode ("\U92233720"). Both are syntax errors in the text, where reading stopped.
                    Error("YamlSyntaxError", "YAML syntax error: " + Q(e.Message.Split(" (Parameter", StringSplitOptions.None)[0]) + " (a tag or an escape sequence that is not valid).",
                        _lastLine, _lastColumn, "Remove the tag (XenPS needs none), or write the character itself instead of a \\U escape.");
                    return null;
                }
                catch (InvalidOperationException)
                {
                    // YamlDotNet's scanner can fail this way on some unterminated flow collections: report where reading stopped.
                    Error("YamlSyntaxError", "YAML syntax error: the document ends inside an unclosed [ ] or { } (or is otherwise malformed) after this point.",
                        _lastLine, _lastColumn, "Close every '[' with ']' and every '{' with '}', or quote values that start with them.");
                    return null;
                }
                catch (YamlException e)
                {
                    // libyaml style: Start is where the construct began, End is where the problem was found.
                    var at = e.End.Line > 0 ? e.End : e.Start;
                    string began = e.End.Line > 0 && e.Start.Line > 0 && e.Start.Line != e.End.Line
                        ? $" (in the construct that starts at line {e.Start.Line}, column {e.Start.Column})" : "";
                    int line = (int)at.Line, column = (int)at.Column;
                    if (e.Message.IndexOf("tab", StringComparison.OrdinalIgnoreCase) >= 0)
                        FindTabIndent(text, line, ref line, ref column); // YamlDotNet marks the mapping, not the tab
                    Error("YamlSyntaxError", "YAML syntax error: " + StripPosition(e.Message) + began + ".", line, column,
                        "Check indentation (spaces, not tabs), the ': ' after each key, and quote values that contain ': ', ' #', or start with [ { * & ! | > ' \" % @ or a backquote.");
                    return null;
                }

                if (root is YScalar rs && rs.Style == ScalarStyle.Plain && rs.Value.Length == 0)
                    return new XenDomainConfig(); // an empty document

                if (!(root is YMapping map))
                {
                    Error("YamlRootNotMapping", $"The document is {root!.Kind}, not a mapping of settings.", root,
                        "Write one setting per line as 'key: value', e.g. 'name: web1' and 'memory: 512'.");
                    return null;
                }

                var config = new XenDomainConfig();
                var seen = new Dictionary<string, YNode>(StringComparer.Ordinal);
                foreach (var entry in map.Entries)
                {
                    if (!(entry.Key is YScalar keyNode))
                    {
                        Error("YamlWrongNodeType", $"A key is {entry.Key.Kind}; keys must be plain names.", entry.Key,
                            "Write the key as a plain word such as 'memory'.");
                        continue;
                    }
                    string key = keyNode.Value;
                    if (!XlKey.IsMatch(key))
                    {
                        string lower = key.ToLowerInvariant().Replace('-', '_');
                        Error("YamlInvalidKey", $"'{Q(key)}' is not a valid xl.cfg key.", keyNode,
                            "Keys are lower-case letters, digits, '_' and '.', starting with a letter" +
                            (lower != key && XlKey.IsMatch(lower) ? $" (did you mean '{Q(lower)}'?)." : "."));
                        continue;
                    }
                    if (seen.TryGetValue(key, out var first))
                    {
                        Error("YamlDuplicateKey", $"'{Q(key)}' is set twice (first at line {first.Line}, column {first.Column}).", keyNode,
                            "Keep one of them. (xl.cfg would silently use the last one; XenPS refuses to guess in YAML.)");
                        continue;
                    }
                    seen[key] = keyNode;

                    object? value = key == "disk" || key == "vif"
                        ? ConvertDeviceList(key, entry.Value)
                        : ConvertValue(key, entry.Value, topLevel: true);
                    if (value != null)
                        config.Set(key, value, new SourcePosition(_file, keyNode.Line, keyNode.Column));
                }
                return _failed ? null : config;
            }

            private static void FindTabIndent(string text, int fromLine, ref int line, ref int column)
            {
                string[] lines = text.Split('\n');
                for (int i = Math.Max(0, fromLine - 1); i < lines.Length; i++)
                {
                    string l = lines[i];
                    int j = 0;
                    while (j < l.Length && (l[j] == ' ' || l[j] == '\t'))
                    {
                        if (l[j] == '\t') { line = i + 1; column = j + 1; return; }
                        j++;
                    }
                }
            }

            private static string StripPosition(string message)
            {
                string m = Regex.Replace(message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "");
                return m.TrimEnd('.', ' ');
            }

            private int _lastLine = 1, _lastColumn = 1;

            private YNode ParseNode(IParser parser)
            {
                _cancel.ThrowIfCancellationRequested();
                if (parser.Current != null)
                {
                    _lastLine = (int)parser.Current.Start.Line;
                    _lastColumn = (int)parser.Current.Start.Column;
                }
                if (parser.TryConsume<AnchorAlias>(out var alias))
                {
                    string name = alias.Value.Value;
                    if (_open.Contains(name))
                        throw Limit("YamlRecursiveAlias", $"The alias '*{Q(name)}' is inside the node its anchor '&{Q(name)}' names: the value would contain itself.",
                            alias.Start, "Remove the alias, or anchor a different node; a domain config cannot hold a recursive value.");
                    if (_anchors.TryGetValue(name, out var target))
                    {
                        if (_depth + target.Height > MaxOpen)
                            throw Limit("YamlTooDeep",
                                $"The alias '*{Q(name)}' nests its {target.Height} levels inside {_depth - 1}: more than the {ConfigLimits.MaxNestingDepth} levels XenPS reads.",
                                alias.Start, "Real configs nest two or three levels deep; write the value out or nest it less.");
                        CountNodes(target.Size, alias.Start, name);
                        return target;
                    }
                    throw new YamlException(alias.Start, alias.End, $"The alias '*{Q(name)}' refers to no anchor defined before it");
                }
                if (parser.TryConsume<Scalar>(out var scalar))
                {
                    CountNodes(1, scalar.Start, null);
                    var node = new YScalar(scalar);
                    Remember(scalar.Anchor, node);
                    return node;
                }
                if (parser.Accept<SequenceStart>(out _) || parser.Accept<MappingStart>(out _))
                {
                    var start = parser.Current!.Start;
                    if (_depth >= MaxOpen)
                        throw Limit("YamlTooDeep", $"Sequences and mappings nest more than {ConfigLimits.MaxNestingDepth} deep here: XenPS reads at most {ConfigLimits.MaxNestingDepth} levels.",
                            start, "Real configs nest two or three levels deep (a list of disk mappings); look for a generated document gone wrong or an unclosed '['.");
                    CountNodes(1, start, null);
                }
                if (parser.TryConsume<SequenceStart>(out var ss))
                {
                    var node = new YSequence(ss.Start);
                    Open(ss.Anchor);
                    _depth++;
                    int height = 0;
                    long size = 1;
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        var item = ParseNode(parser);
                        node.Items.Add(item);
                        height = Math.Max(height, item.Height);
                        size += item.Size;
                    }
                    _depth--;
                    node.Height = height + 1;
                    node.Size = size;
                    Remember(ss.Anchor, node);
                    return node;
                }
                if (parser.TryConsume<MappingStart>(out var ms))
                {
                    var node = new YMapping(ms.Start);
                    Open(ms.Anchor);
                    _depth++;
                    int height = 0;
                    long size = 1;
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        var k = ParseNode(parser);
                        var v = ParseNode(parser);
                        node.Entries.Add(new KeyValuePair<YNode, YNode>(k, v));
                        height = Math.Max(height, Math.Max(k.Height, v.Height));
                        size += k.Size + v.Size;
                    }
                    _depth--;
                    node.Height = height + 1;
                    node.Size = size;
                    Remember(ms.Anchor, node);
                    return node;
                }
                var cur = parser.Current!;
                throw new YamlException(cur.Start, cur.End, $"Unexpected {cur.GetType().Name}");
            }

            private void Open(AnchorName anchor)
            {
                if (!anchor.IsEmpty) _open.Add(anchor.Value);
            }

            /// <summary>An anchor is usable once its node is complete (an alias inside it is YamlRecursiveAlias).</summary>
            private void Remember(AnchorName anchor, YNode node)
            {
                if (anchor.IsEmpty) return;
                _open.Remove(anchor.Value);
                _anchors[anchor.Value] = node;
            }

            /// <summary>A scalar as the string xl would hold, or null (after an error) for a YAML null.</summary>
            private string? ScalarText(string key, YScalar s)
            {
                string? tag = s.Tag;
                bool plain = s.Style == ScalarStyle.Plain && tag == null;
                if (tag == "tag:yaml.org,2002:null" || (plain && (s.Value.Length == 0 || s.Value == "~" || s.Value == "null" || s.Value == "Null" || s.Value == "NULL")))
                {
                    Error("YamlNullValue", $"'{Q(key)}' has no value (YAML null).", s,
                        $"Give it a value, quote an empty string as {Q(key)}: '' , or remove the line.");
                    return null;
                }
                if (plain || tag == "tag:yaml.org,2002:bool")
                {
                    switch (s.Value)
                    {
                        case "true":
                        case "True":
                        case "TRUE": return "1";
                        case "false":
                        case "False":
                        case "FALSE": return "0";
                    }
                }
                return s.Value;
            }

            private object? ConvertValue(string key, YNode node, bool topLevel)
            {
                switch (node)
                {
                    case YScalar s:
                        return ScalarText(key, s);
                    case YSequence seq:
                        var items = new List<object>();
                        foreach (var item in seq.Items)
                        {
                            var v = ConvertValue(key, item, topLevel: false);
                            if (v != null) items.Add(v);
                        }
                        return items.ToArray();
                    default:
                        Error("YamlWrongNodeType", $"'{Q(key)}' {(topLevel ? "is" : "has an item that is")} a mapping; xl.cfg values are strings, numbers or lists.", node,
                            key == "disk" || key == "vif"
                                ? "Write the item as an xl spec string, or as a mapping directly under the list."
                                : $"Write {Q(key)} as a value ('{Q(key)}: value') or a list ('{Q(key)}: [a, b]'); only disk and vif items may be mappings.");
                        return null;
                }
            }

            private object? ConvertDeviceList(string key, YNode node)
            {
                switch (node)
                {
                    case YScalar s:
                        return DeviceItem(key, s);
                    case YMapping m:
                        var single = DeviceItem(key, m);
                        return single == null ? null : new object[] { single };
                    case YSequence seq:
                        var items = new List<object>();
                        bool ok = true;
                        foreach (var item in seq.Items)
                        {
                            var v = DeviceItem(key, item);
                            if (v == null) ok = false;
                            else items.Add(v);
                        }
                        return ok ? items.ToArray() : null;
                }
                return null;
            }

            private string? DeviceItem(string key, YNode node)
            {
                string code = key == "disk" ? "DiskSpecInvalid" : "VifSpecInvalid";
                switch (node)
                {
                    case YScalar s:
                        string? text = ScalarText(key, s);
                        if (text == null) return null;
                        if (!CheckSpec(key, text, s)) return null;
                        return text;
                    case YMapping m:
                        var parts = new List<KeyValuePair<string, string>>();
                        var seen = new HashSet<string>(StringComparer.Ordinal);
                        bool ok = true;
                        foreach (var e in m.Entries)
                        {
                            if (!(e.Key is YScalar k))
                            {
                                Error("YamlWrongNodeType", $"A key in a {Q(key)} item is {e.Key.Kind}.", e.Key, "Write the key as a plain word such as 'vdev'.");
                                ok = false;
                                continue;
                            }
                            string name = k.Value;
                            IEnumerable<string> allowed = key == "disk" ? DiskItemKeys : VifSpec.Keys;
                            bool known = allowed.Contains(name) || (key == "vif" && name.StartsWith("colo_", StringComparison.Ordinal));
                            if (!known)
                            {
                                string? near = KnownKeys.Suggest(name, allowed);
                                Error("YamlUnknownItemKey", $"'{Q(name)}' is not a {Q(key)} setting.", k,
                                    (near != null ? $"Did you mean '{near}'? " : "") + $"A {Q(key)} item takes: {string.Join(", ", allowed)}.");
                                ok = false;
                                continue;
                            }
                            if (!seen.Add(name))
                            {
                                Error("YamlDuplicateKey", $"'{Q(name)}' is set twice in this {Q(key)} item.", k, "Keep one of them.");
                                ok = false;
                                continue;
                            }
                            string? value = ItemValue(key, name, e.Value);
                            if (value == null) { ok = false; continue; }
                            if (key == "disk" && DiskFlags.Contains(name))
                            {
                                if (value != "1" && value != "0")
                                {
                                    Error(code, $"The disk setting '{Q(name)}' is '{Q(value)}', not true or false.", e.Value, $"Write '{Q(name)}: true' or '{Q(name)}: false'.");
                                    ok = false;
                                    continue;
                                }
                                bool on = value == "1";
                                switch (name)
                                {
                                    case "cdrom": parts.Add(new KeyValuePair<string, string>("devtype", on ? "cdrom" : "disk")); break;
                                    case "direct-io-safe": if (on) parts.Add(new KeyValuePair<string, string>("direct-io-safe", "")); break;
                                    case "discard": parts.Add(new KeyValuePair<string, string>(on ? "discard" : "no-discard", "")); break;
                                    case "trusted": parts.Add(new KeyValuePair<string, string>(on ? "trusted" : "untrusted", "")); break;
                                    case "colo": parts.Add(new KeyValuePair<string, string>(on ? "colo" : "no-colo", "")); break;
                                }
                                continue;
                            }
                            parts.Add(new KeyValuePair<string, string>(name, value));
                        }
                        if (!ok) return null;

                        string spec;
                        string? composeError = key == "disk"
                            ? DiskSpec.ComposeKeywordSpec(parts, out spec)
                            : VifSpec.ComposeSpec(parts, out spec);
                        if (composeError != null)
                        {
                            Error(code, $"This {Q(key)} item cannot be written as an xl spec: {composeError}.", m,
                                key == "disk" ? "Only target may contain a comma." : "A vif value cannot contain a comma.");
                            return null;
                        }
                        if (key == "disk")
                        {
                            if (!DiskSpec.TryParse(spec, out var disk, out var err, out var hint))
                            {
                                Error(code, err!, m, hint ?? "");
                                return null;
                            }
                            return disk!.ToSpecString();
                        }
                        if (!VifSpec.TryParse(spec, out var vif, out var verr, out var vhint))
                        {
                            Error(code, verr!, m, vhint ?? "");
                            return null;
                        }
                        return vif!.ToSpecString();
                    default:
                        Error("YamlWrongNodeType", $"A {Q(key)} item is {node.Kind}; it must be an xl spec string or a mapping.", node,
                            key == "disk" ? "e.g. '- format=raw, vdev=xvda, access=rw, target=/dev/vg/web1' or '- { vdev: xvda, target: /dev/vg/web1 }'."
                                          : "e.g. '- bridge=xenbr0' or '- { bridge: xenbr0, mac: 00:16:3e:00:00:01 }'.");
                        return null;
                }
            }

            private string? ItemValue(string key, string name, YNode node)
            {
                if (node is YScalar s) return ScalarText(key + "." + name, s);
                if (key == "vif" && name == "ip" && node is YSequence seq && seq.Items.All(i => i is YScalar))
                {
                    var parts = new List<string>();
                    foreach (YScalar i in seq.Items)
                    {
                        string? t = ScalarText("vif.ip", i);
                        if (t == null) return null;
                        parts.Add(t);
                    }
                    return string.Join(" ", parts);
                }
                Error("YamlWrongNodeType", $"The {Q(key)} setting '{Q(name)}' is {node.Kind}; it must be a single value.", node,
                    key == "vif" && name == "ip" ? "Write ip as one address, a space-separated string, or a list of addresses." : $"Write '{Q(name)}: value'.");
                return null;
            }

            private bool CheckSpec(string key, string text, YNode node)
            {
                if (key == "disk")
                {
                    if (DiskSpec.TryParse(text, out _, out var err, out var hint)) return true;
                    Error("DiskSpecInvalid", err!, node, hint ?? "");
                    return false;
                }
                if (VifSpec.TryParse(text, out _, out var verr, out var vhint)) return true;
                Error("VifSpecInvalid", verr!, node, vhint ?? "");
                return false;
            }
        }
    }
}
