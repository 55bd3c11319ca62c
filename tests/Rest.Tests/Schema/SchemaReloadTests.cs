using System.Diagnostics;

namespace Supacs.Rest.Tests.Schema;

/// <summary>DDL after the first request is visible on the next one (event trigger + staleness check), and NOTIFY and signals reload.</summary>
public sealed class SchemaReloadTests(RestFixture fx) : IClassFixture<RestFixture>
{
    [Fact]
    public async Task New_table_is_queryable_right_after_ddl()
    {
        var (status, _, _) = await fx.GetAsync("/users?limit=1");
        Assert.Equal(200, status);
        await fx.Database.ExecuteAsync("CREATE TABLE public.fresh (id int PRIMARY KEY, v text); INSERT INTO public.fresh VALUES (1, 'x'); GRANT ALL ON public.fresh TO anon;");
        var (status2, body, _) = await fx.GetAsync("/fresh?select=v");
        Assert.Equal(200, status2);
        Assert.Equal("""[{"v":"x"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task New_column_is_visible_after_alter()
    {
        await fx.GetAsync("/tags?limit=1");
        await fx.Database.ExecuteAsync("ALTER TABLE public.tags ADD COLUMN color text DEFAULT 'red'");
        var (status, body, _) = await fx.GetAsync("/tags?select=color&limit=1");
        Assert.Equal(200, status);
        Assert.Equal("""[{"color":"red"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Notify_reload_schema_reloads_the_cache()
    {
        await fx.GetAsync("/users?limit=1");
        // Without the event trigger (disabled), only NOTIFY tells the cache about the new function.
        await fx.Database.ExecuteAsync("""
            ALTER EVENT TRIGGER pgrst_ddl_watch DISABLE;
            CREATE FUNCTION public.notified() RETURNS int LANGUAGE sql AS 'SELECT 42';
            ALTER EVENT TRIGGER pgrst_ddl_watch ENABLE;
            """);
        await fx.Database.ExecuteAsync("NOTIFY pgrst, 'reload schema'");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string body = "";
        while (DateTime.UtcNow < deadline)
        {
            (var status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/notified", "{}");
            if (status == 200) break;
            await Task.Delay(50);
        }
        Assert.Equal("42", body);
    }

    // SIGUSR1 reloads the schema cache and SIGUSR2 the configuration, as PostgREST's signals do (sent to this test process).
    private static async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {Environment.ProcessId}");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static Task UntilAsync(Func<Task<bool>> done) => RestFixture.WaitUntilAsync(done, "the signal had no effect within 10 s");

    [Fact]
    public async Task Sigusr1_reloads_the_schema_cache()
    {
        Assert.Equal(200, (await fx.GetAsync("/users?limit=1")).Status);
        await fx.Database.ExecuteAsync("""
            ALTER EVENT TRIGGER pgrst_ddl_watch DISABLE;
            CREATE FUNCTION public.signalled() RETURNS int LANGUAGE sql AS 'SELECT 7';
            ALTER EVENT TRIGGER pgrst_ddl_watch ENABLE;
            """);
        await SignalAsync("USR1");
        await UntilAsync(async () => (await fx.SendAsync(HttpMethod.Post, "/rpc/signalled", "{}")).Body == "7");
    }

    [Fact]
    public async Task Sigusr2_reloads_the_configuration()
    {
        Assert.Equal(3, System.Text.Json.JsonDocument.Parse((await fx.GetAsync("/users?select=name")).Body).RootElement.GetArrayLength());
        await fx.Database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{fx.Database.Name}\" SET pgrst.db_max_rows = '1'");
        try
        {
            await SignalAsync("USR2");
            await UntilAsync(async () => System.Text.Json.JsonDocument.Parse((await fx.GetAsync("/users?select=name")).Body).RootElement.GetArrayLength() == 1);
        }
        finally
        {
            await fx.Database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{fx.Database.Name}\" RESET pgrst.db_max_rows");
            await SignalAsync("USR2");
        }
    }
}
