using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Config;

/// <summary>
/// A role of its own (roles are cluster-wide; this name is used by no other test) with settings of its own, which
/// requests switching to it must apply, as PostgREST applies the impersonated role's settings.
/// </summary>
public sealed class RoleSettingsFixture : RestFixture
{
    public const string Role = "supacs_rest_role_settings_test";

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync($"""
            DO $$ BEGIN CREATE ROLE {Role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT {Role} TO authenticator;
            ALTER ROLE {Role} SET statement_timeout = '200ms';
            ALTER ROLE {Role} SET default_transaction_isolation = 'serializable';
            ALTER ROLE {Role} SET log_statement = 'all';
            GRANT USAGE ON SCHEMA public TO {Role};
            CREATE FUNCTION public.show(name text) RETURNS text LANGUAGE sql STABLE AS 'SELECT current_setting(name)';
            CREATE FUNCTION public.nap() RETURNS void LANGUAGE sql AS 'SELECT pg_sleep(2)';
            GRANT EXECUTE ON FUNCTION public.show(text), public.nap() TO {Role}, anon;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class RoleSettingsTests(RoleSettingsFixture fx) : IClassFixture<RoleSettingsFixture>
{
    private static readonly string Token = TestTokens.For(null, RoleSettingsFixture.Role);

    [Fact]
    public async Task The_roles_settings_apply_to_its_requests_only()
    {
        var (status, body, _) = await fx.GetAsync("/rpc/show?name=statement_timeout", Token);
        Assert.Equal(200, status);
        Assert.Equal("\"200ms\"", body);
        var (_, anonBody, _) = await fx.GetAsync("/rpc/show?name=statement_timeout");
        Assert.NotEqual("\"200ms\"", anonBody);
    }

    [Fact]
    public async Task Statement_timeout_of_the_role_cancels_a_slow_call()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/nap", "{}", Token);
        Assert.Equal(500, status);
        Assert.Equal("57014", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_roles_isolation_level_opens_its_transactions()
    {
        var (status, body, _) = await fx.GetAsync("/rpc/show?name=transaction_isolation", Token);
        Assert.Equal(200, status);
        Assert.Equal("\"serializable\"", body);
    }

    [Fact]
    public async Task A_setting_the_role_may_not_set_is_left_out()
    {
        // log_statement needs superuser: applying it as the role would fail every request.
        var (status, body, _) = await fx.GetAsync("/rpc/show?name=log_statement", Token);
        Assert.Equal(200, status);
        Assert.NotEqual("\"all\"", body);
    }
}
