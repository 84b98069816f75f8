using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
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
    }

    /// <summary>
    /// The persisted state of one simulated host and its in-process cache.
    ///
    /// On disk (one folder per host):
    ///   host.json            host facts, written once (atomically) when the folder is created
    ///   .lock                lock file: held (FileShare.None = flock on Unix) around every read-modify-write
    ///   snapshot.json        {"format":1,"gen":G,"seq":S,"next":N,"domains":[...]} - replaced atomically (temp + fsync + rename)
    ///   journal-G.log        append-only, one JSON object per line, applied after the snapshot whose gen is G:
    ///                        {"s":seq,"put":{domain}} (insert/replace by domid) or {"s":seq,"del":domid}
    ///   console/guest-NAME.log   console history per domain name (like xenconsoled's --log=guest)
    ///
    /// Readers keep the state in memory and, under the lock, only stat snapshot.json (length + mtime) and read the
    /// journal bytes past what they already applied. A last journal line without its newline (a writer killed
    /// mid-write) is ignored by readers and cut off by the next writer. When the journal outgrows the state, it is
    /// folded into a new snapshot with the next generation and the old journal is deleted; lines whose seq the
    /// snapshot already holds are skipped, so a crash between the two steps is harmless.
    ///
    /// Not thread-safe by itself: the backend serialises access.
    /// </summary>
    internal sealed class SimStore
    {
        public const int Format = 1;
        private static readonly byte[] NewLine = { (byte)'\n' };

        private readonly string _folder;
        private readonly string _snapshotPath;
        private readonly string _lockPath;
        private readonly TimeSpan _lockTimeout;

        // ---- state (valid when _loaded) ----
        public readonly SortedDictionary<int, SimDomain> Domains = new SortedDictionary<int, SimDomain>();
        private readonly Dictionary<string, int> _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _byUuid = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
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
        private readonly ArrayBufferWriter<byte> _pending = new ArrayBufferWriter<byte>(4096);
        private int _pendingCount;

        private readonly int _compactAfter;

        public SimStore(string folder, TimeSpan lockTimeout, int compactAfter)
        {
            _compactAfter = compactAfter;
            _folder = folder;
            _snapshotPath = Path.Combine(folder, "snapshot.json");
            _lockPath = Path.Combine(folder, ".lock");
            _lockTimeout = lockTimeout;
        }

        public string Folder => _folder;
        public string ConsoleFolder => Path.Combine(_folder, "console");
        private string JournalPath => Path.Combine(_folder, "journal-" + _gen.ToString(CultureInfo.InvariantCulture) + ".log");

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
                delay = Math.Min(delay * 2, 32);
            }
        }

        // =========================== host facts ===========================

        public SimHostFacts LoadOrCreateHost(string name, SimHostOptions options, long nowMs, CancellationToken ct)
        {
            string path = Path.Combine(_folder, "host.json");
            if (File.Exists(path))
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                var r = doc.RootElement;
                return new SimHostFacts
                {
                    Name = r.GetProperty("name").GetString() ?? name,
                    TotalMemoryMiB = r.GetProperty("totalMemoryMiB").GetInt64(),
                    CpuCount = r.GetProperty("cpuCount").GetInt32(),
                    Dom0MemoryMiB = r.GetProperty("dom0MemoryMiB").GetInt64(),
                    CreatedMs = r.GetProperty("createdMs").GetInt64(),
                };
            }
            if (options.TotalMemoryMiB <= 0 || options.CpuCount <= 0 || options.Dom0MemoryMiB <= 0 || options.Dom0MemoryMiB > options.TotalMemoryMiB)
                throw new XenPSException("Invalid simulated host options: TotalMemoryMiB, CpuCount and Dom0MemoryMiB must be positive and Dom0MemoryMiB at most TotalMemoryMiB.");
            var facts = new SimHostFacts
            {
                Name = name,
                TotalMemoryMiB = options.TotalMemoryMiB,
                CpuCount = options.CpuCount,
                Dom0MemoryMiB = options.Dom0MemoryMiB,
                CreatedMs = nowMs,
            };
            WriteAtomic(path, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("format", Format);
                w.WriteString("name", facts.Name);
                w.WriteString("xenVersion", SimulatedXenBackend.XenVersion);
                w.WriteNumber("totalMemoryMiB", facts.TotalMemoryMiB);
                w.WriteNumber("cpuCount", facts.CpuCount);
                w.WriteNumber("dom0MemoryMiB", facts.Dom0MemoryMiB);
                w.WriteNumber("createdMs", facts.CreatedMs);
                w.WriteEndObject();
            }, ct);
            return facts;
        }

        // =========================== sync ===========================

        /// <summary>Brings the in-memory state up to date with the files. Call with the lock held.</summary>
        public void Sync(CancellationToken ct)
        {
            var fi = new FileInfo(_snapshotPath);
            var stamp = fi.Exists ? (fi.Length, fi.LastWriteTimeUtc.Ticks) : (0L, 0L);
            if (!_loaded || stamp != _snapStamp)
            {
                LoadSnapshot(fi.Exists, ct);
                _snapStamp = stamp;
            }
            if (!ReadJournal(ct))
            {
                // the journal shrank under us (should not happen under the lock): start over
                LoadSnapshot(File.Exists(_snapshotPath), ct);
                ReadJournal(ct);
            }
        }

        /// <summary>Forgets the cache (after a failed operation the memory may be ahead of the disk).</summary>
        public void Invalidate()
        {
            _loaded = false;
            _pending.Clear();
            _pendingCount = 0;
        }

        private void Clear()
        {
            Domains.Clear();
            _byName.Clear();
            _byUuid.Clear();
            NextDomid = 1;
            MemorySum = 0;
            NextEventMs = long.MaxValue;
            _seq = 0;
            _gen = 0;
            _journalOffset = 0;
            _journalLines = 0;
        }

        private void LoadSnapshot(bool exists, CancellationToken ct)
        {
            Clear();
            _loaded = false;
            if (exists)
            {
                ct.ThrowIfCancellationRequested();
                byte[] bytes;
                try { bytes = File.ReadAllBytes(_snapshotPath); }
                catch (FileNotFoundException) { bytes = Array.Empty<byte>(); }
                if (bytes.Length > 0)
                {
                    using var doc = JsonDocument.Parse(bytes);
                    var r = doc.RootElement;
                    _gen = r.GetProperty("gen").GetInt64();
                    _seq = r.GetProperty("seq").GetInt64();
                    NextDomid = r.GetProperty("next").GetInt32();
                    int n = 0;
                    foreach (var e in r.GetProperty("domains").EnumerateArray())
                    {
                        if ((++n & 1023) == 0) ct.ThrowIfCancellationRequested();
                        ApplyPut(SimDomain.Read(e));
                    }
                }
            }
            _loaded = true;
        }

        /// <summary>Applies complete journal lines past the cached offset; false when the file is shorter than expected.</summary>
        private bool ReadJournal(CancellationToken ct)
        {
            string path = JournalPath;
            FileStream fs;
            try
            {
                fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                return _journalOffset == 0;
            }
            using (fs)
            {
                long len = fs.Length;
                if (len < _journalOffset) return false;
                if (len == _journalOffset) return true;
                fs.Seek(_journalOffset, SeekOrigin.Begin);
                var buf = new byte[len - _journalOffset];
                int read = 0;
                while (read < buf.Length)
                {
                    ct.ThrowIfCancellationRequested();
                    int k = fs.Read(buf, read, buf.Length - read);
                    if (k <= 0) break;
                    read += k;
                }
                int start = 0;
                int lines = 0;
                while (start < read)
                {
                    int nl = Array.IndexOf(buf, (byte)'\n', start, read - start);
                    if (nl < 0) break; // torn tail: ignored here, cut by the next writer
                    if (nl > start) ApplyLine(new ReadOnlyMemory<byte>(buf, start, nl - start));
                    start = nl + 1;
                    if ((++lines & 1023) == 0) ct.ThrowIfCancellationRequested();
                }
                _journalOffset += start;
                _journalLines += lines;
                return true;
            }
        }

        private void ApplyLine(ReadOnlyMemory<byte> line)
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException) { return; } // a damaged line is skipped rather than poisoning the host
            using (doc)
            {
                var r = doc.RootElement;
                if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("s", out var s)) return;
                long seq = s.GetInt64();
                if (seq <= _seq) return; // already in the snapshot
                _seq = seq;
                if (r.TryGetProperty("put", out var put)) ApplyPut(SimDomain.Read(put));
                else if (r.TryGetProperty("del", out var del)) ApplyDel(del.GetInt32());
                else if (r.TryGetProperty("next", out var next)) NextDomid = Math.Max(NextDomid, next.GetInt32());
            }
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

        private void ApplyDel(int id)
        {
            if (Domains.TryGetValue(id, out var old))
            {
                Unindex(old);
                Domains.Remove(id);
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
            Queue(w =>
            {
                w.WritePropertyName("put");
                d.Write(w);
            });
        }

        public void Delete(int id)
        {
            ApplyDel(id);
            Queue(w => w.WriteNumber("del", id));
        }

        public int AllocateDomid() => NextDomid++;

        /// <summary>Changes made in memory and not yet written.</summary>
        public bool HasPending => _pendingCount > 0;

        /// <summary>Records a domid consumed without a domain (a failed create), so it is never handed out again.</summary>
        public void ConsumeDomid(int id)
        {
            if (id >= NextDomid) NextDomid = id + 1;
            Queue(w => w.WriteNumber("next", NextDomid));
        }

        private void Queue(Action<Utf8JsonWriter> body)
        {
            using (var w = new Utf8JsonWriter(_pending))
            {
                w.WriteStartObject();
                w.WriteNumber("s", ++_seq);
                body(w);
                w.WriteEndObject();
            }
            _pending.Write(NewLine);
            _pendingCount++;
        }

        /// <summary>Appends the queued lines to the journal (one write), then compacts when the journal is large.</summary>
        public void Commit(CancellationToken ct)
        {
            if (_pendingCount == 0) return;
            ct.ThrowIfCancellationRequested();
            using (var fs = new FileStream(JournalPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None))
            {
                // anything past what we applied is a torn line left by a killed writer: cut it off
                if (fs.Length != _journalOffset) fs.SetLength(_journalOffset);
                fs.Seek(_journalOffset, SeekOrigin.Begin);
                fs.Write(_pending.WrittenSpan);
                fs.Flush(false);
            }
            _journalOffset += _pending.WrittenCount;
            _journalLines += _pendingCount;
            _pending.Clear();
            _pendingCount = 0;
            if (_journalLines > _compactAfter + 2L * Domains.Count) Compact(ct);
        }

        /// <summary>Folds the journal into a new snapshot (next generation) and drops the old journal.</summary>
        public void Compact(CancellationToken ct)
        {
            string oldJournal = JournalPath;
            long gen = _gen + 1;
            WriteAtomic(_snapshotPath, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("format", Format);
                w.WriteNumber("gen", gen);
                w.WriteNumber("seq", _seq);
                w.WriteNumber("next", NextDomid);
                w.WriteStartArray("domains");
                int n = 0;
                foreach (var d in Domains.Values)
                {
                    if ((++n & 1023) == 0) ct.ThrowIfCancellationRequested();
                    d.Write(w);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }, ct);
            _gen = gen;
            _journalOffset = 0;
            _journalLines = 0;
            var fi = new FileInfo(_snapshotPath);
            _snapStamp = (fi.Length, fi.LastWriteTimeUtc.Ticks);
            TryDelete(oldJournal);
            TryDelete(JournalPath); // a stale one from an interrupted earlier compaction
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>Writes a temp file in the same folder, flushes it to disk, and renames it over the target.</summary>
        public void WriteAtomic(string path, Action<Utf8JsonWriter> write, CancellationToken ct)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string tmp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
                {
                    using (var w = new Utf8JsonWriter(fs)) write(w);
                    ct.ThrowIfCancellationRequested();
                    fs.Flush(true);
                }
                File.Move(tmp, path, overwrite: true);
            }
            catch
            {
                TryDelete(tmp);
                throw;
            }
        }

        // =========================== console files ===========================

        public string ConsolePath(string name)
        {
            var sb = new StringBuilder("guest-");
            foreach (char c in name)
            {
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
                    sb.Append(c);
                else
                    foreach (byte b in Encoding.UTF8.GetBytes(c.ToString())) sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            sb.Append(".log");
            return Path.Combine(ConsoleFolder, sb.ToString());
        }

        public void AppendConsole(string name, string text, CancellationToken ct)
        {
            if (text.Length == 0) return;
            ct.ThrowIfCancellationRequested();
            Directory.CreateDirectory(ConsoleFolder);
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            using var fs = new FileStream(ConsolePath(name), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
            fs.Write(bytes, 0, bytes.Length);
        }

        /// <summary>The console log's length in bytes (0 before anything was written).</summary>
        public long ConsoleLength(string name)
        {
            var f = new FileInfo(ConsolePath(name));
            return f.Exists ? f.Length : 0;
        }

        /// <summary>Reads a console log from a byte offset; advances the offset.</summary>
        public string ReadConsole(string name, ref long offset, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            FileStream fs;
            try { fs = new FileStream(ConsolePath(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
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
                    int k = fs.Read(buf, read, buf.Length - read);
                    if (k <= 0) break;
                    read += k;
                }
                offset += read;
                return Encoding.UTF8.GetString(buf, 0, read);
            }
        }
    }
}
