using System;
using System.Collections.Generic;
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
        private bool _yesToAll, _noToAll;

        /// <summary>
        /// ShouldProcess, then, for a cmdlet declared below High whose action is destructive this time (Stop -TurnOff,
        /// Save without -KeepRunning, Restart -Force), the confirmation ConfirmImpact High would give: asked unless
        /// -Confirm was given, $ConfirmPreference is below High or <paramref name="noQuestion"/> (-Force), with Yes to
        /// All / No to All for the whole invocation. Where nobody can answer (-NonInteractive, a host without a UI) it is a
        /// non-terminating ConfirmationRequired error on <paramref name="errorTarget"/> saying <paramref name="cannotAsk"/>,
        /// never a hang.
        /// </summary>
        protected bool ConfirmHighImpact(string target, string action, string question, string caption, object errorTarget, string cannotAsk,
            bool noQuestion = false)
        {
            try
            {
                if (!ShouldProcess(target, action)) return false;
                if (noQuestion) return true;
                if (MyInvocation.BoundParameters.ContainsKey("Confirm")) return true; // ShouldProcess asked, or was told not to
                var pref = SessionState.PSVariable.GetValue("ConfirmPreference", ConfirmImpact.High);
                ConfirmImpact preference = pref is ConfirmImpact ci ? ci
                    : Enum.TryParse(pref?.ToString(), true, out ConfirmImpact parsed) ? parsed : ConfirmImpact.High;
                if (preference <= ConfirmImpact.Medium) return true; // ShouldProcess has asked already (None: never ask)
                if (_yesToAll) return true;
                if (_noToAll) return false;
                return ShouldContinue(question, caption, ref _yesToAll, ref _noToAll);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                WriteItemError(new PSInvalidOperationException(cannotAsk, e), "ConfirmationRequired", ErrorCategory.PermissionDenied, errorTarget);
                return false;
            }
        }

        /// <summary>
        /// ShouldProcess for a cmdlet declared ConfirmImpact High: it asks (with Yes/No to All) unless -Confirm:$false or
        /// $ConfirmPreference says not to. Where nobody can answer (-NonInteractive, a host without a UI) it is a
        /// non-terminating ConfirmationRequired error on <paramref name="errorTarget"/> saying <paramref name="howToAllow"/>,
        /// never a hang and never a terminating error.
        /// </summary>
        protected bool ShouldProcessOrExplain(string target, string action, object errorTarget, string howToAllow)
        {
            try
            {
                return ShouldProcess(target, action);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                WriteItemError(new PSInvalidOperationException(
                        $"{action} on {target} needs confirmation, and this session cannot ask (it is non-interactive). {howToAllow}", e),
                    "ConfirmationRequired", ErrorCategory.PermissionDenied, errorTarget);
                return false;
            }
        }

        protected void WriteItemError(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            WriteError(new ErrorRecord(exception, errorId, category, target));
        }

        /// <summary>Terminates the invocation: it cannot proceed.</summary>
        protected void ThrowTerminating(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));
        }

        /// <summary>Writes a non-terminating error for an engine failure, with its mapped id and category.</summary>
        protected void WriteXenError(XenPSException exception, object? target, string? errorId = null)
        {
            var (id, category) = XenPS.Infrastructure.ErrorMap.Map(exception);
            WriteError(new ErrorRecord(exception, errorId ?? id, category, target));
        }

        /// <summary>Terminates with an engine failure's mapped id and category.</summary>
        protected void ThrowXenError(XenPSException exception, object? target, string? errorId = null)
        {
            var (id, category) = XenPS.Infrastructure.ErrorMap.Map(exception);
            ThrowTerminatingError(new ErrorRecord(exception, errorId ?? id, category, target));
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath to file-system paths; a path that matches nothing is a
        /// non-terminating PathNotFound error. "/dev/null" is passed through as xl's "overrides only".
        /// </summary>
        protected List<string> ResolveFilePaths(IEnumerable<string> paths, bool literal, Action<string>? onMissing = null)
        {
            var result = new List<string>();
            foreach (string path in paths)
            {
                if (XenPS.Config.DomainConfigReader.IsNullDevice(path)) { result.Add(XenPS.Config.DomainConfigReader.NullDevice); continue; }
                try
                {
                    if (literal)
                    {
                        string p = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                        if (!System.IO.File.Exists(p)) throw new ItemNotFoundException($"Cannot find path '{p}' because it does not exist.");
                        result.Add(p);
                    }
                    else
                    {
                        var found = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                        if (provider.Name != "FileSystem")
                        {
                            WriteItemError(new ArgumentException($"'{path}' is not a file-system path; domain configs are read from files."),
                                "NotAFileSystemPath", ErrorCategory.InvalidArgument, path);
                            continue;
                        }
                        if (found.Count == 0 && WildcardPattern.ContainsWildcardCharacters(path)) continue;
                        result.AddRange(found);
                    }
                }
                catch (ItemNotFoundException e)
                {
                    WriteItemError(new ItemNotFoundException(e.Message + " Check the path, or use -LiteralPath for names with [ ] characters.", e),
                        "PathNotFound", ErrorCategory.ObjectNotFound, path);
                    onMissing?.Invoke(path);
                }
            }
            return result;
        }

        /// <summary>Writes what a host's backend noticed or did on its own: warnings, and the rest as verbose output.</summary>
        protected void WriteBackendNotes(XenHostConnection host)
        {
            if (host.Backend is not XenPS.Backends.IXenBackendNotes notes) return;
            foreach (var n in notes.TakeNotes())
            {
                if (n.IsWarning) WriteWarning($"{host.Name}: {n.Text}");
                else WriteVerbose($"{host.Name}: {n.Text}");
            }
        }

        /// <summary>Releases what the invocation opened; PowerShell disposes a cmdlet however its pipeline ends.</summary>
        protected virtual void OnDispose() { }

        public void Dispose()
        {
            OnDispose();
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
