using System.Globalization;
using Microsoft.AspNetCore.Http;
using Supacs.Storage.Blobs;
using Supacs.Storage.Data;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;
using Supacs.Storage.Tus;

namespace Supacs.Storage.Endpoints.Resumable;

/// <summary>Shared steps of the TUS endpoints: auth (JWT or x-signature), appending bytes, completing the object.</summary>
internal static class Resumable
{
    /// <summary>Runs a TUS handler: Tus-Resumable on every reply, and Storage errors with their real HTTP status as upstream's TusError.</summary>
    public static async Task RunAsync(HttpContext ctx, Func<Task> handler)
    {
        ctx.Response.Headers["Tus-Resumable"] = TusHeaders.Version;
        try
        {
            await handler();
        }
        catch (StorageError e)
        {
            throw WithRealStatus(e);
        }
        catch (Npgsql.PostgresException e)
        {
            throw WithRealStatus(StorageError.FromPostgres(e));
        }
        catch (BlobTooLargeException)
        {
            throw WithRealStatus(StorageError.TooLarge());
        }
    }

    private static StorageError WithRealStatus(StorageError e) => new(e.StatusCode, e.Error, e.Message, e.Code, ParseStatus(e.StatusCode));

    private static int ParseStatus(string s) => int.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : 400;

    public static bool IsSigned(HttpContext ctx) => ctx.Request.Path.Value?.Contains("/upload/resumable/sign", StringComparison.Ordinal) == true;

    /// <summary>The caller: a JWT, or for the /sign variant the x-signature token issued for bucket/name.</summary>
    public static async Task<(StorageRequest Req, string? Owner, bool? TokenUpsert)> AuthorizeAsync(HttpContext ctx, string bucket, string name)
    {
        if (!IsSigned(ctx))
        {
            var req = await StorageRequest.CreateAsync(ctx, AuthMode.Required);
            return (req, req.Identity.Subject, null);
        }
        var signedReq = await StorageRequest.CreateAsync(ctx, AuthMode.None);
        var claims = await SignedTokens.VerifyAsync(signedReq.Project, ctx.Request.Headers["x-signature"].ToString(), bucket + "/" + name, TokenScope.Upload);
        return (signedReq, Json.String(claims, "owner"), Json.Bool(claims, "upsert") ?? false);
    }

    public static async Task<TusUpload> LoadAsync(StorageRequest req, string id)
    {
        var upload = await req.State.Tus.LoadAsync(id, req.Aborted) ?? throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
        if (upload.ExpiresAt < DateTime.UtcNow)
        {
            await req.State.Tus.RemoveAsync(id);
            throw new StorageError("410", "Gone", "The upload has expired", "NoSuchUpload");
        }
        return upload;
    }

    /// <summary>
    /// Appends the request body at <paramref name="expectedOffset"/> (409 on mismatch), keeping what arrived if the
    /// client goes away, and completes the object when the last byte is in. Returns the new offset.
    /// </summary>
    public static async Task<long> AppendAsync(HttpContext ctx, StorageRequest req, TusUpload upload, long expectedOffset, long? declaredLength = null)
    {
        var store = req.State.Tus;
        long offset;
        await using (await LockAsync(req, upload.Id))
        {
            offset = await store.OffsetAsync(upload.Id, req.Aborted);
            if (offset < 0) throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
            if (offset != expectedOffset) throw new StorageError("409", "Conflict", "Upload-Offset conflict", "InvalidUploadOffset");
            // Re-read under the lock: another node may have set a deferred length meanwhile.
            upload = await store.LoadAsync(upload.Id, req.Aborted) ?? throw new StorageError("404", "NoSuchUpload", "Upload not found", "NoSuchUpload");
            if (declaredLength is { } declared && upload.Deferred)
            {
                if (declared < offset) throw StorageError.InvalidRequest("Upload-Length is smaller than the current offset");
                if (declared > upload.MaxSize) throw StorageError.TooLarge();
                upload = upload with { Length = declared };
                await store.SaveAsync(upload, req.Aborted);
            }
            else if (declaredLength is { } again && again != upload.Length)
                throw StorageError.InvalidRequest("Upload-Length cannot be changed");
            var remaining = upload.Deferred ? upload.MaxSize - offset : upload.Length - offset;
            // What arrived before the client went away is kept (TUS resumes from there), so the store writes
            // without the request's cancellation and the body simply ends early.
            offset += await store.AppendAsync(upload.Id, new ClientBodyStream(ctx.Request.Body, req.Aborted), remaining, CancellationToken.None);
            if (offset == upload.Length)
            {
                await CompleteAsync(req, upload);
                ctx.Response.Headers["Tus-Complete"] = "1";
            }
        }
        return offset;
    }

    /// <summary>The upload's cross-node lock (PostgreSQL advisory lock), waited for up to 30 s.</summary>
    public static Task<IAsyncDisposable> LockAsync(StorageRequest req, string id) =>
        TusLock.LockAsync(req.Project.Database.Admin, id, TimeSpan.FromSeconds(30), req.Aborted);

    private static async Task CompleteAsync(StorageRequest req, TusUpload u)
    {
        try
        {
            var written = await req.State.Tus.CompleteAsync(u, req.State.Blobs, new BlobKey(u.Bucket, u.Name, u.Version), CancellationToken.None);
            var metadata = new ObjectMetadata(written.Size, u.ContentType, u.CacheControl, written.ETag, DateTime.UtcNow);
            await ObjectWriter.CommitRowAsync(req, u.Bucket, u.Name, u.Upsert, u.Owner, metadata, u.UserMetadata, u.Version, "storage.object.upload");
        }
        finally
        {
            await req.State.Tus.RemoveAsync(u.Id);
        }
    }
}

/// <summary>A request body that ends instead of failing when the client disconnects, so the bytes received are kept.</summary>
internal sealed class ClientBodyStream(Stream body, CancellationToken aborted) : ReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await body.ReadAsync(buffer, aborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return 0;
        }
    }
}
