using System.Net.Http.Headers;
using System.Text.Json;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// The blog fixture plus PostgREST v12 media type handlers: domains named after media types, aggregates over a
/// table's rows (TSV, a CSV override, a binary format, a "*/*" any-handler on a view), an anyelement aggregate,
/// functions returning a media type domain, and an RLS-protected table behind them.
/// </summary>
public sealed class MediaFixture : RestFixture
{
    public const string Schema = """
        CREATE DOMAIN "text/tab-separated-values" AS text;
        CREATE DOMAIN "text/csv" AS text;
        CREATE DOMAIN "text/html" AS text;
        CREATE DOMAIN "application/vnd.bin" AS bytea;
        CREATE DOMAIN "application/vnd.rows+json" AS jsonb;
        CREATE DOMAIN "application/json" AS json;
        CREATE DOMAIN "*/*" AS bytea;

        CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, secret boolean NOT NULL DEFAULT false);
        INSERT INTO public.items VALUES (1, 'apple', false), (2, 'banana', false), (3, 'cherry', true);
        ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
        CREATE POLICY items_anon ON public.items FOR SELECT TO anon USING (NOT secret);
        CREATE POLICY items_user ON public.items FOR ALL TO authenticated USING (true) WITH CHECK (true);
        GRANT ALL ON public.items TO anon, authenticated, service_role;

        CREATE FUNCTION public.items_tsv_trans(state text, next public.items) RETURNS "text/tab-separated-values"
          LANGUAGE sql AS $$ SELECT (state || next.id || E'\t' || next.name || E'\n')::"text/tab-separated-values" $$;
        CREATE FUNCTION public.items_tsv_final(data "text/tab-separated-values") RETURNS "text/tab-separated-values"
          LANGUAGE sql AS $$ SELECT (E'id\tname\n' || data)::"text/tab-separated-values" $$;
        CREATE AGGREGATE public.items_tsv_agg(public.items) (initcond = '', stype = "text/tab-separated-values",
          sfunc = public.items_tsv_trans, finalfunc = public.items_tsv_final);

        -- Overrides the built-in text/csv for items only, with a header of its own and Content-Disposition.
        CREATE FUNCTION public.items_csv_trans(state text, next public.items) RETURNS "text/csv"
          LANGUAGE sql AS $$ SELECT (state || next.id || ';' || next.name || E'\n')::"text/csv" $$;
        CREATE FUNCTION public.items_csv_final(data "text/csv") RETURNS "text/csv" LANGUAGE sql AS $$
          SELECT set_config('response.headers', '[{"Content-Disposition": "attachment; filename=\"items.csv\""}]', true);
          SELECT (E'ID;NAME\n' || data)::"text/csv" $$;
        CREATE AGGREGATE public.items_csv_agg(public.items) (initcond = '', stype = "text/csv",
          sfunc = public.items_csv_trans, finalfunc = public.items_csv_final);

        CREATE FUNCTION public.items_bin_trans(state "application/vnd.bin", next public.items) RETURNS "application/vnd.bin"
          LANGUAGE sql AS $$ SELECT (state || int4send(next.id))::"application/vnd.bin" $$;
        CREATE AGGREGATE public.items_bin_agg(public.items) (initcond = '', stype = "application/vnd.bin", sfunc = public.items_bin_trans);

        -- Any relation (and scalar results) as a JSON array of rows.
        CREATE FUNCTION public.rows_trans(state "application/vnd.rows+json", next anyelement) RETURNS "application/vnd.rows+json"
          LANGUAGE sql AS $$ SELECT (state || jsonb_build_array(to_jsonb(next)))::"application/vnd.rows+json" $$;
        CREATE AGGREGATE public.rows_agg(anyelement) (initcond = '[]', stype = "application/vnd.rows+json", sfunc = public.rows_trans);

        -- Overrides application/json for one table.
        CREATE TABLE public.ov_json (id int);
        INSERT INTO public.ov_json VALUES (1);
        GRANT ALL ON public.ov_json TO anon, authenticated, service_role;
        CREATE FUNCTION public.ov_json_trans(state "application/json", next public.ov_json) RETURNS "application/json"
          LANGUAGE sql AS $$ SELECT '{"overridden":true}'::json::"application/json" $$;
        CREATE AGGREGATE public.ov_json_agg(public.ov_json) (stype = "application/json", sfunc = public.ov_json_trans);

        -- A "*/*" handler on a view: XML whatever is asked, refusing non-XML media types itself.
        CREATE VIEW public."items.xml" WITH (security_invoker = true) AS SELECT id, name FROM public.items;
        GRANT SELECT ON public."items.xml" TO anon, authenticated, service_role;
        CREATE FUNCTION public.items_xml_trans(state "*/*", next public."items.xml") RETURNS "*/*" LANGUAGE sql AS
          $$ SELECT (state || convert_to(format('<item id="%s">%s</item>', next.id, next.name), 'UTF8'))::"*/*" $$;
        CREATE FUNCTION public.items_xml_final(data "*/*") RETURNS "*/*" LANGUAGE plpgsql AS $$
        DECLARE accept text := current_setting('request.headers', true)::json->>'accept';
        BEGIN
          IF accept IS NULL OR accept = '*/*' THEN
            PERFORM set_config('response.headers', '[{"Content-Type": "text/xml"}]', true);
          ELSIF accept NOT IN ('application/xml', 'text/xml') THEN
            RAISE SQLSTATE 'PT415' USING MESSAGE = 'Unsupported Media Type';
          END IF;
          RETURN data;
        END $$;
        CREATE AGGREGATE public.items_xml_agg(public."items.xml") (initcond = '', stype = "*/*",
          sfunc = public.items_xml_trans, finalfunc = public.items_xml_final);

        CREATE FUNCTION public.page(title text) RETURNS "text/html" LANGUAGE sql STABLE AS
          $$ SELECT ('<h1>' || title || '</h1>')::"text/html" $$;
        CREATE FUNCTION public.no_page() RETURNS "text/html" LANGUAGE sql STABLE AS $$ SELECT NULL::"text/html" WHERE false $$;
        CREATE FUNCTION public.pixel() RETURNS "application/vnd.bin" LANGUAGE sql STABLE AS $$ SELECT '\x89504e470d0a'::bytea::"application/vnd.bin" $$;
        CREATE FUNCTION public.all_items() RETURNS SETOF public.items LANGUAGE sql STABLE AS $$ SELECT * FROM public.items $$;
        CREATE FUNCTION public.pages() RETURNS SETOF "text/html" LANGUAGE sql STABLE AS $$ SELECT '<p/>'::"text/html" $$;
        CREATE FUNCTION public.any_mt() RETURNS "*/*" LANGUAGE plpgsql STABLE AS $$
        DECLARE accept text := current_setting('request.headers', true)::json->>'accept';
        BEGIN
          CASE coalesce(accept, '*/*')
            WHEN 'app/chico' THEN
              PERFORM set_config('response.headers', '[{"Content-Type": "app/chico"}]', true);
              RETURN 'chico'::bytea;
            WHEN '*/*' THEN
              PERFORM set_config('response.headers', '[{"Content-Type": "app/groucho"}]', true);
              RETURN 'groucho'::bytea;
            WHEN 'app/plain' THEN
              RETURN 'plain'::bytea;
            ELSE
              RAISE SQLSTATE 'PT406' USING MESSAGE = 'Not Acceptable';
          END CASE;
        END $$;
        """;

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(Schema);
        await base.InitializeDatabaseAsync(database);
    }

    /// <summary>A request whose body is read as bytes (binary media types).</summary>
    public async Task<(int Status, byte[] Body, HttpResponseMessage Response)> SendBytesAsync(HttpMethod method, string path, string? accept,
        string? token = null, string? body = null, params string[] headers)
    {
        using var request = new HttpRequestMessage(method, "/rest/v1" + path);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        foreach (var h in headers)
        {
            var i = h.IndexOf(':', StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(h[..i].Trim(), h[(i + 1)..].Trim());
        }
        var response = await Host.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }
}

