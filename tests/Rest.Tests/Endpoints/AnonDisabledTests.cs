using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>db-anon-role set to an empty value: no anonymous role.</summary>
public sealed class AnonDisabledFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_ANON_ROLE"] = "" };
}

/// <summary>
/// PGRST302 as PostgREST: with db-anon-role unset, a request whose role cannot be determined (no token, or a token
/// without a role claim) gets 401 "Anonymous access is disabled" with <c>WWW-Authenticate: Bearer</c>.
/// </summary>
public sealed class AnonDisabledTests(AnonDisabledFixture fx) : IClassFixture<AnonDisabledFixture>
{
    private static string TokenWithoutRole()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return TestTokens.Keys.SignPayload(JsonSerializer.Serialize(new { sub = RestFixture.Alice, iat = now, exp = now + 3600 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Request_without_a_role_is_refused(bool withToken)
    {
        var (status, body, response) = await fx.GetAsync("/tags?select=name", withToken ? TokenWithoutRole() : null);
        Assert.Equal(401, status);
        Assert.Equal("""{"code":"PGRST302","details":null,"hint":null,"message":"Anonymous access is disabled"}""",
            RestFixture.Norm(JsonSerializer.Serialize(JsonSerializer.Deserialize<SortedDictionary<string, object?>>(body))));
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/add", """{"a":1,"b":2}""", withToken ? TokenWithoutRole() : null);
        Assert.Equal(401, status);
        (status, _, _) = await fx.GetAsync("/", withToken ? TokenWithoutRole() : null);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Tokens_with_a_role_still_work()
    {
        var (status, body, _) = await fx.GetAsync("/tags?select=name&id=eq.1", TestTokens.For(null, "anon"));
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"sql"}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.GetAsync("/tags?select=name&id=eq.1", RestFixture.UserToken(RestFixture.Bob));
        Assert.Equal(200, status);
        // A bad token is still PGRST301, checked before the role.
        (status, body, _) = await fx.GetAsync("/tags", "not-a-jwt");
        Assert.Equal(401, status);
        Assert.Equal("PGRST301", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
