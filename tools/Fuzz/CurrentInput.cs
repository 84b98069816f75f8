using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;

namespace XenPS.Fuzz
{
    /// <summary>
    /// The input the worker is executing, in a memory-mapped file the parent reads after the worker died: written
    /// before every execution (a copy into shared pages, no system call), so a stack overflow, a kill for a hang or for
    /// allocation leaves the culprit behind. Layout: status (int), reason detail (long), exec number (long), start
    /// tick (long), length (int), then the bytes.
    /// </summary>
    internal sealed unsafe class CurrentInput : IDisposable
    {
        public const int Idle = 0, Running = 1, OverAllocation = 2, OverTime = 3;
        private const int Header = 64;
        public const int Capacity = 8 << 20;

        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _p;

        public CurrentInput(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite)) fs.SetLength(Header + Capacity);
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, Header + Capacity, MemoryMappedFileAccess.ReadWrite);
            _view = _map.CreateViewAccessor(0, Header + Capacity, MemoryMappedFileAccess.ReadWrite);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _p = p + _view.PointerOffset;
        }

        public int Status => Volatile.Read(ref *(int*)_p);
        public long StartTick => Volatile.Read(ref *(long*)(_p + 24));

        public void Begin(byte[] input, long exec)
        {
            int n = Math.Min(input.Length, Capacity);
            fixed (byte* s = input) Buffer.MemoryCopy(s, _p + Header, Capacity, n);
            *(int*)(_p + 32) = n;
            *(long*)(_p + 16) = exec;
            *(long*)(_p + 24) = Environment.TickCount64;
            Volatile.Write(ref *(int*)_p, Running);
        }

        public void End() => Volatile.Write(ref *(int*)_p, Idle);

        /// <summary>Called by the watchdog thread just before the worker kills itself.</summary>
        public void Mark(int status, long detail)
        {
            *(long*)(_p + 8) = detail;
            Volatile.Write(ref *(int*)_p, status);
            _view.Flush();
        }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }

        /// <summary>What the parent reads after the worker is gone.</summary>
        public static (int status, long detail, long exec, byte[] input)? Read(string path)
        {
            if (!File.Exists(path)) return null;
            byte[] all = File.ReadAllBytes(path);
            if (all.Length < Header) return null;
            int status = BitConverter.ToInt32(all, 0);
            long detail = BitConverter.ToInt64(all, 8);
            long exec = BitConverter.ToInt64(all, 16);
            int n = BitConverter.ToInt32(all, 32);
            if (n < 0 || n > all.Length - Header) n = 0;
            return (status, detail, exec, all.AsSpan(Header, n).ToArray());
        }
    }
}
