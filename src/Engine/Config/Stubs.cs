// PLACEHOLDERS so the skeleton compiles; each helper replaces its own class in its own file and deletes it here.
using System;
using System.Collections.Generic;

namespace XenPS.Config
{
    public static partial class XlConfigParser
    {
        public static XenDomainConfig? Parse(string text, string fileName, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics)
            => throw new NotImplementedException();
        public static void ApplyOverrides(XenDomainConfig config, IReadOnlyList<string> overrides, ConfigReadOptions options, List<XenDiagnostic> diagnostics)
            => throw new NotImplementedException();
    }
}
