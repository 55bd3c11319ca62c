using Microsoft.AspNetCore.Http;
using NpgsqlTypes;
using Supacs.Storage.Data;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>ListBuckets, CreateBucket (x-amz-acl public-read → public), DeleteBucket, HeadBucket, GetBucketLocation/Versioning.</summary>
internal static class S3Buckets
{
    public static async Task ListAsync(HttpContext ctx, StorageRequest req)
    {
        var buckets = new List<Bucket>();
        await using (var scope = await req.BeginAsync("storage.s3.bucket.list"))
        {
            await using var cmd = await scope.CommandAsync($"SELECT {Bucket.Columns} FROM storage.buckets ORDER BY name");
            await using var r = await cmd.ExecuteReaderAsync(req.Aborted);
            while (await r.ReadAsync(req.Aborted)) buckets.Add(Bucket.Read(r));
        }
        await S3Xml.WriteAsync(ctx.Response, "ListAllMyBucketsResult", w =>
        {
            w.WriteStartElement("Owner", S3Xml.Ns);
            w.WriteElementString("ID", S3Xml.Ns, "supacs");
            w.WriteElementString("DisplayName", S3Xml.Ns, "supacs");
            w.WriteEndElement();
            w.WriteStartElement("Buckets", S3Xml.Ns);
            foreach (var b in buckets)
            {
                w.WriteStartElement("Bucket", S3Xml.Ns);
                w.WriteElementString("Name", S3Xml.Ns, b.Id);
                w.WriteElementString("CreationDate", S3Xml.Ns, S3Xml.Time(b.CreatedAt ?? DateTime.UtcNow));
                w.WriteEndElement();
            }
            w.WriteEndElement();
        });
    }

    public static async Task CreateAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        Names.Bucket(bucket);
        var isPublic = ctx.Request.Headers["x-amz-acl"].ToString() is "public-read" or "public-read-write";
        var sub = req.Identity.Subject;
        await using (var scope = await req.BeginAsync("storage.s3.bucket.create"))
        {
            await using var cmd = await scope.CommandAsync(
                "INSERT INTO storage.buckets (id, name, owner, owner_id, public) VALUES ($1, $1, $2, $3, $4)",
                bucket, Guid.TryParse(sub, out var o) ? o : null, sub, isPublic);
            cmd.Parameters[1].NpgsqlDbType = NpgsqlDbType.Uuid;
            cmd.Parameters[2].NpgsqlDbType = NpgsqlDbType.Text;
            try
            {
                await cmd.ExecuteNonQueryAsync(req.Aborted);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == "23505")
            {
                throw new StorageError("409", "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", "BucketAlreadyOwnedByYou");
            }
            await scope.CommitAsync();
        }
        ctx.Response.Headers.Location = "/" + bucket;
        ctx.Response.StatusCode = 200;
    }

    public static async Task DeleteAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        await using (var scope = await req.BeginAsync("storage.s3.bucket.delete"))
        {
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
            await scope.AsServiceAsync();
            await using (var count = await scope.CommandAsync("SELECT EXISTS (SELECT 1 FROM storage.objects WHERE bucket_id = $1)", bucket))
                if ((bool)(await count.ExecuteScalarAsync(req.Aborted))!) throw StorageError.BucketNotEmpty();
            await scope.AsUserAsync();
            if (await scope.ExecuteAsync("DELETE FROM storage.buckets WHERE id = $1", bucket) == 0) throw StorageError.AccessDenied("Access Denied");
            await scope.CommitAsync();
        }
        await req.State.Blobs.DeleteBucketAsync(bucket, CancellationToken.None);
        ctx.Response.StatusCode = 204;
    }

    public static async Task HeadAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        await using var scope = await req.BeginAsync("storage.s3.bucket.head");
        _ = await Bucket.FindAsync(scope, bucket) ?? throw StorageError.BucketNotFound();
        ctx.Response.StatusCode = 200;
    }

    public static async Task LocationAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        await using (var scope = await req.BeginAsync("storage.s3.bucket.location"))
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
        await S3Xml.WriteAsync(ctx.Response, "LocationConstraint", w => w.WriteString(""));
    }

    public static async Task VersioningAsync(HttpContext ctx, StorageRequest req, string bucket)
    {
        await using (var scope = await req.BeginAsync("storage.s3.bucket.versioning"))
            _ = await Bucket.RequireAsServiceAsync(scope, bucket);
        await S3Xml.WriteAsync(ctx.Response, "VersioningConfiguration", _ => { });
    }
}
