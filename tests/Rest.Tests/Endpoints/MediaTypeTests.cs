using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>Built-in media type corners: nulls=stripped variants, Accept ordering, the root's media types.</summary>
public sealed class MediaTypeTests(RestFixture fx) : IClassFixture<RestFixture>
{
    // As sent (HttpClient's parsed Content-Type would re-space the parameters).
    private static string ContentType(HttpResponseMessage r) =>
        r.Content.Headers.NonValidated.TryGetValues("Content-Type", out var v) ? string.Join(",", v) : "";

    /// <summary>The Content-Type as sent, read before anything parses it (ReadAsStringAsync would, to find the charset).</summary>
    private async Task<string> RawContentTypeAsync(string path, string accept, HttpMethod? method = null, string? body = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, "/rest/v1" + path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await fx.Host.Client.SendAsync(request);
        return response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var v) ? string.Join(",", v) : "";
    }

    [Theory]
    [InlineData("application/vnd.pgrst.array+json;nulls=stripped")]
    [InlineData("application/vnd.pgrst.array;nulls=stripped")]
    [InlineData("application/vnd.pgrst.array+json; nulls=stripped")]
    public async Task Stripped_array_variants_drop_nulls_and_name_the_type_as_postgrest(string accept)
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,age&name=eq.Carol", null, "Accept: " + accept);
        Assert.Equal(200, status);
        Assert.Equal("""[{"name":"Carol"}]""", RestFixture.Norm(body));
        Assert.Equal("application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8", await RawContentTypeAsync("/users?select=name,age&name=eq.Carol", accept));
    }

    [Fact]
    public async Task Stripped_object_and_plain_array_variants()
    {
        var obj = await fx.GetAsync("/users?select=name,age&name=eq.Carol", null, "Accept: application/vnd.pgrst.object+json;nulls=stripped");
        Assert.Equal((200, """{"name":"Carol"}"""), (obj.Status, RestFixture.Norm(obj.Body)));
        Assert.Equal("application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8",
            await RawContentTypeAsync("/users?select=name,age&name=eq.Carol", "application/vnd.pgrst.object+json;nulls=stripped"));
        // Without the parameter (or with others beside it) nothing is stripped: plain JSON.
        var plain = await fx.GetAsync("/users?select=name,age&name=eq.Carol", null, "Accept: application/vnd.pgrst.array+json");
        Assert.Equal(("""[{"name":"Carol","age":null}]""", "application/json; charset=utf-8"), (RestFixture.Norm(plain.Body), ContentType(plain.Response)));
        var extra = await fx.GetAsync("/users?select=name,age&name=eq.Carol", null, "Accept: application/vnd.pgrst.array+json;nulls=stripped;x=y");
        Assert.Equal("""[{"name":"Carol","age":null}]""", RestFixture.Norm(extra.Body));
    }

    [Fact]
    public async Task Stripped_nulls_apply_to_rpc_results()
    {
        var scalar = await fx.SendAsync(HttpMethod.Post, "/rpc/echo", """{"a":null,"b":{"c":null,"d":1}}""", null,
            "Accept: application/vnd.pgrst.array+json;nulls=stripped");
        Assert.Equal(200, scalar.Status);
        Assert.Equal("""{"b":{"d":1}}""", RestFixture.Norm(scalar.Body));
        Assert.Equal("application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8",
            await RawContentTypeAsync("/rpc/echo", "application/vnd.pgrst.array+json;nulls=stripped", HttpMethod.Post, """{"a":null}"""));
        var rows = await fx.GetAsync("/rpc/user_table?min_age=0", null, "Accept: application/vnd.pgrst.array+json;nulls=stripped");
        Assert.Equal("""[{"name":"Bob","age":25},{"name":"Alice","age":30}]""", RestFixture.Norm(rows.Body));
        var composite = await fx.GetAsync("/rpc/first_post?select=title,body,score", null, "Accept: application/vnd.pgrst.object+json;nulls=stripped");
        Assert.Equal("""{"title":"Hello","body":"first post","score":1.5}""", RestFixture.Norm(composite.Body));
        var single = await fx.GetAsync("/rpc/hello", null, "Accept: application/vnd.pgrst.object+json");
        Assert.Equal(("\"hi\"", "application/vnd.pgrst.object+json; charset=utf-8"), (single.Body, ContentType(single.Response)));
    }

    [Fact]
    public async Task Accept_ranges_are_taken_by_quality_then_specificity()
    {
        var json = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: text/csv;q=0.5, application/json");
        Assert.Equal("application/json; charset=utf-8", ContentType(json.Response));
        var csv = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: */*;q=0.9, text/csv");
        Assert.Equal(("name\nBob", "text/csv; charset=utf-8"), (csv.Body, ContentType(csv.Response)));
        // Equal q: the more specific range first (*/* last), then the header's order.
        var specific = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: */*, text/csv");
        Assert.Equal("text/csv; charset=utf-8", ContentType(specific.Response));
    }

    [Fact]
    public async Task Csv_is_postgresql_record_text_as_postgrest_builds_it()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=id,title,body,tags,published&order=id", null, "Accept: text/csv");
        Assert.Equal(200, status);
        // Values as PostgreSQL prints them in a record: booleans t/f, arrays {..} quoted, text with spaces quoted, NULL empty.
        Assert.Equal("id,title,body,tags,published\n1,Hello,\"first post\",\"{a,b}\",t\n2,World,\"second post\",\"{b,c}\",f\n3,Bonjour,,{},t", body);
        var json = await fx.GetAsync("/users?select=name,data&name=eq.Bob", null, "Accept: text/csv");
        Assert.Equal("name,data\nBob,\"{\"\"city\"\": \"\"Berlin\"\", \"\"langs\"\": [\"\"de\"\"]}\"", json.Body);
        // No rows: an empty header line, as PostgREST.
        var empty = await fx.GetAsync("/posts?id=eq.999", null, "Accept: text/csv");
        Assert.Equal((200, "\n"), (empty.Status, empty.Body));
        // Written rows and set-returning functions too.
        var written = await fx.SendAsync(HttpMethod.Post, "/tags?select=name", """{"name":"csv out"}""", null, "Accept: text/csv", "Prefer: return=representation");
        Assert.Equal((201, "name\n\"csv out\""), (written.Status, written.Body));
        var numbers = await fx.GetAsync("/rpc/numbers?n=2", null, "Accept: text/csv");
        Assert.Equal((200, "pgrst_scalar\n1\n2"), (numbers.Status, numbers.Body));
    }

    [Fact]
    public async Task Root_offers_only_the_openapi_document()
    {
        var none = await fx.GetAsync("/");
        Assert.Equal((200, "application/openapi+json; charset=utf-8"), (none.Status, ContentType(none.Response)));
        var openapi = await fx.GetAsync("/", null, "Accept: application/openapi+json");
        Assert.Equal(200, openapi.Status);
        var csv = await fx.GetAsync("/", null, "Accept: text/csv");
        Assert.Equal(406, csv.Status);
        Assert.Equal("None of these media types are available: text/csv", JsonDocument.Parse(csv.Body).RootElement.GetProperty("message").GetString());
    }
}
