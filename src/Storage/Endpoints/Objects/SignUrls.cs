using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/sign/{bucket} {expiresIn, paths}: one entry per path, {error, path, signedURL}, signing
/// only those the caller can read.
/// </summary>
internal static class SignUrls
{
    private const string NoAccess = "Either the object does not exist or you do not have access to it";

    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/sign/{bucket}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var expiresIn = Json.Int(body, "expiresIn") ?? throw StorageError.MissingParameter("expiresIn");
        if (!body.TryGetProperty("paths", out var p) || p.ValueKind != JsonValueKind.Array) throw StorageError.MissingParameter("paths");
        var paths = p.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        if (paths.Length > 1000) throw StorageError.InvalidRequest("body/paths must NOT have more than 1000 items");
        var bucket = ctx.Route("bucket");
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using (var scope = await req.BeginAsync("storage.object.sign"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await using var cmd = await scope.CommandAsync("SELECT name FROM storage.objects WHERE bucket_id = $1 AND name = ANY($2)", bucket, paths);
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted)) found.Add(r.GetString(0));
        }
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartArray();
            foreach (var path in paths)
            {
                w.WriteStartObject();
                if (found.Contains(path))
                {
                    w.WriteNull("error");
                    w.WriteString("path", path);
                    w.WriteString("signedURL", $"/object/sign/{bucket}/{path}?token={SignedTokens.Create(req.Project, bucket + "/" + path, expiresIn, TokenScope.Download)}");
                }
                else
                {
                    w.WriteString("error", NoAccess);
                    w.WriteString("path", path);
                    w.WriteNull("signedURL");
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });
}
