using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// View primary keys as PostgREST's schema cache derives them: a view's key is the view columns reading the whole
/// primary key of a base table (through views of views, under other names); a view exposing part of a key has none.
/// Used by PUT, the POST Location header, the upsert conflict target, OPTIONS and the OpenAPI notes.
/// </summary>
public sealed class ViewPrimaryKeyTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE TABLE IF NOT EXISTS public.vk_items (shop int, sku text, label text, PRIMARY KEY (shop, sku));
        INSERT INTO public.vk_items VALUES (1, 'a', 'apple'), (1, 'b', 'banana') ON CONFLICT DO NOTHING;
        CREATE OR REPLACE VIEW public.vk_tag_names AS SELECT id AS tag_key, name FROM public.tags;
        CREATE OR REPLACE VIEW public.vk_tag_names2 AS SELECT tag_key AS k, name FROM public.vk_tag_names;
        CREATE OR REPLACE VIEW public.vk_items_v AS SELECT sku, label, shop AS store FROM public.vk_items;
        CREATE OR REPLACE VIEW public.vk_items_part AS SELECT sku, label FROM public.vk_items;
        CREATE OR REPLACE VIEW public.vk_labels AS SELECT name FROM public.tags;
        CREATE OR REPLACE VIEW public.vk_join AS SELECT i.label, t.id AS tag, i.sku, i.shop FROM public.tags t CROSS JOIN public.vk_items i;
        CREATE OR REPLACE VIEW public.vk_twice AS SELECT name, id AS a, id AS b FROM public.tags;
        CREATE TABLE IF NOT EXISTS public.vk_sponsors (id int PRIMARY KEY, name text);
        CREATE TABLE IF NOT EXISTS public.vk_competitors (id int PRIMARY KEY, sponsor_id int REFERENCES public.vk_sponsors(id));
        CREATE OR REPLACE VIEW public.vk_competitors_sponsors AS
          SELECT c.id, s.id AS sponsor_id, s.name FROM public.vk_competitors c LEFT JOIN public.vk_sponsors s ON s.id = c.sponsor_id;
        CREATE OR REPLACE FUNCTION public.vk_competitors_sponsors_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.sponsor_id IS NOT NULL THEN INSERT INTO public.vk_sponsors VALUES (NEW.sponsor_id, NEW.name) ON CONFLICT DO NOTHING; END IF;
          INSERT INTO public.vk_competitors VALUES (NEW.id, NEW.sponsor_id);
          RETURN NEW;
        END $$;
        CREATE OR REPLACE TRIGGER vk_competitors_sponsors_insert INSTEAD OF INSERT ON public.vk_competitors_sponsors
          FOR EACH ROW EXECUTE FUNCTION public.vk_competitors_sponsors_insert();
        GRANT ALL ON public.vk_items, public.vk_tag_names, public.vk_tag_names2, public.vk_items_v, public.vk_items_part, public.vk_labels,
          public.vk_join, public.vk_twice, public.vk_sponsors, public.vk_competitors, public.vk_competitors_sponsors TO anon;
        NOTIFY pgrst, 'reload schema';
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    /// <summary>The DDL above reloads the schema cache asynchronously: waits until the views are known.</summary>
    private async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? body, params string[] headers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var r = await fx.SendAsync(method, path, body, null, headers);
            if (r.Status != 404 || DateTime.UtcNow > deadline) return r;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Put_on_a_view_keys_on_its_base_tables_primary_key()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_tag_names?tag_key=eq.3100", """{"tag_key":3100,"name":"vput1"}""", "Prefer: return=representation");
        Assert.Equal(201, status); // inserted (counted without xmax, which a view has not)
        Assert.Equal("""[{"tag_key":3100,"name":"vput1"}]""", RestFixture.Norm(body));
        (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_tag_names?tag_key=eq.3100", """{"tag_key":3100,"name":"vput2"}""", "Prefer: return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"tag_key":3100,"name":"vput2"}]""", RestFixture.Norm(body));
        Assert.Equal("vput2", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 3100"));

        // A composite key under another name and order; a view of a view.
        (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_items_v?store=eq.1&sku=eq.a", """{"sku":"a","store":1,"label":"avocado"}""");
        Assert.Equal(204, status);
        Assert.Equal("avocado", await fx.Database.ScalarAsync<string>("SELECT label FROM vk_items WHERE shop = 1 AND sku = 'a'"));
        (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_tag_names2?k=eq.3101", """{"k":3101,"name":"vput3"}""", "Prefer: return=representation");
        Assert.Equal(201, status);
        Assert.Equal("vput3", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 3101"));
    }

    [Fact]
    public async Task Put_on_a_view_needs_its_whole_key()
    {
        // Only part of the composite key: PGRST105 as for a table.
        var (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_items_v?store=eq.1", """{"sku":"a","store":1,"label":"x"}""");
        Assert.Equal(405, status);
        Assert.Equal("PGRST105", Json(body).GetProperty("code").GetString());
        // A view that exposes part of a table's key has no primary key at all.
        (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_items_part?sku=eq.a", """{"sku":"a","label":"x"}""");
        Assert.Equal(405, status);
        Assert.Equal("PGRST105", Json(body).GetProperty("code").GetString());
        // Payload and URL disagree on a key column.
        (status, body, _) = await SendAsync(HttpMethod.Put, "/vk_tag_names?tag_key=eq.3102", """{"tag_key":3103,"name":"x"}""");
        Assert.Equal(400, status);
        Assert.Equal("PGRST115", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_headers_only_on_a_view_gives_a_location_from_its_key()
    {
        var (status, body, response) = await SendAsync(HttpMethod.Post, "/vk_tag_names", """{"tag_key":3200,"name":"vloc"}""", "Prefer: return=headers-only");
        Assert.Equal(201, status);
        Assert.Equal("", body);
        Assert.Equal("/vk_tag_names?tag_key=eq.3200", response.Headers.Location!.OriginalString);
        (status, _, response) = await SendAsync(HttpMethod.Post, "/vk_items_v", """{"sku":"c","store":2,"label":"cherry"}""", "Prefer: return=headers-only");
        Assert.Equal(201, status);
        // PostgREST lists the key columns in the relation's column order (sku, label, store), not the key's.
        Assert.Equal("/vk_items_v?sku=eq.c&store=eq.2", response.Headers.Location!.OriginalString);
        (status, _, response) = await SendAsync(HttpMethod.Post, "/vk_items_v", """{"sku":"d e/f","store":2,"label":"x"}""", "Prefer: return=headers-only");
        Assert.Equal(201, status);
        Assert.Equal("/vk_items_v?sku=eq.d+e%2Ff&store=eq.2", response.Headers.Location!.OriginalString);
        // No key, no Location; nor with several rows (PostgREST answers one only for a single inserted row).
        (status, _, response) = await SendAsync(HttpMethod.Post, "/vk_labels", """{"name":"vloc-nokey"}""", "Prefer: return=headers-only");
        Assert.Equal(201, status);
        Assert.Null(response.Headers.Location);
        (status, _, response) = await SendAsync(HttpMethod.Post, "/vk_tag_names", """[{"tag_key":3201,"name":"m1"},{"tag_key":3202,"name":"m2"}]""", "Prefer: return=headers-only");
        Assert.Equal(201, status);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Location_of_a_join_view_names_both_keys_and_a_null_key_as_is_null()
    {
        // As PostgREST's "returns a location header with pks from both tables" / "when a PK is null".
        var (status, body, response) = await SendAsync(HttpMethod.Post, "/vk_competitors_sponsors", """{"id":1,"sponsor_id":7,"name":"acme"}""", "Prefer: return=headers-only");
        Assert.True(status == 201, $"{status}: {body}");
        Assert.Equal("/vk_competitors_sponsors?id=eq.1&sponsor_id=eq.7", response.Headers.Location!.OriginalString);
        (status, body, response) = await SendAsync(HttpMethod.Post, "/vk_competitors_sponsors", """{"id":2}""", "Prefer: return=headers-only");
        Assert.True(status == 201, $"{status}: {body}");
        Assert.Equal("/vk_competitors_sponsors?id=eq.2&sponsor_id=is.null", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Upsert_on_a_view_defaults_to_its_key()
    {
        await fx.Database.ExecuteAsync("INSERT INTO tags (id, name) VALUES (3300, 'before') ON CONFLICT DO NOTHING");
        var (status, body, response) = await SendAsync(HttpMethod.Post, "/vk_tag_names", """[{"tag_key":3300,"name":"merged"},{"tag_key":3301,"name":"new"}]""",
            "Prefer: resolution=merge-duplicates, return=representation");
        Assert.Equal(201, status);
        Assert.Equal("""[{"tag_key":3300,"name":"merged"},{"tag_key":3301,"name":"new"}]""", RestFixture.Norm(body));
        Assert.Equal("resolution=merge-duplicates, return=representation", response.Headers.GetValues("Preference-Applied").Single()); // PostgREST's order
        Assert.Equal("merged", await fx.Database.ScalarAsync<string>("SELECT name FROM tags WHERE id = 3300"));
        // Only existing keys: nothing inserted, 200 (v12), counted through the view without xmax.
        (status, body, _) = await SendAsync(HttpMethod.Post, "/vk_tag_names", """[{"tag_key":3300,"name":"merged2"},{"tag_key":3301,"name":"new2"}]""",
            "Prefer: resolution=merge-duplicates, return=representation");
        Assert.Equal(200, status);
        Assert.Equal("""[{"tag_key":3300,"name":"merged2"},{"tag_key":3301,"name":"new2"}]""", RestFixture.Norm(body));
        (status, _, _) = await SendAsync(HttpMethod.Post, "/vk_tag_names", """[{"tag_key":3301,"name":"new3"},{"tag_key":3302,"name":"new4"}]""",
            "Prefer: resolution=merge-duplicates");
        Assert.Equal(201, status);

        (status, body, _) = await SendAsync(HttpMethod.Post, "/vk_items_v", """{"sku":"b","store":1,"label":"ignored"}""",
            "Prefer: resolution=ignore-duplicates, return=representation");
        Assert.Equal(201, status); // ignore-duplicates is 201 even when nothing was inserted (PostgREST v12)
        Assert.Equal("[]", RestFixture.Norm(body));
        Assert.Equal("banana", await fx.Database.ScalarAsync<string>("SELECT label FROM vk_items WHERE shop = 1 AND sku = 'b'"));
    }

    [Fact]
    public async Task Upsert_without_a_key_or_on_conflict_is_a_plain_insert()
    {
        // As PostgREST: no conflict target, no ON CONFLICT clause and no resolution in Preference-Applied.
        var (status, body, response) = await SendAsync(HttpMethod.Post, "/vk_labels", """{"name":"plain-upsert"}""", "Prefer: resolution=merge-duplicates");
        Assert.Equal(201, status);
        Assert.False(response.Headers.TryGetValues("Preference-Applied", out var applied) && applied.Any(a => a.Contains("resolution", StringComparison.Ordinal)));
        (status, body, _) = await SendAsync(HttpMethod.Post, "/vk_labels", """{"name":"plain-upsert"}""", "Prefer: resolution=ignore-duplicates");
        Assert.Equal(409, status);
        Assert.Equal("23505", Json(body).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Options_and_openapi_see_view_keys()
    {
        var (_, _, response) = await SendAsync(HttpMethod.Options, "/vk_items_v", null);
        Assert.Equal("OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE", string.Join(",", response.Content.Headers.Allow));
        (_, _, response) = await SendAsync(HttpMethod.Options, "/vk_items_part", null);
        Assert.Equal("OPTIONS,GET,HEAD,POST,PATCH,DELETE", string.Join(",", response.Content.Headers.Allow));

        var (_, body, _) = await fx.GetAsync("/");
        var defs = Json(body).GetProperty("definitions");
        static string? Note(JsonElement def, string col) =>
            def.GetProperty("properties").GetProperty(col).TryGetProperty("description", out var d) ? d.GetString() : null;
        Assert.Contains("<pk/>", Note(defs.GetProperty("vk_items_v"), "store"));
        Assert.Contains("<pk/>", Note(defs.GetProperty("vk_items_v"), "sku"));
        Assert.DoesNotContain("<pk/>", Note(defs.GetProperty("vk_items_v"), "label") ?? "");
        Assert.DoesNotContain("<pk/>", Note(defs.GetProperty("vk_items_part"), "sku") ?? "");
        // A join view exposing two tables' whole keys has both; a key column read twice counts once (the first).
        foreach (var (col, pk) in new[] { ("tag", true), ("sku", true), ("shop", true), ("label", false) })
            Assert.Equal(pk, (Note(defs.GetProperty("vk_join"), col) ?? "").Contains("<pk/>", StringComparison.Ordinal));
        Assert.Contains("<pk/>", Note(defs.GetProperty("vk_twice"), "a"));
        Assert.DoesNotContain("<pk/>", Note(defs.GetProperty("vk_twice"), "b") ?? "");
        // vk_twice is updatable through its first key column: PUT keys on a alone.
        var put = await SendAsync(HttpMethod.Put, "/vk_twice?a=eq.1", """{"a":1,"name":"sql"}""");
        Assert.True(put.Status == 204, $"{put.Status}: {put.Body}");
    }
}
