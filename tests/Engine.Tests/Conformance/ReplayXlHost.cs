using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using XenPS.Backends;
using XenPS.Backends.Xl;

namespace XenPS.Tests.Conformance
{
    /// <summary>One recorded command: what xl printed and returned.</summary>
    internal sealed class Recording
    {
        public Recording(string id, int rc, string stdout, string stderr)
        {
            Id = id;
            ExitCode = rc;
            StandardOutput = stdout;
            StandardError = stderr;
        }

        public string Id { get; }
        public int ExitCode { get; }
        public string StandardOutput { get; }
        public string StandardError { get; }

        public CommandResult Result() => new CommandResult(ExitCode, StandardOutput, StandardError);
    }

    /// <summary>The real captures in the repository (Conformance/Captures, then Xl/Fixtures).</summary>
    internal static class Captures
    {
        private static readonly string[] Dirs =
        {
            Path.Combine(AppContext.BaseDirectory, "Conformance", "Captures"),
            Path.Combine(AppContext.BaseDirectory, "Xl", "Fixtures"),
        };

        private static string? Find(string file) =>
            Dirs.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);

        /// <summary>A recorded command. Its .rc must be in the repository; an absent .stdout/.stderr was an empty one.</summary>
        public static Recording Load(string id)
        {
            string rcPath = Find(id + ".rc") ?? throw new FileNotFoundException($"Capture {id}.rc is not in the repository (copy it from shared/xen/captures).");
            int rc = int.Parse(File.ReadAllText(rcPath).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            string Part(string ext) => Find(id + ext) is string p ? File.ReadAllText(p) : "";
            return new Recording(id, rc, Part(".stdout"), Part(".stderr"));
        }

        public static string Config(string name) =>
            File.ReadAllText(Find(Path.Combine("configs", name)) ?? throw new FileNotFoundException($"configs/{name} is not in the repository."));
    }

    /// <summary>A command the fake host has no recording for: the backend sent something the captures never showed.</summary>
    internal sealed class UnrecordedCommandException : Exception
    {
        public UnrecordedCommandException(string message) : base(message) { }
    }

    /// <summary>
    /// A small stateful fake Xen host that answers the xl backend with the REAL captures (see Captures/README.md).
    /// It knows one guest, test1 (the only guest captured with both its `xl list` row and its `xl list -l` config
    /// in a full listing), in the states the captures show: absent, running, paused, shutting down. Every command
    /// it has no recording for fails the test (it is thrown as a non-XenPS exception, so no engine code can
    /// swallow it, and kept in <see cref="Unrecorded"/> for a final check).
    ///
    /// What is the backend's own constant shell script (ListScript, CreateScript, the console ReadScript) is
    /// carried out here the way sh would (markers, `wc -c`, `tail -c`); what xl prints inside it is replayed.
    /// </summary>
    internal sealed class ReplayXlHost : ICommandRunner
    {
        private enum Guest { Absent, Running, Paused, ShuttingDown }

        public const string Xl = "xl";
        public const string UnknownName = "nosuchdom";
        private const string GoneMarker = "@@XENPS-DOMAIN-GONE@@"; // what XlConsole.ReadScript echoes when `xl domid` fails

        private readonly object _lock = new object();
        private readonly string _guestName;
        private readonly string _guestId;
        private readonly RecordedConfig _guestConfig;
        private readonly RecordedConfig _tooBigConfig;
        private readonly long _freeMemoryMiB;
        private readonly TimeSpan _shutdownTakes;
        private Guest _guest = Guest.Absent;
        // settings changed by mem-set / mem-max / rename (null: as captured in 15-list / 16-list-l); reset with each new domain
        private long? _memMiB, _maxMemMiB;
        private string? _renamed;
        private TimeSpan _sinceShutdown;
        private byte[]? _consoleLog; // null: xenconsoled has not created guest-test1.log yet

