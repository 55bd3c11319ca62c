namespace Supacs.Rest.Tests.Endpoints;

/// <summary>Computed relationships: functions taking a row and returning rows embed by the function's name.</summary>
public sealed class ComputedRelationshipTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await fx.Database.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION public.first_post(public.users) RETURNS public.posts LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.posts WHERE author_id = $1.id ORDER BY id LIMIT 1 $$;
            CREATE OR REPLACE FUNCTION public.written_comments(public.users) RETURNS SETOF public.comments LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.comments WHERE user_id = $1.id ORDER BY id $$;
            CREATE OR REPLACE FUNCTION public.adults() RETURNS SETOF public.users LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.users WHERE age >= 18 $$;
            CREATE OR REPLACE FUNCTION public.writer(public.posts) RETURNS SETOF public.users ROWS 1 LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.users WHERE id = $1.author_id $$;
            """);
        // The DDL reloads the cache asynchronously; wait until the functions are visible.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await fx.GetAsync("/users?select=name,first_post(title)&limit=1")).Status != 200 && DateTime.UtcNow < deadline) await Task.Delay(100);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task To_one_and_to_many_computed_relationships()
    {
        var (status, body, _) = await fx.GetAsync("/users?select=name,first_post(title),written_comments(body)&order=name");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"name":"Alice","first_post":{"title":"Hello"},"written_comments":[{"body":"thanks"},{"body":"salut"}]},""" +
                     """{"name":"Bob","first_post":{"title":"Bonjour"},"written_comments":[{"body":"nice"}]},""" +
                     """{"name":"Carol","first_post":{"title":null},"written_comments":[]}]""", RestFixture.Norm(body));
        // (A non-SETOF function returning a row type yields one all-NULL row when nothing matches — as in
        // PostgreSQL and PostgREST; SETOF … ROWS 1, below, gives null.)
    }

    [Fact]
    public async Task Setof_with_rows_1_is_to_one_and_filters_apply()
    {
        var (status, body, _) = await fx.GetAsync("/posts?select=title,writer(name)&writer.name=eq.Bob&order=id");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"title":"Hello","writer":null},{"title":"World","writer":null},{"title":"Bonjour","writer":{"name":"Bob"}}]""", RestFixture.Norm(body));
        (status, body, _) = await fx.GetAsync("/posts?select=title,writer!inner(name)&writer.name=eq.Alice&order=id");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"title":"Hello","writer":{"name":"Alice"}},{"title":"World","writer":{"name":"Alice"}}]""", RestFixture.Norm(body));
    }

    [Fact]
    public async Task Table_valued_function_results_embed_through_fks_and_computed_relationships()
    {
        var (status, body, _) = await fx.GetAsync("/rpc/adults?select=name,first_post(title),posts(id)&order=name&posts.order=id");
        Assert.True(status == 200, body);
        Assert.Equal("""[{"name":"Alice","first_post":{"title":"Hello"},"posts":[{"id":1},{"id":2}]},{"name":"Bob","first_post":{"title":"Bonjour"},"posts":[{"id":3}]}]""",
            RestFixture.Norm(body));
    }
}
