using System.Text.RegularExpressions;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class ServerTimingFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_SERVER_TIMING_ENABLED"] = "true" };

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("CREATE FUNCTION public.sleepy() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1 FROM pg_sleep(0.25)'");
        await base.InitializeDatabaseAsync(database);
    }
}

/// <summary>
/// server-timing-enabled (PGRST_SERVER_TIMING_ENABLED): PostgREST's <c>Server-Timing</c> header with its phase names,
/// durations in milliseconds with one decimal, on the responses it builds (not on errors).
/// </summary>
public sealed partial class ServerTimingTests(ServerTimingFixture fx) : IClassFixture<ServerTimingFixture>
{
    [GeneratedRegex(@"^jwt;dur=\d+\.\d, parse;dur=\d+\.\d, plan;dur=\d+\.\d, transaction;dur=\d+\.\d, response;dur=\d+\.\d$")]
    private static partial Regex AllPhases();

    private static string Timing(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Server-Timing", out var v) ? string.Join("|", v) : "(none)";

    [Fact]
    public async Task Reads_writes_and_rpc_report_every_phase()
    {
        var (status, _, response) = await fx.GetAsync("/tags?id=eq.1", TestTokensFor());
        Assert.Equal(200, status);
        Assert.Matches(AllPhases(), Timing(response));
        (status, _, response) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"name":"timed"}""");
        Assert.Equal(201, status);
        Assert.Matches(AllPhases(), Timing(response));
        (status, _, response) = await fx.GetAsync("/rpc/add?a=1&b=2");
        Assert.Equal(200, status);
        Assert.Matches(AllPhases(), Timing(response));
        (status, _, response) = await fx.SendAsync(HttpMethod.Head, "/tags");
        Assert.Equal(200, status);
        Assert.Matches(AllPhases(), Timing(response));
    }

    [Fact]
    public async Task Durations_add_up_to_the_request()
    {
        // A slow statement shows in the transaction phase, not in the others.
        var started = DateTime.UtcNow;
        var (status, _, response) = await fx.GetAsync("/rpc/sleepy");
        var elapsed = (DateTime.UtcNow - started).TotalMilliseconds;
        Assert.Equal(200, status);
        var phases = Timing(response).Split(", ").Select(p => p.Split(";dur=")).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(phases["transaction"], 200, elapsed);
        Assert.True(phases["jwt"] + phases["parse"] + phases["plan"] + phases["response"] < 200, Timing(response));
    }

    [Fact]
    public async Task Error_responses_have_no_timing()
    {
        var (status, _, response) = await fx.GetAsync("/no_such_table");
        Assert.Equal(404, status);
        Assert.Equal("(none)", Timing(response));
        (status, _, response) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"id":1,"name":"dup"}""");
        Assert.Equal(409, status);
        Assert.Equal("(none)", Timing(response));
    }

    [Fact]
    public async Task Off_unless_enabled_and_switchable_in_database()
    {
        await fx.Database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{fx.Database.Name}\" SET pgrst.server_timing_enabled = 'false'");
        try
        {
            await fx.Database.ExecuteAsync("NOTIFY pgrst, 'reload config'");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string timing;
            do
            {
                await Task.Delay(50);
                timing = Timing((await fx.GetAsync("/tags?id=eq.1")).Response);
            }
            while (timing != "(none)" && DateTime.UtcNow < deadline);
            Assert.Equal("(none)", timing);
        }
        finally
        {
            await fx.Database.ExecuteAsync($"ALTER ROLE authenticator IN DATABASE \"{fx.Database.Name}\" RESET pgrst.server_timing_enabled");
            await fx.Database.ExecuteAsync("NOTIFY pgrst, 'reload config'");
        }
        var until = DateTime.UtcNow.AddSeconds(10);
        while (Timing((await fx.GetAsync("/tags?id=eq.1")).Response) == "(none)" && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.Matches(AllPhases(), Timing((await fx.GetAsync("/tags?id=eq.1")).Response));
    }

    private static string TestTokensFor() => RestFixture.UserToken(RestFixture.Alice);
}

/// <summary>server-timing-enabled defaults to false: no header.</summary>
public sealed class ServerTimingDefaultTests(RestFixture fx) : IClassFixture<RestFixture>
{
    [Fact]
    public async Task No_header_by_default()
    {
        var (status, _, response) = await fx.GetAsync("/tags?id=eq.1");
        Assert.Equal(200, status);
        Assert.False(response.Headers.Contains("Server-Timing"));
    }
}
