using System;
using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace XenPS.Backends.Simulated
{
    /// <summary>A record that cannot be read: says what is wrong; the store adds the file and line.</summary>
    internal sealed class SimFormatException : Exception
    {
        public SimFormatException(string message) : base(message) { }
    }

    /// <summary>
    /// One verifiable line of a state file: <c>{"c":"CRC32","r":RECORD}\n</c>, where CRC32 is the IEEE CRC-32 (8 lowercase
    /// hex digits) of the exact bytes of RECORD. The line is plain JSON (one object per line), and its checksum is checked
    /// on the bytes as stored, before anything is parsed.
    /// </summary>
    internal static class SimLine
    {
        private static readonly byte[] Prefix = { (byte)'{', (byte)'"', (byte)'c', (byte)'"', (byte)':', (byte)'"' };
        private static readonly byte[] Middle = { (byte)'"', (byte)',', (byte)'"', (byte)'r', (byte)'"', (byte)':' };
        private const int RecordStart = 6 + 8 + 6;
        private static readonly uint[] Table = BuildTable();

        /// <summary>Appends the framed line (with its newline) for <paramref name="record"/>.</summary>
        public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> record)
        {
            uint crc = Crc32(record);
            var span = output.GetSpan(RecordStart + record.Length + 2);
            Prefix.CopyTo(span);
            for (int i = 0; i < 8; i++)
            {
                int nibble = (int)(crc >> (28 - 4 * i)) & 0xF;
                span[6 + i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            }
            Middle.CopyTo(span.Slice(14));
            record.CopyTo(span.Slice(RecordStart));
            span[RecordStart + record.Length] = (byte)'}';
            span[RecordStart + record.Length + 1] = (byte)'\n';
            output.Advance(RecordStart + record.Length + 2);
        }

        /// <summary>True when the line has the framing of a checksummed record (format 2), whatever its checksum.</summary>
        public static bool IsFramed(ReadOnlySpan<byte> line) => line.Length >= Prefix.Length && line.Slice(0, Prefix.Length).SequenceEqual(Prefix);

        /// <summary>Checks a line (without its newline) and returns where its record is; throws SimFormatException.</summary>
        public static (int start, int length) Open(ReadOnlySpan<byte> line)
        {
            if (!IsFramed(line) || line.Length < RecordStart + 3 || !line.Slice(14, 6).SequenceEqual(Middle) || line[line.Length - 1] != (byte)'}')
                throw new SimFormatException("the line is not a checksummed XenPS record (it was cut, overwritten or written by something else)");
            uint stored = 0;
            for (int i = 6; i < 14; i++)
            {
                byte b = line[i];
                int v = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
                if (v < 0) throw new SimFormatException("the line's checksum is not 8 hex digits");
                stored = (stored << 4) | (uint)v;
            }
            var record = line.Slice(RecordStart, line.Length - RecordStart - 1);
            uint actual = Crc32(record);
            if (actual != stored)
                throw new SimFormatException("checksum mismatch (stored " + stored.ToString("x8", CultureInfo.InvariantCulture) + ", computed " +
                    actual.ToString("x8", CultureInfo.InvariantCulture) + "): the line was changed or damaged after it was written");
            return (RecordStart, record.Length);
        }

        public static uint Crc32(ReadOnlySpan<byte> data)
        {
            uint c = 0xFFFFFFFFu;
            foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
            return c ^ 0xFFFFFFFFu;
        }

        private static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }
            return t;
        }
    }

    /// <summary>Strict getters for state records: a missing or mistyped field is a SimFormatException naming it.</summary>
    internal static class SimJson
    {
        public static JsonElement Req(JsonElement o, string name)
        {
            if (o.ValueKind != JsonValueKind.Object) throw new SimFormatException("the record is not a JSON object");
            if (!o.TryGetProperty(name, out var p)) throw new SimFormatException($"the record has no \"{name}\" field");
            return p;
        }

        public static int Int(JsonElement o, string name) => AsInt(Req(o, name), name);
        public static long Long(JsonElement o, string name) => AsLong(Req(o, name), name);
        public static double Dbl(JsonElement o, string name) => AsDbl(Req(o, name), name);

        public static string Str(JsonElement o, string name)
        {
            var p = Req(o, name);
            if (p.ValueKind != JsonValueKind.String) throw Wrong(name, "a string");
            return p.GetString()!;
        }

        public static bool Bool(JsonElement p, string name)
        {
            if (p.ValueKind == JsonValueKind.True) return true;
            if (p.ValueKind == JsonValueKind.False) return false;
            throw Wrong(name, "true or false");
        }

        public static int AsInt(JsonElement p, string name)
        {
            if (p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out int v)) throw Wrong(name, "a 32-bit integer");
            return v;
        }

        public static long AsLong(JsonElement p, string name)
        {
            if (p.ValueKind != JsonValueKind.Number || !p.TryGetInt64(out long v)) throw Wrong(name, "a 64-bit integer");
            return v;
        }

        public static double AsDbl(JsonElement p, string name)
        {
            if (p.ValueKind != JsonValueKind.Number || !p.TryGetDouble(out double v) || double.IsNaN(v) || double.IsInfinity(v)) throw Wrong(name, "a number");
            return v;
        }

        private static SimFormatException Wrong(string name, string what) => new SimFormatException($"the record's \"{name}\" field is not {what}");
    }
}
