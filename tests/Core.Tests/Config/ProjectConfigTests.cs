using Supacs.Core.Config;

namespace Supacs.Core.Tests.Config;

public sealed class ProjectConfigTests
{
    private const string Toml = """
        project_id = "demo"
        [api]
        schemas = ["public", "graphql_public"]
        max_rows = 1000
        [auth]
        site_url = "http://127.0.0.1:3000"
        enable_signup = true
        [auth.external.github]
        enabled = true
        secret = "env(SUPACS_TEST_GITHUB_SECRET)"
        [auth.external.google]
        enabled = false
        [some_future_section]
        anything = 1
        """;

    [Fact]
    public void Reads_typed_values_and_nested_sections()
    {
        var config = ProjectConfig.Parse(Toml);
        Assert.Equal(["public", "graphql_public"], config.Section("api").GetStringArray("schemas"));
        Assert.Equal(1000, config.Section("api").GetLong("max_rows"));
        Assert.True(config.Section("auth").GetBool("enable_signup"));
        Assert.Equal("http://127.0.0.1:3000", config.Section("auth").GetString("site_url"));
        Assert.Equal(["github", "google"], config.Section("auth.external").Children().Select(c => c.Name).Order().ToArray());
    }

    [Fact]
    public void Missing_sections_and_keys_are_empty_not_errors()
    {
        var config = ProjectConfig.Parse(Toml);
        Assert.False(config.Section("storage.buckets").Exists);
        Assert.Null(config.Section("auth").GetString("nope"));
        Assert.Empty(config.Section("nope").GetStringArray("x"));
    }

    [Fact]
    public void Env_references_are_expanded()
    {
        Environment.SetEnvironmentVariable("SUPACS_TEST_GITHUB_SECRET", "s3cret");
        var config = ProjectConfig.Parse(Toml);
        Assert.Equal("s3cret", config.Section("auth.external.github").GetString("secret"));
    }

    [Fact]
    public void Malformed_toml_names_file_and_line()
    {
        var error = Assert.Throws<ConfigException>(() => ProjectConfig.Parse("[api]\nport = 1\n\n[auth\n", "supabase/config.toml"));
        Assert.StartsWith("supabase/config.toml:4: malformed TOML", error.Message, StringComparison.Ordinal);
    }
}
