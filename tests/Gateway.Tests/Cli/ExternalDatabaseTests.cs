using System.Net.Http.Json;
using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Gateway.Tests.Cli;

/// <summary>--db-url: an external PostgreSQL is waited for (503 meanwhile), then bootstrapped and used.</summary>
public sealed class ExternalDatabaseTests
{
    [Fact]
    public async Task Unreachable_database_answers_503_while_waiting_then_fails_with_one_line()
    {
        var port = SupacsProcess.FreePort();
        await using var process = SupacsProcess.Start(SupacsProcess.NewDataDir(),
            new Dictionary<string, string> { ["SUPACS_DB_WAIT_SECONDS"] = "4" },
            extraArgs: ["--db-url", $"postgresql://postgres:secret@127.0.0.1:{port}/postgres"]);
        await process.WaitForHealthAsync(503);
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(process.Url, "/health"));
        Assert.Equal(503, (int)response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("waiting_for_database", health.GetProperty("database").GetString());
        var rest = await client.GetAsync(new Uri(process.Url, "/storage/v1/bucket"));
        Assert.Equal(503, (int)rest.StatusCode);

        Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"error: The database postgresql://postgres:***@127.0.0.1:{port}/postgres is unreachable after 4 s", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reachable_database_is_bootstrapped_and_served()
    {
        var server = await TestPostgres.SharedAsync();
        await using var db = await server.CreateDatabaseAsync();
        await db.ExecuteAsync("DROP FUNCTION auth.jwt(); DROP PUBLICATION supabase_realtime;");
        await using var process = SupacsProcess.Start(SupacsProcess.NewDataDir(), extraArgs: ["--db-url", db.Url]);
        await process.WaitForHealthAsync();
        Assert.True(await db.ScalarAsync<bool>("SELECT to_regprocedure('auth.jwt()') IS NOT NULL"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_publication WHERE pubname = 'supabase_realtime'"));
    }
}
