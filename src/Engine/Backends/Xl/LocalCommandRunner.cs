using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Threading;

namespace XenPS.Backends.Xl
{
    /// <summary>Runs commands on this machine (xl:/// — XenPS itself runs in dom0).</summary>
    public sealed class LocalCommandRunner : ICommandRunner
    {
        public string Description => "local dom0";

        public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken) =>
            RunCore(arguments, standardInput, timeout, null, cancellationToken);

        /// <summary>Run, with each stderr line reported as the program writes it.</summary>
        public CommandResult RunStreaming(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout,
            Action<string> onStandardErrorLine, CancellationToken cancellationToken) =>
            RunCore(arguments, standardInput, timeout, onStandardErrorLine ?? throw new ArgumentNullException(nameof(onStandardErrorLine)), cancellationToken);

        private CommandResult RunCore(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken)
        {
            if (arguments == null || arguments.Count == 0) throw new ArgumentException("No program given.", nameof(arguments));
            try
            {
                return ProcessRunner.Run(arguments[0], arguments.Skip(1), standardInput, timeout, cancellationToken, $"'{arguments[0]}'", null, onLine);
            }
            catch (Win32Exception ex)
            {
                throw new XenConnectionException(
                    $"Cannot run '{arguments[0]}' on this machine ({ex.Message}). xl:/// needs XenPS to run in a Xen dom0 with the xl toolstack installed.", ex);
            }
        }

        public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => arguments;

        public void Dispose() { }
    }
}
