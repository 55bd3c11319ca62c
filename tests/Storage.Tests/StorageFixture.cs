using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Supacs.Storage;
using Supacs.Testing;

namespace Supacs.Storage.Tests;

/// <summary>A database cloned from a template with the storage migrations applied.</summary>
public class StorageDatabaseFixture : DatabaseFixture
{
    public const string TemplateName = "supacs_storage_template";

    protected override string Template => TemplateName;

    protected override Task PrepareTemplateAsync(TestPostgres server) =>
        server.EnsureTemplateAsync(TemplateName, conn => SupacsStorageExtensions.SchemaContributor().MigrateAsync(conn, CancellationToken.None));
}

/// <summary>The storage database plus a real HTTP host serving the Storage module, with helpers to call it.</summary>
public class StorageHostFixture : StorageDatabaseFixture, IAsyncLifetime
{
    public static readonly string Alice = "11111111-1111-4111-8111-111111111111";
    public static readonly string Bob = "22222222-2222-4222-8222-222222222222";

    private SupacsTestHost? _host;

    public SupacsTestHost Host => _host ?? throw new InvalidOperationException("Host not started.");
    public HttpClient Client => Host.Client;
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "supacs-storage-" + Guid.NewGuid().ToString("N")[..12]);
    public string ServiceKey => TestTokens.Keys.ServiceRoleKey;
    public string AnonKey => TestTokens.Keys.AnonKey;

    protected virtual string? ConfigToml => null;

    /// <summary>Runs before the host starts (e.g. a peer the host's config points at).</summary>
    protected virtual Task StartDependenciesAsync() => Task.CompletedTask;

    /// <summary>Runs after the host stopped.</summary>
    protected virtual Task StopDependenciesAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await StartDependenciesAsync();
        _host = await SupacsTestHost.StartAsync(Database, s => s.AddSupacsStorage(), app => app.MapSupacsStorage(), ConfigToml, DataDir);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        await StopDependenciesAsync();
        await DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string UserToken(string sub) => TestTokens.For(sub);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, "/storage/v1" + path) { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        configure?.Invoke(request);
        return await Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> JsonAsync(HttpMethod method, string path, string? token, object body) =>
        SendAsync(method, path, token, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    public async Task CreateBucketAsync(string name, bool isPublic = false, object? fileSizeLimit = null, string[]? mimes = null)
    {
        using var res = await JsonAsync(HttpMethod.Post, "/bucket", ServiceKey,
            new Dictionary<string, object?> { ["name"] = name, ["public"] = isPublic, ["file_size_limit"] = fileSizeLimit, ["allowed_mime_types"] = mimes });
        Assert.True(res.IsSuccessStatusCode, await res.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> UploadAsync(string bucket, string key, byte[] data, string? token = null, string contentType = "text/plain",
        bool upsert = false)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await SendAsync(HttpMethod.Post, $"/object/{bucket}/{key}", token ?? ServiceKey, content,
            r => { if (upsert) r.Headers.Add("x-upsert", "true"); });
    }

    public Task<T?> ScalarAsync<T>(string sql) => Database.ScalarAsync<T>(sql);

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage res) =>
        JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Files under the storage folder of the data dir (blobs and temp files).</summary>
    public string[] StoredFiles() =>
        Directory.Exists(Path.Combine(DataDir, "storage"))
            ? Directory.GetFiles(Path.Combine(DataDir, "storage"), "*", SearchOption.AllDirectories)
            : [];
}
