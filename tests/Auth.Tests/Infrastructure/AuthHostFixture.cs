using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Supacs.Auth.Schema;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Infrastructure;

/// <summary>A database cloned from a per-process template with the auth schema, and a real Auth host over it.</summary>
public class AuthHostFixture : DatabaseFixture, IAsyncLifetime
{
    public const string TemplateName = "supacs_auth_template";

    public SupacsTestHost Host { get; private set; } = null!;
    public HttpClient Client => Host.Client;

    protected override string Template => TemplateName;

    /// <summary>config.toml for this class's host.</summary>
    protected virtual string ConfigToml => "";

    /// <summary>GOTRUE_* variables this class's host sees (instead of the process environment).</summary>
    protected virtual IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>();

    /// <summary>The project's keys (null: <see cref="TestTokens.Keys"/>, HS256 only).</summary>
    protected virtual Core.Keys.JwtKeys? Keys => null;

    protected override Task PrepareTemplateAsync(TestPostgres server) =>
        server.EnsureTemplateAsync(TemplateName, conn => new AuthSchemaContributor().MigrateAsync(conn, CancellationToken.None));

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        Host = await SupacsTestHost.StartAsync(database, s => s.AddSingleton(new AuthEnvironment(name => Environment.TryGetValue(name, out var v) ? v : null)).AddSupacsAuth(), app => app.MapSupacsAuth(), ConfigToml, keys: Keys);
    }

    // DatabaseFixture.DisposeAsync is not virtual: re-implement the interface so the host stops first.
    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        await DisposeExtrasAsync();
        await DisposeAsync();
    }

    /// <summary>Stops what a derived fixture started (SMTP sinks…), after the host.</summary>
    protected virtual Task DisposeExtrasAsync() => Task.CompletedTask;

    public static string ServiceRole => TestTokens.For(null, "service_role");

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, object? body = null,
        string? bearer = null, bool versioned = true)
    {
        using var request = new HttpRequestMessage(method, "/auth/v1" + path);
        if (body is not null) request.Content = body is string s ? new StringContent(s, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (versioned) request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, json, response);
    }

    public Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, object? body, string? bearer = null, bool versioned = true) =>
        SendAsync(HttpMethod.Post, path, body, bearer, versioned);

    /// <summary>Signs up (autoconfirm) and returns the session JSON.</summary>
    public async Task<JsonElement> SignUpAsync(string email, string password = "password123", object? data = null)
    {
        var (status, body, _) = await PostAsync("/signup", new { email, password, data });
        Assert.True(status == 200, body.ToString());
        return body;
    }

    public static string NewEmail() => $"u{Guid.NewGuid():N}"[..12] + "@example.com";

    /// <summary>The payload of a JWT, decoded without checking it.</summary>
    public static JsonElement Claims(string jwt)
    {
        var part = jwt.Split('.')[1];
        return JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(part)).RootElement.Clone();
    }
}
