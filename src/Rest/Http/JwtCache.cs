using System.Collections.Concurrent;
using System.Text.Json;
using Supacs.Core.Projects;
using Supacs.Core.Requests;

namespace Supacs.Rest.Http;

/// <summary>
/// Validated tokens per project (PostgREST's jwt cache): a token seen before is not re-validated until its
/// <c>exp</c>. Failures are never cached. Bounded; cleared wholesale when full.
/// </summary>
internal sealed class JwtCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (RequestIdentity Identity, long Expires)> _entries = new(StringComparer.Ordinal);

    public static JwtCache For(SupacsProject project) => project.Feature(static _ => new JwtCache());

    public RequestIdentity? Get(string token)
    {
        if (!_entries.TryGetValue(token, out var e)) return null;
        if (e.Expires <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            _entries.TryRemove(token, out _);
            return null;
        }
        return e.Identity;
    }

    /// <summary>Forgets every token (after a configuration change: the role claim key, anon role or audience may differ).</summary>
    public void Clear() => _entries.Clear();

    public void Add(string token, RequestIdentity identity)
    {
        // Only tokens with an expiry are cached, and never past it (nbf was checked on validation).
        if (identity.Claims.ValueKind != JsonValueKind.Object || !identity.Claims.TryGetProperty("exp", out var exp)
            || exp.ValueKind != JsonValueKind.Number || !exp.TryGetInt64(out var expires)) return;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[token] = (identity, expires);
    }
}
