using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Supacs.Core.Requests;
using Supacs.Storage.Http;

namespace Supacs.Storage.S3;

/// <summary>The authenticated S3 caller and what is needed to check aws-chunked chunk signatures.</summary>
internal sealed record S3Caller(RequestIdentity Identity, SigV4Request Signature, byte[] SigningKey);

/// <summary>
/// Verifies SigV4 (header or presigned query) in upstream's two credential modes: the project's S3 access key
/// (acts as service_role), or a session token (access key = anything, secret = anon key, X-Amz-Security-Token =
/// a user JWT whose role and claims then apply, so RLS decides).
/// </summary>
internal static class S3Auth
{
    public static async Task<S3Caller> AuthenticateAsync(HttpContext ctx, StorageState state)
    {
        var request = ctx.Request;
        var sig = request.Headers.Authorization.ToString() is { Length: > 0 } auth
            ? SigV4.ParseHeader(auth, request.Headers["x-amz-date"].ToString() is { Length: > 0 } d ? d : null)
            : SigV4.ParseQuery(name => request.Query.TryGetValue(name, out var v) ? v.ToString() : null);
        if (sig is null) throw new StorageError("403", "AccessDenied", "Missing or unsupported authentication", "AccessDenied");
        sig = CheckScope(state, sig);
        if (!DateTime.TryParseExact(sig.AmzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
            throw new StorageError("403", "AccessDenied", "Invalid X-Amz-Date", "AccessDenied");
        var now = DateTime.UtcNow;
        if (sig.Presigned)
        {
            if (signedAt.AddSeconds(sig.ExpiresSeconds ?? 0) < now) throw new StorageError("403", "AccessDenied", "Request has expired", "AccessDenied");
        }
        else if (Math.Abs((now - signedAt).TotalMinutes) > 15)
            throw new StorageError("403", "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", "RequestTimeTooSkewed");

        var sessionToken = request.Headers["x-amz-security-token"].ToString() is { Length: > 0 } st ? st
            : request.Query["X-Amz-Security-Token"].ToString() is { Length: > 0 } qt ? qt : null;
        var (secret, identity) = await CredentialsAsync(state, sig.AccessKeyId, sessionToken);

        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(q < 0 ? raw : raw[..q]);
        var query = new List<KeyValuePair<string, string>>();
        if (q >= 0)
            foreach (var pair in raw[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]);
                if (sig.Presigned && key == "X-Amz-Signature") continue;
                query.Add(new(key, kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : ""));
            }
        var payload = sig.Presigned ? (request.Query["X-Amz-Content-Sha256"].ToString() is { Length: > 0 } qh ? qh : "UNSIGNED-PAYLOAD")
            : request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } h ? h : "UNSIGNED-PAYLOAD";
        var canonical = SigV4.CanonicalRequest(request.Method, path, query, sig.SignedHeaders,
            name => name == "host" ? request.Host.Value : request.Headers[name].ToString(), payload);
        var key2 = SigV4.SigningKey(secret, sig.Date, sig.Region, sig.Service);
        var expected = SigV4.Sign(key2, SigV4.StringToSign(sig, canonical));
        if (!Supacs.Core.Keys.ConstantTime.Equals(expected, sig.Signature)) throw new S3SignatureException();
        return new S3Caller(identity, sig, key2);
    }

    /// <summary>
    /// Upstream's scope rules: the service must be s3; with region enforcement the scope must name the server's region;
    /// otherwise auto, us-east-1, empty and the server's region are accepted as signed, and any other region is
    /// checked as if it were the server's (so it fails as SignatureDoesNotMatch).
    /// </summary>
    public static SigV4Request CheckScope(StorageState state, SigV4Request sig)
    {
        if (sig.Service != "s3") throw new StorageError("403", "AccessDenied", "Invalid Service", "AccessDenied");
        var serverRegion = state.Options.S3ProtocolRegion;
        if (state.Options.S3ProtocolEnforceRegion && sig.Region != serverRegion)
            throw new StorageError("403", "AccessDenied", "Invalid Region", "AccessDenied");
        return sig.Region is not ("auto" or "us-east-1" or "") && sig.Region != serverRegion ? sig with { Region = serverRegion } : sig;
    }

    /// <summary>
    /// The signing secret and the caller for upstream's two credential modes: a session token (secret = anon key, the
    /// token's JWT decides the role) or the project's S3 access key (service_role).
    /// </summary>
    public static async Task<(string Secret, RequestIdentity Identity)> CredentialsAsync(StorageState state, string accessKeyId, string? sessionToken)
    {
        if (sessionToken is not null)
        {
            var result = await RequestIdentityResolver.ResolveTokenAsync(sessionToken, state.Project.Keys);
            return (state.Project.Keys.AnonKey,
                result.Identity ?? throw new StorageError("403", "InvalidToken", "The provided token is malformed or otherwise invalid.", "InvalidToken"));
        }
        if (!Supacs.Core.Keys.ConstantTime.Equals(accessKeyId, state.S3AccessKeyId))
            throw new StorageError("403", "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.", "InvalidAccessKeyId");
        return (state.S3SecretAccessKey, (await RequestIdentityResolver.ResolveTokenAsync(state.Project.Keys.ServiceRoleKey, state.Project.Keys)).Identity!);
    }

    /// <summary>The payload of the request: aws-chunked decoded (chunk signatures checked when signed), else the raw body.</summary>
    public static Stream Payload(HttpContext ctx, S3Caller caller)
    {
        var mode = ctx.Request.Headers["x-amz-content-sha256"].ToString();
        if (mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" || mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
            return new AwsChunkedStream(ctx.Request.Body, (prev, hash) => SigV4.ChunkSignature(caller.SigningKey, caller.Signature, prev, hash), caller.Signature.Signature);
        if (mode.StartsWith("STREAMING-", StringComparison.Ordinal)
            || ctx.Request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase))
            return new AwsChunkedStream(ctx.Request.Body, null, null);
        return ctx.Request.Body;
    }

    /// <summary>The signed SHA-256 of the payload when the client sent one (not UNSIGNED/STREAMING), to check after reading.</summary>
    public static string? SignedPayloadHash(HttpContext ctx)
    {
        var mode = ctx.Request.Headers["x-amz-content-sha256"].ToString();
        return mode.Length == 64 ? mode.ToLowerInvariant() : null;
    }

    /// <summary>Declared payload size (x-amz-decoded-content-length for aws-chunked).</summary>
    public static long? PayloadLength(HttpContext ctx) =>
        long.TryParse(ctx.Request.Headers["x-amz-decoded-content-length"].ToString(), CultureInfo.InvariantCulture, out var d) ? d
        : ctx.Request.Headers["x-amz-content-sha256"].ToString().StartsWith("STREAMING-", StringComparison.Ordinal) ? null
        : ctx.Request.ContentLength;
}
