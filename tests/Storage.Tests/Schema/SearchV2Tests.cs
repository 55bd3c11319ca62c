using Supacs.Testing;

namespace Supacs.Storage.Tests.Schema;

public sealed class SearchFixture : StorageDatabaseFixture
{
    protected override Task InitializeDatabaseAsync(TestDatabase database) => database.ExecuteAsync("""
        INSERT INTO storage.buckets (id, name) VALUES ('s', 's'), ('t', 't');
        INSERT INTO storage.objects (bucket_id, name, created_at, updated_at) VALUES
          ('s', 'a.txt',          '2024-01-03', '2024-02-01'),
          ('s', 'b.txt',          '2024-01-01', '2024-02-03'),
          ('s', 'docs/x.txt',     '2024-01-05', '2024-02-05'),
          ('s', 'docs/y.txt',     '2024-01-02', '2024-02-02'),
          ('s', 'docs/deep/z.txt','2024-01-04', '2024-02-04'),
          ('s', 'img/p.png',      '2024-01-06', '2024-02-06'),
          ('s', 'odd_%name.txt',  '2024-01-07', '2024-02-07'),
          ('t', 'other.txt',      '2024-01-01', '2024-01-01');
        """);
}

/// <summary>storage.search_v2 / search_by_timestamp / get_common_prefix with upstream's names and signatures.</summary>
public sealed class SearchV2Tests(SearchFixture f) : IClassFixture<SearchFixture>
{
    private Task<string?> Rows(string call) =>
        f.Database.ScalarAsync<string>($"SELECT string_agg(key || '|' || name || '|' || (id IS NULL)::text, ',') FROM {call}");

    [Fact]
    public async Task Signatures_match_upstream()
    {
        Assert.Equal("prefix text, bucket_name text, limits integer DEFAULT 100, levels integer DEFAULT 1, start_after text DEFAULT ''::text, sort_order text DEFAULT 'asc'::text, sort_column text DEFAULT 'name'::text, sort_column_after text DEFAULT ''::text",
            await f.Database.ScalarAsync<string>("SELECT pg_get_function_arguments('storage.search_v2'::regproc)"));
        Assert.Equal("TABLE(key text, name text, id uuid, updated_at timestamp with time zone, created_at timestamp with time zone, last_accessed_at timestamp with time zone, metadata jsonb)",
            await f.Database.ScalarAsync<string>("SELECT pg_get_function_result('storage.search_v2'::regproc)"));
        Assert.Equal("p_prefix text, p_bucket_id text, p_limit integer, p_level integer, p_start_after text, p_sort_order text, p_sort_column text, p_sort_column_after text",
            await f.Database.ScalarAsync<string>("SELECT pg_get_function_arguments('storage.search_by_timestamp'::regproc)"));
        Assert.Equal("docs/", await f.Database.ScalarAsync<string>("SELECT storage.get_common_prefix('docs/deep/z.txt', '', '/')"));
        Assert.Equal("docs/deep/", await f.Database.ScalarAsync<string>("SELECT storage.get_common_prefix('docs/deep/z.txt', 'docs/', '/')"));
        Assert.Null(await f.Database.ScalarAsync<string>("SELECT storage.get_common_prefix('docs/x.txt', 'docs/', '/')"));
    }

    [Fact]
    public async Task By_name_folds_folders_and_pages_with_start_after()
    {
        Assert.Equal("a.txt|a.txt|false,b.txt|b.txt|false,docs|docs/|true,img|img/|true,odd_%name.txt|odd_%name.txt|false",
            await Rows("storage.search_v2('', 's')"));
        Assert.Equal("docs|docs/|true,img|img/|true", await Rows("storage.search_v2('', 's', 2, 1, 'b.txt')"));
        Assert.Equal("img|img/|true,docs|docs/|true,b.txt|b.txt|false,a.txt|a.txt|false",
            await Rows("storage.search_v2('', 's', 100, 1, 'odd_%name.txt', 'desc')"));
        Assert.Equal("deep|docs/deep/|true,x.txt|docs/x.txt|false,y.txt|docs/y.txt|false", await Rows("storage.search_v2('docs/', 's', 100, 2)"));
        // LIKE wildcards in the prefix are literal.
        Assert.Equal("odd_%name.txt|odd_%name.txt|false", await Rows("storage.search_v2('odd_%', 's')"));
        Assert.Null(await Rows("storage.search_v2('od%', 's')"));
    }

    [Fact]
    public async Task By_timestamp_orders_folders_by_their_oldest_object_and_pages_on_time_and_name()
    {
        // created_at: b 01-01, docs (min of 01-02,01-04,01-05) 01-02, a 01-03, img 01-06, odd 01-07
        Assert.Equal("b.txt|b.txt|false,docs|docs|true,a.txt|a.txt|false,img|img|true,odd_%name.txt|odd_%name.txt|false",
            await Rows("storage.search_v2('', 's', 100, 1, '', 'asc', 'created_at')"));
        Assert.Equal("a.txt|a.txt|false,img|img|true",
            await Rows("storage.search_v2('', 's', 2, 1, 'docs', 'asc', 'created_at', '2024-01-02T00:00:00Z')"));
        Assert.Equal("docs|docs|true,b.txt|b.txt|false",
            await Rows("storage.search_v2('', 's', 100, 1, 'a.txt', 'desc', 'created_at', '2024-01-03T00:00:00Z')"));
        Assert.Equal("deep|docs/deep|true,y.txt|docs/y.txt|false,x.txt|docs/x.txt|false",
            await Rows("storage.search_by_timestamp('docs/', 's', 100, 2, '', 'asc', 'updated_at', '')"));
    }

    [Fact]
    public async Task Rls_applies_to_the_caller()
    {
        await using var conn = await f.Database.Api.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var role = new Npgsql.NpgsqlCommand("SET LOCAL ROLE authenticated", conn, tx)) await role.ExecuteNonQueryAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM storage.search_v2('', 's')", conn, tx);
        Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
