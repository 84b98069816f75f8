using System;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// A console attached to one simulated guest (followed by uuid, so it survives an on_reboot=restart).
    /// It starts at the guest's current boot: the first Read returns that boot's history (never an earlier boot's, nor
    /// the output of an earlier domain of the same name), then each Read what came since. After a restart it finishes
    /// the boot it was on and goes on with the new boot from its start. Write feeds keys to the guest's shell, a line
    /// at a time.
    /// </summary>
    internal sealed class SimConsole : IXenConsole
    {
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
        private readonly SimulatedXenBackend _backend;
        private readonly string _uuid;
        private readonly object _gate = new object();
        private readonly StringBuilder _typed = new StringBuilder();
        private string _name;
        private int _boot;   // the domid of the boot whose log is being read
        private long _offset;
        private bool _gone;
        private bool _disposed;

        public SimConsole(SimulatedXenBackend backend, string uuid, string name, int boot)
        {
            _backend = backend;
            _uuid = uuid;
            _name = name;
            _boot = boot;
        }

        public string Read(TimeSpan wait, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                CheckOpen();
                var sw = Stopwatch.StartNew();
                while (true)
                {
                    var (text, exists, nextDue, name) = _backend.ConsoleFetch(_uuid, _name, ref _boot, ref _offset, cancellationToken);
                    _name = name;
                    if (!exists) _gone = true;
                    if (text.Length > 0) return text; // final text first; the next Read reports the domain gone
                    if (!exists) throw Gone();
                    TimeSpan left = wait - sw.Elapsed;
                    if (left <= TimeSpan.Zero) return "";
                    TimeSpan nap = left < Poll ? left : Poll;
                    if (nextDue != long.MaxValue)
                    {
                        var untilDue = TimeSpan.FromMilliseconds(Math.Max(1, nextDue - _backend.NowMs));
                        if (untilDue < nap) nap = untilDue;
                    }
                    _backend.Sleep(nap, cancellationToken);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        public void Write(string text, CancellationToken cancellationToken)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            lock (_gate)
            {
                CheckOpen();
                if (_gone) throw Gone();
                foreach (char c in text)
                {
                    if (c == '\r' || c == '\n')
                    {
                        string line = _typed.ToString();
                        _typed.Clear();
                        if (!_backend.ConsoleLine(_uuid, line, cancellationToken))
                        {
                            _gone = true;
                            throw Gone();
                        }
                    }
                    else if (c == '\b' || c == '\x7f')
                    {
                        if (_typed.Length > 0) _typed.Length--;
                    }
                    else if (c == '\x03')
                    {
                        // Ctrl+C: the guest's shell (the terminal's SIGINT) abandons the line being typed
                        string line = _typed.ToString();
                        _typed.Clear();
                        if (!_backend.ConsoleInterrupt(_uuid, line, cancellationToken))
                        {
                            _gone = true;
                            throw Gone();
                        }
                    }
                    else if (c == '\x1d')
                    {
                        // Ctrl+] is xenconsole's escape: it never reaches the guest
                    }
                    else _typed.Append(c);
                }
            }
        }

        private XenDomainNotFoundException Gone() =>
            new XenDomainNotFoundException(_name, _name + " is an invalid domain identifier (rc=-6)");

        private void CheckOpen()
        {
            if (_disposed) throw new XenInvalidOperationException($"The console of '{_name}' has been closed.");
        }

        public void Dispose()
        {
            lock (_gate) _disposed = true;
        }
    }
}
