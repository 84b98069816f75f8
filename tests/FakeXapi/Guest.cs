using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Channels;

namespace FakeXapi
{
    /// <summary>
    /// A guest's text console: what it printed since its current boot (a client that connects gets that first, then
    /// what follows), and a toy getty/shell that echoes keys: any user name logs in; `hostname`, `uname -n`, `echo`,
    /// `exit` work; anything else is "not found". A reboot or halt closes the connections, as vncterm's would.
    /// </summary>
    public sealed class Guest
    {
        private readonly object _lock = new object();
        private readonly string _name;
        private readonly string _uuid;
        private readonly StringBuilder _history = new StringBuilder();
        private readonly List<Channel<string>> _subs = new List<Channel<string>>();
        private readonly StringBuilder _line = new StringBuilder();
        private bool _loggedIn;
        private bool _lastWasCr;

        public Guest(string name, string uuid = "") { _name = name; _uuid = uuid; }

        private string Prompt => "root@" + _name + ":~# ";

        public void Boot(long domid)
        {
            lock (_lock)
            {
                CloseLocked();
                _history.Clear();
                _line.Clear();
                _loggedIn = false;
                EmitLocked("[    0.000000] Linux version 6.1.0-28-amd64 (FakeXapi guest kernel)\r\n" +
                           "[    0.000000] Command line: root=/dev/xvda1 ro console=hvc0\r\n" +
                           "[    0.412345] xen_netfront: Initialising Xen virtual ethernet driver\r\n" +
                           "[    1.234567] EXT4-fs (xvda1): mounted filesystem with ordered data mode\r\n" +
                           (_uuid.Length > 0 ? $"[    1.300000] systemd[1]: Hostname set to <{_name}>, machine id {_uuid}\r\n" : "") +
                           $"\r\nDebian GNU/Linux 12 {_name} hvc0 (domid {domid})\r\n\r\n{_name} login: ");
            }
        }

        public void Resumed(long domid)
        {
            lock (_lock) EmitLocked($"\r\n[  resumed  ] {_name} resumed as domid {domid}\r\n" + (_loggedIn ? Prompt : _name + " login: "));
        }

        public void Close()
        {
            lock (_lock) CloseLocked();
        }

        private void CloseLocked()
        {
            foreach (var c in _subs) c.Writer.TryComplete();
            _subs.Clear();
        }

        /// <summary>The output since this boot, and a channel of what follows (completed when the console closes).</summary>
        public (string, Channel<string>) Attach()
        {
            lock (_lock)
            {
                var ch = Channel.CreateUnbounded<string>();
                _subs.Add(ch);
                return (_history.ToString(), ch);
            }
        }

        public void Detach(Channel<string> ch)
        {
            lock (_lock) _subs.Remove(ch);
        }

        private void EmitLocked(string s)
        {
            _history.Append(s);
            foreach (var c in _subs) c.Writer.TryWrite(s);
        }

        public void Input(string keys)
        {
            lock (_lock)
            {
                foreach (char c in keys)
                {
                    if (c == '\n' && _lastWasCr) { _lastWasCr = false; continue; }
                    _lastWasCr = c == '\r';
                    if (c == '\r' || c == '\n')
                    {
                        EmitLocked("\r\n");
                        Run(_line.ToString().Trim());
                        _line.Clear();
                    }
                    else if (c == '\x7f' || c == '\b')
                    {
                        if (_line.Length > 0) { _line.Length--; EmitLocked("\b \b"); }
                    }
                    else if (c >= ' ')
                    {
                        _line.Append(c);
                        EmitLocked(c.ToString());
                    }
                }
            }
        }

        private void Run(string line)
        {
            if (!_loggedIn)
            {
                if (line.Length == 0) { EmitLocked(_name + " login: "); return; }
                _loggedIn = true;
                EmitLocked("Linux " + _name + " 6.1.0-28-amd64 #1 SMP Debian x86_64\r\n" + Prompt);
                return;
            }
            if (line == "exit" || line == "logout") { _loggedIn = false; EmitLocked("\r\n" + _name + " login: "); return; }
            if (line == "hostname" || line == "uname -n") EmitLocked(_name + "\r\n");
            else if (line.StartsWith("echo ", StringComparison.Ordinal)) EmitLocked(line.Substring(5) + "\r\n");
            else if (line.Length > 0) EmitLocked("-sh: " + line.Split(' ')[0] + ": not found\r\n");
            EmitLocked(Prompt);
        }
    }
}
