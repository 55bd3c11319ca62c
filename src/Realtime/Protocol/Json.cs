using System.Buffers;
using System.Text.Json;

namespace Supacs.Realtime.Protocol;

/// <summary>Small helpers to build JSON payloads as UTF-8 bytes with a Utf8JsonWriter.</summary>
internal static class Json
{
    public static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public static byte[] Object(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            writeProperties(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        return buffer.WrittenSpan.ToArray();
    }
}
