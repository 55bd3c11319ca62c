using System.Net.Http.Headers;
using System.Text;
using Supacs.Rest.Schema;
using Supacs.Testing;

namespace Supacs.Rest.Tests;

/// <summary>
/// A database with the REST module's migration and a small blog schema (users, posts, comments, tags via a
/// junction, messages with two FKs to users, RLS-protected notes, functions), served by a real test host.
/// </summary>
public class RestFixture : DatabaseFixture, IAsyncLifetime
{
    public const string TemplateName = "supacs_rest_template";
    public static readonly Guid Alice = Guid.Parse("11111111-1111-1111-1111-111111111111");
    public static readonly Guid Bob = Guid.Parse("22222222-2222-2222-2222-222222222222");

    public SupacsTestHost Host { get; private set; } = null!;

    protected override string Template => TemplateName;

    protected virtual string? ConfigToml => null;

    protected override Task PrepareTemplateAsync(TestPostgres server) =>
        server.EnsureTemplateAsync(TemplateName, conn => new RestSchemaContributor().MigrateAsync(conn, CancellationToken.None));

    public const string Sql = """
        CREATE TABLE public.users (id uuid PRIMARY KEY, name text NOT NULL, age int, data jsonb);
        CREATE TABLE public.posts (id serial PRIMARY KEY, author_id uuid REFERENCES public.users(id), title text NOT NULL,
          body text, tags text[], published boolean NOT NULL DEFAULT false, score numeric, created_at timestamptz DEFAULT now());
        CREATE TABLE public.comments (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES public.posts(id) ON DELETE CASCADE,
          user_id uuid REFERENCES public.users(id), body text NOT NULL);
        CREATE TABLE public.tags (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
        CREATE TABLE public.post_tags (post_id int REFERENCES public.posts(id) ON DELETE CASCADE, tag_id int REFERENCES public.tags(id),
          PRIMARY KEY (post_id, tag_id));
        CREATE TABLE public.messages (id serial PRIMARY KEY, sender_id uuid REFERENCES public.users(id),
          receiver_id uuid REFERENCES public.users(id), body text);
        CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES public.users(id), bio text);
        CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid NOT NULL DEFAULT auth.uid(), body text NOT NULL);
        ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY notes_owner ON public.notes FOR ALL TO authenticated USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
        CREATE POLICY notes_anon_read ON public.notes FOR SELECT TO anon USING (body LIKE 'public:%');
        CREATE VIEW public.published_posts AS SELECT id, title, author_id FROM public.posts WHERE published;
        CREATE VIEW public.post_counts AS SELECT author_id, count(*) AS n FROM public.posts GROUP BY author_id;
        CREATE TABLE public.docs (id serial PRIMARY KEY, content text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED);
        CREATE TABLE public.ranges (id serial PRIMARY KEY, r int4range);

        INSERT INTO public.users VALUES ('11111111-1111-1111-1111-111111111111', 'Alice', 30, '{"city":"Paris","langs":["fr","en"],"n":{"x":1}}'),
          ('22222222-2222-2222-2222-222222222222', 'Bob', 25, '{"city":"Berlin","langs":["de"]}'),
          ('33333333-3333-3333-3333-333333333333', 'Carol', NULL, NULL);
        INSERT INTO public.posts (author_id, title, body, tags, published, score) VALUES
          ('11111111-1111-1111-1111-111111111111', 'Hello', 'first post', '{a,b}', true, 1.5),
          ('11111111-1111-1111-1111-111111111111', 'World', 'second post', '{b,c}', false, 2),
          ('22222222-2222-2222-2222-222222222222', 'Bonjour', NULL, '{}', true, NULL);
        INSERT INTO public.comments (post_id, user_id, body) VALUES (1, '22222222-2222-2222-2222-222222222222', 'nice'), (1, '11111111-1111-1111-1111-111111111111', 'thanks'), (3, '11111111-1111-1111-1111-111111111111', 'salut');
        INSERT INTO public.tags (name) VALUES ('sql'), ('dotnet'), ('web');
        INSERT INTO public.post_tags VALUES (1, 1), (1, 2), (3, 3);
        INSERT INTO public.messages (sender_id, receiver_id, body) VALUES ('11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222', 'hi bob');
        INSERT INTO public.profiles VALUES ('11111111-1111-1111-1111-111111111111', 'likes sql');
        INSERT INTO public.notes (owner, body) VALUES ('11111111-1111-1111-1111-111111111111', 'alice secret'), ('22222222-2222-2222-2222-222222222222', 'bob secret'), ('22222222-2222-2222-2222-222222222222', 'public:hello');
        INSERT INTO public.docs (content) VALUES ('The quick brown fox'), ('Lazy dogs sleep');
        INSERT INTO public.ranges (r) VALUES ('[1,5)'), ('[10,20)');

        CREATE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
        CREATE FUNCTION public.label(public.users) RETURNS text LANGUAGE sql STABLE AS $$SELECT $1.name || ' (' || coalesce($1.age::text, '?') || ')'$$;
        CREATE FUNCTION public.hello() RETURNS text LANGUAGE sql STABLE AS $$SELECT 'hi'$$;
        CREATE FUNCTION public.posts_by(author uuid) RETURNS SETOF public.posts LANGUAGE sql STABLE AS 'SELECT * FROM public.posts WHERE author_id = author';
        CREATE FUNCTION public.first_post() RETURNS public.posts LANGUAGE sql STABLE AS 'SELECT * FROM public.posts ORDER BY id LIMIT 1';
        CREATE FUNCTION public.numbers(n int) RETURNS SETOF int LANGUAGE sql IMMUTABLE AS 'SELECT generate_series(1, n)';
        CREATE FUNCTION public.do_nothing() RETURNS void LANGUAGE sql VOLATILE AS '';
        CREATE FUNCTION public.add_tag(name text) RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO public.tags(name) VALUES (name) RETURNING id';
        CREATE FUNCTION public.echo(json) RETURNS json LANGUAGE sql IMMUTABLE AS 'SELECT $1';
        CREATE FUNCTION public.whoami() RETURNS text LANGUAGE sql STABLE AS $$SELECT current_user || ':' || coalesce(auth.uid()::text, '')$$;
        CREATE FUNCTION public.greet(name text, greeting text DEFAULT 'Hello') RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT greeting || ' ' || name$$;
        CREATE FUNCTION public.sum_all(VARIADIC nums int[]) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT sum(x)::int FROM unnest(nums) x';
        CREATE FUNCTION public.fail() RETURNS void LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'det', HINT = 'hin'; END$$;
        CREATE FUNCTION public.pay() RETURNS void LANGUAGE plpgsql AS $$BEGIN RAISE SQLSTATE 'PT402' USING MESSAGE = 'Payment Required'; END$$;
        CREATE FUNCTION public.custom_error() RETURNS void LANGUAGE plpgsql AS $$BEGIN
          RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":"123","message":"Custom","details":"d","hint":"h"}',
            DETAIL = '{"status":418,"headers":{"X-Custom":"yes"}}'; END$$;
        CREATE FUNCTION public.set_headers() RETURNS int LANGUAGE plpgsql AS $$BEGIN
          PERFORM set_config('response.headers', '[{"X-Hello":"world"}]', true);
          PERFORM set_config('response.status', '202', true); RETURN 1; END$$;
        CREATE FUNCTION public.user_table(min_age int) RETURNS TABLE(name text, age int) LANGUAGE sql STABLE AS
          'SELECT name, age FROM public.users WHERE age >= min_age ORDER BY age';
        GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
        GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
        """;

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync(Sql);
        Host = await SupacsTestHost.StartAsync(database, s => s.AddSupacsRest(), app => app.MapSupacsRest(), ConfigToml);
    }

    public new async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>JSON without PostgreSQL's json_agg whitespace, for exact comparisons.</summary>
    public static string Norm(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();

    public static string UserToken(Guid user) => TestTokens.For(user.ToString());

    public static string ServiceToken => TestTokens.For(null, "service_role");

    /// <summary>Sends a request; headers as "Name: value" strings.</summary>
    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? body = null,
        string? token = null, params string[] headers)
    {
        using var request = new HttpRequestMessage(method, "/rest/v1" + path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var h in headers)
        {
            var i = h.IndexOf(':', StringComparison.Ordinal);
            var name = h[..i].Trim();
            var value = h[(i + 1)..].Trim();
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
                continue;
            }
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await Host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, response);
    }

    public Task<(int Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? token = null, params string[] headers) =>
        SendAsync(HttpMethod.Get, path, null, token, headers);
}
