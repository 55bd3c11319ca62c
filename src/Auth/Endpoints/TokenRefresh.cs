using Supacs.Auth.Http;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints;

/// <summary>grant_type=refresh_token: rotation with parent tracking and the reuse interval.</summary>
internal static class TokenRefresh
{
    public static async Task HandleAsync(AuthRequest req)
    {
        var token = await req.StringAsync("refresh_token").ConfigureAwait(false);
        if (string.IsNullOrEmpty(token)) throw AuthException.OAuth("invalid_request", "refresh_token required");
        var session = await SessionService.RefreshAsync(req, token).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session).ConfigureAwait(false);
    }
}
