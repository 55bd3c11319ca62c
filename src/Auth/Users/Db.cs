using Npgsql;

namespace Supacs.Auth.Users;

/// <summary>Runs several parameterised statements in one round trip (a batch: positional parameters need one per statement).</summary>
internal static class Db
{
    public static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct, params (string Sql, object[] Args)[] statements)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var (sql, args) in statements)
        {
            var cmd = new NpgsqlBatchCommand(sql);
            foreach (var a in args) cmd.Parameters.Add(a as NpgsqlParameter ?? new NpgsqlParameter { Value = a });
            batch.BatchCommands.Add(cmd);
        }
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
