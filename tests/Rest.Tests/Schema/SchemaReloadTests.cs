namespace Supacs.Rest.Tests.Schema;

/// <summary>DDL after the first request is visible on the next one (event trigger + staleness check), and NOTIFY reloads.</summary>
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
}
