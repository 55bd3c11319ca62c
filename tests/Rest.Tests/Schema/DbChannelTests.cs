namespace Supacs.Rest.Tests.Schema;

public sealed class DbChannelFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_CHANNEL"] = "my channel" };
}

/// <summary>db-channel: reloads are requested on the configured channel only.</summary>
public sealed class DbChannelTests(DbChannelFixture fx) : IClassFixture<DbChannelFixture>
{
    [Fact]
    public async Task Notify_on_the_configured_channel_reloads_and_pgrst_does_not()
    {
        Assert.Equal(200, (await fx.GetAsync("/users?limit=1")).Status);
        await fx.Database.ExecuteAsync("""
            ALTER EVENT TRIGGER pgrst_ddl_watch DISABLE;
            CREATE FUNCTION public.chan() RETURNS int LANGUAGE sql AS 'SELECT 5';
            ALTER EVENT TRIGGER pgrst_ddl_watch ENABLE;
            NOTIFY pgrst, 'reload schema';
            """);
        await Task.Delay(500);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Post, "/rpc/chan", "{}")).Status);
        await fx.Database.ExecuteAsync("NOTIFY \"my channel\", 'reload schema'");
        await RestFixture.WaitUntilAsync(async () => (await fx.SendAsync(HttpMethod.Post, "/rpc/chan", "{}")).Body == "5",
            "NOTIFY on the configured channel had no effect within 10 s");
    }
}
