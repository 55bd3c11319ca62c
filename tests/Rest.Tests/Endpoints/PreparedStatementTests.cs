using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>
/// Repeated statement shapes run as server-side prepared statements (in one round trip per request); these
/// prove the results stay right when a prepared shape later fails, meets DDL, or runs inside an explicit
/// transaction whose result is checked.
/// </summary>
public sealed class PreparedStatementTests(RestFixture fx) : IClassFixture<RestFixture>
{
    private static string Code(string body) => JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!;

    [Fact]
    public async Task Prepared_read_follows_a_column_type_change()
    {
        await fx.Database.ExecuteAsync("""
            CREATE TABLE public.prep_typed (k int PRIMARY KEY, v text);
            INSERT INTO public.prep_typed VALUES (1, 'one');
            GRANT ALL ON public.prep_typed TO anon;
            """);
        for (var i = 0; i < 6; i++)
        {
            var (status, body, _) = await fx.GetAsync("/prep_typed?k=eq.1&select=v");
            Assert.Equal(200, status);
            Assert.Equal("""[{"v":"one"}]""", RestFixture.Norm(body));
        }
        // The shape was prepared with $1 inferred as int; after the type change the same text must not reuse it.
        await fx.Database.ExecuteAsync("ALTER TABLE public.prep_typed ALTER COLUMN k TYPE text; INSERT INTO public.prep_typed VALUES ('abc', 'letters');");
        // The schema cache reloads right after the DDL; from then on (and once the shape is hot again) every run is right.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await fx.GetAsync("/prep_typed?k=eq.abc&select=v")).Status != 200 && DateTime.UtcNow < deadline) await Task.Delay(50);
        for (var i = 0; i < 6; i++)
        {
            var (status, body, _) = await fx.GetAsync("/prep_typed?k=eq.abc&select=v");
            Assert.Equal(200, status);
            Assert.Equal("""[{"v":"letters"}]""", RestFixture.Norm(body));
        }
    }

    [Fact]
    public async Task Failing_runs_of_a_prepared_shape_leave_later_requests_intact()
    {
        await fx.Database.ExecuteAsync("""
            CREATE TABLE public.prep_checked (id serial PRIMARY KEY, n int NOT NULL CHECK (n < 100));
            GRANT ALL ON public.prep_checked TO anon;
            GRANT ALL ON SEQUENCE public.prep_checked_id_seq TO anon;
            """);
        for (var i = 0; i < 25; i++)
        {
            // Single-batch path (no check): succeeds, then the same text fails on the constraint.
            var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/prep_checked", $$"""{"n":{{i}}}""");
            Assert.Equal(201, status);
            (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/prep_checked", $$"""{"n":{{100 + i}}}""");
            Assert.Equal(400, status);
            Assert.Equal("23514", Code(body));
            // Explicit-transaction path (the singular check decides commit/rollback): fails, then succeeds.
            (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/prep_checked?select=n", $$"""[{"n":{{i}}},{"n":{{i}}}]""", null,
                "Prefer: return=representation", "Accept: application/vnd.pgrst.object+json");
            Assert.Equal(406, status);
            Assert.Equal("PGRST116", Code(body));
            (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/prep_checked?select=n", $$"""{"n":{{i}}}""", null,
                "Prefer: return=representation", "Accept: application/vnd.pgrst.object+json");
            Assert.Equal(201, status);
            Assert.Equal($$"""{"n":{{i}}}""", RestFixture.Norm(body));
            // A read of a prepared shape that errors at run time (division by zero), then succeeds.
            (status, body, _) = await fx.GetAsync("/prep_checked?select=n&n=eq.0&id=gt.0");
            Assert.Equal(200, status);
            (status, body, _) = await fx.GetAsync("/prep_checked?select=n&n=eq.x");
            Assert.Equal(400, status);
            Assert.Equal("22P02", Code(body));
        }
        // 25 single-batch + 25 checked inserts committed; the failing and the rolled-back ones did not.
        Assert.Equal(50L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.prep_checked"));
    }

    [Fact]
    public async Task Read_is_one_round_trip_and_rolls_nothing_into_the_pool()
    {
        // Settings of a single-batch request are transaction-local: the next statement on the pooled backend sees none.
        for (var i = 0; i < 4; i++)
        {
            var (status, _, _) = await fx.GetAsync("/users?select=name&limit=1", RestFixture.UserToken(RestFixture.Alice));
            Assert.Equal(200, status);
        }
        await using var conn = await fx.Database.Api.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            "SELECT current_user, coalesce(current_setting('request.jwt.claims', true), ''), current_setting('transaction_read_only')", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("authenticator", reader.GetString(0));
        Assert.Equal("", reader.GetString(1));
        Assert.Equal("off", reader.GetString(2));
    }
}
