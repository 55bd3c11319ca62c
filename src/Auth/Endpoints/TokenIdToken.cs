using System.Security.Cryptography;
using System.Text;
using Supacs.Auth.Http;
using Supacs.Auth.Passwords;
using Supacs.Auth.Sessions;

namespace Supacs.Auth.Endpoints;

/// <summary>
/// grant_type=id_token {provider, id_token, nonce?}: a provider's ID token (verified against its JWKS, issuer and
/// client id) signs the user in or up, as the OAuth callback would. Errors use the OAuth shape.
/// </summary>
internal static class TokenIdToken
{
    public static async Task HandleAsync(AuthRequest req)
    {
        var body = await req.BodyAsync().ConfigureAwait(false);
        var name = AuthRequest.Str(body, "provider") ?? "";
        var idToken = AuthRequest.Str(body, "id_token");
        if (string.IsNullOrEmpty(idToken)) throw AuthException.OAuth("invalid_request", "id_token required");
        if (!req.Options.External.TryGetValue(name, out var provider) || !provider.Enabled)
            throw AuthException.OAuth("invalid_request", $"Custom OIDC provider \"{name}\" not allowed");
        var endpoints = await req.Runtime.Oidc.DiscoverAsync(provider, req.Aborted).ConfigureAwait(false);
        var claims = await req.Runtime.Oidc.ValidateIdTokenAsync(endpoints, provider, idToken, req.Aborted).ConfigureAwait(false);

        var tokenNonce = AuthRequest.Str(claims, "nonce");
        var nonce = AuthRequest.Str(body, "nonce");
        if (!provider.SkipNonceCheck)
        {
            if (string.IsNullOrEmpty(tokenNonce) != string.IsNullOrEmpty(nonce))
                throw AuthException.OAuth("invalid_request", "Passed nonce and nonce in id_token should either both exist or not.");
            if (!string.IsNullOrEmpty(nonce) && !PasswordHasher.SecureEquals(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nonce))), tokenNonce))
                throw AuthException.OAuth("invalid_nonce", "Nonces mismatch");
        }
        var sub = AuthRequest.Str(claims, "sub") ?? throw AuthException.OAuth("invalid_request", "Bad ID token: no sub");

        await using var conn = await req.Db.OpenConnectionAsync(req.Aborted).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(req.Aborted).ConfigureAwait(false);
        var user = await Callback.SignInOrSignUpAsync(req, conn, tx, name, sub, Callback.IdentityData(endpoints.Issuer, sub, claims)).ConfigureAwait(false);
        var session = await SessionService.SignInAsync(req, conn, tx, user, "oauth").ConfigureAwait(false);
        await tx.CommitAsync(req.Aborted).ConfigureAwait(false);
        await SessionService.WriteAsync(req, session).ConfigureAwait(false);
    }
}
