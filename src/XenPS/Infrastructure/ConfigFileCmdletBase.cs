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

        // Whether -Path/-LiteralPath came on the command line (bound before BeginProcessing) rather than from the pipeline.
        private bool _pathsOnCommandLine;

        protected override void BeginProcessing()
        {
            _pathsOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Path)) ||
                                  MyInvocation.BoundParameters.ContainsKey(nameof(LiteralPath));
            base.BeginProcessing();
        }

        /// <summary>
        /// The files this record names (a path that matches nothing is a PathNotFound error, then <paramref name="onMissing"/>).
        /// Directories are not configs: one that a wildcard matched or that came down the pipeline (Get-ChildItem /etc/xen
        /// lists /etc/xen/auto) is skipped with a verbose line; one named on the command line is a PathIsDirectory error,
        /// then <paramref name="onMissing"/>.
        /// </summary>
        protected List<string> InputFiles(Action<string>? onMissing = null)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            var files = new List<string>();
            foreach (string path in literal ? LiteralPath : Path)
            {
                bool named = _pathsOnCommandLine && (literal || !WildcardPattern.ContainsWildcardCharacters(path));
                if (literal && !DomainConfigReader.IsNullDevice(path))
                {
                    // ResolveFilePaths would call a literal directory missing: look first.
                    string p;
                    try { p = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path); }
                    catch (Exception e) when (e is ItemNotFoundException || e is NotSupportedException || e is ProviderNotFoundException || e is DriveNotFoundException)
                    {
                        p = path;
                    }
                    if (System.IO.Directory.Exists(p))
                    {
                        Directory(p, named, onMissing);
                        continue;
                    }
                }
                foreach (string file in ResolveFilePaths(new[] { path }, literal, onMissing))
                {
                    if (System.IO.Directory.Exists(file)) Directory(file, named, onMissing);
                    else files.Add(file);
                }
            }
            return files;
        }

        private void Directory(string directory, bool named, Action<string>? onMissing)
        {
            if (!named)
            {
                WriteVerbose($"Skipping '{directory}': it is a directory, not a config file.");
                return;
            }
            WriteItemError(new ArgumentException(
                    $"'{directory}' is a directory, not a config file. Name the files in it (for example '{System.IO.Path.Combine(directory, "*.cfg")}'), " +
                    "or pipe them: Get-ChildItem -File."),
                "PathIsDirectory", ErrorCategory.InvalidArgument, directory);
            onMissing?.Invoke(directory);
        }
    }
}
