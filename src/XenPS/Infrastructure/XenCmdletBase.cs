using System;
using System.Management.Automation;
using System.Threading;

namespace XenPS.Commands
{
    /// <summary>
    /// Base of every XenPS cmdlet: owns a CancellationTokenSource that StopProcessing (Ctrl+C) cancels, and the one
    /// error policy (stable ids, precise categories, the failing item as target).
    /// </summary>
    public abstract class XenCmdletBase : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancelToken => _cancel.Token;

        protected override void StopProcessing()
        {
            try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
        }

        /// <summary>Writes a non-terminating error for one item.</summary>
        protected void WriteItemError(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            WriteError(new ErrorRecord(exception, errorId, category, target));
        }

        /// <summary>Terminates the invocation: it cannot proceed.</summary>
        protected void ThrowTerminating(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));
        }

        public void Dispose()
        {
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
