using System;
using System.Collections.Generic;

namespace XenPS.Config
{
    /// <summary>What the diagnostic codes mean, in one place next to the readers that make them.</summary>
    public static class DiagnosticCodes
    {
        // Errors of reading the text itself: the xl.cfg grammar (what libxlu rejects), Python in xm files, and YAML.
        // Everything else (name, enums, numbers, disk and vif specs, ...) is a valid text with an invalid value.
        private static readonly HashSet<string> s_syntax = new HashSet<string>(StringComparer.Ordinal)
        {
            "SyntaxError", "LexicalError", "InvalidEscape", "UnterminatedString", "UnterminatedList", "InvalidKey",
            "InvalidNumber", "BareWord", "MissingValue", "EmptyListItem", "AppendTypeMismatch", "NulByte", "NegativeNumber",
            "PythonBoolean", "PythonNone", "PythonArithmetic", "PythonFormat", "PythonImport", "PythonVariable",
            "PythonCall", "PythonStatement", "PythonTripleQuote", "NestingTooDeep",
            "YamlSyntaxError", "YamlRootNotMapping", "YamlMultipleDocuments", "YamlInvalidKey", "YamlDuplicateKey",
            "YamlNullValue", "YamlWrongNodeType", "YamlUnknownItemKey", "YamlTooDeep", "YamlTooLarge", "YamlRecursiveAlias",
        };

        // Not syntax: reading the file (FileNotFound, FileUnreadable, NotARegularFile, FileTooLarge) and the
        // TooManyDiagnostics summary that stands for the findings past ConfigLimits.MaxDiagnostics.

        /// <summary>True when the code is an error in the text's syntax (xl.cfg, xm Python, YAML) rather than in a value.</summary>
        public static bool IsSyntax(string code) => code != null && s_syntax.Contains(code);
    }
}
