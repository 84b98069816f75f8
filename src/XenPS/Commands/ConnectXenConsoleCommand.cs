using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text;
using System.Text.RegularExpressions;
using XenPS.Backends;
using XenPS.Services;

namespace XenPS.Commands
{
    /// <summary>
    /// Connect-XenConsole: a domain's serial console. In a terminal it is interactive (keys go to the guest, output
    /// streams, Ctrl+] detaches, as with xm console). For scripts, -Send types lines and -Until waits for a pattern and
    /// returns the console lines up to it.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "XenConsole", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(string))]
    public sealed class ConnectXenConsoleCommand : XenDomainSelectingCmdletBase
    {
        private readonly ConsoleService _consoles = new ConsoleService();
        private const char DetachChar = '\x1d'; // Ctrl+]
        private const char CtrlC = '\x03';

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(XenPS.Completers.XenDomainNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("DomId")]
        [ValidateRange(0, int.MaxValue)]
        public int Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public XenDomain InputObject { get; set; } = null!;

        /// <summary>A regular expression: return the console lines up to the first line that matches it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Until { get; set; }

        /// <summary>Lines to type on the console first (each followed by Enter).</summary>
        [Parameter]
        [AllowEmptyString]
        public string[]? Send { get; set; }

        /// <summary>Seconds to wait for -Until (default 30), or for output after -Send.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int Timeout { get; set; } = 30;

