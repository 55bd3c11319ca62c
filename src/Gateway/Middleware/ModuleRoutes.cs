using Microsoft.AspNetCore.Http;

namespace Supacs.Gateway.Middleware;

/// <summary>Which module a path belongs to, and which routes Kong leaves open without an apikey.</summary>
internal static class ModuleRoutes
{
    public static string ModuleOf(PathString path)
    {
        var p = path.Value ?? "";
        if (p.StartsWith("/rest/v1", StringComparison.Ordinal)) return "rest";
        if (p.StartsWith("/auth/v1", StringComparison.Ordinal)) return "auth";
        if (p.StartsWith("/storage/v1", StringComparison.Ordinal)) return "storage";
        if (p.StartsWith("/realtime/v1", StringComparison.Ordinal)) return "realtime";
        if (p.StartsWith("/functions/v1", StringComparison.Ordinal)) return "functions";
        if (p.StartsWith("/graphql/v1", StringComparison.Ordinal)) return "graphql";
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
            return !(IsRoute(p, "/auth/v1/verify") || IsRoute(p, "/auth/v1/callback") || IsRoute(p, "/auth/v1/authorize"));
        }
        return true;
    }

    private static bool IsRoute(string path, string route) =>
        path.StartsWith(route, StringComparison.Ordinal) && (path.Length == route.Length || path[route.Length] == '/');
}
