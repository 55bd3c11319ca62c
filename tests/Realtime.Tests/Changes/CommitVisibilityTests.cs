using System.Diagnostics;
using Supacs.Realtime.Changes;

namespace Supacs.Realtime.Tests.Changes;

/// <summary>
/// RLS checks wait until a streamed transaction is visible to new snapshots (pgoutput can deliver a commit a moment
/// before the committing backend leaves the proc array): committed ids pass at once, an open one holds the check back.
/// </summary>
public sealed class CommitVisibilityTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    [Fact]
    public async Task Committed_transactions_pass_at_once_and_an_open_one_is_waited_for()
    {
        await using var conn = await fixture.Database.Admin.OpenConnectionAsync();
        await using var other = await fixture.Database.Admin.OpenConnectionAsync();

        // A committed transaction: its 32-bit id (as pgoutput gives it) is visible.
        await using (var tx = await other.BeginTransactionAsync())
        {
            await using (var create = new Npgsql.NpgsqlCommand("CREATE TEMP TABLE IF NOT EXISTS t (i int)", other, tx)) await create.ExecuteNonQueryAsync();
            await using var id = new Npgsql.NpgsqlCommand("SELECT txid_current() % 4294967296", other, tx);
            var committed = (long)(await id.ExecuteScalarAsync())!;
            await tx.CommitAsync();
            var sw = Stopwatch.StartNew();
            await PostgresChanges.WaitCommittedAsync(conn, [committed]);
            Assert.True(sw.ElapsedMilliseconds < 500, $"a committed transaction was waited for {sw.ElapsedMilliseconds} ms");
        }

        // A transaction still in progress is not visible: the wait runs to its 1 s bound.
        await using (var open = await other.BeginTransactionAsync())
        {
            await using var id = new Npgsql.NpgsqlCommand("SELECT txid_current() % 4294967296", other, open);
            var running = (long)(await id.ExecuteScalarAsync())!;
            var sw = Stopwatch.StartNew();
            await PostgresChanges.WaitCommittedAsync(conn, [running]);
            Assert.True(sw.ElapsedMilliseconds >= 900, $"an open transaction was not waited for ({sw.ElapsedMilliseconds} ms)");
        }
    }
}
