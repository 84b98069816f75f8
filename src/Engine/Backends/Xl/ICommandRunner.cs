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
        /// <see cref="Run"/>, calling <paramref name="onStandardErrorLine"/> with each line of standard error (without its
        /// line break; "\r" ends a line too) as the program writes it, for progress of long commands (xl save). The
        /// callback runs on a reader thread, must be quick and must not throw; the result still holds all of stderr.
        /// Same argument vector, timeout and cancellation rules as <see cref="Run"/>. The default implementation (for
        /// runners that cannot stream) calls back with every line once the command has finished.
        /// </summary>
        CommandResult RunStreaming(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout,
            Action<string> onStandardErrorLine, CancellationToken cancellationToken)
        {
            var r = Run(arguments, standardInput, timeout, cancellationToken);
            foreach (string line in StandardErrorLines.Split(r.StandardError)) onStandardErrorLine(line);
            return r;
        }

        /// <summary>
        /// The full argument vector (program first) that runs <paramref name="arguments"/> on the host attached to the
        /// user's terminal (for `xl console`): as is locally, `ssh -t ...` remotely.
        /// </summary>
        IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments);
    }

    /// <summary>Splits stderr text into lines the way <see cref="ICommandRunner.RunStreaming"/> reports them.</summary>
    public static class StandardErrorLines
    {
        public static IEnumerable<string> Split(string text)
        {
            if (string.IsNullOrEmpty(text)) yield break;
            int start = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] != '\n' && text[i] != '\r') continue;
                if (i > start) yield return text.Substring(start, i - start);
                start = i + 1;
            }
            if (start < text.Length) yield return text.Substring(start);
        }
    }
}
