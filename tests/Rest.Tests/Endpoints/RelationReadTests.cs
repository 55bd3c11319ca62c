using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

public sealed class RelationReadTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    [Fact]
    public async Task Select_star_returns_all_rows_as_json_array()
    {
        var (status, body, response) = await fx.GetAsync("/users?order=name");
        Assert.Equal(200, status);
        var rows = Json(body);
        Assert.Equal(3, rows.GetArrayLength());
        Assert.Equal("Alice", rows[0].GetProperty("name").GetString());
        Assert.Equal("0-2/*", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Reads_send_a_canonical_content_location()
    {
        var (status, _, response) = await fx.GetAsync("/users?select=name,age&order=name&age=gt.1&age=lt.99&name=not.in.(a,%22b%20c%22)");
        Assert.Equal(200, status);
        Assert.Equal("/users?age=gt.1,lt.99&name=not.in.(a%2C%22b%20c%22)&order=name&select=name%2Cage", response.Content.Headers.ContentLocation!.OriginalString);
        (_, _, response) = await fx.GetAsync("/users");
        Assert.Equal("/users", response.Content.Headers.ContentLocation!.OriginalString);
        (_, _, response) = await fx.GetAsync("/users?name=eq.Zo%C3%AB%20%E2%82%AC");
        Assert.Equal("/users?name=eq.Zo%C3%AB%20%E2%82%AC", response.Content.Headers.ContentLocation!.OriginalString);
    }

    [Fact]
    public async Task Select_columns_alias_cast_and_json_path()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=nom:name,age::text,data->>city,lang:data->langs->0&name=eq.Alice");
        Assert.Equal(200, status);
        Assert.Equal("""[{"nom":"Alice","age":"30","city":"Paris","lang":"fr"}]""", body);
    }

    [Theory]
    [InlineData("/users?select=name&age=gt.26", "Alice")]
    [InlineData("/users?select=name&age=lt.26", "Bob")]
    [InlineData("/users?select=name&age=is.null", "Carol")]
    [InlineData("/users?select=name&name=like.*li*", "Alice")]
    [InlineData("/users?select=name&name=ilike.BO*", "Bob")]
    [InlineData("/users?select=name&name=match.^Ca", "Carol")]
    [InlineData("/users?select=name&name=imatch.^ca", "Carol")]
    [InlineData("/users?select=name&name=in.(Bob,\"Zed,X\")", "Bob")]
    [InlineData("/users?select=name&age=not.is.null&age=neq.30", "Bob")]
    [InlineData("/users?select=name&data->>city=eq.Berlin", "Bob")]
    [InlineData("/users?select=name&data->n->x=eq.1", "Alice")]
    [InlineData("/users?select=name&or=(age.gt.29,name.eq.Carol)&name=neq.Carol", "Alice")]
    [InlineData("/users?select=name&and=(age.gte.25,age.lte.25)", "Bob")]
    [InlineData("/users?select=name&not.or=(age.is.null,age.gt.26)", "Bob")]
    [InlineData("/users?select=name&or=(name.eq.X,and(age.gt.20,age.lt.26))", "Bob")]
    [InlineData("/users?select=name&age=isdistinct.30&age=not.is.null", "Bob")]
    [InlineData("/users?select=name&name=like(any).{Al*,Zz*}", "Alice")]
    [InlineData("/users?select=name&name=like(all).{*o*,B*}", "Bob")]
    [InlineData("/users?select=name&data=cs.{\"city\":\"Paris\"}", "Alice")]
    [InlineData("/posts?select=title&tags=cs.{c}", "World")]
    [InlineData("/posts?select=title&tags=cd.{a,b,z}&tags=not.eq.{}", "Hello")]
    [InlineData("/posts?select=title&tags=ov.{c,z}", "World")]
    [InlineData("/docs?select=content&tsv=fts.fox", "The quick brown fox")]
    [InlineData("/docs?select=content&tsv=plfts(english).lazy dogs", "Lazy dogs sleep")]
    [InlineData("/docs?select=content&content=wfts(english).quick -lazy", "The quick brown fox")]
    [InlineData("/docs?select=content&tsv=phfts.brown fox", "The quick brown fox")]
    [InlineData("/ranges?select=r&r=sl.[6,8)", "[1,5)")]
    [InlineData("/ranges?select=r&r=sr.[6,8)", "[10,20)")]
    [InlineData("/ranges?select=r&r=adj.[5,10)&id=eq.1", "[1,5)")]
    [InlineData("/ranges?select=r&r=nxr.[0,6)", "[1,5)")]
    [InlineData("/ranges?select=r&r=nxl.[8,9)", "[10,20)")]
    public async Task Filters_select_the_expected_single_row(string path, string expected)
    {
        var (status, body, _) = await fx.GetAsync(path);
        Assert.True(status == 200, body);
        var rows = Json(body);
        Assert.True(rows.GetArrayLength() == 1, body);
        Assert.Equal(expected, rows[0].EnumerateObject().First().Value.GetString());
    }

    [Fact]
    public async Task Order_limit_offset_and_nulls()
    {
        var (_, body, response) = await fx.GetAsync("/users?select=name&order=age.desc.nullslast&limit=2&offset=1");
        Assert.Equal("""[{"name":"Bob"},{"name":"Carol"}]""", RestFixture.Norm(body));
        Assert.Equal("1-2/*", response.Content.Headers.GetValues("Content-Range").Single());
        (_, body, _) = await fx.GetAsync("/users?select=name&order=age.asc.nullsfirst");
        Assert.Equal("""[{"name":"Carol"},{"name":"Bob"},{"name":"Alice"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Count_exact_gives_total_and_206_for_partial_page()
    {
        var (status, body, response) = await fx.GetAsync("/users?select=name&order=name&limit=1", null, "Prefer: count=exact");
        Assert.Equal(206, status);
        Assert.Equal("""[{"name":"Alice"}]""", body);
        Assert.Equal("0-0/3", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Contains("count=exact", response.Headers.GetValues("Preference-Applied").Single());
    }

    [Fact]
    public async Task Head_returns_count_without_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/rest/v1/users");
        request.Headers.TryAddWithoutValidation("Prefer", "count=exact");
        var response = await fx.Host.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("0-2/3", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Range_header_pages_and_bad_offset_is_416()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name&order=name", null, "Range: 1-1");
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Bob"}]""", body);
        (status, body, _) = await fx.GetAsync("/users?offset=10", null, "Prefer: count=exact");
        Assert.Equal(416, status);
        Assert.Equal("PGRST103", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Singular_object_and_PGRST116()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: application/vnd.pgrst.object+json");
        Assert.Equal(200, status);
        Assert.Equal("""{"name":"Bob"}""", body);
        (status, body, _) = await fx.GetAsync("/users?select=name", null, "Accept: application/vnd.pgrst.object+json");
        Assert.Equal(406, status);
        var e = Json(body);
        Assert.Equal("PGRST116", e.GetProperty("code").GetString());
        Assert.Equal("Cannot coerce the result to a single JSON object", e.GetProperty("message").GetString());
        Assert.Equal("The result contains 3 rows", e.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Unknown_table_and_column_errors()
    {
        var (status, body, _) = await fx.GetAsync("/nope");
        Assert.Equal(404, status);
        Assert.Equal("PGRST205", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.GetAsync("/users?select=nope");
        Assert.Equal(400, status);
        Assert.Equal("42703", Json(body).GetProperty("code").GetString());
        (status, body, _) = await fx.GetAsync("/users?select=name,");
        Assert.Equal(400, status);
        Assert.Equal("PGRST100", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Csv_output()
    {
        var (status, body, response) = await fx.GetAsync("/users?select=name,age&order=name", null, "Accept: text/csv");
        Assert.Equal(200, status);
        Assert.Equal("name,age\nAlice,30\nBob,25\nCarol,", body);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Views_are_readable()
    {
        var (status, body, _) = await fx.GetAsync("/published_posts?select=title&order=id");
        Assert.Equal(200, status);
        Assert.Equal("""[{"title":"Hello"},{"title":"Bonjour"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Computed_fields_select_filter_and_order()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,label&label=like.*(?)&order=label.desc");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"name":"Carol","label":"Carol (?)"}]""", RestFixture.Norm(body));
        (_, body, _) = await fx.GetAsync("/users?select=label&order=label");
        Assert.Equal("""[{"label":"Alice (30)"},{"label":"Bob (25)"},{"label":"Carol (?)"}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Planned_and_estimated_counts()
    {
        await fx.Database.ExecuteAsync("""
            CREATE TABLE public.big (id int PRIMARY KEY, k int);
            INSERT INTO public.big SELECT g, g % 10 FROM generate_series(1, 5000) g;
            ANALYZE public.big;
            GRANT SELECT ON public.big TO anon;
            """);
        var (status, _, response) = await fx.GetAsync("/big?select=id&limit=2", null, "Prefer: count=planned");
        Assert.Equal(206, status);
        Assert.Equal("0-1/5000", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Contains("count=planned", response.Headers.GetValues("Preference-Applied").Single());
        (_, _, response) = await fx.GetAsync("/big?select=id&k=eq.3&limit=2", null, "Prefer: count=planned");
        var planned = long.Parse(response.Content.Headers.GetValues("Content-Range").Single().Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(planned, 300, 700);
        // estimated: exact below db-max-rows (1000), the planner's figure above it.
        (_, _, response) = await fx.GetAsync("/big?select=id&k=eq.3&id=lt.100&limit=2", null, "Prefer: count=estimated");
        Assert.Equal("0-1/10", response.Content.Headers.GetValues("Content-Range").Single());
        (_, _, response) = await fx.GetAsync("/big?select=id&limit=2", null, "Prefer: count=estimated");
        Assert.Equal("0-1/5000", response.Content.Headers.GetValues("Content-Range").Single());
    }
}
