using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>GET /object/info/{bucket}/{*name} (+ /info/authenticated/, /info/public/): the object's attributes.</summary>
internal static class ObjectInfo
{
    public static void Map(IEndpointRouteBuilder g)
    {
        g.Map("GET", "/object/info/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.Optional, ReadAccess.Caller));
        g.Map("GET", "/object/info/authenticated/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.Required, ReadAccess.Caller));
        g.Map("GET", "/object/info/public/{bucket}/{**name}", ctx => HandleAsync(ctx, AuthMode.None, ReadAccess.Public));
    }

    private static async Task HandleAsync(HttpContext ctx, AuthMode auth, ReadAccess access)
    {
        var req = await StorageRequest.CreateAsync(ctx, auth);
        var obj = await ObjectReader.FindAsync(req, ctx.Route("bucket"), ctx.Route("name"), access, "storage.object.info");
        var m = obj.Metadata;
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", obj.Id);
            w.WriteString("name", obj.Name);
            w.WriteString("version", obj.Version);
            w.WriteString("bucket_id", obj.BucketId);
            w.WriteNumber("size", m.Size);
            w.WriteString("content_type", m.ContentType);
            w.WriteString("cache_control", m.CacheControl);
            w.WriteString("etag", m.ETag);
            Json.WriteRaw(w, "metadata", obj.UserMetadataJson ?? "{}");
            Json.WriteTime(w, "last_modified", obj.UpdatedAt);
            Json.WriteTime(w, "created_at", obj.CreatedAt);
            w.WriteEndObject();
        });
    }
}
