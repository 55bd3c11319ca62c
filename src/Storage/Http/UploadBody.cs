using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Supacs.Storage.Http;

/// <summary>
/// An upload's content and its attributes, from either body form upstream accepts: multipart/form-data
/// (first file part; fields cacheControl, metadata, contentType) or a raw body (Content-Type,
/// Cache-Control, x-metadata = base64 JSON). The file is streamed, never buffered whole.
/// </summary>
internal sealed class UploadBody
{
    private const int MaxFieldBytes = 1024 * 1024;
    private MultipartReader? _reader;

    private UploadBody(Stream content, string contentType, string cacheControl, string? userMetadata, long? length)
    {
        Content = content;
        ContentType = contentType;
        CacheControl = cacheControl;
        UserMetadataJson = userMetadata;
        Length = length;
    }

    public Stream Content { get; }
    public string ContentType { get; private set; }
    public string CacheControl { get; private set; }
    public string? UserMetadataJson { get; private set; }

    /// <summary>Declared length of the file content when known in advance (raw bodies).</summary>
    public long? Length { get; }

    public static async Task<UploadBody> OpenAsync(HttpRequest request, CancellationToken ct)
    {
        var type = request.ContentType ?? "";
        if (type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return await OpenMultipartAsync(request, type, ct).ConfigureAwait(false);
        var cacheControl = request.Headers.CacheControl.ToString();
        var metadata = request.Headers["x-metadata"].ToString();
        return new UploadBody(request.Body, type.Length == 0 ? "application/octet-stream" : type,
            cacheControl.Length == 0 ? "no-cache" : cacheControl,
            metadata.Length == 0 ? null : DecodeMetadataHeader(metadata), request.ContentLength);
    }

    /// <summary>Decodes an x-metadata header (base64 of a JSON object).</summary>
    public static string DecodeMetadataHeader(string value)
    {
        try
        {
            return ValidObject(Encoding.UTF8.GetString(Convert.FromBase64String(value)));
        }
        catch (FormatException)
        {
            throw StorageError.InvalidRequest("Invalid metadata");
        }
    }

    private static string ValidObject(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw StorageError.InvalidRequest("Invalid metadata");
            return json;
        }
        catch (JsonException)
        {
            throw StorageError.InvalidRequest("Invalid metadata");
        }
    }

    private static async Task<UploadBody> OpenMultipartAsync(HttpRequest request, string contentType, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || HeaderUtilities.RemoveQuotes(media.Boundary).Length == 0)
            throw StorageError.InvalidRequest("Malformed multipart body: missing boundary");
        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(media.Boundary).ToString(), request.Body);
        string? cacheControl = null, metadata = null, fieldContentType = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct).ConfigureAwait(false) is { } section)
            {
                var disposition = section.GetContentDispositionHeader();
                if (disposition is null) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (disposition.IsFileDisposition() || name.Length == 0)
                {
                    var partType = section.ContentType;
                    var body = new UploadBody(new MalformedAsBadRequestStream(section.Body), fieldContentType ?? (string.IsNullOrEmpty(partType) ? "application/octet-stream" : partType),
                        CacheFromField(cacheControl), metadata is null ? null : ValidObject(metadata), null) { _reader = reader };
                    return body;
                }
                var value = await ReadFieldAsync(section.Body, ct).ConfigureAwait(false);
                switch (name)
                {
                    case "cacheControl": cacheControl = value; break;
                    case "metadata": metadata = value; break;
                    case "contentType": fieldContentType = value; break;
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw StorageError.InvalidRequest("Malformed multipart body: " + e.Message);
        }
        throw StorageError.InvalidRequest("Empty file");
    }

    /// <summary>After the file is consumed, reads fields that came after it (some clients put them last).</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        if (_reader is null) return;
        try
        {
            while (await _reader.ReadNextSectionAsync(ct).ConfigureAwait(false) is { } section)
            {
                var name = HeaderUtilities.RemoveQuotes(section.GetContentDispositionHeader()?.Name ?? default).ToString();
                var value = await ReadFieldAsync(section.Body, ct).ConfigureAwait(false);
                switch (name)
                {
                    case "cacheControl": CacheControl = CacheFromField(value); break;
                    case "metadata": UserMetadataJson = ValidObject(value); break;
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw StorageError.InvalidRequest("Malformed multipart body: " + e.Message);
        }
    }

    private static string CacheFromField(string? value) =>
        string.IsNullOrWhiteSpace(value) ? "no-cache" : value.All(char.IsAsciiDigit) ? "max-age=" + value : value;

    private static Task<string> ReadFieldAsync(Stream body, CancellationToken ct) => ReadFieldAsync(body, MaxFieldBytes, ct);

    /// <summary>A multipart form field as text, refused past <paramref name="maxBytes"/>.</summary>
    internal static async Task<string> ReadFieldAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw StorageError.InvalidRequest("Multipart field too large");
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>A multipart section body whose framing errors (truncated body, missing end boundary) become 400s, not 500s.</summary>
internal sealed class MalformedAsBadRequestStream(Stream inner) : ReadOnlyStream
{

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, ct);
        }
        catch (Exception e) when ((e is IOException or InvalidDataException) && !ct.IsCancellationRequested)
        {
            throw StorageError.InvalidRequest("Malformed multipart body: " + e.Message);
        }
    }
}
