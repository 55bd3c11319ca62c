using Microsoft.AspNetCore.Routing;
using Npgsql;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/upload/sign/{bucket}/{*name} (+ x-upsert): the caller's right to write is probed now, and a
/// token {owner, url, upsert} is issued; replies {"url": "/object/upload/sign/…?token=…", "token"}.
/// </summary>
internal static class SignUploadUrl
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/upload/sign/{bucket}/{**name}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var bucket = ctx.Route("bucket");
        var key = Names.Key(ctx.Route("name"), req.State.Options.UnicodeKeys);
        var upsert = string.Equals(ctx.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        var sub = req.Identity.Subject;
        await using (var scope = await req.BeginAsync("storage.object.upload_sign"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            var metadata = new ObjectMetadata(0, ctx.Request.ContentType ?? "application/octet-stream", "no-cache", "", DateTime.UtcNow).ToJson();
            try
            {
                await scope.ProbeAsync(
                    "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)" +
                    (upsert ? " ON CONFLICT (bucket_id, name) DO UPDATE SET metadata = excluded.metadata" : ""),
                    ObjectWriter.Params(bucket, key, Guid.TryParse(sub, out var o) ? o : null, sub, metadata, null, null));
            }
            catch (PostgresException e) when (e.SqlState == "23505")
            {
                throw StorageError.Duplicate();
            }
        }
        var token = SignedTokens.Create(req.Project, bucket + "/" + key, req.State.Options.UploadSignedUrlExpirationSeconds, TokenScope.Upload, w =>
        {
            if (sub is null) w.WriteNull("owner");
            else w.WriteString("owner", sub);
            w.WriteBoolean("upsert", upsert);
        });
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("url", $"/object/upload/sign/{bucket}/{key}?token={token}");
            w.WriteString("token", token);
            w.WriteEndObject();
        });
    });
}
