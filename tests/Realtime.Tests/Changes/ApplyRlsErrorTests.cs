using Supacs.Testing;

namespace Supacs.Realtime.Tests.Changes;

public sealed class ApplyRlsErrorFixture : RealtimeFixture
{
    protected override Task SetUpAsync(TestDatabase database) => database.ExecuteAsync("""
        CREATE TABLE public.logbook (note text, n int);
        ALTER TABLE public.logbook REPLICA IDENTITY FULL;
        CREATE TABLE public.secrets (id int PRIMARY KEY, v text);
        GRANT ALL ON public.logbook TO anon, authenticated, service_role;
        GRANT ALL ON public.secrets TO authenticated, service_role;
        REVOKE ALL ON public.secrets FROM anon;
        GRANT SELECT (v), INSERT, UPDATE, DELETE ON public.secrets TO anon;
        CREATE TABLE public.big (id int PRIMARY KEY, small text, large text);
        GRANT ALL ON public.big TO anon, authenticated, service_role;
        ALTER PUBLICATION supabase_realtime ADD TABLE public.logbook, public.secrets, public.big;
        """);
}

/// <summary>upstream apply_rls's errors: rows it cannot check arrive without data and with <c>errors</c>.</summary>
public sealed class ApplyRlsErrorTests(ApplyRlsErrorFixture fixture) : IClassFixture<ApplyRlsErrorFixture>
{
    private async Task<PhoenixTestClient> SubscribeAsync(string topic, string token, string table)
    {
        var client = await fixture.ConnectAsync();
        await client.JoinAsync(topic, new { config = new { postgres_changes = new[] { new { @event = "*", schema = "public", table } } }, access_token = token });
        await client.WaitForAsync(m => m.Event == "system");
        return client;
    }

    [Fact]
    public async Task A_table_without_primary_key_reports_error_400_except_for_deletes()
    {
        await using var client = await SubscribeAsync("realtime:log", fixture.Host.Project.Keys.AnonKey, "logbook");
        await fixture.Database.ExecuteAsync("INSERT INTO public.logbook VALUES ('hello', 1)");
        var insert = (await client.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("INSERT", insert["type"]!.GetValue<string>());
        Assert.Equal("""["Error 400: Bad Request, no primary key"]""", insert["errors"]!.ToJsonString());
        Assert.Equal("{}", insert["record"]!.ToJsonString());
        Assert.Equal("[]", insert["columns"]!.ToJsonString());

        await fixture.Database.ExecuteAsync("DELETE FROM public.logbook");
        var delete = (await client.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("DELETE", delete["type"]!.GetValue<string>());
        Assert.Equal("hello", delete["old_record"]!["note"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_role_that_may_not_select_the_primary_key_gets_error_401()
    {
        await using var anon = await SubscribeAsync("realtime:s-anon", fixture.Host.Project.Keys.AnonKey, "secrets");
        await using var user = await SubscribeAsync("realtime:s-user", TestTokens.For(Guid.NewGuid().ToString()), "secrets");
        await fixture.Database.ExecuteAsync("INSERT INTO public.secrets VALUES (1, 'x')");
        var denied = (await anon.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("""["Error 401: Unauthorized"]""", denied["errors"]!.ToJsonString());
        Assert.Equal("{}", denied["record"]!.ToJsonString());
        var allowed = (await user.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Equal("x", allowed["record"]!["v"]!.GetValue<string>());
        Assert.Null(allowed["errors"]);
    }

    [Fact]
    public async Task A_record_over_1_MB_keeps_only_values_of_at_most_64_bytes_with_error_413()
    {
        await using var client = await SubscribeAsync("realtime:big", fixture.Host.Project.Keys.AnonKey, "big");
        await fixture.Database.ExecuteAsync("INSERT INTO public.big VALUES (1, 'short', repeat('x', 1100000))");
        var data = (await client.WaitForAsync(m => m.Event == "postgres_changes", TimeSpan.FromSeconds(20))).Payload!["data"]!;
        Assert.Equal("""["Error 413: Payload Too Large"]""", data["errors"]!.ToJsonString());
        Assert.Equal("""{"id":1,"small":"short"}""", data["record"]!.ToJsonString());
        Assert.Equal(3, data["columns"]!.AsArray().Count);

        await fixture.Database.ExecuteAsync("INSERT INTO public.big VALUES (2, 'short', repeat('x', 1000))");
        var normal = (await client.WaitForAsync(m => m.Event == "postgres_changes")).Payload!["data"]!;
        Assert.Null(normal["errors"]);
        Assert.Equal(1000, normal["record"]!["large"]!.GetValue<string>().Length);
    }
}
