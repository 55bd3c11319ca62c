using System.Net;
using System.Text.Json;

namespace Supacs.Functions.Tests.Runtime;

/// <summary>Deno.env holds the platform values and the project's secrets, never the host process's environment.</summary>
public sealed class EnvFixture : FunctionsHostFixture
{
    protected override string ConfigToml => """
        [edge_runtime.secrets]
        LITERAL_SECRET = "literal-value"
        FROM_ENV = "env(SUPACS_FN_TEST_FROM_ENV)"
        ABSENT = "env(SUPACS_FN_TEST_NEVER_SET_4711)"
        OVERRIDDEN = "from-config"
        SUPABASE_URL = "http://config-cannot-override.example"

        [functions.env-dump]
        verify_jwt = false
        """;

    protected override Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        Environment.SetEnvironmentVariable("SUPACS_FN_TEST_FROM_ENV", "env-value");
        Environment.SetEnvironmentVariable("SUPACS_FN_TEST_HOST_ONLY", "must-not-leak");
        Environment.SetEnvironmentVariable("SUPABASE_FN_TEST_EXTRA", "supabase-prefixed");
        return base.InitializeDatabaseAsync(database);
    }

    protected override void WriteFunctions()
    {
        Write("functions/.env", "OVERRIDDEN=from-dotenv\nRELOADED=one\n");
        Write("functions/env-dump/index.ts", """
            Deno.serve(() => {
              const all = Deno.env.toObject();
              return Response.json({
                literal: Deno.env.get("LITERAL_SECRET"),
                fromEnv: Deno.env.get("FROM_ENV"),
                absent: Deno.env.has("ABSENT"),
                overridden: Deno.env.get("OVERRIDDEN"),
                reloaded: Deno.env.get("RELOADED"),
                url: Deno.env.get("SUPABASE_URL"),
                extra: Deno.env.get("SUPABASE_FN_TEST_EXTRA"),
                hostOnly: Deno.env.get("SUPACS_FN_TEST_HOST_ONLY") ?? process.env.SUPACS_FN_TEST_HOST_ONLY ?? null,
                path: "PATH" in all || Deno.env.has("HOME") || Deno.env.has("FROM_ENV_IS_NOT_THE_NAME"),
                keys: Object.keys(all).sort(),
              });
            });
            """);
    }
}

public sealed class EnvTests(EnvFixture f) : IClassFixture<EnvFixture>
{
    private async Task<JsonElement> DumpAsync()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "env-dump"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Only_platform_values_config_secrets_and_the_env_file_are_visible()
    {
        var e = await DumpAsync();
        Assert.Equal("literal-value", e.GetProperty("literal").GetString());
        Assert.Equal("env-value", e.GetProperty("fromEnv").GetString());
        Assert.False(e.GetProperty("absent").GetBoolean());
        Assert.Equal("from-dotenv", e.GetProperty("overridden").GetString());
        Assert.Equal(f.Host.BaseAddress.ToString().TrimEnd('/'), e.GetProperty("url").GetString());
        Assert.Equal("supabase-prefixed", e.GetProperty("extra").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("hostOnly").ValueKind);
        Assert.False(e.GetProperty("path").GetBoolean());
        var keys = e.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();
        Assert.All(keys, k => Assert.True(
            k.StartsWith("SUPABASE_", StringComparison.Ordinal) || k is "LITERAL_SECRET" or "FROM_ENV" or "OVERRIDDEN" or "RELOADED", k));
    }

    [Fact]
    public async Task An_edited_env_file_is_picked_up_without_restart()
    {
        var before = await DumpAsync();
        Assert.Equal("one", before.GetProperty("reloaded").GetString());
        File.WriteAllText(Path.Combine(f.ProjectDir, "supabase", "functions", ".env"), "OVERRIDDEN=from-dotenv\nRELOADED=three\n");
        var after = await DumpAsync();
        Assert.Equal("three", after.GetProperty("reloaded").GetString());
        File.WriteAllText(Path.Combine(f.ProjectDir, "supabase", "functions", ".env"), "OVERRIDDEN=from-dotenv\nRELOADED=one\n");
    }
}
