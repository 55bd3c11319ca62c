using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Testing;

namespace Supacs.Core.Tests.Postgres;

/// <summary>The bootstrap is idempotent and tolerates a database where supabase/postgres already made the roles and schemas.</summary>
public sealed class BootstrapTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        var server = await TestPostgres.SharedAsync();
        _db = await server.CreateDatabaseAsync();
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Runs_twice_in_a_row()
    {
        await using var conn = await _db.Admin.OpenConnectionAsync();
        await Bootstrap.RunAsync(conn);
        await Bootstrap.RunAsync(conn);
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM pg_publication WHERE pubname = 'supabase_realtime'"));
        Assert.True(await _db.ScalarAsync<bool>("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'"));
        Assert.True(await _db.ScalarAsync<bool>("SELECT pg_has_role('authenticator', 'anon', 'MEMBER')"));
        Assert.Equal("extensions", await _db.ScalarAsync<string>("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pgcrypto'"));
    }

    [Fact]
    public async Task Accepts_a_database_prepared_like_the_supabase_image()
    {
        // The image creates auth.uid() with its own body and owner; the bootstrap must keep it, not fail.
        var server = await TestPostgres.SharedAsync();
        await server.EnsureTemplateAsync("like_supabase_image", async conn =>
        {
            await using var cmd = new NpgsqlCommand("""
                DROP FUNCTION IF EXISTS auth.uid();
                CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT '00000000-0000-0000-0000-00000000abcd'::uuid $$;
                ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
                CREATE TABLE IF NOT EXISTS extensions.marker (id int);
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        });
        await using var db = await server.CreateDatabaseAsync("like_supabase_image");
        await using (var conn = await db.Admin.OpenConnectionAsync())
            await Bootstrap.RunAsync(conn);
        Assert.Equal("00000000-0000-0000-0000-00000000abcd", (await db.ScalarAsync<Guid>("SELECT auth.uid()")).ToString());
        Assert.Equal("supabase_auth_admin", await db.ScalarAsync<string>("SELECT proowner::regrole::text FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure"));
    }

    [Fact]
    public async Task Api_roles_can_use_public_tables_created_later()
    {
        await _db.ExecuteAsync("CREATE TABLE public.later (id int); INSERT INTO public.later VALUES (1);");
        Assert.True(await _db.ScalarAsync<bool>("SELECT has_table_privilege('anon', 'public.later', 'SELECT')"));
        Assert.True(await _db.ScalarAsync<bool>("SELECT has_table_privilege('authenticated', 'public.later', 'INSERT')"));
    }
}