/// <summary>PostgREST v12 media type handlers: media type domains returned by aggregates and functions.</summary>
public sealed class MediaHandlerTests(MediaFixture fx) : IClassFixture<MediaFixture>
{
    private const string Tsv = "Accept: text/tab-separated-values";
    private static readonly string Alice = RestFixture.UserToken(RestFixture.Alice);

    private static string ContentType(HttpResponseMessage r) =>
        r.Content.Headers.TryGetValues("Content-Type", out var v) ? string.Join(",", v) : "";

    [Fact]
    public async Task Table_aggregate_handler_answers_its_media_type_over_the_selected_rows()
    {
        var (status, body, response) = await fx.GetAsync("/items?order=id", Alice, Tsv);
        Assert.Equal(200, status);
        Assert.Equal("text/tab-separated-values", ContentType(response));
        Assert.Equal("id\tname\n1\tapple\n2\tbanana\n3\tcherry\n", body);
        Assert.Equal("0-2/*", response.Content.Headers.GetValues("Content-Range").Single());
    }

    [Fact]
    public async Task Filters_order_limit_and_count_apply_before_the_aggregate()
    {
        var (status, body, response) = await fx.GetAsync("/items?id=gt.1&order=id.desc&limit=1", Alice, Tsv, "Prefer: count=exact");
        Assert.Equal(206, status);
        Assert.Equal("id\tname\n3\tcherry\n", body);
        Assert.Equal("0-0/2", response.Content.Headers.GetValues("Content-Range").Single());
    }

