using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// DELETE /object/{bucket} {prefixes: [...]}: exact keys (not prefixes, as upstream), deleted as the caller;
/// rows RLS hides are skipped silently. Replies with the deleted rows.
/// Beyond Supabase: with <c>"recursive": true</c>, an entry ending in '/' also deletes every key under that folder
/// (literal prefix, still as the caller, so RLS decides row by row).
/// </summary>
internal static class DeleteObjects
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("DELETE", "/object/{bucket}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var bucket = ctx.Route("bucket");
        var body = await Json.ReadBodyAsync(ctx.Request);
        if (!body.TryGetProperty("prefixes", out var p) || p.ValueKind != JsonValueKind.Array) throw StorageError.MissingParameter("prefixes");
        var keys = p.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        if (keys.Length > 1000) throw StorageError.InvalidRequest("body/prefixes must NOT have more than 1000 items");
        var recursive = Json.Bool(body, "recursive") ?? false;
        var folders = recursive ? keys.Where(k => k.EndsWith('/') && k.Length > 1).ToArray() : [];
        await using var scope = await req.BeginAsync("storage.object.delete");
        _ = await Bucket.RequireAsServiceAsync(scope, bucket);
        var rows = new List<StoredObject>();
        await using (var cmd = await scope.CommandAsync(
            $"DELETE FROM storage.objects WHERE bucket_id = $1 AND (name = ANY($2) OR EXISTS (SELECT 1 FROM unnest($3::text[]) f WHERE left(name, length(f)) = f)) " +
            $"RETURNING {StoredObject.Columns}", bucket, keys, folders))
        await using (var r = await cmd.ExecuteReaderAsync(req.Aborted))
            while (await r.ReadAsync(req.Aborted)) rows.Add(StoredObject.Read(r));
        await scope.CommitAsync();
        await req.State.Blobs.DeleteAsync(rows.Where(r => r.Version is not null).Select(r => r.Blob).ToList(), CancellationToken.None);
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartArray();
            foreach (var o in rows)
            {
                w.WriteStartObject();
                w.WriteString("bucket_id", o.BucketId);
                w.WriteString("name", o.Name);
                w.WriteString("id", o.Id);
                if (o.Owner is null) w.WriteNull("owner");
                else w.WriteString("owner", o.Owner);
                if (o.Owner is null) w.WriteNull("owner_id");
                else w.WriteString("owner_id", o.Owner);
                w.WriteString("version", o.Version);
                Json.WriteTime(w, "updated_at", o.UpdatedAt);
                Json.WriteTime(w, "created_at", o.CreatedAt);
                Json.WriteTime(w, "last_accessed_at", o.LastAccessedAt);
                Json.WriteRaw(w, "metadata", o.MetadataJson);
                Json.WriteRaw(w, "user_metadata", o.UserMetadataJson);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });
}
