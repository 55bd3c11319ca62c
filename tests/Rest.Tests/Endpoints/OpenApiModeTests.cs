using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// openapi-mode: follow-privileges (PostgREST's default) describes only what the request's role may use;
/// ignore-privileges describes everything; disabled answers PGRST126.
/// </summary>
public class OpenApiPrivilegesFixture : RestFixture
{
    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        // After the blog schema, whose last lines grant every public table to anon; no request has loaded the cache yet.
        await base.InitializeDatabaseAsync(database);
        await database.ExecuteAsync("""
            CREATE TABLE public.staff_only (id int PRIMARY KEY, salary int);
            REVOKE ALL ON public.staff_only FROM anon, authenticated;
            GRANT SELECT ON public.staff_only TO service_role;
            CREATE TABLE public.column_only (id int PRIMARY KEY, secret text);
            REVOKE ALL ON public.column_only FROM anon;
            GRANT SELECT (id) ON public.column_only TO anon;
            CREATE FUNCTION public.staff_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
            REVOKE EXECUTE ON FUNCTION public.staff_fn() FROM PUBLIC, anon, authenticated;
            GRANT EXECUTE ON FUNCTION public.staff_fn() TO service_role;
            """);
    }
}

public sealed class OpenApiFollowPrivilegesTests(OpenApiPrivilegesFixture fx) : IClassFixture<OpenApiPrivilegesFixture>
{
    private async Task<JsonElement> DocAsync(string? token)
    {
        var (status, body, _) = await fx.GetAsync("/", token);
        Assert.Equal(200, status);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Anon_sees_only_what_it_may_use()
    {
        var doc = await DocAsync(null);
        var paths = doc.GetProperty("paths");
        Assert.False(paths.TryGetProperty("/staff_only", out _));
        Assert.False(doc.GetProperty("definitions").TryGetProperty("staff_only", out _));
        Assert.False(paths.TryGetProperty("/rpc/staff_fn", out _));
        Assert.True(paths.TryGetProperty("/column_only", out _)); // a column privilege is enough
        Assert.True(paths.TryGetProperty("/users", out _));
        Assert.True(paths.TryGetProperty("/rpc/add", out _));
    }

    [Fact]
    public async Task Service_role_sees_its_grants()
    {
        var paths = (await DocAsync(RestFixture.ServiceToken)).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/staff_only", out _));
        Assert.True(paths.TryGetProperty("/rpc/staff_fn", out _));
    }
}

public sealed class OpenApiIgnorePrivilegesFixture : OpenApiPrivilegesFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string>
    {
        ["PGRST_OPENAPI_MODE"] = "ignore-privileges",
        ["PGRST_OPENAPI_SERVER_PROXY_URI"] = "https://api.example.com:8443/project/rest/v1",
        ["PGRST_OPENAPI_SECURITY_ACTIVE"] = "true",
    };
}

public sealed class OpenApiIgnorePrivilegesTests(OpenApiIgnorePrivilegesFixture fx) : IClassFixture<OpenApiIgnorePrivilegesFixture>
{
    [Fact]
    public async Task Anon_sees_everything()
    {
        var (status, body, _) = await fx.GetAsync("/");
        Assert.Equal(200, status);
        var doc = JsonDocument.Parse(body).RootElement;
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/staff_only", out _));
        Assert.True(paths.TryGetProperty("/rpc/staff_fn", out _));
    }

    [Fact]
    public async Task Server_proxy_uri_names_host_path_and_scheme()
    {
        var doc = JsonDocument.Parse((await fx.GetAsync("/")).Body).RootElement;
        Assert.Equal("api.example.com:8443", doc.GetProperty("host").GetString());
        Assert.Equal("/project/rest/v1", doc.GetProperty("basePath").GetString());
        Assert.Equal("https", doc.GetProperty("schemes")[0].GetString());
    }

    [Fact]
    public async Task Security_active_documents_the_bearer_jwt()
    {
        var doc = JsonDocument.Parse((await fx.GetAsync("/")).Body).RootElement;
        var jwt = doc.GetProperty("securityDefinitions").GetProperty("JWT");
        Assert.Equal(("apiKey", "header", "Authorization"), (jwt.GetProperty("type").GetString(), jwt.GetProperty("in").GetString(), jwt.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Array, doc.GetProperty("security")[0].GetProperty("JWT").ValueKind);
    }
}

public sealed class OpenApiDisabledFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_OPENAPI_MODE"] = "disabled" };
}

public sealed class OpenApiDisabledTests(OpenApiDisabledFixture fx) : IClassFixture<OpenApiDisabledFixture>
{
    [Fact]
    public async Task Root_is_PGRST126()
    {
        var (status, body, _) = await fx.GetAsync("/");
        Assert.Equal(404, status);
        Assert.Equal("PGRST126", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.Equal(200, (await fx.GetAsync("/users?limit=1")).Status);
    }
}

public sealed class RootSpecFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_ROOT_SPEC"] = "root" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await base.InitializeDatabaseAsync(database);
        await database.ExecuteAsync("""
            CREATE FUNCTION public.root() RETURNS json LANGUAGE sql STABLE AS $$ SELECT json_build_object('swagger', 'custom', 'role', current_user) $$;
            """);
    }
}

/// <summary>db-root-spec: the root answers the configured function's result instead of the generated document.</summary>
public sealed class RootSpecTests(RootSpecFixture fx) : IClassFixture<RootSpecFixture>
{
    [Fact]
    public async Task Root_calls_the_function_as_the_request_role()
    {
        var (status, body, _) = await fx.GetAsync("/");
        Assert.Equal(200, status);
        Assert.Equal("""{"swagger":"custom","role":"anon"}""", RestFixture.Norm(body));
    }
}
