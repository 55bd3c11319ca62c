using System.Globalization;
using Supacs.Testing;

namespace Supacs.Storage.Tests.Backends;

/// <summary>
/// A Storage host whose blobs live in S3: the S3 server is a second, file-backed Supacs host (its own database and
/// data dir) reached through its /storage/v1/s3 endpoint, holding everything in its bucket "backing".
/// </summary>
public class S3BackendFixture : StorageHostFixture
{
    private TestDatabase? _peerDb;
    private SupacsTestHost? _peer;

    public SupacsTestHost Peer => _peer ?? throw new InvalidOperationException("Peer not started.");
    public TestDatabase PeerDatabase => _peerDb ?? throw new InvalidOperationException("Peer not started.");
    public string PeerDataDir { get; } = Path.Combine(Path.GetTempPath(), "supacs-s3peer-" + Guid.NewGuid().ToString("N")[..12]);

    protected override Task InitializeDatabaseAsync(TestDatabase database) => database.ExecuteAsync("""
        INSERT INTO storage.buckets (id, name) VALUES ('files', 'files'), ('other', 'other');
        INSERT INTO storage.buckets (id, name, public) VALUES ('pub', 'pub', true);
        """);

    protected override async Task StartDependenciesAsync()
    {
        _peerDb = await Server.CreateDatabaseAsync(TemplateName);
        await _peerDb.ExecuteAsync("INSERT INTO storage.buckets (id, name) VALUES ('backing', 'backing')");
        _peer = await SupacsTestHost.StartAsync(_peerDb, s => s.AddSupacsStorage(), app => app.MapSupacsStorage(),
            "[storage]\nfile_size_limit = \"1GiB\"\n", PeerDataDir);
    }

    protected override string? ConfigToml
    {
        get
        {
            var (id, secret) = SupacsStorageExtensions.S3Credentials(TestTokens.Keys.Secret);
            return string.Create(CultureInfo.InvariantCulture, $"""
                [storage]
                backend = "s3"
                [storage.s3]
                bucket = "backing"
                endpoint = "{Peer.BaseAddress}storage/v1/s3"
                region = "us-east-1"
                force_path_style = true
                access_key_id = "{id}"
                secret_access_key = "{secret}"
                """);
        }
    }

    /// <summary>The config.toml pointing a host at the peer (for a second node in a test).</summary>
    public string BackendConfig => ConfigToml!;

    protected override async Task StopDependenciesAsync()
    {
        if (_peer is not null) await _peer.DisposeAsync();
        if (_peerDb is not null) await _peerDb.DisposeAsync();
        try
        {
            Directory.Delete(PeerDataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Keys of the blobs the peer holds for this host (stub/BUCKET/NAME/VERSION).</summary>
    public async Task<List<string>> PeerKeysAsync(string like = "%")
    {
        var keys = new List<string>();
        await using var conn = await PeerDatabase.Admin.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT name FROM storage.objects WHERE bucket_id = 'backing' AND name LIKE $1 ORDER BY name", conn);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = like });
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) keys.Add(r.GetString(0));
        return keys;
    }

    public async Task<long> PeerScalarAsync(string sql)
    {
        await using var conn = await PeerDatabase.Admin.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
