using System;
using System.Collections.Generic;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>What a finished command left behind.</summary>
    public sealed class CommandResult
    {
        public CommandResult(int exitCode, string standardOutput, string standardError, TimeSpan elapsed = default)
        {
            ExitCode = exitCode;
            StandardOutput = standardOutput ?? "";
            StandardError = standardError ?? "";
            Elapsed = elapsed;
        }

        public int ExitCode { get; }
        public string StandardOutput { get; }
        public string StandardError { get; }
        public TimeSpan Elapsed { get; }
    }

    /// <summary>
    /// Runs one program on the Xen host (dom0) with an argument VECTOR — never a command line built from
    /// user input. Implementations are thread-safe.
    /// </summary>
    public interface ICommandRunner : IDisposable
    {
        /// <summary>Where commands run, for messages ("local dom0", "ssh root@host:22").</summary>
        string Description { get; }

        /// <summary>
        /// Runs <paramref name="arguments"/>[0] with the remaining arguments, feeding <paramref name="standardInput"/>
        /// (or nothing) to its stdin. On timeout the process tree is killed and XenTimeoutException is thrown; on
        /// cancellation it is killed and OperationCanceledException is thrown. A host that cannot be reached gives
        /// XenConnectionException. A non-zero exit code is NOT an error here: callers interpret it.
        /// </summary>
        CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken);

        /// <summary>
        /// The full argument vector (program first) that runs <paramref name="arguments"/> on the host attached to the
        /// user's terminal (for `xl console`): as is locally, `ssh -t ...` remotely.
        /// </summary>
        IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments);
    }
}
