using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// Embedding through views follows view definitions: renamed columns, views of views, view-to-view, and views
/// over tables kept in a schema that is not exposed.
/// </summary>
public sealed class ViewEmbedTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE OR REPLACE VIEW public.post_list AS SELECT id AS post_key, title AS headline, author_id AS writer FROM public.posts;
        CREATE OR REPLACE VIEW public.post_list_published AS SELECT post_key, headline, writer FROM public.post_list WHERE post_key <> 2;
        CREATE OR REPLACE VIEW public.people AS SELECT id AS person_id, name AS full_name FROM public.users;
        CREATE SCHEMA IF NOT EXISTS private;
        CREATE TABLE IF NOT EXISTS private.shops (id int PRIMARY KEY, name text);
        CREATE TABLE IF NOT EXISTS private.items (id int PRIMARY KEY, shop_id int REFERENCES private.shops(id), label text);
        INSERT INTO private.shops VALUES (1, 'corner'), (2, 'market') ON CONFLICT DO NOTHING;
        INSERT INTO private.items VALUES (10, 1, 'apple'), (11, 1, 'pear'), (12, 2, 'fig') ON CONFLICT DO NOTHING;
        CREATE OR REPLACE VIEW public.shops AS SELECT id, name FROM private.shops;
        CREATE OR REPLACE VIEW public.items AS SELECT id, shop_id AS store, label FROM private.items;
        GRANT USAGE ON SCHEMA private TO anon;
        GRANT SELECT ON ALL TABLES IN SCHEMA private TO anon;
        GRANT SELECT ON public.post_list, public.post_list_published, public.people, public.shops, public.items TO anon;
        NOTIFY pgrst, 'reload schema';
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> OkAsync(string path)
    {
        // The DDL above reloads the schema cache asynchronously; a miss retries once after a reload.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (status, body, _) = await fx.GetAsync(path);
            if (status == 200) return RestFixture.Norm(body);
            if (DateTime.UtcNow > deadline) Assert.Fail($"{status}: {body}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task View_with_renamed_fk_column_embeds_its_table()
    {
        Assert.Equal("""[{"headline":"Hello","users":{"name":"Alice"}}]""", await OkAsync("/post_list?select=headline,users(name)&post_key=eq.1"));
        Assert.Equal("""[{"name":"Bob","post_list":[{"headline":"Bonjour"}]}]""", await OkAsync("/users?select=name,post_list(headline)&name=eq.Bob"));
    }

    [Fact]
    public async Task View_of_a_view_and_view_to_view()
    {
        Assert.Equal("""[{"headline":"Hello","people":{"full_name":"Alice"}},{"headline":"Bonjour","people":{"full_name":"Bob"}}]""",
            await OkAsync("/post_list_published?select=headline,people(full_name)&order=post_key"));
        Assert.Equal("""[{"full_name":"Alice","post_list_published":[{"headline":"Hello"}]}]""",
            await OkAsync("/people?select=full_name,post_list_published(headline)&full_name=eq.Alice"));
    }

    [Fact]
    public async Task Views_over_tables_in_a_private_schema_embed_each_other()
    {
        Assert.Equal("""[{"name":"corner","items":[{"label":"apple"},{"label":"pear"}]},{"name":"market","items":[{"label":"fig"}]}]""",
            await OkAsync("/shops?select=name,items(label)&order=id&items.order=id"));
        Assert.Equal("""[{"label":"fig","shops":{"name":"market"}}]""", await OkAsync("/items?select=label,shops(name)&id=eq.12"));
    }

    [Fact]
    public async Task View_without_the_fk_columns_has_no_relationship()
    {
        await OkAsync("/people?select=full_name");
        var (status, body, _) = await fx.GetAsync("/people?select=full_name,comments(body)");
        // people exposes users.id, so comments (user_id → users.id) embed; a view hiding the key would not.
        Assert.Equal(200, status);
        await fx.Database.ExecuteAsync("CREATE OR REPLACE VIEW public.names_only AS SELECT name FROM public.users; GRANT SELECT ON public.names_only TO anon;");
        await OkAsync("/names_only?select=name");
        (status, body, _) = await fx.GetAsync("/names_only?select=name,comments(body)");
        Assert.Equal(400, status);
        Assert.Equal("PGRST200", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
