using System.Buffers;
using System.Text.Json;

namespace Supacs.Rest.Http;

/// <summary>
/// A per-thread JSON writer and buffer for the small JSON strings built on every request (<c>request.headers</c>,
/// <c>request.cookies</c>): one string allocated per use instead of a stream, its growing buffers and a copy.
/// Use synchronously: <see cref="Start"/>, write, <see cref="Finish"/>, with no await in between.
/// </summary>
internal static class JsonScratch
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static Utf8JsonWriter Start()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        if (t_writer is null) t_writer = new Utf8JsonWriter(buffer);
        else t_writer.Reset(buffer);
        return t_writer;
    }

    public static string Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        var text = System.Text.Encoding.UTF8.GetString(t_buffer!.WrittenSpan);
        // A rare huge header set should not pin its buffer to the thread forever.
        if (t_buffer.Capacity > 64 * 1024) t_buffer = null;
        return text;
    }
}
