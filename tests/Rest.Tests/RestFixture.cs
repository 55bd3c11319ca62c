using System.Net.Http.Headers;
using System.Text;
using Supacs.Rest.Schema;
using Supacs.Testing;

namespace Supacs.Rest.Tests;

/// <summary>
/// A database with the REST module's migration and a small blog schema (users, posts, comments, tags via a
/// junction, messages with two FKs to users, RLS-protected notes, functions), served by a real test host.
/// </summary>
public class RestFixture : DatabaseFixture, IAsyncLifetime
{
    public const string TemplateName = "supacs_rest_template";
    public static readonly Guid Alice = Guid.Parse("11111111-1111-1111-1111-111111111111");
    public static readonly Guid Bob = Guid.Parse("22222222-2222-2222-2222-222222222222");

    public SupacsTestHost Host { get; private set; } = null!;

    protected override string Template => TemplateName;

    protected virtual string? ConfigToml => null;

    /// <summary>PGRST_* settings for this fixture's project only (the process environment is shared by test classes).</summary>
    protected virtual IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string>();

    protected override Task PrepareTemplateAsync(TestPostgres server) =>
        server.EnsureTemplateAsync(TemplateName, conn => new RestSchemaContributor().MigrateAsync(conn, CancellationToken.None));

    /// <summary>The blog schema and data, shared with the compat tests' fixture project (one source for both).</summary>
    public static readonly string Sql = File.ReadAllText(
        RepoPaths.Combine("compat-tests", "fixtures", "rest", "supabase", "migrations", "20240101000000_blog.sql"));

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(Sql);
        Host = await SupacsTestHost.StartAsync(database, s => s.AddSupacsRest(), app => app.MapSupacsRest(), ConfigToml);
        // Registered before the first request, so RestSettings.For finds these settings.
        Host.Project.Feature(p => new Supacs.Rest.Config.RestConfigState(p, n => Env.TryGetValue(n, out var v) ? v : Environment.GetEnvironmentVariable(n),
            Env.Keys.Concat(Environment.GetEnvironmentVariables().Keys.Cast<string>())));
    }

    public new async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>JSON without PostgreSQL's json_agg whitespace, for exact comparisons.</summary>
    /// <summary>Polls <paramref name="done"/> every 50 ms until it holds; fails with <paramref name="failure"/> after 10 s.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await done()) return;
            await Task.Delay(50);
        }
        Assert.Fail(failure);
    }

    public static string Norm(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();

    public static string UserToken(Guid user) => TestTokens.For(user.ToString());

    public static string ServiceToken => TestTokens.For(null, "service_role");

    /// <summary>Sends a request; headers as "Name: value" strings.</summary>
    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? body = null,
        string? token = null, params string[] headers)
    {
        using var request = new HttpRequestMessage(method, "/rest/v1" + path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var h in headers)
        {
            var i = h.IndexOf(':', StringComparison.Ordinal);
            var name = h[..i].Trim();
            var value = h[(i + 1)..].Trim();
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
                continue;
            }
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await Host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, response);
    }

    public Task<(int Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? token = null, params string[] headers) =>
        SendAsync(HttpMethod.Get, path, null, token, headers);
}
