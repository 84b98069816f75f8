using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS
{
    /// <summary>Base of every exception the engine lets escape. Nothing else escapes the engine.</summary>
    public class XenPSException : Exception
    {
        public XenPSException(string message) : base(message) { }
        public XenPSException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>A configuration could not be read: carries every diagnostic, errors first.</summary>
    public sealed class XenConfigException : XenPSException
    {
        public XenConfigException(IEnumerable<XenDiagnostic> diagnostics)
            : this(diagnostics.ToList()) { }

        private XenConfigException(List<XenDiagnostic> diagnostics)
            : base(BuildMessage(diagnostics))
        {
            Diagnostics = diagnostics;
        }

        public IReadOnlyList<XenDiagnostic> Diagnostics { get; }

        private static string BuildMessage(List<XenDiagnostic> diagnostics)
        {
            var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count == 0) return "The domain configuration is not valid.";
            string first = errors[0].ToString();
            return errors.Count == 1 ? first : $"{first} (and {errors.Count - 1} more error(s))";
        }
    }

    /// <summary>The named domain (or domid) does not exist on the host.</summary>
    public sealed class XenDomainNotFoundException : XenPSException
    {
        public XenDomainNotFoundException(string domain, string message) : base(message) { Domain = domain; }
        public string Domain { get; }
    }

    /// <summary>Something with that identity already exists (for example a domain name).</summary>
    public sealed class XenResourceExistsException : XenPSException
    {
        public XenResourceExistsException(string message) : base(message) { }
    }

    /// <summary>The host lacks the resources (memory, CPUs) for the request.</summary>
    public sealed class XenResourceUnavailableException : XenPSException
    {
        public XenResourceUnavailableException(string message) : base(message) { }
    }

    /// <summary>The request is not allowed in the current state (for example stopping Domain-0).</summary>
    public sealed class XenInvalidOperationException : XenPSException
    {
        public XenInvalidOperationException(string message) : base(message) { }
    }

    /// <summary>The host cannot be reached, or the connection dropped.</summary>
    public sealed class XenConnectionException : XenPSException
    {
        public XenConnectionException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>A bounded wait ran out.</summary>
    public sealed class XenTimeoutException : XenPSException
    {
        public XenTimeoutException(string message, IReadOnlyList<string>? lastLines = null) : base(message)
        {
            LastLines = lastLines ?? Array.Empty<string>();
        }

        /// <summary>For console waits: the last lines seen before the timeout.</summary>
        public IReadOnlyList<string> LastLines { get; }
    }

    /// <summary>The host's toolstack reported a failure that has no more specific type.</summary>
    public sealed class XenCommandException : XenPSException
    {
        public XenCommandException(string message, int exitCode, string stderr) : base(message)
        {
            ExitCode = exitCode;
            StandardError = stderr;
        }

        public int ExitCode { get; }
        public string StandardError { get; }
    }

    /// <summary>
    /// The persisted state of a simulated host is damaged (a record fails its checksum or cannot be read, a file is
    /// missing or truncated, files do not belong together). Nothing was changed; the message says what is damaged,
    /// where, and how to recover (SimulatedXenBackend.Repair keeps every intact record and backs up the rest).
    /// </summary>
    public sealed class XenStateDamagedException : XenPSException
    {
        public XenStateDamagedException(string message, string folder, string? file, long line, Exception? inner = null) : base(message, inner)
        {
            Folder = folder;
            File = file;
            Line = line;
        }

        /// <summary>The state folder of the simulated host.</summary>
        public string Folder { get; }

        /// <summary>The damaged file (full path), or null when the damage is not in one file.</summary>
        public string? File { get; }

        /// <summary>The damaged line (1-based), or 0 when the damage is not one line.</summary>
        public long Line { get; }
    }
}
