using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Supacs.Auth.Tests.Infrastructure;
using Supacs.Testing;

namespace Supacs.Auth.Tests.OAuth;

/// <summary>An Auth host whose GitHub provider points at a local fake GitHub (token endpoint answering form-encoded).</summary>
public sealed class GitHubFixture : AuthHostFixture
{
    public HttpPeer GitHub { get; private set; } = null!;
    public const long NextId = 4242;

    protected override string ConfigToml => $"""
        [auth.external.github]
        enabled = true
        client_id = "gh-id"
        secret = "gh-secret"
        url = "{GitHub.Url}"
        """;

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        GitHub = await HttpPeer.StartAsync(app =>
        {
            app.MapPost("/login/oauth/access_token", async (HttpContext ctx) =>
            {
                var form = await ctx.Request.ReadFormAsync();
                if (form["client_secret"] != "gh-secret" || form["code"] != "good-code")
                    return Results.Json(new { error = "bad_verification_code", error_description = "The code passed is incorrect or expired." });
                // GitHub answers form-encoded unless asked for JSON; this fake always does, to cover that path.
                return Results.Text("access_token=gho_token123&scope=user%3Aemail&token_type=bearer", "application/x-www-form-urlencoded");
            });
            app.MapGet("/api/v3/user", (HttpContext ctx) => ctx.Request.Headers.Authorization == "Bearer gho_token123"
                ? Results.Json(new { id = NextId, login = "octocat", name = "Mona Lisa", avatar_url = "https://avatars.example.com/u/1", email = (string?)null })
                : Results.Json(new { message = "Bad credentials" }, statusCode: 401));
            app.MapGet("/api/v3/user/emails", () => Results.Json(new[]
            {
                new { email = "second@example.com", primary = false, verified = true },
                new { email = $"Octo{NextId}@Example.com", primary = true, verified = true },
            }));
        });
        await base.InitializeDatabaseAsync(database);
    }

    protected override async Task DisposeExtrasAsync() => await GitHub.DisposeAsync();
}

public sealed class GitHubProviderTests(GitHubFixture fixture) : IClassFixture<GitHubFixture>
{
    private HttpClient NoRedirects() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };

    [Fact]
    public async Task GitHub_sign_in_maps_user_and_primary_email_like_GoTrue()
    {
        using var client = NoRedirects();
        var start = await client.GetAsync("/auth/v1/authorize?provider=github&redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&scopes=repo");
        Assert.Equal(302, (int)start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(fixture.GitHub.Url + "/login/oauth/authorize?", authorize.ToString(), StringComparison.Ordinal);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal("gh-id", query["client_id"]);
        Assert.Equal("user:email repo", query["scope"]);

        var callback = await client.GetAsync($"/auth/v1/callback?code=good-code&state={query["state"]}");
        Assert.Equal(302, (int)callback.StatusCode);
        var fragment = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Headers.Location!.Fragment.TrimStart('#'));
        Assert.Equal("gho_token123", fragment["provider_token"]);
        var (status, user, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: fragment["access_token"]);
        Assert.Equal(200, status);
        Assert.Equal($"octo{GitHubFixture.NextId}@example.com", user.GetProperty("email").GetString());
        var meta = user.GetProperty("user_metadata");
        Assert.Equal("octocat", meta.GetProperty("user_name").GetString());
        Assert.Equal("Mona Lisa", meta.GetProperty("full_name").GetString());
        Assert.Equal(fixture.GitHub.Url + "/api/v3", meta.GetProperty("iss").GetString());
        Assert.Equal(GitHubFixture.NextId.ToString(System.Globalization.CultureInfo.InvariantCulture), meta.GetProperty("provider_id").GetString());
        Assert.True(meta.GetProperty("email_verified").GetBoolean());
        Assert.Equal("github", user.GetProperty("app_metadata").GetProperty("provider").GetString());
        Assert.All(fixture.GitHub.Requests.Where(r => r.PathAndQuery.StartsWith("/api/v3/", StringComparison.Ordinal)),
            r => Assert.Equal("Bearer gho_token123", r.Headers.Authorization.ToString()));
    }

    [Fact]
    public async Task A_refused_code_redirects_to_the_app_with_the_error()
    {
        using var client = NoRedirects();
        var start = await client.GetAsync("/auth/v1/authorize?provider=github&redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fcb");
        var state = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(start.Headers.Location!.Query)["state"];
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var callback = await client.GetAsync($"/auth/v1/callback?code=bad-code&state={state}");
        Assert.Equal(302, (int)callback.StatusCode);
        var location = callback.Headers.Location!;
        Assert.StartsWith("http://127.0.0.1:3000/cb#", location.ToString(), StringComparison.Ordinal);
        var error = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Fragment.TrimStart('#'));
        Assert.Equal("server_error", error["error"]);
        Assert.Contains("The code passed is incorrect or expired", error["error_description"].ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }
}
