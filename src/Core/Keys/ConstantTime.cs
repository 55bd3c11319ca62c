using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Supacs.Core.Keys;

/// <summary>Comparisons of secrets (keys, signatures) whose time does not depend on where the strings differ.</summary>
public static class ConstantTime
{
    /// <summary>
    /// Ordinal equality in time that depends only on the length (which may leak, as with FixedTimeEquals); compares the
    /// UTF-16 code units eight bytes per step, without copying — it runs on every request against ~200-character keys.
    /// </summary>
    public static bool Equals(string a, string b)
    {
        if (a.Length != b.Length) return false;
        var x = MemoryMarshal.AsBytes(a.AsSpan());
        var y = MemoryMarshal.AsBytes(b.AsSpan());
        ulong diff = 0;
        var i = 0;
        for (; i + 8 <= x.Length; i += 8)
            diff |= BinaryPrimitives.ReadUInt64LittleEndian(x[i..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(y[i..]);
        for (; i < x.Length; i++) diff |= (uint)(x[i] ^ y[i]);
        return diff == 0;
    }
}
