using Npgsql;
using Supacs.Testing;

namespace Supacs.Storage.Tests.Schema;

/// <summary>The storage schema has upstream's tables, columns, helpers and protections.</summary>
public sealed class StorageSchemaTests(StorageDatabaseFixture fixture) : IClassFixture<StorageDatabaseFixture>
{
    private TestDatabase Db => fixture.Database;

    [Theory]
    [InlineData("buckets", "id:text,name:text,owner:uuid,created_at:timestamp with time zone,updated_at:timestamp with time zone,public:boolean,avif_autodetection:boolean,file_size_limit:bigint,allowed_mime_types:ARRAY,owner_id:text,type:USER-DEFINED,versioning_status:text")]
    [InlineData("objects", "id:uuid,bucket_id:text,name:text,owner:uuid,created_at:timestamp with time zone,updated_at:timestamp with time zone,last_accessed_at:timestamp with time zone,metadata:jsonb,path_tokens:ARRAY,version:text,owner_id:text,user_metadata:jsonb,archived_at:timestamp with time zone,is_delete_marker:boolean,is_versioned:boolean")]
    [InlineData("s3_multipart_uploads", "id:text,in_progress_size:bigint,upload_signature:text,bucket_id:text,key:text,version:text,owner_id:text,created_at:timestamp with time zone,user_metadata:jsonb,metadata:jsonb")]
    [InlineData("s3_multipart_uploads_parts", "id:uuid,upload_id:text,size:bigint,part_number:integer,bucket_id:text,key:text,etag:text,owner_id:text,version:text,created_at:timestamp with time zone")]
    [InlineData("migrations", "id:integer,name:character varying,hash:character varying,executed_at:timestamp without time zone")]
    public async Task Tables_have_upstream_columns(string table, string expected)
    {
        var columns = await Db.ScalarAsync<string>(
            $"SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'storage' AND table_name = '{table}'");
        Assert.Equal(expected, columns);
    }

    [Fact]
    public async Task Path_helpers_split_names_like_upstream()
    {
        Assert.Equal("{a,b}", await Db.ScalarAsync<string>("SELECT storage.foldername('a/b/c.png')::text"));
        Assert.Equal("c.png", await Db.ScalarAsync<string>("SELECT storage.filename('a/b/c.png')"));
        Assert.Equal("gz", await Db.ScalarAsync<string>("SELECT storage.extension('a/b/c.tar.gz')"));
        Assert.Equal("{}", await Db.ScalarAsync<string>("SELECT storage.foldername('top.txt')::text"));
    }

    [Fact]
    public async Task Migrations_are_recorded_and_rerunning_is_a_no_op()
    {
        var before = await Db.ScalarAsync<long>("SELECT count(*) FROM storage.migrations");
        Assert.True(before >= 2);
        await Db.MigrateAsync([SupacsStorageExtensions.SchemaContributor()]);
        Assert.Equal(before, await Db.ScalarAsync<long>("SELECT count(*) FROM storage.migrations"));
        Assert.Equal("supabase_storage_admin", await Db.ScalarAsync<string>("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'storage' AND tablename = 'objects'"));
    }

    [Fact]
    public async Task Direct_deletes_are_refused_unless_the_api_setting_is_on()
    {
        await Db.ExecuteAsync("INSERT INTO storage.buckets (id, name) VALUES ('guarded', 'guarded'); INSERT INTO storage.objects (bucket_id, name) VALUES ('guarded', 'x')");
        var e = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync("DELETE FROM storage.objects WHERE bucket_id = 'guarded'"));
        Assert.Equal("42501", e.SqlState);
        await Db.ExecuteAsync("BEGIN; SET LOCAL storage.allow_delete_query = 'true'; DELETE FROM storage.objects WHERE bucket_id = 'guarded'; DELETE FROM storage.buckets WHERE id = 'guarded'; COMMIT;");
        Assert.Equal(0L, await Db.ScalarAsync<long>("SELECT count(*) FROM storage.buckets WHERE id = 'guarded'"));
    }

    [Fact]
    public async Task Search_lists_one_level_with_folders_first()
    {
        await Db.ExecuteAsync("""
            INSERT INTO storage.buckets (id, name) VALUES ('s', 's');
            INSERT INTO storage.objects (bucket_id, name) VALUES ('s', 'top.txt'), ('s', 'f/a.txt'), ('s', 'f/g/b.txt'), ('s', 'h/c.txt');
            """);
        var root = await Db.ScalarAsync<string>("SELECT string_agg(name || ':' || (id IS NULL), ',') FROM storage.search('', 's')");
        Assert.Equal("f:true,h:true,top.txt:false", root);
        var inF = await Db.ScalarAsync<string>("SELECT string_agg(name, ',') FROM storage.search('f/', 's', 100, 2)");
        Assert.Equal("g,a.txt", inF);
    }

    [Fact]
    public async Task Rls_is_enabled_and_api_roles_have_grants()
    {
        Assert.Equal(2L, await Db.ScalarAsync<long>("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'storage' AND c.relname IN ('buckets','objects') AND c.relrowsecurity"));
        Assert.True(await Db.ScalarAsync<bool>("SELECT has_table_privilege('authenticated', 'storage.objects', 'INSERT')"));
        Assert.False(await Db.ScalarAsync<bool>("SELECT has_table_privilege('anon', 'storage.s3_multipart_uploads', 'INSERT')"));
    }
}
