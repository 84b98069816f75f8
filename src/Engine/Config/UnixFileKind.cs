using System;
using System.IO;
using System.Runtime.InteropServices;

namespace XenPS.Config
{
    /// <summary>
    /// What kind of file a path names, without opening it (opening a FIFO blocks until a writer comes, and a device
    /// never ends). Uses stat(2) through the .NET runtime's own native shim (libSystem.Native, SystemNative_Stat),
    /// whose FileStatus starts with Flags, Mode (the S_IF* bits, same values on every Unix), Uid, Gid, Size.
    /// </summary>
    internal static class UnixFileKind
    {
        private const int S_IFMT = 0xF000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFDIR = 0x4000, S_IFBLK = 0x6000, S_IFREG = 0x8000, S_IFSOCK = 0xC000;

        [StructLayout(LayoutKind.Explicit, Size = 256)]
        private struct FileStatus
        {
            [FieldOffset(4)] public int Mode;
            [FieldOffset(16)] public long Size;
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

        private static bool s_unavailable;

        /// <summary>
        /// Null for a regular file (following symbolic links; <paramref name="size"/> is its size) or when the kind is
        /// unknown (not Unix, no such file: the caller's open reports it; <paramref name="size"/> is -1); otherwise what
        /// it is, for a message: "a FIFO (named pipe)", "a character device", "a block device", "a socket", "a directory".
        /// </summary>
        public static string? Describe(string path, out long size)
        {
            size = -1;
            if (OperatingSystem.IsWindows() || s_unavailable) return null;
            FileStatus st;
            try
            {
                if (Stat(path, out st) != 0) return null;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                s_unavailable = true; // then the size and CanSeek checks after opening still apply
                return null;
            }
            switch (st.Mode & S_IFMT)
            {
                case S_IFREG:
                    size = st.Size;
                    return null;
                case S_IFIFO: return "a FIFO (named pipe)";
                case S_IFCHR: return "a character device";
                case S_IFBLK: return "a block device";
                case S_IFSOCK: return "a socket";
                case S_IFDIR: return "a directory";
                default: return "a special file";
            }
        }
    }
}
