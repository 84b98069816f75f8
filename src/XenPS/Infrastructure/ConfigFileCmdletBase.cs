using System;
using System.Collections.Generic;
using System.Management.Automation;
using XenPS.Config;

namespace XenPS.Commands
{
    /// <summary>Base of the cmdlets that read config files: -Path/-LiteralPath, overrides, format and the xm opt-in.</summary>
    public abstract class ConfigFileCmdletBase : XenCmdletBase
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = null!;

        /// <summary>xl create's name=value overrides, appended after the file (several per string, separated by ';').</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        [AllowEmptyCollection]
        public string[] Set { get; set; } = Array.Empty<string>();

        [Parameter]
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        [Parameter]
        public SwitchParameter AllowLegacyXm { get; set; }

        protected ConfigReadOptions ReadOptions => new ConfigReadOptions { Format = Format, AllowLegacyXm = AllowLegacyXm.IsPresent };

        /// <summary>The files this record names (a path that matches nothing is a PathNotFound error, then <paramref name="onMissing"/>).</summary>
        protected List<string> InputFiles(Action<string>? onMissing = null)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            return ResolveFilePaths(literal ? LiteralPath : Path, literal, onMissing);
        }
    }
}
