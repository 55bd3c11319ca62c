using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Supacs.Storage.S3;

/// <summary>
/// Reads the payload out of an aws-chunked body (<c>size[;chunk-signature=sig]\r\ndata\r\n … 0…\r\n[trailers]\r\n</c>).
/// With a signing key, every chunk signature is checked against the chain seeded by the request signature.
/// </summary>
internal sealed class AwsChunkedStream(Stream inner, Func<string, string, string>? verifyChunk, string? seedSignature) : Http.ReadOnlyStream
{
    private readonly byte[] _line = new byte[4096];
    private long _remainingInChunk;
    private bool _done;
    private string? _expectedSignature;
    private string _previous = seedSignature ?? "";
    private IncrementalHash? _chunkHash;


    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (true)
        {
            if (_done) return 0;
            if (_remainingInChunk > 0)
            {
                var want = (int)Math.Min(buffer.Length, _remainingInChunk);
                var read = await inner.ReadAsync(buffer[..want], ct);
                if (read == 0) throw new InvalidDataException("aws-chunked body ended inside a chunk");
                _remainingInChunk -= read;
                _chunkHash?.AppendData(buffer.Span[..read]);
                if (_remainingInChunk == 0)
                {
                    await ExpectCrLfAsync(ct);
                    FinishChunk();
                }
                return read;
            }
            var header = await ReadLineAsync(ct) ?? throw new InvalidDataException("aws-chunked body ended before the last chunk");
            var semi = header.IndexOf(';', StringComparison.Ordinal);
            var sizeText = semi < 0 ? header : header[..semi];
            if (!long.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0)
                throw new InvalidDataException("Malformed aws-chunked chunk header");
            _expectedSignature = semi < 0 ? null : header[(semi + 1)..].Split('=', 2) is [ "chunk-signature", var sig ] ? sig.Trim() : null;
            if (verifyChunk is not null && _expectedSignature is null) throw new InvalidDataException("Missing chunk signature");
            _chunkHash = verifyChunk is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            _remainingInChunk = size;
            if (size == 0)
            {
                FinishChunk();
                // Trailers (e.g. x-amz-checksum-crc32) until an empty line or the end.
                while (await ReadLineAsync(ct) is { Length: > 0 }) { }
                _done = true;
                return 0;
            }
        }
    }

    private void FinishChunk()
    {
        if (verifyChunk is null || _chunkHash is null) return;
        var hash = Convert.ToHexStringLower(_chunkHash.GetHashAndReset());
        _chunkHash.Dispose();
        _chunkHash = null;
        var expected = verifyChunk(_previous, hash);
        if (!Supacs.Core.Keys.ConstantTime.Equals(expected, _expectedSignature ?? "")) throw new S3SignatureException();
        _previous = expected;
    }

    private async Task ExpectCrLfAsync(CancellationToken ct)
    {
        var line = await ReadLineAsync(ct);
        if (line is not { Length: 0 }) throw new InvalidDataException("Malformed aws-chunked body");
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var n = 0;
        var one = new byte[1];
        while (true)
        {
            var read = await inner.ReadAsync(one, ct);
            if (read == 0) return n == 0 ? null : Encoding.ASCII.GetString(_line, 0, n);
            if (one[0] == '\n') return Encoding.ASCII.GetString(_line, 0, n > 0 && _line[n - 1] == '\r' ? n - 1 : n);
            if (n == _line.Length) throw new InvalidDataException("aws-chunked line too long");
            _line[n++] = one[0];
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _chunkHash?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A SigV4 (request or chunk) signature did not match.</summary>
internal sealed class S3SignatureException() : Exception("The request signature we calculated does not match the signature you provided.");
