using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Supacs.Core.Projects;
using Supacs.Storage.Blobs;
using Supacs.Storage.Http;
using Supacs.Storage.S3;

namespace Supacs.Storage.Endpoints.S3;

/// <summary>
/// The S3 protocol at /s3 (path-style): authenticates SigV4, then dispatches on method, bucket/key and query as
/// S3 does. Every operation runs through the same Storage flows as REST, so RLS and limits apply alike.
/// </summary>
internal static partial class S3Endpoint
{
    private static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

    public static void Map(IEndpointRouteBuilder g)
    {
        g.MapMethods("/s3", Methods, HandleAsync);
        g.MapMethods("/s3/{bucket}", Methods, HandleAsync);
        g.MapMethods("/s3/{bucket}/{**key}", Methods, HandleAsync);
    }

    private static async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            var state = StorageState.Of(ctx.GetSupacsProject());
            if (ctx.Route("key").Length == 0 && ctx.Route("bucket").Length > 0 && S3PostObject.Matches(ctx))
            {
                await S3PostObject.HandleAsync(ctx, state, ctx.Route("bucket"));
                return;
            }
            var caller = await S3Auth.AuthenticateAsync(ctx, state);
            var req = await StorageRequest.ForIdentityAsync(ctx, state, caller.Identity);
            await DispatchAsync(ctx, req, caller);
        }
        catch (StorageError e)
        {
            await S3Xml.ErrorAsync(ctx, e);
        }
        catch (PostgresException e)
        {
            await S3Xml.ErrorAsync(ctx, StorageError.FromPostgres(e));
        }
        catch (BlobTooLargeException)
        {
            await S3Xml.ErrorAsync(ctx, 413, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
        }
        catch (S3SignatureException e)
        {
            await S3Xml.ErrorAsync(ctx, 403, "SignatureDoesNotMatch", e.Message);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException or BadHttpRequestException)
        {
            await S3Xml.ErrorAsync(ctx, 400, e is System.Xml.XmlException ? "MalformedXML" : "InvalidRequest", e.Message);
        }
        catch (IOException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogUnhandled(ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Supacs.Storage.S3"), ctx.Request.Path.Value, e);
            await S3Xml.ErrorAsync(ctx, 500, "InternalError", "We encountered an internal error. Please try again.");
        }
    }

    private static Task DispatchAsync(HttpContext ctx, StorageRequest req, S3Caller caller)
    {
        var bucket = ctx.Route("bucket");
        var key = ctx.Route("key");
        var q = ctx.Request.Query;
        var m = ctx.Request.Method;
        if (bucket.Length == 0)
            return m == "GET" ? S3Buckets.ListAsync(ctx, req) : NotImplemented(ctx);
        if (key.Length == 0)
        {
            return m switch
            {
                "GET" when q.ContainsKey("location") => S3Buckets.LocationAsync(ctx, req, bucket),
                "GET" when q.ContainsKey("versioning") => S3Buckets.VersioningAsync(ctx, req, bucket),
                "GET" when q.ContainsKey("uploads") => S3Multipart.ListUploadsAsync(ctx, req, bucket),
                "GET" => S3Listing.ListAsync(ctx, req, bucket, v2: q["list-type"] == "2"),
                "PUT" => S3Buckets.CreateAsync(ctx, req, bucket),
                "DELETE" => S3Buckets.DeleteAsync(ctx, req, bucket),
                "HEAD" => S3Buckets.HeadAsync(ctx, req, bucket),
                "POST" when q.ContainsKey("delete") => S3Objects.DeleteManyAsync(ctx, req, bucket),
                _ => NotImplemented(ctx),
            };
        }
        return m switch
        {
            "PUT" when q.ContainsKey("uploadId") && ctx.Request.Headers.ContainsKey("x-amz-copy-source") => S3Multipart.UploadPartCopyAsync(ctx, req, bucket, key),
            "PUT" when q.ContainsKey("uploadId") => S3Multipart.UploadPartAsync(ctx, req, caller, bucket, key),
            "PUT" when ctx.Request.Headers.ContainsKey("x-amz-copy-source") => S3Objects.CopyAsync(ctx, req, bucket, key),
            "PUT" => S3Objects.PutAsync(ctx, req, caller, bucket, key),
            "GET" when q.ContainsKey("uploadId") => S3Multipart.ListPartsAsync(ctx, req, bucket, key),
            "GET" when q.ContainsKey("tagging") => S3Objects.TaggingAsync(ctx, req, bucket, key),
            "GET" or "HEAD" => S3Objects.GetAsync(ctx, req, bucket, key),
            "DELETE" when q.ContainsKey("uploadId") => S3Multipart.AbortAsync(ctx, req, bucket, key),
            "DELETE" => S3Objects.DeleteAsync(ctx, req, bucket, key),
            "POST" when q.ContainsKey("uploads") => S3Multipart.CreateAsync(ctx, req, bucket, key),
            "POST" when q.ContainsKey("uploadId") => S3Multipart.CompleteAsync(ctx, req, bucket, key),
            _ => NotImplemented(ctx),
        };
    }

    private static Task NotImplemented(HttpContext ctx) =>
        S3Xml.ErrorAsync(ctx, 501, "NotImplemented", "A header or query you provided implies functionality that is not implemented.");

    [LoggerMessage(EventId = 5101, Level = LogLevel.Error, Message = "S3 request {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string? path, Exception e);
}
