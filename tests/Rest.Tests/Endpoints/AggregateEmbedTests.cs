namespace Supacs.Rest.Tests.Endpoints;

public sealed class AggregatesFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_AGGREGATES_ENABLED"] = "true" };
}

/// <summary>
/// Aggregates inside embeds group per parent row (PostgREST v12). Embeds are jsonb as in PostgREST
/// (<c>json_agg(…)::jsonb</c>), so their keys come in jsonb order (shorter keys first).
/// </summary>
public sealed class AggregateEmbedTests(AggregatesFixture fx) : IClassFixture<AggregatesFixture>
{
    [Fact]
    public async Task Aggregates_in_a_to_many_embed_are_per_parent()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,posts(count(),score.sum(),id.max())&order=name");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Alice","posts":[{"max":2,"sum":3.5,"count":2}]},{"name":"Bob","posts":[{"max":3,"sum":null,"count":1}]},{"name":"Carol","posts":[{"max":null,"sum":null,"count":0}]}]""",
            RestFixture.Norm(body));
    }

    [Fact]
    public async Task Aggregate_with_grouping_column_inside_an_embed()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,posts(published,count())&name=eq.Alice&posts.order=published");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Alice","posts":[{"count":1,"published":false},{"count":1,"published":true}]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Aggregate_in_a_to_one_embed()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,users(age.avg())&order=id&limit=1");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello","users":{"avg":30.0000000000000000}}]""", RestFixture.Norm(body));
    }
}
