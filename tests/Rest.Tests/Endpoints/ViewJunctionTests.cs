using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// Many-to-many through junction views: a view over a junction table is a junction when its columns reading the
/// base junction's foreign-key columns are part of the base table's primary key (PostgREST's view primary keys).
/// </summary>
public sealed class ViewJunctionTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE SCHEMA IF NOT EXISTS cinema;
        CREATE TABLE IF NOT EXISTS cinema.films (id int PRIMARY KEY, title text);
        CREATE TABLE IF NOT EXISTS cinema.actors (id int PRIMARY KEY, name text);
        CREATE TABLE IF NOT EXISTS cinema.roles (film_id int REFERENCES cinema.films(id), actor_id int REFERENCES cinema.actors(id),
          character text, PRIMARY KEY (film_id, actor_id));
        CREATE TABLE IF NOT EXISTS cinema.credits (id serial PRIMARY KEY, film_id int REFERENCES cinema.films(id),
          actor_id int REFERENCES cinema.actors(id));
        INSERT INTO cinema.films VALUES (1, 'Alien'), (2, 'Heat') ON CONFLICT DO NOTHING;
        INSERT INTO cinema.actors VALUES (10, 'Sigourney'), (11, 'Al'), (12, 'Robert') ON CONFLICT DO NOTHING;
        INSERT INTO cinema.roles VALUES (1, 10, 'Ripley'), (2, 11, 'Hanna'), (2, 12, 'McCauley') ON CONFLICT DO NOTHING;
        INSERT INTO cinema.credits (film_id, actor_id) VALUES (1, 10);
        CREATE OR REPLACE VIEW public.films AS SELECT id, title FROM cinema.films;
        CREATE OR REPLACE VIEW public.actors AS SELECT id AS actor_key, name FROM cinema.actors;
        CREATE OR REPLACE VIEW public.roles AS SELECT film_id AS film, actor_id AS performer, character FROM cinema.roles;
        CREATE OR REPLACE VIEW public.credits AS SELECT film_id, actor_id FROM cinema.credits;
        CREATE OR REPLACE VIEW public.post_tags_v AS SELECT post_id, tag_id FROM public.post_tags;
        GRANT USAGE ON SCHEMA cinema TO anon;
        GRANT SELECT ON ALL TABLES IN SCHEMA cinema TO anon;
        GRANT SELECT ON public.films, public.actors, public.roles, public.credits, public.post_tags_v TO anon;
        NOTIFY pgrst, 'reload schema';
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The DDL above reloads the schema cache asynchronously: waits for the expected status.</summary>
    private async Task<string> ExpectAsync(int expected, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (status, body, _) = await fx.GetAsync(path);
            if (status == expected) return status == 200 ? RestFixture.Norm(body) : body;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{status}: {body}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Views_embed_many_to_many_through_a_junction_view_both_ways()
    {
        Assert.Equal("""[{"title":"Alien","actors":[{"name":"Sigourney"}]},{"title":"Heat","actors":[{"name":"Al"},{"name":"Robert"}]}]""",
            await ExpectAsync(200, "/films?select=title,actors(name)&order=id&actors.order=name"));
        Assert.Equal("""[{"name":"Robert","films":[{"title":"Heat"}]}]""",
            await ExpectAsync(200, "/actors?select=name,films(title)&actor_key=eq.12"));
    }

    [Fact]
    public async Task Junction_view_is_a_valid_hint_and_inner_join_filters()
    {
        Assert.Equal("""[{"title":"Heat","actors":[{"name":"Al"}]}]""",
            await ExpectAsync(200, "/films?select=title,actors!roles!inner(name)&actors.name=eq.Al"));
    }

    [Fact]
    public async Task Junction_view_whose_fk_columns_are_not_its_primary_key_links_nothing()
    {
        // cinema.credits has its own id primary key: the credits view is no junction, so films-actors has one path.
        var body = await ExpectAsync(200, "/films?select=title,actors(name)&id=eq.1");
        Assert.Equal("""[{"title":"Alien","actors":[{"name":"Sigourney"}]}]""", body);
        var (status, error, _) = await fx.GetAsync("/films?select=title,actors!credits(name)");
        Assert.Equal(400, status);
        Assert.Equal("PGRST200", JsonDocument.Parse(error).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Junction_table_and_a_view_over_it_are_ambiguous_until_hinted()
    {
        var body = await ExpectAsync(300, "/posts?select=title,tags(name)");
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("PGRST201", root.GetProperty("code").GetString());
        var hint = root.GetProperty("hint").GetString()!;
        Assert.Contains("'tags!post_tags'", hint, StringComparison.Ordinal);
        Assert.Contains("'tags!post_tags_v'", hint, StringComparison.Ordinal);
        Assert.Equal("""[{"title":"Hello","tags":[{"name":"dotnet"},{"name":"sql"}]}]""",
            await ExpectAsync(200, "/posts?select=title,tags!post_tags_v(name)&id=eq.1&tags.order=name"));
    }
}
