using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class WriteTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Fact]
    public async Task Insert_object_minimal_is_201_without_body()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"name":"w1"}""");
        Assert.Equal(201, status);
        Assert.Equal("", body);
        Assert.Equal(1L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM tags WHERE name = 'w1'"));
    }

    [Fact]
    public async Task Insert_array_with_representation_and_select()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags?select=name&columns=name", """[{"name":"w2"},{"name":"w3"}]""", null, "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("""[{"name":"w2"},{"name":"w3"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Insert_with_embed_in_representation()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/comments?select=body,posts(title)", """{"post_id":2,"body":"w-embed"}""", null, "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("""[{"body":"w-embed","posts":{"title":"World"}}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Insert_errors()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """[{"name":"a"},{"nom":"b"}]""");
        Assert.Equal(400, status);
        Assert.Equal("All object keys must match", Json(body).GetProperty("message").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"nope":1}""");
        Assert.Equal(400, status);
        Assert.Equal("PGRST204", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"name":"sql"}""");
        Assert.Equal(409, status);
        Assert.Equal("23505", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags", "{bad");
        Assert.Equal(400, status);
        Assert.Equal("PGRST102", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/comments", """{"post_id":999,"body":"x"}""");
        Assert.Equal(409, status);
        Assert.Equal("23503", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Upsert_merge_and_ignore()
    {
        await fx.Database.ExecuteAsync("INSERT INTO tags (id, name) VALUES (500, 'up1')");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags?select=id,name", """[{"id":500,"name":"up1b"},{"id":501,"name":"up2"}]""", null,
            "Prefer: return=representation,resolution=merge-duplicates");
        Assert.Equal(201, status);
        Assert.Equal("""[{"id":500,"name":"up1b"},{"id":501,"name":"up2"}]""", RestFixture.Norm(body));
        // Every row a duplicate: nothing inserted. PostgREST v12 answers 200 for merge-duplicates only; ignore-duplicates
        // stays 201 (its spec: "succeeds if not a single resource is created").
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags?on_conflict=name&select=id", """{"id":777,"name":"up2"}""", null,
            "Prefer: return=representation, resolution=ignore-duplicates");
        Assert.Equal(201, status);
        Assert.Equal("[]", body);
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/tags?select=id,name", """[{"id":500,"name":"up1c"},{"id":501,"name":"up2c"}]""", null,
            "Prefer: return=representation,resolution=merge-duplicates");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":500,"name":"up1c"},{"id":501,"name":"up2c"}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"id":500,"name":"up1d"}""", null, "Prefer: resolution=merge-duplicates");
        Assert.Equal(200, status);
        (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/tags", """[{"id":500,"name":"up1e"},{"id":502,"name":"up3"}]""", null, "Prefer: resolution=merge-duplicates");
        Assert.Equal(201, status);
    }

    [Fact]
    public async Task Limited_update_and_delete_follow_the_order()
    {
        await fx.Database.ExecuteAsync("""
            CREATE TABLE public.lim (id int PRIMARY KEY, state text);
            INSERT INTO public.lim SELECT g, 'new' FROM generate_series(1, 4) g;
            GRANT ALL ON public.lim TO anon;
            """);
        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/lim?state=eq.new&order=id&limit=2&select=id", """{"state":"done"}""",
            null, "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":1},{"id":2}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.SendAsync(HttpMethod.Delete, "/lim?order=id.desc&limit=1&offset=1");
        Assert.Equal(204, status);
        Assert.Equal("1:done,2:done,4:new", await fx.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM public.lim"));
        (status, body, _) = await fx.SendAsync(HttpMethod.Delete, "/lim?limit=1");
        Assert.Equal(400, status);
        Assert.Equal("PGRST109", Json(body).GetProperty("code").GetString());
        Assert.Equal(3L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.lim"));
    }

    [Fact]
    public async Task Update_matched_rows_with_representation()
    {
        await fx.Database.ExecuteAsync("INSERT INTO tags (id, name) VALUES (600, 'u1'), (601, 'u2')");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/tags?id=eq.600&select=name", """{"name":"u1x"}""", null, "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"u1x"}]""", RestFixture.Norm(body));
        (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/tags?id=eq.601", """{"name":"u2x"}""");
        Assert.Equal(204, status);
        Assert.Equal("u2x", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 601"));
    }

    [Fact]
    public async Task Delete_with_filters()
    {
        await fx.Database.ExecuteAsync("INSERT INTO tags (id, name) VALUES (700, 'd1'), (701, 'd2')");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Delete, "/tags?id=eq.700", null, null, "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"id":700,"name":"d1"}]""", RestFixture.Norm(body));
        (status, _, _) = await fx.SendAsync(HttpMethod.Delete, "/tags?id=eq.701");
        Assert.Equal(204, status);
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM tags WHERE id IN (700, 701)"));
    }

    [Fact]
    public async Task Singular_write_of_several_rows_is_rolled_back()
    {
        await fx.Database.ExecuteAsync("INSERT INTO comments (id, post_id, body) VALUES (800, 2, 's1'), (801, 2, 's2')");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/comments?id=in.(800,801)", """{"body":"sx"}""", null,
            "Prefer: return=representation", "Accept: application/vnd.pgrst.object+json");
        Assert.Equal(406, status);
        Assert.Equal("PGRST116", Json(body).GetProperty("code").GetString());
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM comments WHERE body = 'sx'"));
    }

    [Fact]
    public async Task Headers_only_gives_location()
    {
        var (status, _, response) = await fx.SendAsync(HttpMethod.Post, "/tags", """{"id":900,"name":"loc"}""", null, "Prefer: return=headers-only");
        Assert.Equal(201, status);
        Assert.Equal("/tags?id=eq.900", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Csv_insert()
    {
        var (status, _, _) = await fx.SendAsync(HttpMethod.Post, "/tags", "id,name\n950,csv1\n951,\"csv,2\"", null, "Content-Type: text/csv");
        Assert.Equal(201, status);
        Assert.Equal("csv,2", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 951"));
    }

    [Fact]
    public async Task Max_affected_with_strict_handling_rolls_back_bigger_writes()
    {
        await fx.Database.ExecuteAsync("INSERT INTO comments (id, post_id, body) VALUES (1100, 2, 'm1'), (1101, 2, 'm2')");
        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, "/comments?id=in.(1100,1101)", """{"body":"mx"}""", null,
            "Prefer: handling=strict, max-affected=1");
        Assert.Equal(400, status);
        Assert.Equal("PGRST124", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM comments WHERE body = 'mx'"));
        (status, _, var response) = await fx.SendAsync(HttpMethod.Delete, "/comments?id=eq.1100", null, null, "Prefer: handling=strict, max-affected=1");
        Assert.Equal(204, status);
        Assert.Contains("max-affected=1", response.Headers.GetValues("Preference-Applied").Single());
    }

    [Fact]
    public async Task Missing_default_uses_column_defaults_for_absent_keys()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/posts?columns=title,published&select=title,published",
            """[{"title":"md1","published":true},{"title":"md2"}]""", null, "Prefer: return=representation, missing=default");
        Assert.Equal(201, status);
        Assert.Equal("""[{"title":"md1","published":true},{"title":"md2","published":false}]""", RestFixture.Norm(body));
        Assert.Contains("missing=default", response.Headers.GetValues("Preference-Applied").Single());
        (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/posts?columns=title,published", """[{"title":"md3"}]""");
        Assert.Equal(400, status);
        Assert.Equal("23502", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
