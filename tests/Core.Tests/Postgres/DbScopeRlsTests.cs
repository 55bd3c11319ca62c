using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Core.Requests;
using Supacs.Testing;

namespace Supacs.Core.Tests.Postgres;

public sealed class RlsFixture : DatabaseFixture
{
    public static readonly Guid Alice = Guid.Parse("11111111-1111-1111-1111-111111111111");
    public static readonly Guid Bob = Guid.Parse("22222222-2222-2222-2222-222222222222");

    protected override Task InitializeDatabaseAsync(TestDatabase database) => database.ExecuteAsync($"""
        CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid NOT NULL, body text NOT NULL);
        ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own_notes ON public.notes FOR ALL TO authenticated
          USING (auth.uid() = owner) WITH CHECK (auth.uid() = owner);
        INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'alice note'), ('{Bob}', 'bob note');
        """);
}

/// <summary>DbScope sets role and claims so Supabase-style RLS policies admit the owner only.</summary>
public sealed class DbScopeRlsTests(RlsFixture fixture) : IClassFixture<RlsFixture>
{
    private static async Task<RequestIdentity> IdentityAsync(Guid? sub, string role = "authenticated")
    {
        var token = TestTokens.For(sub?.ToString(), role);
        var result = await RequestIdentityResolver.ResolveTokenAsync(token, TestTokens.Keys);
        return result.Identity!;
    }

    private async Task<List<string>> ReadNotesAsync(RequestIdentity identity)
    {
        await using var scope = await DbScope.BeginAsync(fixture.Database.Api, new DbScopeSettings(identity, "GET", "/rest/v1/notes"));
        await using var cmd = await scope.CreateCommandAsync("SELECT body FROM public.notes ORDER BY id");
        var bodies = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) bodies.Add(reader.GetString(0));
        return bodies;
    }

    [Fact]
    public async Task Owner_sees_only_own_rows()
    {
        Assert.Equal(["alice note"], await ReadNotesAsync(await IdentityAsync(RlsFixture.Alice)));
        Assert.Equal(["bob note"], await ReadNotesAsync(await IdentityAsync(RlsFixture.Bob)));
    }

    [Fact]
    public async Task Anon_sees_nothing_and_service_role_sees_all()
    {
        // anon has table privileges (Supabase's default grants) but no policy: RLS returns no rows.
        Assert.Empty(await ReadNotesAsync(RequestIdentity.Anonymous()));
        Assert.Equal(2, (await ReadNotesAsync(await IdentityAsync(null, "service_role"))).Count);
    }

    [Fact]
    public async Task Another_user_cannot_write_rows_for_the_owner()
    {
        await using var scope = await DbScope.BeginAsync(fixture.Database.Api, new DbScopeSettings(await IdentityAsync(RlsFixture.Bob)));
        await using var cmd = await scope.CreateCommandAsync($"INSERT INTO public.notes (owner, body) VALUES ('{RlsFixture.Alice}', 'forged')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task Batch_applies_settings_in_the_same_round_trip()
    {
        await using var scope = await DbScope.BeginAsync(fixture.Database.Api, new DbScopeSettings(await IdentityAsync(RlsFixture.Alice), "POST", "/x"));
        await using var batch = scope.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT current_user, auth.uid()::text, current_setting('request.method')"));
        await using var reader = await scope.ExecuteReaderAsync(batch);
        Assert.True(await reader.ReadAsync());
        Assert.Equal("authenticated", reader.GetString(0));
        Assert.Equal(RlsFixture.Alice.ToString(), reader.GetString(1));
        Assert.Equal("POST", reader.GetString(2));
    }

    [Fact]
    public async Task Settings_do_not_leak_to_the_next_transaction_on_a_pooled_connection()
    {
        await ReadNotesAsync(await IdentityAsync(RlsFixture.Alice));
        await using var conn = await fixture.Database.Api.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_user, coalesce(current_setting('request.jwt.claims', true), '')", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("authenticator", reader.GetString(0));
        Assert.Equal("", reader.GetString(1));
    }

    [Fact]
    public async Task Single_batch_scope_is_one_implicit_transaction()
    {
        var alice = await IdentityAsync(RlsFixture.Alice);
        // A failing statement rolls back the batch's earlier statements: nothing is committed.
        await using (var scope = await DbScope.BeginSingleBatchAsync(fixture.Database.Api, new DbScopeSettings(alice, "POST", "/x")))
        {
            Assert.True(scope.IsSingleBatch);
            await using var batch = scope.CreateBatch();
            batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO public.notes (owner, body) VALUES (auth.uid(), 'single-batch lost')"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1 / 0"));
            var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var reader = await scope.ExecuteReaderAsync(batch);
                while (await reader.NextResultAsync()) { }
            });
            Assert.Equal("22012", error.SqlState);
            Assert.Throws<InvalidOperationException>(() => scope.CreateBatch());
            Assert.Throws<InvalidOperationException>(() => scope.Transaction);
        }
        // A successful batch commits at its end, with the settings applied to its statements (RLS WITH CHECK).
        await using (var scope = await DbScope.BeginSingleBatchAsync(fixture.Database.Api, new DbScopeSettings(alice, "POST", "/x")))
        {
            await using var batch = scope.CreateBatch();
            batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO public.notes (owner, body) VALUES (auth.uid(), 'single-batch kept')"));
            await using (var reader = await scope.ExecuteReaderAsync(batch)) { while (await reader.NextResultAsync()) { } }
            await scope.CommitAsync();
        }
        var kept = await fixture.Database.ScalarAsync<string>(
            "SELECT string_agg(body, ',' ORDER BY body) FROM public.notes WHERE body LIKE 'single-batch%'");
        await fixture.Database.ExecuteAsync("DELETE FROM public.notes WHERE body LIKE 'single-batch%'");
        Assert.Equal("single-batch kept", kept);
    }
}
