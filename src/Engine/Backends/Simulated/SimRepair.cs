using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>What <see cref="SimulatedXenBackend.Repair"/> found and did.</summary>
    public sealed class XenStateRepairReport
    {
        internal XenStateRepairReport(string folder, bool wasDamaged, string? backupFolder, IReadOnlyList<string> problems,
            IReadOnlyList<string> actions, IReadOnlyList<string> keptDomains, int nextDomid)
        {
            Folder = folder;
            WasDamaged = wasDamaged;
            BackupFolder = backupFolder;
            Problems = problems;
            Actions = actions;
            KeptDomains = keptDomains;
            NextDomid = nextDomid;
        }

        /// <summary>The state folder.</summary>
        public string Folder { get; }

        /// <summary>True when damage was found (and the state was rewritten); false when it was intact and left as it is.</summary>
        public bool WasDamaged { get; }

        /// <summary>The folder (inside <see cref="Folder"/>) holding copies of every state file as it was before the repair; null when nothing was changed.</summary>
        public string? BackupFolder { get; }

        /// <summary>The damage found: "file:line: what" (the lines and records that could not be kept).</summary>
        public IReadOnlyList<string> Problems { get; }

        /// <summary>What the repair did (files copied to the backup, host facts rebuilt, state written).</summary>
        public IReadOnlyList<string> Actions { get; }

        /// <summary>The domains the state holds after the repair: "DOMID NAME".</summary>
        public IReadOnlyList<string> KeptDomains { get; }

        /// <summary>The domid the next new domain gets (above every domid ever seen in the state, kept or lost).</summary>
        public int NextDomid { get; }

        public override string ToString()
        {
            var sb = new StringBuilder();
            sb.Append(WasDamaged ? "Repaired the simulated host state in '" : "The simulated host state in '").Append(Folder)
              .AppendLine(WasDamaged ? "'." : "' is intact; nothing was repaired.");
            foreach (var p in Problems) sb.Append("  damaged: ").AppendLine(p);
            foreach (var a in Actions) sb.Append("  ").AppendLine(a);
            sb.Append("  kept ").Append(KeptDomains.Count.ToString(CultureInfo.InvariantCulture)).Append(" domain(s)");
            if (KeptDomains.Count > 0) sb.Append(": ").Append(string.Join(", ", KeptDomains));
            sb.AppendLine();
            sb.Append("  next domid: ").Append(NextDomid.ToString(CultureInfo.InvariantCulture));
            if (BackupFolder != null) sb.AppendLine().Append("  backup of the previous files: ").Append(BackupFolder);
            return sb.ToString();
        }
    }

    internal sealed partial class SimStore
    {
        private static readonly Regex IdInText = new Regex("\"(?:id|del|next)\":(\\d{1,10})\\b", RegexOptions.CultureInvariant);

        /// <summary>
        /// Keeps every record that verifies and writes a consistent state; copies the files it replaces to a backup folder.
        /// An intact state is only loaded (which drops a torn last line and leftovers, as opening it would). Lock held by the caller.
        /// </summary>
        internal XenStateRepairReport Repair(string hostName, SimHostOptions options, DateTimeOffset now, CancellationToken ct)
        {
            var problems = new List<string>();
            var actions = new List<string>();
            Warnings.Clear();
            try
            {
                if (LoadOrCreateHost(hostName, options, now.ToUnixTimeMilliseconds(), create: false, ct) == null)
                    return new XenStateRepairReport(_folder, false, null, problems, new[] { "The folder holds no simulated host state: nothing to repair." }, Array.Empty<string>(), 1);
                Sync(ct);
                actions.AddRange(Warnings);
                Warnings.Clear();
                return new XenStateRepairReport(_folder, false, null, problems, actions, KeptList(), NextDomid);
            }
            catch (XenStateDamagedException ex)
            {
                problems.Add(ex.Data["XenPS.Damage"] as string ?? ex.Message);
            }

            // ---- salvage: read every file leniently, keeping what verifies ----
            Invalidate();
            Clear();
            Warnings.Clear();
            bool format1 = false;
            SimHostFacts? facts = null;
            SimHostFacts? copy = null;
            string? copyFrom = null;
            if (File.Exists(HostPath))
            {
                try
                {
                    var (f, fmt) = ReadHostFile(HostPath);
                    facts = f;
                    format1 |= fmt == 1;
                }
                catch (XenStateDamagedException ex) { AddProblem(problems, ex); }
            }

            long snapGen = -1;
            bool hasSnapshot = File.Exists(_snapshotPath);
            if (hasSnapshot) snapGen = SalvageSnapshot(problems, ref copy, ref copyFrom, ct);
            else if (File.Exists(OldSnapshotPath))
            {
                format1 = true;
                snapGen = SalvageFormat1Snapshot(problems, ct);
            }
            else if (ListJournals().Count > 0 && !ListJournals().ContainsKey(0))
            {
                problems.Add($"{SnapshotFileName}: it is missing; the domains recorded only in it are lost (their domids are not used again)");
            }

            var journals = ListJournals();
            long maxGen = Math.Max(snapGen, 0);
            foreach (var g in journals.Keys) maxGen = Math.Max(maxGen, g);
            if (hasSnapshot && snapGen < 0) snapGen = maxGen; // header lost: the snapshot belongs to the newest journal
            foreach (var kv in journals)
            {
                if (snapGen >= 0 && kv.Key < snapGen) continue; // older than the snapshot: its changes are in it
                format1 |= SalvageJournal(kv.Value, problems, ref copy, ref copyFrom, ct);
            }
            if (!journals.ContainsKey(Math.Max(snapGen, 0)) && (hasSnapshot || journals.Count == 0))
                problems.Add($"journal-{Math.Max(snapGen, 0).ToString(CultureInfo.InvariantCulture)}.log: it is missing; the changes recorded only in it are lost");

            // domids are never handed out again, not even those of lost domains: console logs remember them too
            var logs = new List<(int id, string path)>();
            if (Directory.Exists(ConsoleFolder))
                foreach (var f in Directory.EnumerateFiles(ConsoleFolder, "*.log"))
                {
                    var m = BootLogName.Match(Path.GetFileName(f));
                    if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                    {
                        logs.Add((id, f));
                        if (id >= NextDomid) NextDomid = id + 1;
                    }
                }

            DropDuplicates(problems);
            if (format1)
            {
                foreach (var d in new List<SimDomain>(Domains.Values))
                {
                    if (d.ConsoleLines == 0) continue;
                    var nd = d.Copy();
                    nd.ConsoleLines = 0;
                    ApplyPut(nd);
                }
            }

            if (facts == null)
            {
                if (copy != null)
                {
                    facts = copy;
                    actions.Add($"rebuilt {HostFileName} from the copy in {copyFrom} ({facts})");
                }
                else
                {
                    facts = new SimHostFacts
                    {
                        Name = hostName,
                        TotalMemoryMiB = options.TotalMemoryMiB,
                        CpuCount = options.CpuCount,
                        Dom0MemoryMiB = options.Dom0MemoryMiB,
                        CreatedMs = now.ToUnixTimeMilliseconds(),
                    };
                    if (facts.TotalMemoryMiB <= 0 || facts.CpuCount <= 0 || facts.Dom0MemoryMiB <= 0 || facts.Dom0MemoryMiB > facts.TotalMemoryMiB)
                        throw new XenPSException("Invalid simulated host options: TotalMemoryMiB, CpuCount and Dom0MemoryMiB must be positive and Dom0MemoryMiB at most TotalMemoryMiB.");
                    actions.Add($"rebuilt {HostFileName} from the given options ({facts}): no copy of the host facts could be read");
                }
            }
            Host = facts;

            // ---- backup: copies of every state file as it was ----
            string backup = NewBackupFolder(now);
            var originals = new List<string>();
            foreach (var name in new[] { HostFileName, SnapshotFileName, OldSnapshotFileName })
                if (File.Exists(Path.Combine(_folder, name))) originals.Add(Path.Combine(_folder, name));
            originals.AddRange(journals.Values);
            foreach (var f in originals)
            {
                ct.ThrowIfCancellationRequested();
                File.Copy(f, Path.Combine(backup, Path.GetFileName(f)));
            }
            var live = new HashSet<int>(Domains.Keys);
            var ended = new HashSet<int>(_ended);
            int movedLogs = 0;
            foreach (var (id, path) in logs)
            {
                if (live.Contains(id) || ended.Contains(id)) continue;
                Directory.CreateDirectory(Path.Combine(backup, "console"));
                File.Move(path, Path.Combine(backup, "console", Path.GetFileName(path)));
                movedLogs++;
            }
            actions.Add($"copied {string.Join(", ", originals.ConvertAll(Path.GetFileName))} to {Path.GetFileName(backup)}" +
                (movedLogs > 0 ? $", and moved the console logs of {movedLogs.ToString(CultureInfo.InvariantCulture)} lost boot(s) there" : ""));

            // ---- the new state: a generation above every file seen, so no leftover can be taken for part of it ----
            _gen = maxGen;
            CompactCore(ct);
            foreach (var p in journals.Values)
                if (p != JournalPath) TryDelete(p);
            TryDelete(OldSnapshotPath);
            WriteHostFile(ct);
            actions.Add($"wrote a consistent state (generation {_gen.ToString(CultureInfo.InvariantCulture)}): {Domains.Count.ToString(CultureInfo.InvariantCulture)} domain(s), next domid {NextDomid.ToString(CultureInfo.InvariantCulture)}");

            // what was written must open as it is
            int next = NextDomid;
            Invalidate();
            Sync(ct);
            Warnings.Clear();
            return new XenStateRepairReport(_folder, true, backup, problems, actions, KeptList(), Math.Max(next, NextDomid));
        }

        private List<string> KeptList()
        {
            var list = new List<string>(Domains.Count);
            foreach (var d in Domains.Values) list.Add(d.Id.ToString(CultureInfo.InvariantCulture) + " " + d.Name);
            return list;
        }

        private static void AddProblem(List<string> problems, XenStateDamagedException ex) =>
            problems.Add(ex.Data["XenPS.Damage"] as string ?? ex.Message);

        private string NewBackupFolder(DateTimeOffset now)
        {
            string stamp = "backup-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string path = Path.Combine(_folder, stamp);
            for (int n = 2; Directory.Exists(path); n++) path = Path.Combine(_folder, stamp + "-" + n.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(path);
            return path;
        }

        /// <summary>Keeps domids (and the next one) mentioned by a line that cannot be trusted, so they are never reused.</summary>
        private void ScrapeIds(ReadOnlySpan<byte> text)
        {
            foreach (Match m in IdInText.Matches(Encoding.UTF8.GetString(text)))
                if (int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id < int.MaxValue && id >= NextDomid)
                    NextDomid = id + 1;
        }

        /// <summary>Reads snapshot.jsonl leniently; returns its generation (-1 when its header is lost).</summary>
        private long SalvageSnapshot(List<string> problems, ref SimHostFacts? copy, ref string? copyFrom, CancellationToken ct)
        {
            string name = SnapshotFileName;
            byte[] bytes = ReadAll(_snapshotPath, ct);
            long gen = -1;
            int count = -1, records = 0;
            long lineNo = 0;
            int pos = 0;
            while (pos < bytes.Length)
            {
                int nl = Array.IndexOf(bytes, (byte)'\n', pos);
                int end = nl < 0 ? bytes.Length : nl;
                lineNo++;
                var line = new ReadOnlyMemory<byte>(bytes, pos, end - pos);
                if (nl < 0)
                {
                    problems.Add($"{name}:{lineNo.ToString(CultureInfo.InvariantCulture)}: the file ends in the middle of a line (it is truncated); that line was dropped");
                    ScrapeIds(line.Span);
                    break;
                }
                try
                {
                    var (s, n) = SimLine.Open(line.Span);
                    using var doc = JsonDocument.Parse(line.Slice(s, n));
                    if (lineNo == 1)
                    {
                        var h = DecodeSnapshotHeader(doc.RootElement);
                        gen = h.Gen;
                        _seq = h.Seq;
                        NextDomid = Math.Max(NextDomid, h.Next);
                        count = h.Count;
                        foreach (int id in h.Ended) _ended.Enqueue(id);
                        copy ??= h.Host;
                        copyFrom ??= name;
                    }
                    else
                    {
                        var d = SimDomain.Read(doc.RootElement, 2);
                        SimDomain.ParseConfig(d.ConfigJson);
                        ApplyPut(d);
                        records++;
                    }
                }
                catch (Exception ex) when (ex is SimFormatException || ex is JsonException)
                {
                    problems.Add($"{name}:{lineNo.ToString(CultureInfo.InvariantCulture)}: {ex.Message}; " +
                        (lineNo == 1 ? "the snapshot's header was dropped (its generation and change number are not known)" : "that domain was dropped"));
                    ScrapeIds(line.Span);
                }
                pos = end + 1;
                if ((lineNo & 1023) == 0) ct.ThrowIfCancellationRequested();
            }
            if (count >= 0 && records != count)
                problems.Add($"{name}: it holds {records.ToString(CultureInfo.InvariantCulture)} readable domain(s) of the {count.ToString(CultureInfo.InvariantCulture)} its header announces");
            return gen;
        }

        /// <summary>Reads format 1's snapshot.json (one JSON document: all of it or none); returns its generation, or -1.</summary>
        private long SalvageFormat1Snapshot(List<string> problems, CancellationToken ct)
        {
            byte[] bytes = ReadAll(OldSnapshotPath, ct);
            try
            {
                using var doc = JsonDocument.Parse(bytes, Format1Json);
                var r = doc.RootElement;
                long gen = SimJson.Long(r, "gen");
                _seq = SimJson.Long(r, "seq");
                NextDomid = Math.Max(NextDomid, SimJson.Int(r, "next"));
                var domains = SimJson.Req(r, "domains");
                if (domains.ValueKind != JsonValueKind.Array) throw new SimFormatException("\"domains\" is not a list");
                int i = 0;
                foreach (var e in domains.EnumerateArray())
                {
                    i++;
                    try { ApplyPut(SimDomain.Read(e, 1)); }
                    catch (SimFormatException ex)
                    {
                        problems.Add($"{OldSnapshotFileName}: domain #{i.ToString(CultureInfo.InvariantCulture)}: {ex.Message}; that domain was dropped");
                        ScrapeIds(Encoding.UTF8.GetBytes(e.GetRawText()));
                    }
                }
                return gen;
            }
            catch (Exception ex) when (ex is SimFormatException || ex is JsonException)
            {
                problems.Add($"{OldSnapshotFileName}: {ex.Message}; none of its domains could be read");
                ScrapeIds(bytes);
                return -1;
            }
        }

        /// <summary>Replays every journal line that verifies (either format); returns true when the journal is in format 1.</summary>
        private bool SalvageJournal(string path, List<string> problems, ref SimHostFacts? copy, ref string? copyFrom, CancellationToken ct)
        {
            string name = Path.GetFileName(path);
            byte[] bytes = ReadAll(path, ct);
            bool format1 = bytes.Length > 0 && !SimLine.IsFramed(bytes);
            long lineNo = 0;
            int pos = 0;
            while (pos < bytes.Length)
            {
                int nl = Array.IndexOf(bytes, (byte)'\n', pos);
                lineNo++;
                if (nl < 0)
                {
                    problems.Add($"{name}:{lineNo.ToString(CultureInfo.InvariantCulture)}: an incomplete last line ({(bytes.Length - pos).ToString(CultureInfo.InvariantCulture)} bytes) was dropped");
                    ScrapeIds(bytes.AsSpan(pos));
                    break;
                }
                var line = new ReadOnlyMemory<byte>(bytes, pos, nl - pos);
                pos = nl + 1;
                if (line.Length == 0) continue;
                try
                {
                    SimEntry e;
                    if (SimLine.IsFramed(line.Span))
                    {
                        var (s, n) = SimLine.Open(line.Span);
                        using var doc = JsonDocument.Parse(line.Slice(s, n));
                        e = DecodeEntry(doc.RootElement, 2);
                    }
                    else
                    {
                        using var doc = JsonDocument.Parse(line, Format1Json);
                        e = DecodeEntry(doc.RootElement, 1);
                    }
                    if (e.IsHeader)
                    {
                        NextDomid = Math.Max(NextDomid, e.HeaderNext);
                        copy ??= e.Host;
                        copyFrom ??= name;
                        continue;
                    }
                    if (e.Put != null) SimDomain.ParseConfig(e.Put.ConfigJson);
                    if (e.Seq <= _seq) continue;
                    _seq = e.Seq;
                    Apply(e, local: false);
                }
                catch (Exception ex) when (ex is SimFormatException || ex is JsonException)
                {
                    problems.Add($"{name}:{lineNo.ToString(CultureInfo.InvariantCulture)}: {ex.Message}; that change was dropped");
                    ScrapeIds(line.Span);
                }
                if ((lineNo & 1023) == 0) ct.ThrowIfCancellationRequested();
            }
            return format1;
        }

        /// <summary>After dropped lines two domains may share a name or uuid: the newer one (higher domid) is kept.</summary>
        private void DropDuplicates(List<string> problems)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var drop = new List<SimDomain>();
            var ids = new List<int>(Domains.Keys);
            for (int i = ids.Count - 1; i >= 0; i--)
            {
                var d = Domains[ids[i]];
                if (!names.Add(d.Name) | !uuids.Add(d.Uuid)) drop.Add(d);
            }
            foreach (var d in drop)
            {
                problems.Add($"domain {d.Id.ToString(CultureInfo.InvariantCulture)} '{d.Name}' has the name or uuid of a newer domain (a change that removed it was lost); it was dropped");
                ApplyDel(d.Id, local: false);
            }
            // the indexes may point at a dropped domain: rebuild them
            _byName.Clear();
            _byUuid.Clear();
            foreach (var d in Domains.Values)
            {
                _byName[d.Name] = d.Id;
                _byUuid[d.Uuid] = d.Id;
            }
        }
    }
}
