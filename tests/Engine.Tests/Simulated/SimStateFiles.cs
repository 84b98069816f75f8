using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Text;
using XenPS.Backends.Simulated;

namespace XenPS.Tests
{
    /// <summary>Helpers to look at and damage the files of a simulated host's state folder.</summary>
    internal static class SimStateFiles
    {
        public static string Journal(string folder) => Directory.GetFiles(folder, "journal-*.log").Single();
        public static string Snapshot(string folder) => Path.Combine(folder, "snapshot.jsonl");

        public static string[] Lines(string path) => File.ReadAllText(path, Encoding.UTF8).Split('\n')[..^1];

        public static void WriteLines(string path, params string[] lines) =>
            File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));

        /// <summary>A record framed with a correct checksum, as the store writes it.</summary>
        public static string Framed(string record)
        {
            var buf = new ArrayBufferWriter<byte>();
            SimLine.Write(buf, Encoding.UTF8.GetBytes(record));
            return Encoding.UTF8.GetString(buf.WrittenSpan).TrimEnd('\n');
        }

        /// <summary>The record inside a framed line.</summary>
        public static string Record(string line) => line.Substring(20, line.Length - 21);

        /// <summary>A list nested <paramref name="depth"/> deep: [[...["leaf"]...]].</summary>
        public static object[] Nested(int depth)
        {
            object[] v = { "leaf" };
            for (int i = 1; i < depth; i++) v = new object[] { v };
            return v;
        }

        public static int Depth(object? v)
        {
            int d = 0;
            while (v is object[] a)
            {
                d++;
                v = a.Length > 0 ? a[0] : null;
            }
            return v as string == "leaf" ? d : -1;
        }
    }
}
