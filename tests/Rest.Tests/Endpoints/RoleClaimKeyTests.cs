using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class RoleClaimKeyFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } =
        new Dictionary<string, string> { ["PGRST_JWT_ROLE_CLAIM_KEY"] = ".app_metadata.roles[0]" };
}

/// <summary>jwt-role-claim-key (PGRST_JWT_ROLE_CLAIM_KEY): the role is read from a JSPath into the claims.</summary>
public sealed class RoleClaimKeyTests(RoleClaimKeyFixture fx) : IClassFixture<RoleClaimKeyFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE OR REPLACE FUNCTION public.whoami() RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
        GRANT EXECUTE ON FUNCTION public.whoami() TO anon, authenticated, service_role;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly string[] Roles = ["service_role", "x"];

    [Fact]
    public async Task Role_comes_from_the_configured_claim_path()
    {
        var token = TestTokens.For(null, "anon", new Dictionary<string, object> { ["app_metadata"] = new { roles = Roles } });
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}", token);
        Assert.Equal(200, status);
        Assert.Equal("\"service_role\"", body);
    }

    [Fact]
    public async Task Missing_claim_at_the_path_means_the_anon_role()
    {
        var token = TestTokens.For(null, "service_role");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}", token);
        Assert.Equal(200, status);
        Assert.Equal("\"anon\"", body);
    }
}

public sealed class RoleClaimFilterFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } =
        new Dictionary<string, string> { ["PGRST_JWT_ROLE_CLAIM_KEY"] = ".app_metadata.roles[?(@ ^== \"service\")]" };
}

/// <summary>jwt-role-claim-key with a JSPath filter expression: the first array element matching it is the role.</summary>
public sealed class RoleClaimFilterTests(RoleClaimFilterFixture fx) : IClassFixture<RoleClaimFilterFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE OR REPLACE FUNCTION public.whoami() RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
        CREATE OR REPLACE FUNCTION public.claimed_role() RETURNS text LANGUAGE sql AS $$ SELECT current_setting('request.jwt.claims')::json->>'role' $$;
        GRANT EXECUTE ON FUNCTION public.whoami(), public.claimed_role() TO anon, authenticated, service_role;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly string[] Matching = ["editor", "service_role"];
    private static readonly string[] NotMatching = ["editor", "viewer"];

    [Fact]
    public async Task Role_is_the_first_element_matching_the_filter()
    {
        var token = TestTokens.For(null, "authenticated", new Dictionary<string, object> { ["app_metadata"] = new { roles = Matching } });
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}", token);
        Assert.Equal(200, status);
        Assert.Equal("\"service_role\"", body);
    }

    [Fact]
    public async Task Claims_name_the_role_switched_to()
    {
        // As PostgREST: request.jwt.claims carries the effective role, not the token's own role claim.
        var token = TestTokens.For(null, "authenticated", new Dictionary<string, object> { ["app_metadata"] = new { roles = Matching } });
        Assert.Equal("\"service_role\"", (await fx.SendAsync(HttpMethod.Post, "/rpc/claimed_role", "{}", token)).Body);
        var other = TestTokens.For(null, "authenticated", new Dictionary<string, object> { ["app_metadata"] = new { roles = NotMatching } });
        Assert.Equal("\"anon\"", (await fx.SendAsync(HttpMethod.Post, "/rpc/claimed_role", "{}", other)).Body);
    }

    [Fact]
    public async Task No_matching_element_means_the_anon_role()
    {
        var token = TestTokens.For(null, "authenticated", new Dictionary<string, object> { ["app_metadata"] = new { roles = NotMatching } });
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/whoami", "{}", token);
        Assert.Equal(200, status);
        Assert.Equal("\"anon\"", body);
    }
}
