namespace XenPS.Config
{
    /// <summary>How to read a domain configuration.</summary>
    public sealed class ConfigReadOptions
    {
        /// <summary>Force a format; Auto decides by extension (.yaml/.yml) and then by content.</summary>
        public ConfigFormat Format { get; set; } = ConfigFormat.Auto;

        /// <summary>
        /// Opt-in for legacy xm files: accept the literal Python subset (True/False, negative and simple
        /// arithmetic on numbers, ...) and convert it, reporting each conversion as a warning. Never executes code.
        /// </summary>
        public bool AllowLegacyXm { get; set; }

        /// <summary>Run the semantic checks (name required, enums, memory/maxmem, disk/vif syntax, unknown keys).</summary>
        public bool Validate { get; set; } = true;

        /// <summary>Also make the checks xl makes when it builds the domain (<see cref="ConfigValidator.ValidateForCreate(XenDomainConfig, System.Collections.Generic.List{XenDiagnostic})"/>): what `xl -N create` refuses.</summary>
        public bool CheckCreate { get; set; }
    }
}
