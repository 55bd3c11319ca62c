using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class EmbedTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Fact]
    public async Task Many_to_one_embed_is_an_object()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,users(name)&id=eq.1");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello","users":{"name":"Alice"}}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task One_to_many_embed_is_an_array_with_filters_order_limit()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,comments(body)&id=in.(1,2)&order=id&comments.order=body.desc&comments.limit=1");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello","comments":[{"body":"thanks"}]},{"title":"World","comments":[]}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/posts?select=title,comments(body)&id=eq.1&comments.body=eq.nice");
        Assert.Equal("""[{"title":"Hello","comments":[{"body":"nice"}]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Many_to_many_through_junction()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,tags(name)&id=eq.1&tags.order=name");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello","tags":[{"name":"dotnet"},{"name":"sql"}]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Nested_embeds_and_alias()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,writings:posts(title,comments(body,author:users(name)))&id=eq.22222222-2222-2222-2222-222222222222");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Bob","writings":[{"title":"Bonjour","comments":[{"body":"salut","author":{"name":"Alice"}}]}]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Inner_join_filters_parents()
    {
        var (_, body, _) = await fx.GetAsync("/posts?select=title,comments!inner(body)&comments.body=eq.salut");
        Assert.Equal("""[{"title":"Bonjour","comments":[{"body":"salut"}]}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/posts?select=title,comments()&comments=is.null&order=id");
        Assert.Equal("""[{"title":"World"}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/posts?select=title,comments()&comments=not.is.null&order=id");
        Assert.Equal("""[{"title":"Hello"},{"title":"Bonjour"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Ambiguous_embed_is_300_PGRST201_and_hint_disambiguates()
    {
        var (status, body, _) = await fx.GetAsync("/messages?select=body,users(name)");
        Assert.Equal(300, status);
        var e = Json(body);
        Assert.Equal("PGRST201", e.GetProperty("code").GetString());
        Assert.Equal(2, e.GetProperty("details").GetArrayLength());
        Assert.Contains("users!messages_sender_id_fkey", e.GetProperty("hint").GetString());
        (status, body, _) = await fx.GetAsync("/messages?select=body,sender:users!sender_id(name),receiver:users!messages_receiver_id_fkey(name)");
        Assert.Equal(200, status);
        Assert.Equal("""[{"body":"hi bob","sender":{"name":"Alice"},"receiver":{"name":"Bob"}}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Missing_relationship_is_PGRST200()
    {
        var (status, body, _) = await fx.GetAsync("/tags?select=name,users(name)");
        Assert.Equal(400, status);
        var e = Json(body);
        Assert.Equal("PGRST200", e.GetProperty("code").GetString());
        Assert.Equal("Could not find a relationship between 'tags' and 'users' in the schema cache", e.GetProperty("message").GetString());
    }

    [Fact]
    public async Task One_to_one_and_spread()
    {
        var (_, body, _) = await fx.GetAsync("/users?select=name,profiles(bio)&id=eq.11111111-1111-1111-1111-111111111111");
        Assert.Equal("""[{"name":"Alice","profiles":{"bio":"likes sql"}}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/posts?select=title,...users(author:name)&id=eq.3");
        Assert.Equal("""[{"title":"Bonjour","author":"Bob"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task To_many_spread_gives_arrays_of_values()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,...posts(title,post_id:id)&posts.order=id&order=name");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Alice","title":["Hello","World"],"post_id":[1,2]},{"name":"Bob","title":["Bonjour"],"post_id":[3]},{"name":"Carol","title":[],"post_id":[]}]""",
            RestFixture.Norm(body));
        (status, body, _) = await fx.GetAsync("/users?select=name,...posts!inner(title)&posts.published=is.true&order=name");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Alice","title":["Hello"]},{"name":"Bob","title":["Bonjour"]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Order_by_to_one_embed_column()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,users(name)&order=users(name).desc,id");
        Assert.Equal(200, status);
        Assert.Equal("Bonjour", Json(body)[0].GetProperty("title").GetString());
        (status, body, _) = await fx.GetAsync("/users?select=name,posts(title)&order=posts(title)");
        Assert.Equal(400, status);
        Assert.Equal("PGRST118", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Filter_on_embed_not_selected_is_PGRST108()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title&comments.body=eq.x");
        Assert.Equal(400, status);
        Assert.Equal("PGRST108", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Views_embed_through_their_base_table_foreign_keys()
    {
        var (status, body, _) = await fx.GetAsync("/published_posts?select=title,users(name)&order=id");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"title":"Hello","users":{"name":"Alice"}},{"title":"Bonjour","users":{"name":"Bob"}}]""", RestFixture.Norm(body));
        (status, body, _) = await fx.GetAsync("/users?select=name,published_posts(title)&order=name");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"name":"Alice","published_posts":[{"title":"Hello"}]},{"name":"Bob","published_posts":[{"title":"Bonjour"}]},{"name":"Carol","published_posts":[]}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Embedded_count_without_aggregates_enabled()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,comments(count)&id=in.(1,2)&order=id");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"title":"Hello","comments":[{"count":2}]},{"title":"World","comments":[{"count":0}]}]""", RestFixture.Norm(body));
    }
}
