using System;
using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace XenPS.Backends.Simulated
{
    /// <summary>
    /// Checkpoints of the simulated host (xl save / xl restore). The file lives in the host's own file system
    /// (<see cref="SimHostFiles"/>, inside the state folder), so it can be restored by any later session. It holds the
    /// domain record (config, uptime, console position, name, uuid) and the console of its current boot; it is written
    /// atomically and checksummed. As on Xen 4.17: while the save runs the guest is suspended and listed as --pss-
    /// (sim.save_seconds, default 0.5 s, with xl's "Frames: n/total" progress, a frame being a 4 KiB page); afterwards
    /// it is gone and its memory free, unless kept (-c) or kept paused (-p). A restore builds the same guest (name,
    /// uuid, config) with a new domid: its uptime carries on from the save, its console goes on from where it was (with
    /// the guest's resume lines, not a boot), its CPU time starts again as a new domain's does; it obeys memory
    /// admission control and refuses a name in use with xl's text, using up a domid as xl does.
    /// A save that fails or is cancelled resumes the guest (xl's "Failed to save domain, resuming domain"); one whose
    /// process is killed mid-save leaves it suspended, as a killed xl does, until Resume-XenDomain unpauses it.
    /// </summary>
    public sealed partial class SimulatedXenBackend
    {
        internal const string CheckpointMagic = "XenPS simulated Xen checkpoint 1\n";
        private const string FileMagicError = "File has wrong magic number - corrupt or for a different tool?";
        private const int SaveSteps = 16;

        private SimHostFiles? _files;

        /// <summary>The simulated dom0's file system (in the state folder).</summary>
        internal SimHostFiles Files => _files ??= new SimHostFiles(_store.Folder);

        public XenCheckpointInfo SaveDomain(XenDomain domain, string path, SaveDomainOptions options, Action<CheckpointProgress>? progress, CancellationToken cancellationToken)
        {
            if (domain is null) throw new ArgumentNullException(nameof(domain));
            options ??= new SaveDomainOptions();
            string hostPath = SimHostFiles.Normalize(CheckpointPath.Check(path));
            bool keep = options.KeepRunning || options.Paused;

            // 1. suspend the guest (listed --pss- from now on, by every session of this host)
            var (uuid, since, frames, seconds, name) = Locked(cancellationToken, now =>
            {
                var d = Find(domain, "Domain-0 cannot be saved: it is the host's control domain.");
                if (d.Shut)
                    throw new XenInvalidOperationException($"{d.Name} (id {d.Id.ToString(CultureInfo.InvariantCulture)}) has shut down and is kept only for inspection; there is nothing to save.");
                if (d.SavingSinceMs != null)
                    throw new XenInvalidOperationException($"{d.Name} (id {d.Id.ToString(CultureInfo.InvariantCulture)}) is being saved already.");
                CheckTarget(hostPath, options.Overwrite);
                d = MaterializeConsole(d, d.Uptime(now), cancellationToken);
                var nd = d.Copy();
                nd.UptimeAccum = d.Uptime(now);
                nd.SavingWasPaused = d.Paused;
                nd.ActiveSinceMs = null;
                nd.SavingSinceMs = now;
                _store.AppendConsole(d.Id, Resumable(d.Id, cancellationToken) + SimGuest.Stamp(nd.UptimeAccum) + "Freezing user space processes ... (elapsed 0.001 seconds) done.\n" +
                    SimGuest.Stamp(nd.UptimeAccum) + "OOM killer disabled.\n", cancellationToken);
                _store.Put(nd);
                _store.Commit(cancellationToken);
                double secs = SaveSeconds(nd);
                return (nd.Uuid, now, nd.MemoryMiB * 256, secs, nd.Name);
            });

            try
            {
                // 2. the memory goes out, frame by frame (xl's progress lines)
                for (int i = 1; i <= SaveSteps; i++)
                {
                    Sleep(TimeSpan.FromSeconds(seconds / SaveSteps), cancellationToken);
                    cancellationToken.ThrowIfCancellationRequested();
                    long done = frames * i / SaveSteps;
                    progress?.Invoke(new CheckpointProgress("Frames", done, frames, (int)(done * 100 / Math.Max(1, frames))));
                }
                progress?.Invoke(new CheckpointProgress("End of stream", 0, 0, 0));

                // 3. the checkpoint file, then the domain goes (or carries on)
                return Locked(cancellationToken, now =>
                {
                    var d = _store.ByUuid(uuid);
                    if (d == null || d.SavingSinceMs != since)
                        throw new XenDomainNotFoundException(name, $"{name} was destroyed or resumed while it was being saved; no checkpoint was written.");
                    CheckTarget(hostPath, options.Overwrite);
                    string console = ReadWholeConsole(d.Id, cancellationToken);
                    byte[] bytes = Encode(d, console, now);
                    Files.WriteAtomic(hostPath, bytes, cancellationToken);
                    if (keep) Resume(d, options.Paused || d.SavingWasPaused, now, cancellationToken);
                    else DestroyRecord(d.Id, now, cancellationToken);
                    _store.Commit(cancellationToken);
                    return new XenCheckpointInfo { Path = hostPath, SizeBytes = bytes.Length, DomainName = d.Name, DomainUuid = d.Uuid };
                });
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is XenPSException)
            {
                // like xl's "Failed to save domain, resuming domain": the guest carries on as it was
                try
                {
                    Locked(CancellationToken.None, now =>
                    {
                        var d = _store.ByUuid(uuid);
                        if (d != null && d.SavingSinceMs == since)
                        {
                            Resume(d, d.SavingWasPaused, now, CancellationToken.None);
                            _store.Commit(CancellationToken.None);
                        }
                        return 0;
                    });
                }
                catch (XenPSException) { } // the first failure is the one to report
                throw;
            }
        }

        public XenDomain RestoreDomain(string path, RestoreDomainOptions options, CancellationToken cancellationToken)
        {
            string hostPath = SimHostFiles.Normalize(CheckpointPath.Check(path));
            bool paused = options?.Paused ?? false;
            return Locked(cancellationToken, now =>
            {
                if (Files.DirectoryExists(hostPath))
                    throw new XenCheckpointException($"{hostPath} is a folder on the host, not a checkpoint file.", XenErrorReason.CheckpointInvalid, hostPath);
                byte[] bytes = Files.Read(hostPath, cancellationToken)
                    ?? throw new XenCheckpointException($"Can't open restore file: No such file or directory ({hostPath} does not exist on the host).",
                        XenErrorReason.CheckpointNotFound, hostPath);
                var (saved, console) = Decode(bytes, hostPath);
                if (saved.Name == "Domain-0" || _store.ByName(saved.Name) != null)
                {
                    _store.ConsumeDomid(_store.AllocateDomid()); // like xl, the failed restore used up a domid
                    _store.Commit(cancellationToken);
                    throw new XenResourceExistsException($"Domain with name \"{saved.Name}\" already exists.");
                }
                if (_store.ByUuid(saved.Uuid) != null)
                    throw new XenResourceExistsException($"Domain with uuid {saved.Uuid} already exists.");
                long free = _host.TotalMemoryMiB - _host.Dom0MemoryMiB - _store.MemorySum;
                if (saved.MemoryMiB > free)
                {
                    int wasted = _store.AllocateDomid();
                    _store.ConsumeDomid(wasted);
                    _store.Commit(cancellationToken);
                    throw new XenResourceUnavailableException(
                        "xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory " +
                        $"(domain {wasted.ToString(CultureInfo.InvariantCulture)} '{saved.Name}' needs {saved.MemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB, " +
                        $"the host has {free.ToString(CultureInfo.InvariantCulture)} MiB free of {_host.TotalMemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB)");
                }
                var d = saved.Copy();
                d.Id = _store.AllocateDomid();
                d.CreatedMs = now;
                d.CpuBase = saved.GuestCpuTime(saved.UptimeAccum);
                d.SavingSinceMs = null;
                d.SavingWasPaused = false;
                d.ActiveSinceMs = null;
                _store.ResetConsole(d.Id);
                _store.AppendConsole(d.Id, console, cancellationToken);
                Resume(d, paused, now, cancellationToken);
                _store.Commit(cancellationToken);
                return _store.ById(d.Id)!.ToXenDomain(now);
            });
        }

        /// <summary>Refuses a target that exists (without overwrite), is a folder, or whose folder is missing.</summary>
        private void CheckTarget(string hostPath, bool overwrite)
        {
            if (Files.DirectoryExists(hostPath))
                throw new XenCheckpointException($"{hostPath} is a folder on the host; give the path of the checkpoint file.", XenErrorReason.InvalidArgument, hostPath);
            if (!overwrite && Files.Exists(hostPath))
                throw new XenCheckpointException($"The checkpoint file {hostPath} already exists on the host; nothing was saved. " +
                    "Pass -Force (Overwrite) to replace it, or choose another path.", XenErrorReason.CheckpointExists, hostPath);
            string parent = SimHostFiles.Parent(hostPath);
            if (!Files.DirectoryExists(parent))
                throw new XenCheckpointException($"Failed to open temp file {hostPath} for writing: the folder {parent} does not exist on the host. " +
                    "Save to an existing folder such as /var/lib/xen/save.", XenErrorReason.CheckpointNotFound, hostPath);
        }

        /// <summary>The guest runs again (or stays paused) after a save that kept it, a failed save, or a restore.</summary>
        private void Resume(SimDomain d, bool paused, long now, CancellationToken ct)
        {
            var nd = d.Copy();
            nd.SavingSinceMs = null;
            nd.SavingWasPaused = false;
            nd.ActiveSinceMs = paused ? null : now;
            _store.Put(nd);
            _store.AppendConsole(nd.Id, Resumable(nd.Id, ct) + SimGuest.Stamp(nd.UptimeAccum) + "OOM killer enabled.\n" +
                SimGuest.Stamp(nd.UptimeAccum) + "Restarting tasks ... done.\n", ct);
        }

        /// <summary>A line break when the console does not end at the start of a line (a prompt), so kernel lines start on their own.</summary>
        private string Resumable(int domid, CancellationToken ct)
        {
            long off = 0;
            string text = _store.ReadConsole(domid, ref off, ct);
            return text.Length > 0 && text[text.Length - 1] != '\n' ? "\n" : "";
        }

        private string ReadWholeConsole(int domid, CancellationToken ct)
        {
            long off = 0;
            return _store.ReadConsole(domid, ref off, ct);
        }

        private static double SaveSeconds(SimDomain d)
        {
            string? s = d.Config.GetString("sim.save_seconds");
            return s != null && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v < 86400 ? v : 0.5;
        }

        // ---- the file: magic line, one JSON line, "sha256 <hex of the JSON line>" ----

        private byte[] Encode(SimDomain d, string console, long now)
        {
            var buf = new ArrayBufferWriter<byte>(4096);
            using (var w = new Utf8JsonWriter(buf))
            {
                w.WriteStartObject();
                w.WriteString("host", _host.Name);
                w.WriteNumber("saved", now);
                w.WritePropertyName("domain");
                d.Write(w);
                w.WriteString("console", console);
                w.WriteEndObject();
            }
            byte[] json = buf.WrittenSpan.ToArray();
            string sum = Convert.ToHexString(SHA256.HashData(json)).ToLowerInvariant();
            var all = new ArrayBufferWriter<byte>(json.Length + 128);
            all.Write(Encoding.UTF8.GetBytes(CheckpointMagic));
            all.Write(json);
            all.Write(Encoding.UTF8.GetBytes("\nsha256 " + sum + "\n"));
            byte[] bytes = all.WrittenSpan.ToArray();
            Decode(bytes, "(the checkpoint being written)"); // never write what would not read back
            return bytes;
        }

        private static (SimDomain domain, string console) Decode(byte[] bytes, string hostPath)
        {
            byte[] magic = Encoding.UTF8.GetBytes(CheckpointMagic);
            if (bytes.Length < magic.Length || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
                throw new XenCheckpointException($"{FileMagicError} ({hostPath} is not a checkpoint saved by xl save.)", XenErrorReason.CheckpointInvalid, hostPath);
            XenCheckpointException Damaged(string why) => new XenCheckpointException(
                $"The checkpoint {hostPath} is damaged ({why}); it cannot be restored.", XenErrorReason.CheckpointInvalid, hostPath);
            var rest = bytes.AsSpan(magic.Length);
            int nl = rest.IndexOf((byte)'\n');
            if (nl < 0) throw Damaged("it is truncated");
            var json = rest.Slice(0, nl);
            string tail = Encoding.UTF8.GetString(rest.Slice(nl + 1)).TrimEnd('\n');
            string sum = Convert.ToHexString(SHA256.HashData(json)).ToLowerInvariant();
            if (tail != "sha256 " + sum) throw Damaged(tail.StartsWith("sha256 ", StringComparison.Ordinal) ? "its checksum does not match" : "it is truncated");
            try
            {
                using var doc = JsonDocument.Parse(json.ToArray());
                var r = doc.RootElement;
                var d = SimDomain.Read(SimJson.Req(r, "domain"), 2);
                SimDomain.ParseConfig(d.ConfigJson);
                string console = SimJson.Str(r, "console");
                return (d, console);
            }
            catch (Exception ex) when (ex is JsonException || ex is SimFormatException || ex is InvalidOperationException)
            {
                throw Damaged(ex.Message);
            }
        }
    }
}
