using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Data;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// POST /object/sign/{bucket}/{*name} {expiresIn}: the object must be readable by the caller; replies
/// {"signedURL": "/object/sign/bucket/name?token=…"} relative to the storage root, as upstream.
/// </summary>
internal static class SignUrl
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("POST", "/object/sign/{bucket}/{**name}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
        var body = await Json.ReadBodyAsync(ctx.Request);
        var expiresIn = Json.Int(body, "expiresIn") ?? throw StorageError.MissingParameter("expiresIn");
        if (expiresIn < 1) throw StorageError.InvalidRequest("body/expiresIn must be >= 1");
        var bucket = ctx.Route("bucket");
        var key = Names.Key(ctx.Route("name"), req.State.Options.UnicodeKeys);
        await using (var scope = await req.BeginAsync("storage.object.sign"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            _ = await StoredObject.FindAsync(scope, bucket, key) ?? throw StorageError.ObjectNotFound();
        }
        // With transform options the URL points at the image renderer and the token fixes the transformations.
        var transform = body.TryGetProperty("transform", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.Object
            ? Images.TransformOptions.FromJson(t) : null;
        var token = SignedTokens.Create(req.Project, bucket + "/" + key, expiresIn, TokenScope.Download,
            transform is null ? null : w => w.WriteString("transformations", transform.ToTokenString()));
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("signedURL", $"/{(transform is null ? "object" : "render/image")}/sign/{bucket}/{key}?token={token}");
            w.WriteEndObject();
        });
    });
}
