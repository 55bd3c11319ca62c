using Npgsql;
using Supacs.Rest.Http;
using Supacs.Testing;

namespace Supacs.Rest.Tests.Http;

/// <summary>Errors that are not PostgreSQL's: an exhausted pool is PGRST003 (504), as PostgREST answers.</summary>
public sealed class UnexpectedErrorTests
{
    [Fact]
    public async Task Exhausted_pool_is_PGRST003()
    {
        // The shared test server's maintenance database: no database of its own is needed for a pool of one.
        var server = await TestPostgres.SharedAsync();
        var b = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { MaxPoolSize = 1, Timeout = 1 };
        await using var ds = NpgsqlDataSource.Create(b.ConnectionString);
        await using var held = await ds.OpenConnectionAsync();
        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await ds.OpenConnectionAsync());
        var mapped = RestResponses.Unexpected(error);
        Assert.Equal((504, "PGRST003"), (mapped.Status, mapped.Code));
        Assert.Equal("Timed out acquiring connection from connection pool.", mapped.Message);
    }

    [Fact]
    public void Other_client_errors_are_PGRST000_and_the_rest_PGRSTX00()
    {
        Assert.Equal((503, "PGRST000"), (RestResponses.Unexpected(new NpgsqlException("broken")).Status, RestResponses.Unexpected(new NpgsqlException("broken")).Code));
        Assert.Equal("PGRSTX00", RestResponses.Unexpected(new InvalidOperationException("x")).Code);
    }
}
