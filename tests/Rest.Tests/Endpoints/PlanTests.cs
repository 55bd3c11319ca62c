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
    public async Task Unknown_plan_options_are_ignored_and_known_ones_named_in_the_content_type()
    {
        // PostgREST picks the options it knows out of the list and ignores the rest.
        var (status, body, response) = await fx.GetAsync("/users", null, "Accept: application/vnd.pgrst.plan+json; options=everything");
        Assert.Equal(200, status);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(body).RootElement.ValueKind);
        Assert.Equal("application/vnd.pgrst.plan+json; for=\"application/json\"; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var verbose = await fx.GetAsync("/users", null, "Accept: application/vnd.pgrst.plan+text; options=verbose|bogus|analyze");
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose; charset=utf-8",
            verbose.Response.Content.Headers.ContentType!.ToString());
        Assert.Contains("actual time=", verbose.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_for_names_the_media_type_as_postgrest_does_and_refuses_what_nothing_produces()
    {
        var obj = await fx.GetAsync("/users?id=eq.11111111-1111-1111-1111-111111111111", null,
            "Accept: application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object\"");
        Assert.Equal(200, obj.Status);
        Assert.Equal("application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object+json\"; charset=utf-8", obj.Response.Content.Headers.ContentType!.ToString());
        var csv = await fx.GetAsync("/users", null, "Accept: application/vnd.pgrst.plan+text; for=\"text/csv\"");
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"text/csv\"; charset=utf-8", csv.Response.Content.Headers.ContentType!.ToString());
        var none = await fx.GetAsync("/users", null, "Accept: application/vnd.pgrst.plan+json; for=\"text/x-nothing\"");
        Assert.Equal(406, none.Status);
        Assert.Equal("PGRST107", JsonDocument.Parse(none.Body).RootElement.GetProperty("code").GetString());
        // With a later range that can be produced, that one answers (no plan).
        var next = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: application/vnd.pgrst.plan+json; for=\"text/x-nothing\", application/json");
        Assert.Equal((200, """[{"name":"Bob"}]"""), (next.Status, RestFixture.Norm(next.Body)));
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
        // PostgREST passes over a plan range then: a later one answers.
        var next = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: application/vnd.pgrst.plan+json, application/json;q=0.5");
        Assert.Equal((200, """[{"name":"Bob"}]"""), (next.Status, RestFixture.Norm(next.Body)));
    }
}