        public ReplayXlHost()
        {
            // test1's row in 15-list: "test1   1   128   1   -b----   6.5"
            var row = Captures.Load("15-list").StandardOutput.Split('\n').Skip(1)
                .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Single(c => c.Length >= 6 && c[0] != "Domain-0");
            _guestName = row[0];
            _guestId = row[1];
            _guestConfig = RecordedConfig.Parse(Captures.Config("test1.cfg"));
            _tooBigConfig = RecordedConfig.Parse(Captures.Config("bad-toomuchmem.cfg"));
            if (_guestConfig.Name != _guestName) throw new InvalidOperationException("15-list does not list the guest of configs/test1.cfg.");
            _freeMemoryMiB = long.Parse(Regex.Match(Captures.Load("02-info").StandardOutput, @"^free_memory\s*:\s*(\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
            // 50-shutdown-w: "xl shutdown -w took 3.30s": how long test1 took from the request to being gone.
            var took = Regex.Match(Captures.Load("50-shutdown-w").StandardError, @"took (\d+\.\d+)s");
            _shutdownTakes = TimeSpan.FromSeconds(double.Parse(took.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        /// <summary>Every command received, as one line each (arguments joined by spaces; scripts by name).</summary>
        public List<string> Calls { get; } = new List<string>();

        /// <summary>Commands that had no recording (each also failed its call).</summary>
        public List<string> Unrecorded { get; } = new List<string>();

        public string Description => "replayed captures of a Xen 4.17.7 host";

        /// <summary>Lets time pass on the host: a guest asked to shut down is gone once it has had as long as test1 took.</summary>
        public void Elapse(TimeSpan t)
        {
            lock (_lock)
            {
                if (_guest != Guest.ShuttingDown) return;
                _sinceShutdown += t;
                if (_sinceShutdown >= _shutdownTakes) _guest = Guest.Absent; // on_poweroff = "destroy" in test1.cfg
            }
        }

        public CommandResult Run(IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_lock)
            {
                string shown = Show(arguments);
                Calls.Add(shown);
                return Answer(arguments, standardInput) ?? throw Unrecord(shown, "no capture answers it in state " + _guest);
            }
        }

        public IReadOnlyList<string> TerminalCommand(IReadOnlyList<string> arguments) => arguments.ToList();

        public void Dispose() { }

        // ------------------------------------------------------------------ answers

        /// <summary>
        /// The backend's /etc/xen scripts touch only files, never xl, so they are not replayed: they run for real in this
        /// machine's sh on the scratch directory the conformance suite gives the backend as its config directory.
        /// </summary>
        private static readonly HashSet<string> StoredConfigScripts = new HashSet<string>
        {
            XlBackend.ListConfigsScript, XlBackend.WriteConfigScript, XlBackend.RemoveConfigScript, XlBackend.AutoStartScript,
        };

        private static CommandResult FilesOnThisMachine(IReadOnlyList<string> a, string? stdin)
        {
            if (!a[4].StartsWith(System.IO.Path.GetTempPath().TrimEnd('/') + "/", StringComparison.Ordinal))
                throw new InvalidOperationException($"the replayed backend's config directory must be a scratch directory, not {a[4]}");
            using var local = new LocalCommandRunner();
            return local.Run(a, stdin, TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        private CommandResult? Answer(IReadOnlyList<string> a, string? stdin)
        {
            if (a.Count == 5 && a[0] == "sh" && a[1] == "-c" && a[2] == XlBackend.ListScript && a[3] == "sh" && a[4] == Xl)
                return Listing();
            if (a.Count >= 6 && a[0] == "sh" && a[1] == "-c" && a[2] == XlBackend.CreateScript && a[3] == "sh" && a[4] == Xl)
                return Create(a[5], a.Skip(6).ToList(), stdin ?? "");
            // 8 arguments, or 9/10 with the reboot floor and the host-side wait (a recording answers at once: no wait)
            if (a.Count >= 8 && a.Count <= 10 && a[0] == "sh" && a[1] == "-c" && a[2] == XlConsole.ReadScript && a[3] == "sh" && a[4] == Xl
                && (a.Count < 9 || a[8] == "-1"))
                return ConsoleRead(a[5], a[6], a[7]);
            if (a.Count >= 5 && a[0] == "sh" && a[1] == "-c" && StoredConfigScripts.Contains(a[2]))
                return FilesOnThisMachine(a, stdin);
            if (a.Count >= 8 && a[0] == "sh" && a[1] == "-c" && a[2] == XlBackend.SaveScript && a[3] == "sh" && a[4] == Xl)
                return Save(a[5], a[6], a.Skip(7).ToList());
            if (a.Count >= 6 && a[0] == "sh" && a[1] == "-c" && a[2] == XlBackend.RestoreScript && a[3] == "sh" && a[4] == Xl)
                return Restore(a[5], a.Skip(6).ToList());
            if (a.Count < 2 || a[0] != Xl) return null;

            var settings = Settings(a);
            if (settings != null) return settings;

            bool present = _guest != Guest.Absent;
            bool isGuest = a.Count == 3 && present && (a[2] == _guestId || a[2] == _guestName);
            bool unknown = a.Count == 3 && a[2] == UnknownName;
            bool goneByName = a.Count == 3 && !present && a[2] == _guestName;
            switch (a[1])
            {
                case "info" when a.Count == 2:
                    return Captures.Load(present ? "29-info-with-domu" : "02-info").Result();
                case "list":
                    return null; // the backend lists through ListScript only
                case "shutdown":
                    // There is no capture of a plain `xl shutdown test1` that succeeded: 50-shutdown-w ran `xl shutdown -w
                    // test1`. Without -w xl prints the same first stderr line and returns at once with the same rc 0
                    // (xl_vmcontrol.c main_shutdown); the backend reads only the rc, so 50's recording is replayed.
                    if (isGuest && _guest == Guest.Running)
                    {
                        _guest = Guest.ShuttingDown;
                        _sinceShutdown = TimeSpan.Zero;
                        return Captures.Load("50-shutdown-w").Result();
                    }
                    if (goneByName) return Captures.Load("53-shutdown-gone").Result();
                    if (unknown) return Captures.Load("86-err-shutdown-nodom").Result();
                    return null;
                case "destroy":
                    if (isGuest)
                    {
                        _guest = Guest.Absent;
                        return Captures.Load("58-destroy").Result();
                    }
                    if (goneByName) return Captures.Load("59-destroy-gone").Result();
                    if (unknown) return Captures.Load("87-err-destroy-nodom").Result();
                    return null;
                case "pause":
                    if (isGuest && _guest == Guest.Running)
                    {
                        _guest = Guest.Paused;
                        return Captures.Load("35-pause").Result();
                    }
                    if (unknown) return Captures.Load("88-err-pause-nodom").Result();
                    return null;
                case "unpause":
                    if (isGuest && _guest == Guest.Paused)
                    {
                        _guest = Guest.Running;
                        return Captures.Load("39-unpause").Result();
                    }
                    if (unknown) return Captures.Load("89-err-unpause-nodom").Result();
                    return null;
                case "domname":
                    return isGuest && a[2] == _guestId ? Captures.Load("24-domname").Result() : null;
                case "domid":
                    if (isGuest && a[2] == _guestName) return Captures.Load("23-domid").Result();
                    if (unknown) return Captures.Load("91-err-domid-nodom").Result();
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>ListScript: `xl list`, the marker line, `xl list -l`.</summary>
        private CommandResult Listing()
        {
            string table, json;
            switch (_guest)
            {
                case Guest.Absent:
                    table = Captures.Load("04-list-dom0").StandardOutput;
                    json = Captures.Load("05-list-l-dom0").StandardOutput;
                    break;
                case Guest.Paused:
                    // No full `xl list` was captured while test1 alone was paused; 36-list-paused is `xl list test1` taken
                    // then. xl prints the same header and the same per-domain row format with or without a domain argument
                    // (xl_info.c list_domains), so the listing is 15-list with test1's row replaced by 36's paused row.
                    // The config (xl list -l) does not change with pausing: 16-list-l.
                    string pausedRow = Captures.Load("36-list-paused").StandardOutput.Split('\n')
                        .Single(l => l.StartsWith(_guestName + " ", StringComparison.Ordinal));
                    table = string.Join("\n", Captures.Load("15-list").StandardOutput.Split('\n')
                        .Select(l => l.StartsWith(_guestName + " ", StringComparison.Ordinal) ? pausedRow : l));
                    json = Captures.Load("16-list-l").StandardOutput;
                    break;
                default:
                    // Running, and shutting down: until it has gone the guest is listed as it ran (15-list was taken
                    // while it ran; no listing was captured inside the 3.3 s of its shutdown).
                    table = Captures.Load("15-list").StandardOutput;
                    json = Captures.Load("16-list-l").StandardOutput;
                    break;
            }
            if (_guest != Guest.Absent) (table, json) = Spliced(table, json);
            return new CommandResult(0, table + XlBackend.ListMarker + "\n" + json, "");
        }

        /// <summary>
        /// mem-set, mem-max, vcpu-set and rename of the guest, answered with the lab's recordings: 48-mem-set (test1 to 96m,
        /// rc 0), 47-mem-set-too-big (test1 above its maxmem, rc 1), 72-mem-max (test2 to 200m, rc 0: the same command on
        /// another guest), Xl/Fixtures/set-11 (vcpu-set --ignore-host above maxvcpus, rc 1: the text names that guest's
        /// maximum of 2), set-15 (rename, rc 0), set-18 (mem-set of nosuchdom, rc 1). The backend reads only rc and stderr;
        /// the stdout of those compound captures (a listing) is not what it acts on.
        /// </summary>
        private CommandResult? Settings(IReadOnlyList<string> a)
        {
            if (a.Count < 4 || a[0] != Xl) return null;
            bool present = _guest != Guest.Absent;
            string dom = a[a.Count - 2];
            bool isGuest = present && (dom == _guestId || dom == (_renamed ?? _guestName));
            long current = _memMiB ?? 128, max = _maxMemMiB ?? 128; // test1.cfg: memory = 128, no maxmem (16-list-l: 131072 KiB each)
            long? Mib(string v) => v.EndsWith("m", StringComparison.Ordinal) && long.TryParse(v.Substring(0, v.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
            switch (a[1])
            {
                case "mem-set" when a.Count == 4:
                    if (dom == UnknownName) return Captures.Load("set-18-mem-set-nodom").Result();
                    if (!isGuest || Mib(a[3]) is not long m) return null;
                    if (m > max) return Captures.Load("47-mem-set-too-big").Result();
                    if (m != 96) return null; // the one successful mem-set recorded: 96m (48)
                    _memMiB = m;
                    return Captures.Load("48-mem-set").Result();
                case "mem-max" when a.Count == 4:
                    if (!isGuest || Mib(a[3]) is not long x || x != 200 || x < current) return null; // 72: 200m
                    _maxMemMiB = x;
                    return Captures.Load("72-mem-max").Result();
                case "vcpu-set" when a.Count == 5 && a[2] == "--ignore-host":
                    if (!isGuest || a[4] != "3") return null;
                    return Captures.Load("set-11-vcpu-set-above-max-ignore-host").Result();
                case "rename" when a.Count == 4:
                    dom = a[2];
                    if (!(present && (dom == _guestId || dom == (_renamed ?? _guestName)))) return null;
                    _renamed = a[3];
                    return Captures.Load("set-15-rename").Result();
                default:
                    return null;
            }
        }

        /// <summary>The guest's row and config with the settings changed since it was created (xl's row format: %-40s %5d %5lu ...).</summary>
        private (string table, string json) Spliced(string table, string json)
        {
            if (_memMiB == null && _maxMemMiB == null && _renamed == null) return (table, json);
            string name = _renamed ?? _guestName;
            table = string.Join("\n", table.Split('\n').Select(l =>
            {
                if (!l.StartsWith(_guestName + " ", StringComparison.Ordinal) || l.Length < 52) return l;
                string mem = _memMiB?.ToString(CultureInfo.InvariantCulture) ?? l.Substring(47, 5).Trim();
                return name.PadRight(40) + " " + _guestId.PadLeft(5) + " " + mem.PadLeft(5) + l.Substring(52);
            }));
            int at = json.IndexOf("\"domid\": " + _guestId + ",", StringComparison.Ordinal);
            if (at < 0) return (table, json);
            string head = json.Substring(0, at), tail = json.Substring(at);
            if (_renamed != null) tail = tail.Replace("\"name\": \"" + _guestName + "\"", "\"name\": \"" + _renamed + "\"");
            if (_maxMemMiB is long mx) tail = Regex.Replace(tail, "\"max_memkb\": \\d+", "\"max_memkb\": " + (mx * 1024).ToString(CultureInfo.InvariantCulture));
            if (_memMiB is long mm) tail = Regex.Replace(tail, "\"target_memkb\": \\d+", "\"target_memkb\": " + (mm * 1024).ToString(CultureInfo.InvariantCulture));
            return (table, head + tail);
        }

        /// <summary>CreateScript: prints the console log's size (the new boot's start), then runs `xl create`.</summary>
        private CommandResult? Create(string logPath, List<string> options, string configText)
        {
            var sent = RecordedConfig.Parse(configText);
            bool paused = options.SequenceEqual(new[] { "-p" });
            if (!paused && options.Count != 0) return null;
            if (logPath != "/var/log/xen/console/guest-" + sent.Name + ".log") return null;
            string offset = XlBackend.ConsoleOffsetMarker + " " + (_consoleLog?.Length ?? 0).ToString(CultureInfo.InvariantCulture) + "\n";

            Recording r;
            if (sent.SameAs(_guestConfig))
            {
                if (_guest != Guest.Absent) r = Captures.Load("49-create-dup-name");
                else
                {
                    r = Captures.Load(paused ? "62-create-paused" : "54-create-again");
                    _guest = paused ? Guest.Paused : Guest.Running;
                    _memMiB = _maxMemMiB = null;
                    _renamed = null;
                    // xenconsoled appends each run of a name to guest-<name>.log; by the time the console is read the
                    // guest has booted: 31-console-log is that log after test1's boot.
                    var boot = Encoding.UTF8.GetBytes(Captures.Load("31-console-log").StandardOutput);
                    _consoleLog = (_consoleLog ?? Array.Empty<byte>()).Concat(boot).ToArray();
                }
            }
            else if (sent.SameAs(_tooBigConfig) && sent.MemoryMiB > _freeMemoryMiB && !paused)
                r = Captures.Load("80-err-toomuchmem");
            else
                return null;
            return new CommandResult(r.ExitCode, offset + r.StandardOutput, r.StandardError);
        }

        // Checkpoint files on the fake host (what the save/restore scripts' `test -e` sees), and the folder the captures used.
        private readonly HashSet<string> _files = new HashSet<string>(StringComparer.Ordinal);
        private const string CheckpointFolder = "/var/lib/xenlab/";

        /// <summary>
        /// SaveScript: its own refusals (an existing file without overwrite, a missing folder) as sh would carry them out,
        /// then `xl save`. The captured saves are of other guests: 73-save saved test2 (domid 8, 256 MiB) and ckpt-save-c
        /// (`xl save -c`) saved xps-sav-probe, whose stderr names those domains; the backend reads only the exit code, the
        /// progress lines and the size line the script prints after xl, so they are replayed for test1.
        /// </summary>
        private CommandResult? Save(string file, string overwrite, List<string> rest)
        {
            if (rest.Count == 0) return null;
            if (_files.Contains(file) && overwrite != "1") return new CommandResult(17, "", XlBackend.CheckpointExistsMarker + "\n");
            if (!file.StartsWith(CheckpointFolder, StringComparison.Ordinal) || file.IndexOf('/', CheckpointFolder.Length) >= 0)
                return new CommandResult(2, "", XlBackend.CheckpointNoFolderMarker + "\n");
            string dom = rest[^1];
            var opts = rest.Take(rest.Count - 1).ToList();
            bool isGuest = _guest != Guest.Absent && (dom == _guestId || dom == _guestName);
            if (dom == UnknownName && opts.Count == 0) return Captures.Load("ckpt-save-nodom").Result();
            if (!isGuest || _guest != Guest.Running) return null;
            Recording r;
            if (opts.Count == 0) { r = Captures.Load("73-save"); _guest = Guest.Absent; }
            else if (opts.SequenceEqual(new[] { "-c" })) r = Captures.Load("ckpt-save-c");
            else return null;
            _files.Add(file);
            // 73-save's `ls -la` shows the file's size (134756136); ckpt-save-c's listing 134492588.
            string size = opts.Count == 0 ? "134756136" : "134492588";
            return new CommandResult(r.ExitCode, XlBackend.CheckpointSizeMarker + " " + size + "\n", r.StandardError);
        }

        /// <summary>
        /// RestoreScript: a missing file is the script's own refusal; restoring while the guest runs is ckpt-restore-dupname
        /// (recorded for xps-sav-probe: the text names it). No restore of test1 itself was captured (no listing of it
        /// with a new domid), so a successful restore has no recording.
        /// </summary>
        private CommandResult? Restore(string file, List<string> opts)
        {
            if (opts.Count > 1 || (opts.Count == 1 && opts[0] != "-p")) return null;
            if (!_files.Contains(file)) return new CommandResult(2, "", XlBackend.CheckpointMissingMarker + "\n");
            if (_guest != Guest.Absent && opts.Count == 0) return Captures.Load("ckpt-restore-dupname").Result();
            return null;
        }

        /// <summary>XlConsole.ReadScript: gone marker when `xl domid` fails, else "&lt;size&gt;\n" and the bytes after the offset.</summary>
        private CommandResult? ConsoleRead(string name, string logPath, string offsetText)
        {
            if (name != _guestName || logPath != "/var/log/xen/console/guest-" + name + ".log") return null;
            if (!long.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long off) || off < -1) return null;
            // `xl domid test1` inside the script: 23-domid (rc 0) while it exists; rc 1 once gone, as 91-err-domid-nodom shows
            // for a name that does not exist.
            if (_guest == Guest.Absent) return new CommandResult(0, GoneMarker + "\n", "");
            byte[] log = _consoleLog ?? Array.Empty<byte>();
            long size = log.Length;
            if (off == -1)
            {
                // the script's grep -b -o for the last "Logfile Opened" (then past it); the recorded log (31) has none: 0
                string text = Encoding.UTF8.GetString(log);
                int at = text.LastIndexOf("Logfile Opened\n", StringComparison.Ordinal);
                off = at >= 0 ? Encoding.UTF8.GetByteCount(text.Substring(0, at)) + 15 : 0;
            }
            if (size < off) off = 0;
            string data = size > off ? Encoding.UTF8.GetString(log, (int)off, (int)(size - off)) : "";
            return new CommandResult(0, size.ToString(CultureInfo.InvariantCulture) + " " + off.ToString(CultureInfo.InvariantCulture) + "\n" + data, "");
        }

        // ------------------------------------------------------------------ helpers

        private UnrecordedCommandException Unrecord(string shown, string why)
        {
            Unrecorded.Add(shown);
            return new UnrecordedCommandException($"The fake xl host has no recording for `{shown}` ({why}). " +
                "Either the backend sends a command the captures never showed, or a capture is missing: see Conformance/Captures/README.md.");
        }

        private static string Show(IReadOnlyList<string> a)
        {
            string Name(string s) =>
                s == XlBackend.ListScript ? "<ListScript>"
                : s == XlBackend.CreateScript ? "<CreateScript>"
                : s == XlConsole.ReadScript ? "<ReadScript>"
                : s == XlConsole.WriteScript ? "<WriteScript>"
                : s == XlBackend.SaveScript ? "<SaveScript>"
                : s == XlBackend.RestoreScript ? "<RestoreScript>"
                : s.Contains('\n') || s.Contains(' ') ? "'" + s.Replace("\n", "\\n") + "'" : s;
            return string.Join(" ", a.Select(Name));
        }

        /// <summary>The few values of an xl config that decide which recording answers a create.</summary>
        private sealed class RecordedConfig
        {
            public string? Name;
            public long MemoryMiB = 32;   // xl's defaults
            public long VCpus = 1;
            public string? Kernel;
            public string? Ramdisk;

            public static RecordedConfig Parse(string text)
            {
                string? Str(string key) => Regex.Match(text, @"^\s*" + key + @"\s*=\s*""([^""]*)""", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : null;
                long? Num(string key) => Regex.Match(text, @"^\s*" + key + @"\s*=\s*(\d+)", RegexOptions.Multiline) is { Success: true } m
                    ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                var c = new RecordedConfig { Name = Str("name"), Kernel = Str("kernel"), Ramdisk = Str("ramdisk") };
                c.MemoryMiB = Num("memory") ?? c.MemoryMiB;
                c.VCpus = Num("vcpus") ?? c.VCpus;
                return c;
            }

            public bool SameAs(RecordedConfig o) =>
                Name == o.Name && MemoryMiB == o.MemoryMiB && VCpus == o.VCpus && Kernel == o.Kernel && Ramdisk == o.Ramdisk;
        }
    }
}
