using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Storage.Endpoints.Buckets;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Endpoints.Render;
using Supacs.Storage.Endpoints.Resumable;
using Supacs.Storage.Endpoints.S3;
using Supacs.Storage.Schema;

namespace Supacs.Storage;

/// <summary>The Storage module's public surface: register with AddSupacsStorage, mount with MapSupacsStorage.</summary>
public static class SupacsStorageExtensions
{
    public const string DefaultPrefix = "/storage/v1";

    /// <summary>Registers the Storage module's services (its ISchemaContributor, options, per-project state).</summary>
    public static IServiceCollection AddSupacsStorage(this IServiceCollection services)
    {
        services.AddSingleton(new SupacsModule("storage", DefaultPrefix));
        services.AddSingleton<ISchemaContributor>(sp => new StorageSchema(sp.GetService<Supacs.Core.Projects.ProjectRegistry>()));
        return services;
    }

    /// <summary>
    /// The S3 protocol credentials of a project (what `supabase status` prints as S3 Access Key / Secret Key):
    /// env S3_PROTOCOL_ACCESS_KEY_ID / S3_PROTOCOL_ACCESS_KEY_SECRET, else derived from the JWT secret.
    /// </summary>
    public static (string AccessKeyId, string SecretAccessKey) S3Credentials(string jwtSecret) => StorageState.S3Credentials(jwtSecret);

    /// <summary>The storage schema's migrations, for hosts and tests that migrate a database themselves.</summary>
    public static ISchemaContributor SchemaContributor() => new StorageSchema();

    /// <summary>Maps the Storage endpoints under <paramref name="prefix"/>.</summary>
    public static RouteGroupBuilder MapSupacsStorage(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var g = endpoints.MapGroup(prefix);
        ListBuckets.Map(g);
        GetBucket.Map(g);
        CreateBucket.Map(g);
        UpdateBucket.Map(g);
        DeleteBucket.Map(g);
        EmptyBucket.Map(g);

        UploadObject.Map(g);
        DownloadObject.Map(g);
        ObjectInfo.Map(g);
        ListObjects.Map(g);
        ListObjectsV2.Map(g);
        MoveObject.Map(g);
        CopyObject.Map(g);
        DeleteObject.Map(g);
        DeleteObjects.Map(g);
        SignUrl.Map(g);
        SignUrls.Map(g);
        DownloadSigned.Map(g);
        SignUploadUrl.Map(g);
        UploadToSignedUrl.Map(g);

        CreateUpload.Map(g);
        PatchUpload.Map(g);
        UploadStatus.Map(g);
        DeleteUpload.Map(g);

        S3Endpoint.Map(g);
        RenderImage.Map(g);
        Endpoints.StatusEndpoints.Map(g);
        return g;
    }
}
