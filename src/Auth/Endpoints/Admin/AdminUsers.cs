using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Auth.Config;
using Supacs.Auth.Http;
using Supacs.Auth.Passwords;
using Supacs.Auth.Users;

namespace Supacs.Auth.Endpoints.Admin;

/// <summary>Routes of /admin/users and helpers shared by its endpoints (admin JWT required).</summary>
internal static class AdminUsers
{
    public static void Map(IEndpointRouteBuilder group)
    {
        AdminListUsers.Map(group);
        AdminCreateUser.Map(group);
        AdminGetUser.Map(group);
        AdminUpdateUser.Map(group);
        AdminDeleteUser.Map(group);
        AdminGenerateLink.Map(group);
        Invite.Map(group);
        AdminFactors.Map(group);
    }

    public static Guid ParseId(AuthRequest req)
    {
        var raw = req.Http.Request.RouteValues["id"]?.ToString();
        return Guid.TryParse(raw, out var id) ? id : throw AuthException.NotFound("user_not_found", "User not found");
    }

    public static async Task<UserRecord> LoadAsync(AuthRequest req, NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id) =>
        await UserStore.FindByIdAsync(conn, id, req.Aborted, tx).ConfigureAwait(false)
            ?? throw AuthException.NotFound("user_not_found", "User not found");

    /// <summary>ban_duration: a Go duration ("24h", "1h30m") or "none" to lift a ban.</summary>
    public static void ApplyBan(UserRecord user, string? banDuration)
    {
        if (banDuration is null) return;
        if (banDuration == "none")
        {
            user.BannedUntil = null;
            return;
        }
        TimeSpan d;
        try
        {
            d = AuthOptionsBinder.ParseDuration(banDuration);
        }
        catch (FormatException)
        {
            throw AuthException.Validation("invalid format for ban duration: " + banDuration);
        }
        user.BannedUntil = DateTime.UtcNow + d;
    }

    /// <summary>Shared by create and update: password, password_hash, metadata, role, confirmations, ban.</summary>
    public static void ApplyCommon(AuthOptions o, UserRecord user, JsonElement body)
    {
        if (AuthRequest.Str(body, "password") is { Length: > 0 } password)
        {
            PasswordHasher.CheckPolicy(o, password);
            user.EncryptedPassword = PasswordHasher.Hash(password);
        }
        if (AuthRequest.Str(body, "password_hash") is { Length: > 0 } hash)
        {
            if (!hash.StartsWith("$2", StringComparison.Ordinal)) throw AuthException.Validation("Invalid password hash format");
            user.EncryptedPassword = hash;
        }
        if (AuthRequest.Obj(body, "user_metadata") is { } um) UpdateUser.Merge(user.UserMetadata, um);
        if (AuthRequest.Obj(body, "app_metadata") is { } am) UpdateUser.Merge(user.AppMetadata, am);
        if (AuthRequest.Str(body, "role") is { Length: > 0 } role) user.Role = role;
        if (AuthRequest.Bool(body, "email_confirm") == true) user.EmailConfirmedAt ??= DateTime.UtcNow;
        if (AuthRequest.Bool(body, "phone_confirm") == true) user.PhoneConfirmedAt ??= DateTime.UtcNow;
        ApplyBan(user, AuthRequest.Str(body, "ban_duration"));
    }

    /// <summary>GoTrue's paging headers on admin lists: <c>X-Total-Count</c> and <c>Link</c> with next/last pages.</summary>
    public static void WritePagingHeaders(AuthRequest req, long total, int page, int perPage)
    {
        var headers = req.Http.Response.Headers;
        headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        var last = Math.Max(1, (int)Math.Ceiling(total / (double)perPage));
        var path = req.Http.Request.PathBase + req.Http.Request.Path;
        var links = new List<string>();
        if (page < last) links.Add($"<{path}?page={page + 1}&per_page={perPage}>; rel=\"next\"");
        links.Add($"<{path}?page={last}&per_page={perPage}>; rel=\"last\"");
        headers["Link"] = string.Join(", ", links);
    }

    public static int IntQuery(AuthRequest req, string name, int fallback) =>
        int.TryParse(req.Query(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    public static JsonObject ProvidersOf(string provider) => new() { ["provider"] = provider, ["providers"] = new JsonArray(provider) };
}
