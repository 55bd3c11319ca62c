using Microsoft.AspNetCore.Routing;
using Supacs.Storage.Http;

namespace Supacs.Storage.Endpoints.Objects;

/// <summary>
/// PUT /object/upload/sign/{bucket}/{*name}?token=: no auth header; the token's owner and upsert apply and the
/// write runs as service_role. Replies {"Key": "bucket/name"}; a reused token without upsert → 409.
/// </summary>
internal static class UploadToSignedUrl
{
    public static void Map(IEndpointRouteBuilder g) => g.Map("PUT", "/object/upload/sign/{bucket}/{**name}", async ctx =>
    {
        var req = await StorageRequest.CreateAsync(ctx, AuthMode.None);
        var bucket = ctx.Route("bucket");
        var key = ctx.Route("name");
        var claims = await SignedTokens.VerifyAsync(req.Project, ctx.Request.Query["token"], bucket + "/" + key, TokenScope.Upload);
        var owner = Json.String(claims, "owner");
        var upsert = Json.Bool(claims, "upsert") ?? false;
        var body = await UploadBody.OpenAsync(ctx.Request, req.Aborted);
        var id = await ObjectWriter.UploadAsync(req, bucket, key, upsert, body, owner, probeAsCaller: false, "storage.object.upload_signed");
        await Json.WriteAsync(ctx.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", id);
            w.WriteString("Key", bucket + "/" + key);
            w.WriteEndObject();
        });
    });
}