        protected override void ProcessRecord()
        {
            XenDomainTarget? t = null;
            object target = ParameterSetName == ObjectSet ? InputObject : ParameterSetName == IdSet ? Id : (object)Name;
            var found = ParameterSetName == ObjectSet ? Piped(new[] { InputObject }).ToList()
                : ParameterSetName == IdSet ? Select(null, new[] { Id }).ToList()
                : Select(new[] { Name }, null).ToList();
            if (found.Count == 0) return; // the selection wrote why
            if (found.Count > 1)
            {
                WriteItemError(new ArgumentException($"'{Name}' matches {found.Count} domains ({string.Join(", ", found.Select(f => f.Description))}); a console attaches to one."),
                    "AmbiguousDomain", ErrorCategory.InvalidArgument, target);
                return;
            }
            t = found[0];
            string domain = t.Domain.Name;
            var host = t.Host;

            bool scripted = Until != null || Send != null;
            if (!scripted && !CanBeInteractive())
            {
                ThrowTerminating(new PSInvalidOperationException(
                        "Connect-XenConsole needs a terminal to be interactive. In a script, use -Until <regex> to read the console " +
                        "up to a pattern, and -Send <lines> to type on it."),
                    "ConsoleNeedsTerminal", ErrorCategory.InvalidOperation, target);
            }

            Regex? until = null;
            if (Until != null)
            {
                try { until = new Regex(Until, RegexOptions.CultureInvariant); }
                catch (ArgumentException e)
                {
                    ThrowTerminating(new ArgumentException($"-Until '{Until}' is not a valid regular expression: {e.Message}", e),
                        "InvalidUntilPattern", ErrorCategory.InvalidArgument, Until);
                }
            }

            try
            {
                if (!scripted && host.Backend is IXenTerminalConsole terminal)
                {
                    // A real host: its own `xl console` (over ssh -t remotely) takes the terminal.
                    RunInTerminal(host, terminal.TerminalConsoleCommand(t.Domain, CancelToken), domain, target);
                    return;
                }
                using IXenConsole console = _consoles.Open(t, CancelToken);
                try
                {
                    if (scripted)
                        WriteObject(_consoles.ReadUntil(console, t.Description, until, Send, TimeSpan.FromSeconds(Timeout), CancelToken), enumerateCollection: true);
                    else RunInteractive(console, domain);
                }
                catch (XenDomainNotFoundException e)
                {
                    // The console was open, so the domain went away while attached (powered off, crashed, destroyed).
                    string name = DomainName(e.Domain, domain);
                    if (!scripted)
                    {
                        Host.UI.WriteLine();
                        Host.UI.WriteLine(ShutDownMessage(name));
                        return;
                    }
                    string message = ShutDownMessage(name) + (Until != null ? $" No line matched '{Until}' before it did." : "");
                    WriteXenError(new XenDomainNotFoundException(e.Domain, message), target);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (XenTimeoutException e)
            {
                var record = new ErrorRecord(e, "ConsoleTimeout", ErrorCategory.OperationTimeout, target);
                if (e.LastLines.Count > 0)
                    record.ErrorDetails = new ErrorDetails(e.Message + Environment.NewLine + "Last console lines:" + Environment.NewLine +
                                                           string.Join(Environment.NewLine, e.LastLines.Select(l => "  " + l)));
                WriteError(record);
            }
            catch (XenPSException e)
            {
                WriteXenError(e, target);
            }
        }

        private bool CanBeInteractive()
        {
            try
            {
                return Host?.UI?.RawUI != null && !Console.IsInputRedirected && !Console.IsOutputRedirected &&
                       Host.Name != "Default Host" && Host.Name != "ServerRemoteHost";
            }
            catch (Exception e) when (e is PlatformNotSupportedException || e is NotImplementedException || e is HostException)
            {
                return false;
            }
        }

        private static string ShutDownMessage(string name) => $"{name} has shut down; console closed.";

        // The name to tell the user: the backend's (a console opened by domid knows the name), else what was typed.
        private static string DomainName(string? reported, string domain) =>
            !string.IsNullOrEmpty(reported) && !reported!.All(char.IsAsciiDigit) ? reported : domain;

        // Whether the host could list its domains, and the one that `domain` (a name, or a domid when all digits, as
        // xl reads it) names now (null: not listed).
        private (bool known, XenDomain? domain) FindListed(XenHostConnection host, string domain, bool byName)
        {
            IReadOnlyList<XenDomain> list;
            try { list = host.Backend.ListDomains(CancelToken); }
            catch (XenPSException) { return (false, null); }
            if (!byName && domain.Length > 0 && domain.All(char.IsAsciiDigit) &&
                int.TryParse(domain, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                return (true, list.FirstOrDefault(d => d.Id == id));
            return (true, list.FirstOrDefault(d => string.Equals(d.Name, domain, StringComparison.Ordinal)));
        }

        /// <summary>
        /// Runs the host's console program (`xl console`, or `ssh -t ... xl console`) in this terminal until it ends.
        /// The child owns the terminal meanwhile: xl console (xenconsole) and ssh -t put it in raw mode, so Ctrl+C is
        /// a key that travels to the guest, as with xm console. Like a shell waiting for a foreground job, the cmdlet
        /// does not kill the child when PowerShell sees an interrupt (a Ctrl+C typed before the child set raw mode
        /// reaches the child too, which decides); it waits, then says why the session ended.
        /// </summary>
        private void RunInTerminal(XenHostConnection host, IReadOnlyList<string> argv, string domain, object target)
        {
            XenDomain? attached = FindListed(host, domain, byName: false).domain;
            string name = attached?.Name ?? domain;
            var psi = new System.Diagnostics.ProcessStartInfo(argv[0]) { UseShellExecute = false };
            foreach (string a in argv.Skip(1)) psi.ArgumentList.Add(a);
            Host.UI.WriteLine($"Connected to the console of {domain}. Press Ctrl+] to detach.");
            int exitCode;
            using (var process = System.Diagnostics.Process.Start(psi)!)
            {
                process.WaitForExit();
                exitCode = process.ExitCode;
            }
            Host.UI.WriteLine();
            CancelToken.ThrowIfCancellationRequested();

            // xenconsole exits 0 both on Ctrl+] and when the domain goes away: ask the host which it was (when it can
            // answer: a lost ssh connection is reported by the exit code below, not as a shut-down domain).
            var (known, now) = FindListed(host, name, byName: true);
            if (known && now == null && attached != null)
            {
                Host.UI.WriteLine(ShutDownMessage(name));
                return;
            }
            if (now != null && attached != null && now.Id != attached.Id)
            {
                Host.UI.WriteLine($"{name} was restarted (now domain {now.IdText}); console closed. " +
                                  $"Run Connect-XenConsole {name} to attach to it again.");
                return;
            }
            if (exitCode != 0)
                WriteItemError(new XenCommandException(
                        $"The console of {domain} ended with exit code {exitCode} ({argv[0]} {string.Join(" ", argv.Skip(1).Take(1))} ...).",
                        exitCode, ""),
                    "ConsoleFailed", ErrorCategory.ConnectionError, target);
            else
                Host.UI.WriteLine($"Detached from the console of {domain}.");
        }

        private void RunInteractive(IXenConsole console, string domain)
        {
            Host.UI.WriteLine($"Connected to the console of {domain}. Press Ctrl+] to detach.");
            // Ctrl+C is a key for the guest (xm console passes it on), not an interrupt that would stop the cmdlet
            // and leave the user typing guest commands into the local shell.
            bool? treatCtrlC = null;
            try
            {
                treatCtrlC = Console.TreatControlCAsInput;
                Console.TreatControlCAsInput = true;
            }
            catch (Exception e) when (e is System.IO.IOException || e is PlatformNotSupportedException || e is InvalidOperationException) { }
            try
            {
                Pump(console, domain);
            }
            finally
            {
                if (treatCtrlC.HasValue)
                {
                    try { Console.TreatControlCAsInput = treatCtrlC.Value; }
                    catch (Exception e) when (e is System.IO.IOException || e is PlatformNotSupportedException || e is InvalidOperationException) { }
                }
            }
        }

        private void Pump(IXenConsole console, string domain)
        {
            var ui = Host.UI;
            var raw = ui.RawUI;
            while (true)
            {
                CancelToken.ThrowIfCancellationRequested();
                string text = console.Read(TimeSpan.FromMilliseconds(50), CancelToken);
                if (text.Length > 0) ui.Write(text);
                while (raw.KeyAvailable)
                {
                    KeyInfo key = raw.ReadKey(ReadKeyOptions.NoEcho | ReadKeyOptions.IncludeKeyDown | ReadKeyOptions.AllowCtrlC);
                    if (!key.KeyDown) continue;
                    bool ctrl = (key.ControlKeyState & (ControlKeyStates.LeftCtrlPressed | ControlKeyStates.RightCtrlPressed)) != 0;
                    // Ctrl+] is GS (0x1d). Terminals on Unix deliver it as the '5' key with no character (.NET's
                    // mapping of 0x1d), Windows as VK_OEM_6 with Ctrl.
                    bool gs = key.Character == DetachChar || (key.Character == '\0' && key.VirtualKeyCode == 0x35);
                    if (gs || (ctrl && (key.VirtualKeyCode == 0xDD || key.Character == ']')))
                    {
                        ui.WriteLine();
                        ui.WriteLine($"Detached from the console of {domain}.");
                        return;
                    }
                    if (ctrl && key.Character == '\0' && key.VirtualKeyCode == 'C')
                    {
                        console.Write(CtrlC.ToString(), CancelToken);
                        continue;
                    }
                    if (key.Character != '\0') console.Write(key.Character == '\n' ? "\r" : key.Character.ToString(), CancelToken);
                }
            }
        }
    }
}