    [Fact]
    public async Task Rls_hides_rows_from_anon_through_the_handler()
    {
        var (status, body, _) = await fx.GetAsync("/items?order=id", null, Tsv);
        Assert.Equal(200, status);
        Assert.Equal("id\tname\n1\tapple\n2\tbanana\n", body);
        var (_, xml, _) = await fx.GetAsync("/items.xml?order=id", null, "Accept: text/xml");
        Assert.DoesNotContain("cherry", xml, StringComparison.Ordinal);
        Assert.Equal("<item id=\"1\">apple</item><item id=\"2\">banana</item>", xml);
    }

    [Fact]
    public async Task A_relation_handler_needs_the_default_select()
    {
        var (status, body, _) = await fx.GetAsync("/items?select=id,name", Alice, Tsv);
        Assert.Equal(406, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal("PGRST107", error.GetProperty("code").GetString());
        Assert.Equal("None of these media types are available: text/tab-separated-values", error.GetProperty("message").GetString());
        var star = await fx.GetAsync("/items?select=*&order=id&id=eq.1", Alice, Tsv);
        Assert.Equal((200, "id\tname\n1\tapple\n"), (star.Status, star.Body));
    }

    [Fact]
    public async Task Csv_override_applies_to_its_table_only_and_sets_its_headers()
    {
        var (status, body, response) = await fx.GetAsync("/items?order=id&id=lt.3", Alice, "Accept: text/csv");
        Assert.Equal(200, status);
        Assert.Equal("text/csv; charset=utf-8", ContentType(response));
        Assert.Equal("attachment; filename=\"items.csv\"", response.Content.Headers.ContentDisposition!.ToString());
        Assert.Equal("ID;NAME\n1;apple\n2;banana\n", body);
        // Other tables, and this one with a select, keep the built-in CSV.
        var users = await fx.GetAsync("/users?select=name&order=name", Alice, "Accept: text/csv");
        Assert.Equal("name\nAlice\nBob\nCarol", users.Body);
        var picked = await fx.GetAsync("/items?select=id,name&order=id&id=eq.2", Alice, "Accept: text/csv");
        Assert.Equal("id,name\n2,banana", picked.Body);
    }

    [Fact]
    public async Task Binary_handler_sends_bytes()
    {
        var (status, body, response) = await fx.SendBytesAsync(HttpMethod.Get, "/items?order=id&id=lte.2", "application/vnd.bin", Alice);
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.bin", ContentType(response));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 2 }, body);
        Assert.Equal(8, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Anyelement_aggregate_serves_every_relation_and_any_select()
    {
        var (status, body, response) = await fx.GetAsync("/users?select=name&order=name", Alice, "Accept: application/vnd.rows+json");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.rows+json", ContentType(response));
        Assert.Equal("""[{"name":"Alice"},{"name":"Bob"},{"name":"Carol"}]""", RestFixture.Norm(body));
        var numbers = await fx.GetAsync("/rpc/numbers?n=3", Alice, "Accept: application/vnd.rows+json");
        Assert.Equal("[1,2,3]", RestFixture.Norm(numbers.Body));
    }

    [Fact]
    public async Task Function_returning_a_media_type_domain_is_a_handler()
    {
        var (status, body, response) = await fx.GetAsync("/rpc/page?title=Hi", null, "Accept: text/html");
        Assert.Equal(200, status);
        Assert.Equal("text/html", ContentType(response));
        Assert.Equal("<h1>Hi</h1>", body);
        // A browser's Accept picks it too; JSON still gets the value as JSON.
        var browser = await fx.GetAsync("/rpc/page?title=Hi", null, "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        Assert.Equal(("<h1>Hi</h1>", "text/html"), (browser.Body, ContentType(browser.Response)));
        var json = await fx.GetAsync("/rpc/page?title=Hi", null, "Accept: application/json");
        Assert.Equal(("\"<h1>Hi</h1>\"", "application/json; charset=utf-8"), (json.Body, ContentType(json.Response)));
        var post = await fx.SendAsync(HttpMethod.Post, "/rpc/page", """{"title":"Yo"}""", null, "Accept: text/html");
        Assert.Equal((200, "<h1>Yo</h1>"), (post.Status, post.Body));
        var none = await fx.GetAsync("/rpc/no_page", null, "Accept: text/html");
        Assert.Equal((200, "", "text/html"), (none.Status, none.Body, ContentType(none.Response)));
    }

    [Fact]
    public async Task Quality_values_order_the_accepted_media_types()
    {
        var html = await fx.GetAsync("/rpc/page?title=q", null, "Accept: application/json;q=0.5, text/html");
        Assert.Equal("<h1>q</h1>", html.Body);
        var json = await fx.GetAsync("/rpc/page?title=q", null, "Accept: text/html;q=0.1, application/json");
        Assert.Equal("\"<h1>q</h1>\"", json.Body);
        // The first acceptable one wins: no handler for the first, the built-in JSON for the second.
        var fallback = await fx.GetAsync("/users?select=name&name=eq.Bob", null, "Accept: text/tab-separated-values, application/json");
        Assert.Equal((200, """[{"name":"Bob"}]"""), (fallback.Status, RestFixture.Norm(fallback.Body)));
    }

    [Fact]
    public async Task Binary_function_handler_and_set_returning_functions()
    {
        var (status, body, response) = await fx.SendBytesAsync(HttpMethod.Get, "/rpc/pixel", "application/vnd.bin");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.bin", ContentType(response));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a }, body);
        // A function returning a table's rows takes that table's handlers.
        var rows = await fx.GetAsync("/rpc/all_items?order=id&id=neq.2", Alice, Tsv);
        Assert.Equal((200, "id\tname\n1\tapple\n3\tcherry\n"), (rows.Status, rows.Body));
        // Only scalar functions are handlers: SETOF a media type domain is not.
        var set = await fx.GetAsync("/rpc/pages", null, "Accept: text/html");
        Assert.Equal(406, set.Status);
    }

    [Fact]
    public async Task Any_handler_function_answers_every_media_type_and_names_its_content_type()
    {
        var (status, body, response) = await fx.SendBytesAsync(HttpMethod.Get, "/rpc/any_mt", null);
        Assert.Equal(200, status);
        Assert.Equal("app/groucho", ContentType(response));
        Assert.Equal("groucho"u8.ToArray(), body);
        var chico = await fx.SendBytesAsync(HttpMethod.Get, "/rpc/any_mt", "app/chico");
        Assert.Equal(("app/chico", "chico"), (ContentType(chico.Response), System.Text.Encoding.UTF8.GetString(chico.Body)));
        // Without a Content-Type of its own the any handler is application/octet-stream.
        var plain = await fx.SendBytesAsync(HttpMethod.Get, "/rpc/any_mt", "app/plain");
        Assert.Equal(("application/octet-stream", "plain"), (ContentType(plain.Response), System.Text.Encoding.UTF8.GetString(plain.Body)));
        var refused = await fx.GetAsync("/rpc/any_mt", null, "Accept: text/csv");
        Assert.Equal(406, refused.Status);
        Assert.Equal("Not Acceptable", JsonDocument.Parse(refused.Body).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Any_handler_on_a_view_wins_over_builtins_and_can_refuse()
    {
        var (status, body, response) = await fx.GetAsync("/items.xml?order=id", Alice);
        Assert.Equal(200, status);
        Assert.Equal("text/xml", ContentType(response));
        Assert.Equal("<item id=\"1\">apple</item><item id=\"2\">banana</item><item id=\"3\">cherry</item>", body);
        var json = await fx.GetAsync("/items.xml?id=eq.1", Alice, "Accept: application/json");
        Assert.Equal(415, json.Status);
        // With a select of its own the view is plain JSON again.
        var picked = await fx.GetAsync("/items.xml?select=name&id=eq.1", Alice, "Accept: application/json");
        Assert.Equal((200, """[{"name":"apple"}]"""), (picked.Status, RestFixture.Norm(picked.Body)));
    }

    [Fact]
    public async Task Json_override_and_vendor_types_that_cannot_be_overridden()
    {
        var (status, body, response) = await fx.GetAsync("/ov_json", null, "Accept: application/json");
        Assert.Equal(200, status);
        Assert.Equal("application/json; charset=utf-8", ContentType(response));
        Assert.Equal("""{"overridden":true}""", RestFixture.Norm(body));
        var array = await fx.GetAsync("/ov_json", null, "Accept: application/vnd.pgrst.array+json");
        Assert.Equal("""{"overridden":true}""", RestFixture.Norm(array.Body));
        var obj = await fx.GetAsync("/ov_json", null, "Accept: application/vnd.pgrst.object+json");
        Assert.Equal((200, """{"id":1}"""), (obj.Status, RestFixture.Norm(obj.Body)));
        var stripped = await fx.GetAsync("/ov_json", null, "Accept: application/vnd.pgrst.array+json;nulls=stripped");
        Assert.Equal("""[{"id":1}]""", RestFixture.Norm(stripped.Body));
        // No Accept is */*: the built-in JSON, as PostgREST (only a "*/*" handler answers it).
        var none = await fx.GetAsync("/ov_json", null);
        Assert.Equal("""[{"id":1}]""", RestFixture.Norm(none.Body));
    }

    [Fact]
    public async Task Unknown_media_type_is_406_listing_what_was_asked()
    {
        var (status, body, _) = await fx.GetAsync("/users", null, "Accept: application/x-nope, image/nope;q=0.5");
        Assert.Equal(406, status);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal("PGRST107", error.GetProperty("code").GetString());
        Assert.Equal("None of these media types are available: application/x-nope, image/nope", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Head_answers_the_handler_content_type_without_a_body()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Head, "/items", null, Alice, Tsv, "Prefer: count=exact");
        Assert.Equal(200, status);
        Assert.Equal("", body);
        Assert.Equal("text/tab-separated-values", ContentType(response));
        Assert.Equal("0-2/3", response.Content.Headers.GetValues("Content-Range").Single());
    }

    [Fact]
    public async Task Writes_with_representation_use_the_handler()
    {
        var (status, body, response) = await fx.SendAsync(HttpMethod.Post, "/items", """{"id":10,"name":"date"}""", Alice, Tsv,
            "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("text/tab-separated-values", ContentType(response));
        Assert.Equal("id\tname\n10\tdate\n", body);
        var patched = await fx.SendAsync(HttpMethod.Patch, "/items?id=eq.10", """{"name":"fig"}""", Alice, Tsv, "Prefer: return=representation");
        Assert.Equal((200, "id\tname\n10\tfig\n"), (patched.Status, patched.Body));
        var deleted = await fx.SendAsync(HttpMethod.Delete, "/items?id=eq.10", null, Alice, Tsv);
        Assert.Equal(204, deleted.Status);
        // A media type nothing produces is refused before anything is written.
        var refused = await fx.SendAsync(HttpMethod.Post, "/users", """{"id":"44444444-4444-4444-4444-444444444444","name":"Dan"}""",
            RestFixture.ServiceToken, "Accept: text/tab-separated-values");
        Assert.Equal(406, refused.Status);
        var headersOnly = await fx.SendAsync(HttpMethod.Post, "/users", """{"id":"44444444-4444-4444-4444-444444444444","name":"Dan"}""",
            RestFixture.ServiceToken, "Accept: text/tab-separated-values", "Prefer: return=headers-only");
        Assert.Equal(406, headersOnly.Status);
        Assert.Equal(0L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.users WHERE name = 'Dan'"));
        // With a handler, headers-only still answers without a body.
        var located = await fx.SendAsync(HttpMethod.Post, "/items", """{"id":11,"name":"kiwi"}""", Alice, Tsv, "Prefer: return=headers-only");
        Assert.Equal((201, "", "/items?id=eq.11"), (located.Status, located.Body, located.Response.Headers.Location?.ToString()));
        await fx.Database.ExecuteAsync("DELETE FROM public.items WHERE id = 11");
    }

    [Fact]
    public async Task A_handler_created_at_run_time_is_used_on_the_next_request()
    {
        var before = await fx.GetAsync("/tags?order=id", null, "Accept: text/x-names");
        Assert.Equal(406, before.Status);
        await fx.Database.ExecuteAsync("""
            CREATE DOMAIN "text/x-names" AS text;
            CREATE FUNCTION public.names_trans(state text, next public.tags) RETURNS "text/x-names"
              LANGUAGE sql AS $$ SELECT (state || next.name || ' ')::"text/x-names" $$;
            CREATE AGGREGATE public.names_agg(public.tags) (initcond = '', stype = "text/x-names", sfunc = public.names_trans);
            """);
        var after = await fx.GetAsync("/tags?order=id", null, "Accept: text/x-names");
        Assert.Equal((200, "sql dotnet web "), (after.Status, after.Body));
        await fx.Database.ExecuteAsync("DROP AGGREGATE public.names_agg(public.tags)");
        var dropped = await fx.GetAsync("/tags?order=id", null, "Accept: text/x-names");
        for (var i = 0; i < 50 && dropped.Status != 406; i++)
        {
            await Task.Delay(100);
            dropped = await fx.GetAsync("/tags?order=id", null, "Accept: text/x-names");
        }
        Assert.Equal(406, dropped.Status);
    }
}

/// <summary>The media handler schema with db-plan-enabled: plans explain a custom handler's query.</summary>
public sealed class MediaPlanFixture : RestFixture
{
    protected override IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string> { ["PGRST_DB_PLAN_ENABLED"] = "true" };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(MediaFixture.Schema);
        await base.InitializeDatabaseAsync(database);
    }
}

/// <summary><c>vnd.pgrst.plan; for="custom/type"</c> explains the statement built with that type's handler.</summary>
public sealed class MediaHandlerPlanTests(MediaPlanFixture fx) : IClassFixture<MediaPlanFixture>
{
    [Fact]
    public async Task Plan_for_a_custom_media_type_explains_its_aggregate()
    {
        var (status, body, response) = await fx.GetAsync("/items?id=gt.1", RestFixture.UserToken(RestFixture.Alice),
            "Accept: application/vnd.pgrst.plan+text; for=\"text/tab-separated-values\"; options=verbose");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"text/tab-separated-values\"; options=verbose; charset=utf-8",
            response.Content.Headers.ContentType!.ToString());
        Assert.Contains("items_tsv_agg", body, StringComparison.Ordinal);
        // A handler needing the default select does not serve a plan with a select of its own.
        var picked = await fx.GetAsync("/items?select=id", null, "Accept: application/vnd.pgrst.plan+text; for=\"text/tab-separated-values\"");
        Assert.Equal(406, picked.Status);
        // Function handlers are explained too.
        var fn = await fx.GetAsync("/rpc/page?title=x", null, "Accept: application/vnd.pgrst.plan+text; for=\"text/html\"");
        Assert.Equal(200, fn.Status);
        Assert.Contains("Result", fn.Body, StringComparison.Ordinal);
    }
}
