using Supacs.Testing;

namespace Supacs.Rest.Tests.Config;

public sealed class AppSettingsFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string>
    {
        ["PGRST_APP_SETTINGS_JWT_EXP"] = "3600",
        ["PGRST_APP_SETTINGS_Greeting"] = "hello world",
    };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE FUNCTION public.show_setting(name text) RETURNS text LANGUAGE sql STABLE AS 'SELECT current_setting(name, true)';
            GRANT EXECUTE ON FUNCTION public.show_setting(text) TO anon;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

/// <summary>app.settings.* (PGRST_APP_SETTINGS_*): set for every request, as PostgREST does (Supabase self-hosting sets jwt_exp/jwt_secret).</summary>
public sealed class AppSettingsTests(AppSettingsFixture fx) : IClassFixture<AppSettingsFixture>
{
    [Theory]
    [InlineData("app.settings.jwt_exp", "\"3600\"")]
    [InlineData("app.settings.greeting", "\"hello world\"")]
    [InlineData("app.settings.other", "null")]
    public async Task Requests_see_the_app_settings(string name, string expected)
    {
        var (status, body, _) = await fx.GetAsync("/rpc/show_setting?name=" + name);
        Assert.Equal(200, status);
        Assert.Equal(expected, body);
    }
}
