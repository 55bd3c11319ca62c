using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class PlanFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_PLAN_ENABLED"] = "true" };
}

/// <summary><c>Accept: application/vnd.pgrst.plan</c> answers the request's execution plan when db-plan-enabled is on.</summary>
public sealed class PlanTests(PlanFixture fx) : IClassFixture<PlanFixture>
{
    [Fact]
    public async Task Json_plan_of_a_read()
    {
        var (status, body, response) = await fx.GetAsync("/users?select=name&age=gt.20", null, "Accept: application/vnd.pgrst.plan+json");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.pgrst.plan+json; for=\"application/json\"; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var plan = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Array, plan.ValueKind);
        Assert.True(plan[0].GetProperty("Plan").TryGetProperty("Node Type", out _));
        Assert.Contains("users", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_plan_with_analyze_of_a_write_runs_it()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"name":"planned"}""", null,
            "Accept: application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose;");
        Assert.Equal(200, status);
        Assert.StartsWith("application/vnd.pgrst.plan+text", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Contains("Insert on public.tags", body, StringComparison.Ordinal);
        Assert.Contains("actual time=", body, StringComparison.Ordinal);
        // EXPLAIN ANALYZE runs the statement: without tx=rollback the row is written, as in PostgREST.
        Assert.Equal(1L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM tags WHERE name = 'planned'"));
    }

    [Fact]
    public async Task Unknown_plan_option_is_406()
    {
        var (status, body, _) = await fx.GetAsync("/users", null, "Accept: application/vnd.pgrst.plan+json; options=everything");
        Assert.Equal(406, status);
        Assert.Equal("PGRST107", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}

/// <summary>Plans are off unless db-plan-enabled (PGRST_DB_PLAN_ENABLED) is set.</summary>
public sealed class PlanDisabledTests(RestFixture fx) : IClassFixture<RestFixture>
{
    [Fact]
    public async Task Plan_is_406_when_disabled()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name", null, "Accept: application/vnd.pgrst.plan+json");
        Assert.Equal(406, status);
        Assert.Equal("PGRST107", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
