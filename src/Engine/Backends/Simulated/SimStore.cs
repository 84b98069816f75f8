using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>Facts about a simulated host fixed when its state folder is first created (host.json).</summary>
    internal sealed class SimHostFacts
    {
        public string Name = "";
        public long TotalMemoryMiB;
        public int CpuCount;
        public long Dom0MemoryMiB;
        public long CreatedMs;

        public void WriteFields(Utf8JsonWriter w)
        {
            w.WriteString("name", Name);
            w.WriteNumber("totalMemoryMiB", TotalMemoryMiB);
            w.WriteNumber("cpuCount", CpuCount);
            w.WriteNumber("dom0MemoryMiB", Dom0MemoryMiB);
            w.WriteNumber("createdMs", CreatedMs);
        }

        public static SimHostFacts Read(JsonElement e)
        {
            var f = new SimHostFacts
            {
                Name = SimJson.Str(e, "name"),
                TotalMemoryMiB = SimJson.Long(e, "totalMemoryMiB"),
                CpuCount = SimJson.Int(e, "cpuCount"),
                Dom0MemoryMiB = SimJson.Long(e, "dom0MemoryMiB"),
                CreatedMs = SimJson.Long(e, "createdMs"),
            };
            if (f.TotalMemoryMiB <= 0 || f.CpuCount <= 0 || f.Dom0MemoryMiB <= 0 || f.Dom0MemoryMiB > f.TotalMemoryMiB)
                throw new SimFormatException("the host facts are out of range (memory and CPU count must be positive, Domain-0's memory at most the total)");
            return f;
        }

        public override string ToString() =>
            $"name '{Name}', {TotalMemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB, {CpuCount.ToString(CultureInfo.InvariantCulture)} CPUs, " +
            $"Domain-0 {Dom0MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB";
    }

    /// <summary>One decoded journal line: a header, or a change (put / del / next).</summary>
    internal struct SimEntry
    {
        public bool IsHeader;
        public long Seq;
        public bool More;
        public SimDomain? Put;
        public int? Del;
        public int? Next;
        // header
        public long Gen;
        public long After;
        public int HeaderNext;
        public SimHostFacts? Host;
    }

    /// <summary>The first line of snapshot.jsonl.</summary>
    internal sealed class SimSnapshotHeader
    {
        public long Gen;
        public long Seq;
        public int Next;
        public int Count;
        public List<int> Ended = new List<int>();
        public SimHostFacts? Host;
    }

    /// <summary>
    /// The persisted state of one simulated host and its in-process cache.
    ///
    /// On disk (one folder per host), format 2. Every line of host.json, snapshot.jsonl and journal-G.log is one JSON
    /// object framed with a checksum: {"c":"CRC32","r":RECORD}, CRC32 being the IEEE CRC-32 (8 lowercase hex digits) of the
    /// exact bytes of RECORD (see <see cref="SimLine"/>), so every record is verified before it is used.
    ///   host.json         {"format":2,"xenVersion":..,"name":..,"totalMemoryMiB":..,"cpuCount":..,"dom0MemoryMiB":..,"createdMs":..}
    ///                     written atomically when the folder is created (after journal-0.log, so a host.json always has a journal)
    ///   .lock             lock file: held (FileShare.None = flock on Unix) around every read-modify-write
    ///   snapshot.jsonl    line 1 {"snapshot":2,"gen":G,"seq":S,"next":N,"count":K,"ended":[domids],"host":{facts}}, then K lines
    ///                     of one domain each; replaced atomically (temp + fsync + rename). Absent until the first compaction.
    ///   journal-G.log     the changes after the snapshot of generation G (G = 0: no snapshot). Line 1 is the header
    ///                     {"journal":2,"gen":G,"after":S,"next":N,"host":{facts}} (S = the snapshot's seq), then one change a line:
    ///                     {"s":seq,"put":{domain}} (insert/replace by domid), {"s":seq,"del":domid}, {"s":seq,"next":N} (a domid
    ///                     used up without a domain). seq counts up by exactly one. The lines one operation writes together
    ///                     carry "more":true except the last, and are applied all or not at all.
    ///   console/DOMID.log the console output of one boot (a restart gets a new domid, and so a new log); a log is kept while
    ///                     its domain exists and for the last <see cref="KeptEndedLogs"/> ended boots ("ended"), then deleted.
    /// A domain's config is stored in a flat encoding whose JSON depth does not depend on the config's nesting (see
    /// <see cref="SimDomain.ConfigToJson"/>), and every line is decoded back, the way a reader will, before it is written.
    ///
    /// Readers keep the state in memory and, under the lock, only stat snapshot.jsonl (length + mtime) and read the journal
    /// bytes past what they already applied. Damage is told from crashes:
    ///   - an incomplete last line or last group ("more" without its end) is what a writer killed mid-write leaves: it is
    ///     cut off (the operation never returned) and reported through <see cref="Warnings"/>;
    ///   - anything else (a bad checksum, a line that does not decode, a gap in seq, a truncated snapshot, a journal that does
    ///     not follow the snapshot, a missing snapshot, journal or host.json) is damage: <see cref="XenStateDamagedException"/>
    ///     says what and where, nothing is changed, and Repair (SimRepair.cs) keeps every intact record and backs up the rest.
    /// Compaction (when the journal outgrows the state): write journal-(G+1).log with only its header, write snapshot.jsonl
    /// of generation G+1, delete journal-G.log. A crash between the steps leaves a header-only newer journal or an older
    /// journal, and the next reader removes it. Temp files (NAME.PID.RANDOM.tmp) are only written under the lock, so any
    /// found under the lock are left by a killed process and removed.
    ///
    /// Format 1 (XenPS before checksums: snapshot.json as one JSON document, unframed journal lines, console/guest-NAME.log)
    /// is read (with a JSON depth limit that covers anything its writer could write) and migrated to format 2 on first open.
    ///
    /// Not thread-safe by itself: the backend serialises access.
    /// </summary>
    internal sealed partial class SimStore
    {
        public const int Format = 2;
        /// <summary>Console logs of this many ended boots are kept (for a console still reading them); older ones are deleted.</summary>
        public const int KeptEndedLogs = 64;
        internal const string HostFileName = "host.json";
        internal const string SnapshotFileName = "snapshot.jsonl";
        internal const string OldSnapshotFileName = "snapshot.json";
        private static readonly JsonDocumentOptions Format1Json = new JsonDocumentOptions { MaxDepth = 1024 };
        private static readonly Regex JournalName = new Regex(@"^journal-(\d{1,18})\.log$", RegexOptions.CultureInvariant);
        private static readonly Regex TempName = new Regex(@"^(host\.json|snapshot\.jsonl?)\.\d+\.[0-9a-f]{8}\.tmp$", RegexOptions.CultureInvariant);
        private static readonly Regex BootLogName = new Regex(@"^(\d{1,10})\.log$", RegexOptions.CultureInvariant);

        private enum LineKind { Change, JournalHeader, SnapshotHeader, Domain, Host }

        private readonly string _folder;
        private readonly string _snapshotPath;
        private readonly string _lockPath;
        private readonly TimeSpan _lockTimeout;
        private readonly int _compactAfter;

        /// <summary>The host facts (valid after LoadOrCreateHost).</summary>
        public SimHostFacts Host { get; private set; } = null!;
        private int _hostFormat;

        // ---- state (valid when _loaded) ----
        public readonly SortedDictionary<int, SimDomain> Domains = new SortedDictionary<int, SimDomain>();
        private readonly Dictionary<string, int> _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _byUuid = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        private readonly Queue<int> _ended = new Queue<int>();
        public int NextDomid = 1;
        public long MemorySum;
        /// <summary>Earliest wall time (ms) a domain may need a lifecycle transition; conservative (may be early).</summary>
        public long NextEventMs = long.MaxValue;
        private long _seq;
        private long _gen;

        // ---- cache bookkeeping ----
        private bool _loaded;
        private (long len, long ticks) _snapStamp;
        private long _journalOffset;
        private long _journalLines;

        // ---- pending writes of the current operation ----
        private readonly List<(Action<Utf8JsonWriter> body, SimDomain? domain)> _pending = new List<(Action<Utf8JsonWriter>, SimDomain?)>();
        private readonly List<int> _pendingLogDeletes = new List<int>();
        private readonly ArrayBufferWriter<byte> _lines = new ArrayBufferWriter<byte>(4096);
        private readonly ArrayBufferWriter<byte> _record = new ArrayBufferWriter<byte>(1024);
        private Utf8JsonWriter? _writer;
        private bool _consoleFolderMade;

        /// <summary>
        /// Test hook (null in normal use): called at the moments a crash is most harmful - "commit-torn" (half of a
        /// journal group written), "compact-header" (next journal written, no snapshot yet), "compact-tmp" (snapshot temp
        /// file written, not renamed) and "compact-renamed" (snapshot in place, old journal not deleted). The
        /// multi-process tests kill the process there.
        /// </summary>
        internal static Action<string>? TestCrashPoint;

        /// <summary>What the store noticed and handled (a torn last line dropped, leftovers removed, a migration); drained by the backend.</summary>
        public readonly List<string> Warnings = new List<string>();

        public SimStore(string folder, TimeSpan lockTimeout, int compactAfter)
        {
            _compactAfter = compactAfter;
            _folder = folder;
            _snapshotPath = Path.Combine(folder, SnapshotFileName);
            _lockPath = Path.Combine(folder, ".lock");
            _lockTimeout = lockTimeout;
        }

        public string Folder => _folder;
        public string ConsoleFolder => Path.Combine(_folder, "console");
        private string HostPath => Path.Combine(_folder, HostFileName);
        private string OldSnapshotPath => Path.Combine(_folder, OldSnapshotFileName);
        private string JournalPath => JournalPathFor(_gen);
        private string JournalPathFor(long gen) => Path.Combine(_folder, "journal-" + gen.ToString(CultureInfo.InvariantCulture) + ".log");
        /// <summary>Domids of the last ended boots, oldest first (their console logs are still kept).</summary>
        public IReadOnlyCollection<int> Ended => _ended;

        /// <summary>At most this many notes are kept for <see cref="Warnings"/> (the oldest are dropped).</summary>
        public const int MaxWarnings = 100;

        private void Note(string message)
        {
            if (Warnings.Count >= MaxWarnings) Warnings.RemoveAt(0);
            Warnings.Add("Simulated host state in '" + _folder + "': " + message);
        }

        // =========================== lock ===========================

        /// <summary>Takes the folder lock: retries with backoff, honours the token, gives up after the timeout.</summary>
        public IDisposable AcquireLock(CancellationToken ct)
        {
            var sw = Stopwatch.StartNew();
            int delay = 1;
            var rnd = new Random();
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                }
                catch (DirectoryNotFoundException)
                {
                    Directory.CreateDirectory(_folder);
                    continue;
                }
                catch (IOException)
                {
                    // held by another process or instance
                }
                if (sw.Elapsed >= _lockTimeout)
                    throw new XenTimeoutException($"Timed out after {_lockTimeout.TotalSeconds:0.#} s waiting for the lock of the simulated host state '{_folder}' (file '{_lockPath}' is held by another process).");
                int ms = delay + rnd.Next(delay + 1);
                if (ct.WaitHandle.WaitOne(ms)) ct.ThrowIfCancellationRequested();
                delay = Math.Min(delay * 2, 2); // short waits: the lock is held for well under a millisecond
            }
        }

        // =========================== damage ===========================

        private XenStateDamagedException Damaged(string path, long line, string what)
        {
            string where = Path.GetFileName(path) + (line > 0 ? ":" + line.ToString(CultureInfo.InvariantCulture) : "");
            var ex = new XenStateDamagedException(
                $"The simulated host state in '{_folder}' is damaged: {where}: {what}. Nothing was changed. " +
                "To keep every intact record and move the damaged files to a backup folder, repair it: " +
                "Connect-XenHost <uri> -Option @{ Repair = $true } (see 'Simulated host state and recovery' in about_XenPS).",
                _folder, path, line);
            ex.Data["XenPS.Damage"] = where + ": " + what;
            return ex;
        }

        // =========================== host facts ===========================

        /// <summary>
        /// Reads host.json, or creates the host (journal-0.log, then host.json) when the folder holds no state. A missing
        /// host.json beside domain state is damage. With <paramref name="create"/> false, a folder without state gives null.
        /// </summary>
        public SimHostFacts? LoadOrCreateHost(string name, SimHostOptions options, long nowMs, bool create, CancellationToken ct)
        {
            string path = HostPath;
            if (File.Exists(path))
            {
                (Host, _hostFormat) = ReadHostFile(path);
                return Host;
            }
            string? state = DescribeState(ct);
            if (state != null)
                throw Damaged(path, 0, $"it is missing, but the folder holds domain state ({state}), so the host's memory and CPU count are not known");
            if (!create) return null;
            if (options.TotalMemoryMiB <= 0 || options.CpuCount <= 0 || options.Dom0MemoryMiB <= 0 || options.Dom0MemoryMiB > options.TotalMemoryMiB)
                throw new XenPSException("Invalid simulated host options: TotalMemoryMiB, CpuCount and Dom0MemoryMiB must be positive and Dom0MemoryMiB at most TotalMemoryMiB.");
            Host = new SimHostFacts
            {
                Name = name,
                TotalMemoryMiB = options.TotalMemoryMiB,
                CpuCount = options.CpuCount,
                Dom0MemoryMiB = options.Dom0MemoryMiB,
                CreatedMs = nowMs,
            };
            Directory.CreateDirectory(_folder);
            WriteJournalStart(JournalPathFor(0), 0, 0, 1);
            WriteHostFile(ct);
            return Host;
        }

        private (SimHostFacts facts, int format) ReadHostFile(string path)
        {
            byte[] bytes = File.ReadAllBytes(path);
            try
            {
                if (SimLine.IsFramed(bytes))
                {
                    int nl = Array.IndexOf(bytes, (byte)'\n');
                    if (nl < 0) throw new SimFormatException("the file is cut short (its line has no end)");
                    if (nl != bytes.Length - 1) throw new SimFormatException("there is more in the file after its record");
                    var (s, n) = SimLine.Open(bytes.AsSpan(0, nl));
                    using var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, s, n));
                    return (SimHostFacts.Read(doc.RootElement), CheckFormat(SimJson.Int(doc.RootElement, "format"), 2));
                }
                using (var doc = JsonDocument.Parse(bytes))
                    return (SimHostFacts.Read(doc.RootElement), CheckFormat(SimJson.Int(doc.RootElement, "format"), 1));
            }
            catch (JsonException ex)
            {
                throw Damaged(path, 1, "it is not valid JSON (" + ex.Message + ")");
            }
            catch (SimFormatException ex)
            {
                throw Damaged(path, 1, ex.Message);
            }
        }

        private int CheckFormat(int format, int expected)
        {
            if (format > Format)
                throw new XenPSException($"The simulated host state in '{_folder}' was written by a newer XenPS (state format {format.ToString(CultureInfo.InvariantCulture)}); this version reads formats 1 and {Format.ToString(CultureInfo.InvariantCulture)}.");
            if (format != expected) throw new SimFormatException($"it says format {format.ToString(CultureInfo.InvariantCulture)}, but is written in format {expected.ToString(CultureInfo.InvariantCulture)}");
            return format;
        }

        private void WriteHostFile(CancellationToken ct)
        {
            _lines.Clear();
            AppendRecord(_lines, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("format", Format);
                w.WriteString("xenVersion", SimulatedXenBackend.XenVersion);
                Host.WriteFields(w);
                w.WriteEndObject();
            }, LineKind.Host);
            byte[] bytes = _lines.WrittenSpan.ToArray();
            WriteAtomic(HostPath, fs => fs.Write(bytes, 0, bytes.Length), ct);
            _hostFormat = Format;
        }

        /// <summary>A short description of the domain state files in the folder, or null when there is none.</summary>
        private string? DescribeState(CancellationToken ct)
        {
            if (File.Exists(_snapshotPath)) return SnapshotFileName;
            if (File.Exists(OldSnapshotPath)) return OldSnapshotFileName;
            foreach (var p in ListJournals().Values)
                if (HoldsChanges(p, ct)) return Path.GetFileName(p);
            return null;
        }

        // =========================== sync ===========================

        /// <summary>Brings the in-memory state up to date with the files. Call with the lock held.</summary>
        public void Sync(CancellationToken ct)
        {
            try
            {
                if (_loaded && SnapshotStamp() == _snapStamp && ReadJournal(ct)) return;
                FullLoad(ct);
            }
            catch
            {
                Invalidate();
                throw;
            }
        }

        /// <summary>Forgets the cache (after a failed operation the memory may be ahead of the disk).</summary>
        public void Invalidate()
        {
            _loaded = false;
            _pending.Clear();
            _pendingLogDeletes.Clear();
        }

        private (long, long) SnapshotStamp()
        {
            var fi = new FileInfo(_snapshotPath);
            return fi.Exists ? (fi.Length, fi.LastWriteTimeUtc.Ticks) : (0L, 0L);
        }

        private void Clear()
        {
            Domains.Clear();
            _byName.Clear();
            _byUuid.Clear();
            _ended.Clear();
            NextDomid = 1;
            MemorySum = 0;
            NextEventMs = long.MaxValue;
            _seq = 0;
            _gen = 0;
            _journalOffset = 0;
            _journalLines = 0;
        }

        private SortedDictionary<long, string> ListJournals()
        {
            var list = new SortedDictionary<long, string>();
            if (!Directory.Exists(_folder)) return list;
            foreach (var f in Directory.EnumerateFiles(_folder, "journal-*.log"))
            {
                var m = JournalName.Match(Path.GetFileName(f));
                if (m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long g)) list[g] = f;
            }
            return list;
        }

        private void FullLoad(CancellationToken ct)
        {
            _loaded = false;
            Clear();
            ct.ThrowIfCancellationRequested();
            var journals = ListJournals();
            bool snap = File.Exists(_snapshotPath);
            if (!snap && (_hostFormat == 1 || File.Exists(OldSnapshotPath)))
            {
                LoadFormat1(journals, ct);
                Migrate(journals, ct);
                _loaded = true;
                return;
            }
            if (snap) LoadSnapshot(ct);
            foreach (var kv in journals)
            {
                if (kv.Key <= _gen || !HoldsChanges(kv.Value, ct)) continue;
                string g = kv.Key.ToString(CultureInfo.InvariantCulture);
                if (!snap)
                    throw Damaged(_snapshotPath, 0, $"it is missing, but journal-{g}.log follows the snapshot of generation {g}: the domains recorded in that snapshot are lost");
                throw Damaged(kv.Value, 0, $"it follows the snapshot of generation {g}, but {SnapshotFileName} is generation {_gen.ToString(CultureInfo.InvariantCulture)}: the snapshot is older than the journal (was it replaced or restored from a backup?)");
            }
            if (!journals.ContainsKey(_gen))
            {
                if (!snap && journals.Count > 0)
                {
                    long g = 0;
                    foreach (var k in journals.Keys) g = k;
                    throw Damaged(_snapshotPath, 0, $"it is missing, but journal-{g.ToString(CultureInfo.InvariantCulture)}.log follows the snapshot of generation {g.ToString(CultureInfo.InvariantCulture)}: the domains recorded in that snapshot are lost");
                }
                throw Damaged(JournalPath, 0, snap
                    ? $"it is missing: the changes made after the snapshot of generation {_gen.ToString(CultureInfo.InvariantCulture)} are lost"
                    : "it is missing: the domains of this host are lost");
            }
            if (!ReadJournal(ct)) throw Damaged(JournalPath, 0, "it changed while it was being read");
            // leftovers of an interrupted compaction or migration (nothing in them is lost: see above)
            foreach (var kv in journals)
            {
                if (kv.Key == _gen) continue;
                TryDelete(kv.Value);
                Note($"removed {Path.GetFileName(kv.Value)}, left over by an interrupted compaction (" +
                    (kv.Key < _gen ? $"its changes are in {SnapshotFileName})" : "it held no changes)"));
            }
            if (snap && File.Exists(OldSnapshotPath))
            {
                TryDelete(OldSnapshotPath);
                Note($"removed {OldSnapshotFileName}, left over by the migration to format 2 (its domains are in {SnapshotFileName})");
            }
            if (_hostFormat != Format) WriteHostFile(ct); // a migration interrupted before its last step
            RemoveStaleTempFiles(); // only now: damaged state is refused with nothing changed
            _snapStamp = SnapshotStamp();
            _loaded = true;
        }

        private byte[] ReadAll(string path, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            long len = fs.Length;
            if (len > int.MaxValue) throw Damaged(path, 0, "it is larger than 2 GiB");
            var buf = new byte[len];
            int read = 0;
            while (read < buf.Length)
            {
                ct.ThrowIfCancellationRequested();
                int k = fs.Read(buf, read, buf.Length - read);
                if (k <= 0) break;
                read += k;
            }
            if (read < buf.Length) Array.Resize(ref buf, read);
            return buf;
        }

        /// <summary>True when a journal holds at least one complete line that is not a format-2 header.</summary>
        private bool HoldsChanges(string path, CancellationToken ct)
        {
            byte[] bytes;
            try { bytes = ReadAll(path, ct); }
            catch (FileNotFoundException) { return false; }
            int nl = Array.IndexOf(bytes, (byte)'\n');
            if (nl < 0) return false;
            if (!IsJournalHeader(new ReadOnlyMemory<byte>(bytes, 0, nl))) return true;
            return Array.IndexOf(bytes, (byte)'\n', nl + 1) >= 0;
        }

        private static bool IsJournalHeader(ReadOnlyMemory<byte> line)
        {
            try
            {
                var (s, n) = SimLine.Open(line.Span);
                using var doc = JsonDocument.Parse(line.Slice(s, n));
                return DecodeEntry(doc.RootElement, 2).IsHeader;
            }
            catch (SimFormatException) { return false; }
            catch (JsonException) { return false; }
        }

        private void LoadSnapshot(CancellationToken ct)
        {
            string path = _snapshotPath;
            byte[] bytes = ReadAll(path, ct);
            int pos = 0;
            long lineNo = 0;
            int records = 0;
            SimSnapshotHeader? header = null;
            while (pos < bytes.Length)
            {
                int nl = Array.IndexOf(bytes, (byte)'\n', pos);
                if (nl < 0)
                    throw Damaged(path, lineNo + 1, "the file ends in the middle of a line: it is truncated (a snapshot is written whole and renamed into place, so this is not what a crash leaves)");
                lineNo++;
                var line = new ReadOnlyMemory<byte>(bytes, pos, nl - pos);
                if (header == null)
                {
                    header = Decode(path, lineNo, line, r => DecodeSnapshotHeader(r));
                    _gen = header.Gen;
                    _seq = header.Seq;
                    NextDomid = Math.Max(1, header.Next);
                }
                else
                {
                    if (records == header.Count) throw Damaged(path, lineNo, $"there is more after the {header.Count.ToString(CultureInfo.InvariantCulture)} domains the header announces");
                    var d = Decode(path, lineNo, line, r => SimDomain.Read(r, 2));
                    if (Domains.ContainsKey(d.Id)) throw Damaged(path, lineNo, $"domid {d.Id.ToString(CultureInfo.InvariantCulture)} appears twice");
                    ApplyPut(d);
                    records++;
                }
                pos = nl + 1;
                if ((lineNo & 1023) == 0) ct.ThrowIfCancellationRequested();
            }
            if (header == null) throw Damaged(path, 0, "the file is empty");
            if (records != header.Count)
                throw Damaged(path, 0, $"it holds {records.ToString(CultureInfo.InvariantCulture)} of the {header.Count.ToString(CultureInfo.InvariantCulture)} domains its header announces: it is truncated or lines were removed");
            foreach (int id in header.Ended) _ended.Enqueue(id);
        }

        /// <summary>Decodes one framed line; any problem becomes damage at that file and line.</summary>
        private T Decode<T>(string path, long lineNo, ReadOnlyMemory<byte> line, Func<JsonElement, T> decode)
        {
            try
            {
                var (s, n) = SimLine.Open(line.Span);
                using var doc = JsonDocument.Parse(line.Slice(s, n));
                return decode(doc.RootElement);
            }
            catch (SimFormatException ex) { throw Damaged(path, lineNo, ex.Message); }
            catch (JsonException ex) { throw Damaged(path, lineNo, "the record is not valid JSON (" + ex.Message + ")"); }
        }

        private static SimSnapshotHeader DecodeSnapshotHeader(JsonElement r)
        {
            if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("snapshot", out var f)) throw new SimFormatException("the first line is not a snapshot header");
            if (SimJson.AsInt(f, "snapshot") != 2) throw new SimFormatException("the snapshot header names an unknown format");
            var h = new SimSnapshotHeader
            {
                Gen = SimJson.Long(r, "gen"),
                Seq = SimJson.Long(r, "seq"),
                Next = SimJson.Int(r, "next"),
                Count = SimJson.Int(r, "count"),
                Host = SimHostFacts.Read(SimJson.Req(r, "host")),
            };
            if (h.Gen < 1 || h.Seq < 0 || h.Count < 0) throw new SimFormatException("the snapshot header's gen, seq or count is out of range");
            var ended = SimJson.Req(r, "ended");
            if (ended.ValueKind != JsonValueKind.Array) throw new SimFormatException("the snapshot header's \"ended\" is not a list");
            foreach (var e in ended.EnumerateArray()) h.Ended.Add(SimJson.AsInt(e, "ended"));
            return h;
        }

        internal static SimEntry DecodeEntry(JsonElement r, int format)
        {
            if (r.ValueKind != JsonValueKind.Object) throw new SimFormatException("the line is not a JSON object");
            var e = new SimEntry();
            if (format >= 2 && r.TryGetProperty("journal", out var j))
            {
                if (SimJson.AsInt(j, "journal") != 2) throw new SimFormatException("the journal header names an unknown format");
                e.IsHeader = true;
                e.Gen = SimJson.Long(r, "gen");
                e.After = SimJson.Long(r, "after");
                e.HeaderNext = SimJson.Int(r, "next");
                e.Host = SimHostFacts.Read(SimJson.Req(r, "host"));
                return e;
            }
            e.Seq = SimJson.Long(r, "s");
            if (e.Seq < 1) throw new SimFormatException("the change number \"s\" is not positive");
            if (r.TryGetProperty("more", out var m)) e.More = SimJson.Bool(m, "more");
            int kinds = 0;
            if (r.TryGetProperty("put", out var put)) { e.Put = SimDomain.Read(put, format); kinds++; }
            if (r.TryGetProperty("del", out var del)) { e.Del = SimJson.AsInt(del, "del"); kinds++; }
            if (r.TryGetProperty("next", out var next)) { e.Next = SimJson.AsInt(next, "next"); kinds++; }
            if (kinds != 1) throw new SimFormatException(kinds == 0 ? "the change has none of \"put\", \"del\" and \"next\"" : "the change has more than one of \"put\", \"del\" and \"next\"");
            return e;
        }

        private void Apply(in SimEntry e, bool local)
        {
            if (e.Put != null) ApplyPut(e.Put);
            else if (e.Del is int id) ApplyDel(id, local);
            else if (e.Next is int n) NextDomid = Math.Max(NextDomid, n);
        }

        /// <summary>Applies complete journal groups past the cached offset; false when the file is missing or shorter than expected.</summary>
        private bool ReadJournal(CancellationToken ct)
        {
            string path = JournalPath;
            FileStream fs;
            try
            {
                fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException) { return false; }
            catch (DirectoryNotFoundException) { return false; }
            byte[] buf;
            int read = 0;
            using (fs)
            {
                long len = fs.Length;
                if (len < _journalOffset) return false;
                if (len == _journalOffset) return _journalLines > 0 || RestartJournal(path);
                if (len - _journalOffset > int.MaxValue) throw Damaged(path, 0, "it is larger than 2 GiB");
                fs.Seek(_journalOffset, SeekOrigin.Begin);
                buf = new byte[len - _journalOffset];
                while (read < buf.Length)
                {
                    ct.ThrowIfCancellationRequested();
                    int k = fs.Read(buf, read, buf.Length - read);
                    if (k <= 0) break;
                    read += k;
                }
            }
            int applied = 0;       // bytes of buf applied (complete groups)
            int pos = 0;
            long lineNo = _journalLines;
            var group = new List<SimEntry>();
            while (pos < read)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', pos, read - pos);
                if (nl < 0) break;
                lineNo++;
                var e = Decode(path, lineNo, new ReadOnlyMemory<byte>(buf, pos, nl - pos), r => DecodeEntry(r, 2));
                if (lineNo == 1)
                {
                    if (!e.IsHeader) throw Damaged(path, 1, "the first line is not a journal header");
                    if (e.Gen != _gen) throw Damaged(path, 1, $"its header says generation {e.Gen.ToString(CultureInfo.InvariantCulture)}");
                    if (e.After != _seq)
                        throw Damaged(path, 1, $"it follows change {e.After.ToString(CultureInfo.InvariantCulture)}, but " +
                            (_gen == 0 ? "there is no snapshot" : $"{SnapshotFileName} holds the changes up to {_seq.ToString(CultureInfo.InvariantCulture)}") +
                            ": the journal and the snapshot do not belong together");
                    NextDomid = Math.Max(NextDomid, e.HeaderNext);
                    applied = nl + 1;
                    _journalLines = 1;
                }
                else
                {
                    if (e.IsHeader) throw Damaged(path, lineNo, "a journal header in the middle of the journal");
                    long expect = _seq + group.Count + 1;
                    if (e.Seq != expect)
                        throw Damaged(path, lineNo, $"it is change {e.Seq.ToString(CultureInfo.InvariantCulture)} where {expect.ToString(CultureInfo.InvariantCulture)} was expected: a line is missing, repeated or out of order");
                    group.Add(e);
                    if (!e.More)
                    {
                        foreach (var g in group) Apply(g, local: false);
                        _seq += group.Count;
                        group.Clear();
                        applied = nl + 1;
                        _journalLines = lineNo;
                    }
                }
                pos = nl + 1;
                if ((lineNo & 1023) == 0) ct.ThrowIfCancellationRequested();
            }
            _journalOffset += applied;
            if (applied < read) DropTornTail(path, read - applied, group.Count);
            return _journalLines > 0 || RestartJournal(path);
        }

        /// <summary>
        /// Cuts what a killed writer left after the last complete group (we hold the lock, so nobody is writing it).
        /// Its operation never returned, so that change never happened.
        /// </summary>
        private void DropTornTail(string path, int bytes, int completeLines)
        {
            string what = completeLines > 0
                ? $"an incomplete last change ({completeLines.ToString(CultureInfo.InvariantCulture)} of its lines, {bytes.ToString(CultureInfo.InvariantCulture)} bytes)"
                : $"an incomplete last line ({bytes.ToString(CultureInfo.InvariantCulture)} bytes)";
            try
            {
                using var w = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                if (w.Length > _journalOffset) w.SetLength(_journalOffset);
                Note($"{Path.GetFileName(path)}:{(_journalLines + 1).ToString(CultureInfo.InvariantCulture)}: dropped {what}, left by a process that was killed while writing it (that operation did not happen)");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Note($"{Path.GetFileName(path)}:{(_journalLines + 1).ToString(CultureInfo.InvariantCulture)}: ignored {what}, left by a process that was killed while writing it; it could not be cut off yet ({ex.Message})");
            }
        }

        /// <summary>The journal holds nothing (its header was torn by a crash): write the header again.</summary>
        private bool RestartJournal(string path)
        {
            WriteJournalStart(path, _gen, _seq, NextDomid);
            _journalOffset = new FileInfo(path).Length;
            _journalLines = 1;
            return true;
        }

        // =========================== format 1 ===========================

        private void LoadFormat1(SortedDictionary<long, string> journals, CancellationToken ct)
        {
            string old = OldSnapshotPath;
            if (File.Exists(old))
            {
                byte[] bytes = ReadAll(old, ct);
                try
                {
                    using var doc = JsonDocument.Parse(bytes, Format1Json);
                    var r = doc.RootElement;
                    _gen = SimJson.Long(r, "gen");
                    _seq = SimJson.Long(r, "seq");
                    NextDomid = Math.Max(1, SimJson.Int(r, "next"));
                    var domains = SimJson.Req(r, "domains");
                    if (domains.ValueKind != JsonValueKind.Array) throw new SimFormatException("\"domains\" is not a list");
                    int i = 0;
                    foreach (var e in domains.EnumerateArray())
                    {
                        i++;
                        if ((i & 1023) == 0) ct.ThrowIfCancellationRequested();
                        try { ApplyPut(SimDomain.Read(e, 1)); }
                        catch (SimFormatException ex) { throw new SimFormatException($"domain #{i.ToString(CultureInfo.InvariantCulture)}: {ex.Message}"); }
                    }
                }
                catch (JsonException ex) { throw Damaged(old, 0, "it is not valid JSON (" + ex.Message + ")"); }
                catch (SimFormatException ex) { throw Damaged(old, 0, ex.Message); }
            }
            if (!journals.TryGetValue(_gen, out var path)) return;
            byte[] buf = ReadAll(path, ct);
            int pos = 0;
            long lineNo = 0;
            while (pos < buf.Length)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', pos);
                if (nl < 0)
                {
                    Note($"{Path.GetFileName(path)}:{(lineNo + 1).ToString(CultureInfo.InvariantCulture)}: dropped an incomplete last line ({(buf.Length - pos).ToString(CultureInfo.InvariantCulture)} bytes), left by a process that was killed while writing it (that operation did not happen)");
                    break;
                }
                lineNo++;
                if (nl > pos)
                {
                    SimEntry e;
                    try
                    {
                        using var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(buf, pos, nl - pos), Format1Json);
                        e = DecodeEntry(doc.RootElement, 1);
                    }
                    catch (JsonException ex) { throw Damaged(path, lineNo, "the line is not valid JSON (" + ex.Message + ")"); }
                    catch (SimFormatException ex) { throw Damaged(path, lineNo, ex.Message); }
                    if (e.Seq > _seq)
                    {
                        _seq = e.Seq;
                        Apply(e, local: false);
                    }
                }
                pos = nl + 1;
                if ((lineNo & 1023) == 0) ct.ThrowIfCancellationRequested();
            }
        }

        /// <summary>Rewrites a format-1 folder (just loaded) in format 2, then removes the format-1 files.</summary>
        private void Migrate(SortedDictionary<long, string> journals, CancellationToken ct)
        {
            // console logs are per boot now: the running domains' boot logs are written again into their new logs
            foreach (var d in new List<SimDomain>(Domains.Values))
            {
                if (d.ConsoleLines == 0) continue;
                var nd = d.Copy();
                nd.ConsoleLines = 0;
                ApplyPut(nd);
            }
            CompactCore(ct);
            foreach (var p in journals.Values)
                if (p != JournalPath) TryDelete(p);
            TryDelete(OldSnapshotPath);
            WriteHostFile(ct);
            Note("migrated the state from format 1 (an earlier XenPS, without checksums) to format 2; the console history of the domains restarts with their boot log, and earlier versions of XenPS cannot open this folder any more");
        }

        // =========================== state changes ===========================

        private void ApplyPut(SimDomain d)
        {
            if (Domains.TryGetValue(d.Id, out var old)) Unindex(old);
            Domains[d.Id] = d;
            _byName[d.Name] = d.Id;
            _byUuid[d.Uuid] = d.Id;
            MemorySum += d.MemoryMiB;
            if (d.Id >= NextDomid) NextDomid = d.Id + 1;
            long ev = d.NextEventWallMs();
            if (ev < NextEventMs) NextEventMs = ev;
        }

        private void ApplyDel(int id, bool local)
        {
            if (Domains.TryGetValue(id, out var old))
            {
                Unindex(old);
                Domains.Remove(id);
            }
            _ended.Enqueue(id);
            while (_ended.Count > KeptEndedLogs)
            {
                int gone = _ended.Dequeue();
                if (local) _pendingLogDeletes.Add(gone);
            }
        }

        private void Unindex(SimDomain d)
        {
            if (_byName.TryGetValue(d.Name, out int n) && n == d.Id) _byName.Remove(d.Name);
            if (_byUuid.TryGetValue(d.Uuid, out int u) && u == d.Id) _byUuid.Remove(d.Uuid);
            MemorySum -= d.MemoryMiB;
        }

        public SimDomain? ByName(string name) => _byName.TryGetValue(name, out int id) ? Domains[id] : null;
        public SimDomain? ByUuid(string uuid) => _byUuid.TryGetValue(uuid, out int id) ? Domains[id] : null;
        public SimDomain? ById(int id) => Domains.TryGetValue(id, out var d) ? d : null;

        /// <summary>Inserts or replaces a domain (by domid) and queues its journal line.</summary>
        public void Put(SimDomain d)
        {
            ApplyPut(d);
            _pending.Add((w =>
            {
                w.WritePropertyName("put");
                d.Write(w);
            }, d));
        }

        public void Delete(int id)
        {
            ApplyDel(id, local: true);
            _pending.Add((w => w.WriteNumber("del", id), null));
        }

        public int AllocateDomid() => NextDomid++;

        /// <summary>Changes made in memory and not yet written.</summary>
        public bool HasPending => _pending.Count > 0;

        /// <summary>Records a domid consumed without a domain (a failed create), so it is never handed out again.</summary>
        public void ConsumeDomid(int id)
        {
            if (id >= NextDomid) NextDomid = id + 1;
            int next = NextDomid;
            _pending.Add((w => w.WriteNumber("next", next), null));
        }

        /// <summary>Writes one record (the body writes one JSON value) as a framed line, after checking it reads back.</summary>
        private void AppendRecord(ArrayBufferWriter<byte> output, Action<Utf8JsonWriter> body, LineKind kind, SimDomain? domain = null)
        {
            _record.Clear();
            if (_writer == null) _writer = new Utf8JsonWriter(_record);
            else _writer.Reset(_record);
            body(_writer);
            _writer.Flush();
            int start = output.WrittenCount;
            SimLine.Write(output, _record.WrittenSpan);
            VerifyLine(output.WrittenMemory.Slice(start, output.WrittenCount - start - 1), kind, domain == null || !domain.ConfigChecked);
            if (domain != null) domain.ConfigChecked = true;
        }

        /// <summary>
        /// Decodes a line exactly as a reader will (a line that would not read back is never written); the config of a
        /// domain is decoded too unless it is known to decode (<see cref="SimDomain.ConfigChecked"/>).
        /// </summary>
        private static void VerifyLine(ReadOnlyMemory<byte> line, LineKind kind, bool checkConfig = true)
        {
            try
            {
                var (s, n) = SimLine.Open(line.Span);
                using var doc = JsonDocument.Parse(line.Slice(s, n));
                var r = doc.RootElement;
                switch (kind)
                {
                    case LineKind.Change:
                    case LineKind.JournalHeader:
                        var e = DecodeEntry(r, 2);
                        if (e.IsHeader != (kind == LineKind.JournalHeader)) throw new SimFormatException("the line is of the wrong kind");
                        if (e.Put != null && checkConfig) SimDomain.ParseConfig(e.Put.ConfigJson);
                        break;
                    case LineKind.SnapshotHeader:
                        DecodeSnapshotHeader(r);
                        break;
                    case LineKind.Domain:
                        var d = SimDomain.Read(r, 2);
                        if (checkConfig) SimDomain.ParseConfig(d.ConfigJson);
                        break;
                    default:
                        SimHostFacts.Read(r);
                        break;
                }
            }
            catch (Exception ex) when (ex is SimFormatException || ex is JsonException)
            {
                throw new XenPSException("The simulated host refused to write a record that it could not read back (" + ex.Message + "); nothing was written.", ex);
            }
        }

        /// <summary>Appends the queued changes to the journal as one group (one write), then compacts when the journal is large.</summary>
        public void Commit(CancellationToken ct)
        {
            if (_pending.Count == 0) return;
            ct.ThrowIfCancellationRequested();
            _lines.Clear();
            int count = _pending.Count;
            for (int i = 0; i < count; i++)
            {
                long seq = _seq + i + 1;
                bool more = i < count - 1;
                var (body, domain) = _pending[i];
                AppendRecord(_lines, w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("s", seq);
                    body(w);
                    if (more) w.WriteBoolean("more", true);
                    w.WriteEndObject();
                }, LineKind.Change, domain);
            }
            using (var fs = new FileStream(JournalPath, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None))
            {
                // anything past what we applied is a torn group left by a killed writer: cut it off
                if (fs.Length != _journalOffset) fs.SetLength(_journalOffset);
                fs.Seek(_journalOffset, SeekOrigin.Begin);
                if (TestCrashPoint != null)
                {
                    int half = _lines.WrittenCount / 2;
                    fs.Write(_lines.WrittenSpan.Slice(0, half));
                    fs.Flush(false);
                    TestCrashPoint("commit-torn");
                    fs.Write(_lines.WrittenSpan.Slice(half));
                }
                else fs.Write(_lines.WrittenSpan);
                fs.Flush(false);
            }
            _journalOffset += _lines.WrittenCount;
            _journalLines += count;
            _seq += count;
            _pending.Clear();
            foreach (int id in _pendingLogDeletes)
                if (!Domains.ContainsKey(id)) TryDelete(ConsolePath(id));
            _pendingLogDeletes.Clear();
            if (_journalLines > _compactAfter + 2L * Domains.Count) TryCompact(ct);
        }

        /// <summary>Compaction after a commit: a failure must not fail the operation (its change is already in the journal).</summary>
        private void TryCompact(CancellationToken ct)
        {
            try
            {
                CompactCore(ct);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is OperationCanceledException)
            {
                _loaded = false; // the files may hold a leftover next journal now: read them again next time
                if (!(ex is OperationCanceledException)) Note("compacting the journal failed and will be tried again: " + ex.Message);
            }
        }

        /// <summary>Folds the state into a new snapshot (next generation) and drops the old journal.</summary>
        private void CompactCore(CancellationToken ct)
        {
            long gen = _gen + 1;
            string oldJournal = JournalPath;
            string newJournal = JournalPathFor(gen);
            // 1. the next journal, holding only its header: without a snapshot of its generation it is a leftover
            if (File.Exists(newJournal))
            {
                if (HoldsChanges(newJournal, ct))
                    throw Damaged(newJournal, 0, $"it follows the snapshot of generation {gen.ToString(CultureInfo.InvariantCulture)}, but {SnapshotFileName} is generation {_gen.ToString(CultureInfo.InvariantCulture)}: the snapshot is older than the journal (was it replaced or restored from a backup?)");
                Note($"replaced {Path.GetFileName(newJournal)}, left over by an interrupted compaction (it held no changes)");
            }
            long headerLength = WriteJournalStart(newJournal, gen, _seq, NextDomid);
            TestCrashPoint?.Invoke("compact-header");
            // 2. the snapshot, replaced atomically
            WriteSnapshot(gen, ct);
            TestCrashPoint?.Invoke("compact-renamed");
            // 3. the old journal is now in the snapshot
            _gen = gen;
            _journalOffset = headerLength;
            _journalLines = 1;
            _snapStamp = SnapshotStamp();
            if (oldJournal != newJournal) TryDelete(oldJournal);
            RemoveStaleTempFiles();
            SweepConsoleLogs(ct);
        }

        /// <summary>Creates (or replaces) a journal holding only its header; returns its length.</summary>
        private long WriteJournalStart(string path, long gen, long after, int next)
        {
            _lines.Clear();
            AppendRecord(_lines, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("journal", 2);
                w.WriteNumber("gen", gen);
                w.WriteNumber("after", after);
                w.WriteNumber("next", next);
                w.WritePropertyName("host");
                w.WriteStartObject();
                Host.WriteFields(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }, LineKind.JournalHeader);
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None))
            {
                fs.Write(_lines.WrittenSpan);
                fs.Flush(true);
            }
            return _lines.WrittenCount;
        }

        private void WriteSnapshot(long gen, CancellationToken ct)
        {
            WriteAtomic(_snapshotPath, fs =>
            {
                _lines.Clear();
                AppendRecord(_lines, w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("snapshot", 2);
                    w.WriteNumber("gen", gen);
                    w.WriteNumber("seq", _seq);
                    w.WriteNumber("next", NextDomid);
                    w.WriteNumber("count", Domains.Count);
                    w.WriteStartArray("ended");
                    foreach (int id in _ended) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WritePropertyName("host");
                    w.WriteStartObject();
                    Host.WriteFields(w);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }, LineKind.SnapshotHeader);
                int n = 0;
                foreach (var d in Domains.Values)
                {
                    AppendRecord(_lines, d.Write, LineKind.Domain, d);
                    if (_lines.WrittenCount > 1 << 16)
                    {
                        fs.Write(_lines.WrittenSpan);
                        _lines.Clear();
                    }
                    if ((++n & 1023) == 0) ct.ThrowIfCancellationRequested();
                }
                fs.Write(_lines.WrittenSpan);
                _lines.Clear();
            }, ct);
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>Writes a temp file in the same folder, flushes it to disk, and renames it over the target.</summary>
        private void WriteAtomic(string path, Action<FileStream> write, CancellationToken ct)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string tmp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
                {
                    write(fs);
                    ct.ThrowIfCancellationRequested();
                    fs.Flush(true);
                }
                if (path == _snapshotPath) TestCrashPoint?.Invoke("compact-tmp");
                File.Move(tmp, path, overwrite: true);
            }
            catch
            {
                TryDelete(tmp);
                throw;
            }
        }

        /// <summary>
        /// Removes temp files of atomic writes (host.json, snapshot.jsonl and format 1's snapshot.json). They are only
        /// written under the lock, which we hold, so every one found is left by a process killed mid-write.
        /// </summary>
        private void RemoveStaleTempFiles()
        {
            if (!Directory.Exists(_folder)) return;
            foreach (var f in Directory.EnumerateFiles(_folder, "*.tmp"))
            {
                string name = Path.GetFileName(f);
                var m = TempName.Match(name);
                if (!m.Success) continue;
                TryDelete(f);
                Note($"removed {name}, left by a process that was killed while writing {m.Groups[1].Value}");
            }
        }

        // =========================== console files ===========================

        /// <summary>The console log of one boot: named by domid (never reused), so nothing a user typed becomes a file name.</summary>
        public string ConsolePath(int domid) => Path.Combine(ConsoleFolder, domid.ToString(CultureInfo.InvariantCulture) + ".log");

        /// <summary>A new boot starts with an empty log.</summary>
        public void ResetConsole(int domid) => TryDelete(ConsolePath(domid));

        public void AppendConsole(int domid, string text, CancellationToken ct)
        {
            if (text.Length == 0) return;
            ct.ThrowIfCancellationRequested();
            if (!_consoleFolderMade)
            {
                Directory.CreateDirectory(ConsoleFolder);
                _consoleFolderMade = true;
            }
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            FileStream fs;
            try
            {
                fs = new FileStream(ConsolePath(domid), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
            }
            catch (DirectoryNotFoundException)
            {
                Directory.CreateDirectory(ConsoleFolder);
                fs = new FileStream(ConsolePath(domid), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
            }
            using (fs) fs.Write(bytes, 0, bytes.Length);
        }

        /// <summary>Reads a boot's console log from a byte offset; advances the offset. "" when the log is gone.</summary>
        public string ReadConsole(int domid, ref long offset, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            FileStream fs;
            try { fs = new FileStream(ConsolePath(domid), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
            catch (FileNotFoundException) { return ""; }
            catch (DirectoryNotFoundException) { return ""; }
            using (fs)
            {
                long len = fs.Length;
                if (len < offset) offset = 0; // log replaced: start again
                if (len == offset) return "";
                fs.Seek(offset, SeekOrigin.Begin);
                var buf = new byte[len - offset];
                int read = 0;
                while (read < buf.Length)
                {
                    ct.ThrowIfCancellationRequested();
                    int k = fs.Read(buf, read, buf.Length - read);
                    if (k <= 0) break;
                    read += k;
                }
                offset += read;
                return Encoding.UTF8.GetString(buf, 0, read);
            }
        }

        /// <summary>Deletes console logs of boots that are neither a current domain nor among the last ended ones (and format 1's logs).</summary>
        private void SweepConsoleLogs(CancellationToken ct)
        {
            string dir = ConsoleFolder;
            if (!Directory.Exists(dir)) return;
            var ended = new HashSet<int>(_ended);
            int n = 0;
            foreach (var f in Directory.EnumerateFiles(dir, "*.log"))
            {
                if ((++n & 1023) == 0) ct.ThrowIfCancellationRequested();
                string name = Path.GetFileName(f);
                var m = BootLogName.Match(name);
                if (m.Success)
                {
                    if (int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && (Domains.ContainsKey(id) || ended.Contains(id))) continue;
                    TryDelete(f);
                }
                else if (name.StartsWith("guest-", StringComparison.Ordinal))
                {
                    TryDelete(f); // format 1: one log per domain name, replaced by the per-boot logs
                }
            }
        }
    }
}
