using Microsoft.AspNetCore.Http;

namespace Supacs.Gateway.Middleware;

/// <summary>Which module a path belongs to, and which routes Kong leaves open without an apikey.</summary>
internal static class ModuleRoutes
{
    // Case-insensitive like ASP.NET Core routing: /REST/v1 reaches the REST module, so it must be checked as REST.
    private const StringComparison Match = StringComparison.OrdinalIgnoreCase;

    public static string ModuleOf(PathString path)
    {
        var p = path.Value ?? "";
        if (p.StartsWith("/rest/v1", Match)) return "rest";
        if (p.StartsWith("/auth/v1", Match)) return "auth";
        if (p.StartsWith("/storage/v1", Match)) return "storage";
        if (p.StartsWith("/realtime/v1", Match)) return "realtime";
        if (p.StartsWith("/functions/v1", Match)) return "functions";
        if (p.StartsWith("/graphql/v1", Match)) return "graphql";
        return "gateway";
    }

    /// <summary>
    /// As self-hosted Supabase's Kong config: auth, rest, realtime and graphql need a key, except the
    /// auth routes a browser reaches by redirect (verify, callback, authorize); storage and functions
    /// do their own JWT checks and are open at the gateway; /health and /metrics are open.
    /// </summary>
    public static bool RequiresApiKey(PathString path)
    {
        var module = ModuleOf(path);
        if (module is "storage" or "functions" or "gateway") return false;
        if (module == "auth")
        {
            var p = path.Value!;
            // Kong's open auth routes; the JWKS holds only public keys and JWT libraries fetch it without headers.
            return !(IsRoute(p, "/auth/v1/verify") || IsRoute(p, "/auth/v1/callback") || IsRoute(p, "/auth/v1/authorize")
                || IsRoute(p, "/auth/v1/.well-known/jwks.json"));
        }
        return true;
    }

    private static bool IsRoute(string path, string route) =>
        path.StartsWith(route, Match) && (path.Length == route.Length || path[route.Length] == '/');
}
