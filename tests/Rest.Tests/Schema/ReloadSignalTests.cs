using System.Diagnostics;

namespace Supacs.Rest.Tests.Schema;

/// <summary>SIGUSR1 reloads the schema cache and SIGUSR2 the configuration, as PostgREST's signals do (sent to this test process).</summary>
public sealed class ReloadSignalTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {Environment.ProcessId}");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task UntilAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await done()) return;
            await Task.Delay(50);
        }
        Assert.Fail("the signal had no effect within 10 s");
    }

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
        await SignalAsync("USR2");
        await UntilAsync(async () => System.Text.Json.JsonDocument.Parse((await fx.GetAsync("/users?select=name")).Body).RootElement.GetArrayLength() == 1);
    }
}
