using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using Supacs.Auth.Http;
using Supacs.Auth.Mfa;
using Supacs.Auth.Sessions;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Mfa;

/// <summary>POST /factors/{id}/challenge → {id, type, expires_at}; the challenge remembers the caller's IP.</summary>
internal static class Challenge
{
    public const int ExpirySeconds = 300;

    public static void Map(IEndpointRouteBuilder group) => group.MapAuth("POST", "/factors/{factorId}/challenge", async req =>
    {
        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        var caller = await Authentication.RequireUserAsync(req, conn).ConfigureAwait(false);
        var factor = FactorStore.RequireOwned(caller.User, req);
        var id = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var ip = System.Net.IPAddress.TryParse(req.ClientIp, out var parsed) ? parsed.ToString() : "127.0.0.1";
        var at = new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz };
        await Db.ExecAsync(conn, null, req.Aborted,
            ("INSERT INTO auth.mfa_challenges (id, factor_id, created_at, ip_address) VALUES ($1, $2, $3, $4::inet)", [id, factor.Id, at, ip]),
            ("UPDATE auth.mfa_factors SET last_challenged_at = $2 WHERE id = $1", [factor.Id, new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz }])).ConfigureAwait(false);
        await JsonResponse.WriteAsync(req.Http, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", factor.FactorType);
            w.WriteNumber("expires_at", new DateTimeOffset(now).ToUnixTimeSeconds() + ExpirySeconds);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });
}
