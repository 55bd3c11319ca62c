using Supacs.Testing;

namespace Supacs.Rest.Tests.Config;

/// <summary>
/// A schema <c>cfg</c> only the in-database configuration exposes, and <c>cfg2</c> for the reload tests. Role settings
/// are cluster-wide, so these tests only ever set them <c>IN DATABASE</c> (the test database, dropped afterwards).
/// </summary>
public class InDatabaseConfigFixture : RestFixture
{
    public const string SchemasSql = """
        CREATE SCHEMA cfg; CREATE TABLE cfg.items (id int PRIMARY KEY, label text); INSERT INTO cfg.items VALUES (1, 'from cfg');
        CREATE SCHEMA cfg2; CREATE TABLE cfg2.things (id int PRIMARY KEY); INSERT INTO cfg2.things VALUES (7);
        GRANT USAGE ON SCHEMA cfg, cfg2 TO anon, authenticated, service_role;
        GRANT SELECT ON ALL TABLES IN SCHEMA cfg, cfg2 TO anon, authenticated, service_role;
        CREATE TABLE public.many AS SELECT g AS id FROM generate_series(1, 10) g; GRANT SELECT ON public.many TO anon;
        CREATE TABLE public.parent (id int PRIMARY KEY); INSERT INTO public.parent VALUES (1);
        CREATE TABLE public.child (id int PRIMARY KEY, parent_id int REFERENCES public.parent);
        INSERT INTO public.child SELECT g, 1 FROM generate_series(1, 10) g; GRANT SELECT ON public.parent, public.child TO anon;
        CREATE FUNCTION public.whoami2() RETURNS text LANGUAGE sql STABLE AS 'SELECT current_user::text';
        GRANT EXECUTE ON FUNCTION public.whoami2() TO anon, authenticated, service_role;
        """;

    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_MAX_ROWS"] = "1" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(SchemasSql);
        // Set before the first request: the first schema cache load reads it.
        await database.ExecuteAsync($"""
            ALTER ROLE authenticator IN DATABASE "{database.Name}" SET pgrst.db_schemas = 'public, cfg';
            ALTER ROLE authenticator IN DATABASE "{database.Name}" SET pgrst.db_max_rows = '3';
            """);
        await base.InitializeDatabaseAsync(database);
    }

    /// <summary>Sends NOTIFY <paramref name="payload"/> and polls <paramref name="done"/> until it holds (10 s at most).</summary>
    public async Task NotifyAndWaitAsync(string payload, Func<Task<bool>> done)
    {
        await Database.ExecuteAsync($"NOTIFY pgrst, '{payload}'");
        await WaitUntilAsync(done, $"NOTIFY pgrst, '{payload}' had no effect within 10 s");
    }

    public Task SetAsync(string name, string? value) => Database.ExecuteAsync(value is null
        ? $"ALTER ROLE authenticator IN DATABASE \"{Database.Name}\" RESET pgrst.{name}"
        : $"ALTER ROLE authenticator IN DATABASE \"{Database.Name}\" SET pgrst.{name} = '{value}'");
}

