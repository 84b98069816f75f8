// PLACEHOLDERS so the skeleton compiles; each helper replaces its own class in its own file and deletes it here.
using System;
using System.Collections.Generic;

namespace XenPS.Config
{
    public static class YamlConfigReader
    {
        public static XenDomainConfig? Read(string text, string fileName, List<XenDiagnostic> diagnostics) => throw new NotImplementedException();
    }

    public static class ConfigValidator
    {
        public static void Validate(XenDomainConfig config, List<XenDiagnostic> diagnostics) { }
    }
}
