using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Supacs.Storage.S3;

/// <summary>The parts of an AWS SigV4 signature, from the Authorization header or a presigned query.</summary>
internal sealed record SigV4Request(string AccessKeyId, string Date, string Region, string Service, string[] SignedHeaders,
    string Signature, string AmzDate, bool Presigned, long? ExpiresSeconds)
{
    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";
}

/// <summary>
/// AWS Signature Version 4 for S3 (no host dependency): parsing, canonical request, signing key, and the
/// chunk signatures of aws-chunked bodies. S3 canonical URIs are encoded once and never normalised.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Parses <c>AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=a;b, Signature=hex</c>.</summary>
    public static SigV4Request? ParseHeader(string authorization, string? amzDate)
    {
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal) || amzDate is null) return null;
        string? credential = null, signed = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(','))
        {
            var kv = part.Trim().Split('=', 2);
            if (kv.Length != 2) continue;
            switch (kv[0])
            {
                case "Credential": credential = kv[1]; break;
                case "SignedHeaders": signed = kv[1]; break;
                case "Signature": signature = kv[1]; break;
            }
        }
        return Build(credential, signed, signature, amzDate, presigned: false, null);
    }

    /// <summary>Parses the X-Amz-* query parameters of a presigned URL.</summary>
    public static SigV4Request? ParseQuery(Func<string, string?> query)
    {
        if (query("X-Amz-Algorithm") != Algorithm) return null;
        long? expires = long.TryParse(query("X-Amz-Expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : null;
        return Build(query("X-Amz-Credential"), query("X-Amz-SignedHeaders"), query("X-Amz-Signature"), query("X-Amz-Date"), presigned: true, expires);
    }

    /// <summary>The x-amz-credential / x-amz-date / x-amz-signature fields of a browser POST form (no signed headers).</summary>
    public static SigV4Request? ParseForm(string? credential, string? amzDate, string? signature) =>
        Build(credential, "", signature, amzDate, presigned: false, null);

    private static SigV4Request? Build(string? credential, string? signed, string? signature, string? amzDate, bool presigned, long? expires)
    {
        if (credential is null || signed is null || signature is null || amzDate is null) return null;
        var c = credential.Split('/');
        if (c.Length != 5 || c[4] != "aws4_request") return null;
        return new SigV4Request(c[0], c[1], c[2], c[3], signed.Split(';'), signature, amzDate, presigned, expires);
    }

    /// <summary>RFC 3986 encoding as AWS does it: unreserved characters kept, everything else %XX (uppercase); '/' kept when asked.</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var sb = new StringBuilder(value.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var ch = (char)b;
            if (char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '~' || (keepSlash && ch == '/')) sb.Append(ch);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>The canonical request of SigV4: method, URI, sorted query, signed headers, payload hash.</summary>
    public static string CanonicalRequest(string method, string decodedPath, IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyList<string> signedHeaders, Func<string, string?> header, string payloadHash)
    {
        var sb = new StringBuilder();
        sb.Append(method).Append('\n');
        sb.Append(UriEncode(decodedPath, keepSlash: true)).Append('\n');
        var q = query.Select(kv => (K: UriEncode(kv.Key, false), V: UriEncode(kv.Value, false)))
            .OrderBy(kv => kv.K, StringComparer.Ordinal).ThenBy(kv => kv.V, StringComparer.Ordinal);
        sb.AppendJoin('&', q.Select(kv => kv.K + "=" + kv.V)).Append('\n');
        foreach (var name in signedHeaders)
            sb.Append(name).Append(':').Append(CollapseSpaces(header(name) ?? "")).Append('\n');
        sb.Append('\n').AppendJoin(';', signedHeaders).Append('\n').Append(payloadHash);
        return sb.ToString();
    }

    private static string CollapseSpaces(string v)
    {
        v = v.Trim();
        if (!v.Contains("  ", StringComparison.Ordinal)) return v;
        var sb = new StringBuilder(v.Length);
        var space = false;
        foreach (var ch in v)
        {
            if (ch == ' ')
            {
                if (!space) sb.Append(ch);
                space = true;
            }
            else
            {
                sb.Append(ch);
                space = false;
            }
        }
        return sb.ToString();
    }

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(k, "aws4_request"u8);
    }

    public static string Sign(byte[] key, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    public static string Sha256Hex(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public static string StringToSign(SigV4Request r, string canonicalRequest) =>
        $"{Algorithm}\n{r.AmzDate}\n{r.Scope}\n{Sha256Hex(canonicalRequest)}";

    /// <summary>The signature of one aws-chunked chunk, chained from the previous one (the seed is the request signature).</summary>
    public static string ChunkSignature(byte[] key, SigV4Request r, string previous, string chunkSha256) =>
        Sign(key, $"AWS4-HMAC-SHA256-PAYLOAD\n{r.AmzDate}\n{r.Scope}\n{previous}\n{EmptySha256}\n{chunkSha256}");
}