/// <summary>In-database configuration (db-config): the authenticator role's pgrst.* settings and NOTIFY pgrst, 'reload config'.</summary>
public sealed class InDatabaseConfigTests(InDatabaseConfigFixture fx) : IClassFixture<InDatabaseConfigFixture>
{
    [Fact]
    public async Task Role_setting_in_this_database_exposes_its_schema_list()
    {
        var (status, body, response) = await fx.GetAsync("/items?select=label", null, "Accept-Profile: cfg");
        Assert.Equal(200, status);
        Assert.Equal("""[{"label":"from cfg"}]""", RestFixture.Norm(body));
        Assert.Equal("cfg", response.Headers.GetValues("Content-Profile").Single());
        // graphql_public (the default list's second schema) is no longer exposed.
        var (status2, body2, _) = await fx.GetAsync("/items", null, "Accept-Profile: graphql_public");
        Assert.Equal(406, status2);
        Assert.Contains("public, cfg", body2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Role_setting_overrides_the_environment()
    {
        // PGRST_DB_MAX_ROWS=1 in the environment, pgrst.db_max_rows = 3 in the database.
        var (status, body, _) = await fx.GetAsync("/many?select=id&order=id");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":1},{"id":2},{"id":3}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Max_rows_caps_to_many_embeds_too()
    {
        var (status, body, _) = await fx.GetAsync("/parent?select=id,child(id)&child.order=id");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":1,"child":[{"id":1},{"id":2},{"id":3}]}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/parent?select=id,child(id)&child.order=id&child.limit=2");
        Assert.Equal("""[{"id":1,"child":[{"id":1},{"id":2}]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Reload_config_picks_up_a_changed_schema_list_without_a_restart()
    {
        Assert.Equal(406, (await fx.GetAsync("/things", null, "Accept-Profile: cfg2")).Status);
        await fx.SetAsync("db_schemas", "public, cfg, cfg2");
        try
        {
            await fx.NotifyAndWaitAsync("reload config", async () => (await fx.GetAsync("/things", null, "Accept-Profile: cfg2")).Status == 200);
            var (_, body, _) = await fx.GetAsync("/things", null, "Accept-Profile: cfg2");
            Assert.Equal("""[{"id":7}]""", RestFixture.Norm(body));
        }
        finally
        {
            await fx.SetAsync("db_schemas", "public, cfg");
            await fx.NotifyAndWaitAsync("reload config", async () => (await fx.GetAsync("/things", null, "Accept-Profile: cfg2")).Status == 406);
        }
    }

    [Fact]
    public async Task Reset_setting_falls_back_to_the_environment_after_reload_config()
    {
        await fx.SetAsync("db_max_rows", null);
        try
        {
            await fx.NotifyAndWaitAsync("reload config", async () => RestFixture.Norm((await fx.GetAsync("/many?select=id&order=id")).Body) == """[{"id":1}]""");
        }
        finally
        {
            await fx.SetAsync("db_max_rows", "3");
            await fx.NotifyAndWaitAsync("reload config", async () => RestFixture.Norm((await fx.GetAsync("/many?select=id&order=id")).Body).Contains("\"id\":3", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Reload_schema_also_rereads_the_configuration()
    {
        await fx.SetAsync("db_max_rows", "2");
        try
        {
            await fx.NotifyAndWaitAsync("reload schema", async () => RestFixture.Norm((await fx.GetAsync("/many?select=id&order=id")).Body) == """[{"id":1},{"id":2}]""");
        }
        finally
        {
            await fx.SetAsync("db_max_rows", "3");
            await fx.NotifyAndWaitAsync("reload config", async () => RestFixture.Norm((await fx.GetAsync("/many?select=id&order=id")).Body).Contains("\"id\":3", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Reload_config_changes_the_role_of_an_already_validated_token()
    {
        var token = TestTokens.For(null, "authenticated", new Dictionary<string, object> { ["app_role"] = "service_role" });
        Assert.Equal("\"authenticated\"", (await fx.SendAsync(HttpMethod.Post, "/rpc/whoami2", "{}", token)).Body);
        await fx.SetAsync("jwt_role_claim_key", ".app_role");
        try
        {
            // The token is in the JWT cache with its old role: a config reload must forget it.
            await fx.NotifyAndWaitAsync("reload config", async () => (await fx.SendAsync(HttpMethod.Post, "/rpc/whoami2", "{}", token)).Body == "\"service_role\"");
        }
        finally
        {
            await fx.SetAsync("jwt_role_claim_key", null);
            await fx.NotifyAndWaitAsync("reload config", async () => (await fx.SendAsync(HttpMethod.Post, "/rpc/whoami2", "{}", token)).Body == "\"authenticated\"");
        }
    }

    [Fact]
    public async Task Database_wide_setting_has_no_effect()
    {
        await fx.Database.ExecuteAsync($"ALTER DATABASE \"{fx.Database.Name}\" SET pgrst.db_max_rows = '5'");
        try
        {
            await fx.Database.ExecuteAsync("NOTIFY pgrst, 'reload config'");
            await Task.Delay(300);
            Assert.Equal("""[{"id":1},{"id":2},{"id":3}]""", RestFixture.Norm((await fx.GetAsync("/many?select=id&order=id")).Body));
        }
        finally
        {
            await fx.Database.ExecuteAsync($"ALTER DATABASE \"{fx.Database.Name}\" RESET pgrst.db_max_rows");
        }
    }
}

/// <summary>db-pre-config: a function setting pgrst.* with set_config; role settings take precedence over it.</summary>
public sealed class PreConfigFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } =
        new Dictionary<string, string> { ["PGRST_DB_PRE_CONFIG"] = "postgrest.pre_config" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(InDatabaseConfigFixture.SchemasSql);
        await database.ExecuteAsync($"""
            CREATE SCHEMA postgrest; GRANT USAGE ON SCHEMA postgrest TO authenticator;
            CREATE FUNCTION postgrest.pre_config() RETURNS void LANGUAGE sql AS $$
              SELECT set_config('pgrst.db_schemas', 'cfg, public', true), set_config('pgrst.db_max_rows', '2', true),
                     set_config('pgrst.db_aggregates_enabled', 'true', true), set_config('pgrst.not_a_setting', 'x', true);
            $$;
            ALTER ROLE authenticator IN DATABASE "{database.Name}" SET pgrst.db_max_rows = '4';
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class PreConfigTests(PreConfigFixture fx) : IClassFixture<PreConfigFixture>
{
    [Fact]
    public async Task Pre_config_function_sets_the_schemas_and_the_default_schema()
    {
        // cfg comes first in the pre-config list, so it is the default schema.
        var (status, body, _) = await fx.GetAsync("/items?select=label");
        Assert.Equal(200, status);
        Assert.Equal("""[{"label":"from cfg"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Role_setting_wins_over_pre_config_and_other_pre_config_values_apply()
    {
        var (status, body, _) = await fx.GetAsync("/many?select=id&order=id", null, "Accept-Profile: public");
        Assert.Equal(200, status);
        Assert.Equal(4, System.Text.Json.JsonDocument.Parse(body).RootElement.GetArrayLength());
        // db_aggregates_enabled = true came from the pre-config function only.
        var (aggStatus, aggBody, _) = await fx.GetAsync("/many?select=id.max()", null, "Accept-Profile: public");
        Assert.Equal(200, aggStatus);
        Assert.Equal("""[{"max":10}]""", RestFixture.Norm(aggBody));
    }
}

/// <summary>A failing pre-config function drops the in-database part (a warning), as PostgREST does; requests still work.</summary>
public sealed class BrokenPreConfigFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } =
        new Dictionary<string, string> { ["PGRST_DB_PRE_CONFIG"] = "public.no_such_function", ["PGRST_DB_MAX_ROWS"] = "1" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(InDatabaseConfigFixture.SchemasSql);
        await database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{database.Name}\" SET pgrst.db_max_rows = '3'");
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class BrokenPreConfigTests(BrokenPreConfigFixture fx) : IClassFixture<BrokenPreConfigFixture>
{
    [Fact]
    public async Task Requests_use_the_file_and_environment_settings()
    {
        var (status, body, _) = await fx.GetAsync("/many?select=id&order=id");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":1}]""", RestFixture.Norm(body));
    }
}

/// <summary>PGRST_DB_CONFIG=false: role settings are ignored.</summary>
public sealed class DbConfigOffFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } =
        new Dictionary<string, string> { ["PGRST_DB_CONFIG"] = "false" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(InDatabaseConfigFixture.SchemasSql);
        await database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{database.Name}\" SET pgrst.db_schemas = 'cfg'");
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class DbConfigOffTests(DbConfigOffFixture fx) : IClassFixture<DbConfigOffFixture>
{
    [Fact]
    public async Task Role_settings_are_ignored()
    {
        Assert.Equal(200, (await fx.GetAsync("/users?select=name&limit=1")).Status);
        Assert.Equal(406, (await fx.GetAsync("/items", null, "Accept-Profile: cfg")).Status);
    }
}
