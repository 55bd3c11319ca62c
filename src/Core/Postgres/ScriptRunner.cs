using Npgsql;

namespace Supacs.Core.Postgres;

/// <summary>
/// Runs a SQL script (a migration, a seed) inside a transaction statement by statement, so an error can be
/// reported with the line in the file where the failing statement's failing token is.
/// </summary>
public static class ScriptRunner
{
    public static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string script, CancellationToken ct)
    {
        // One statement at a time: scripts run at start-up only, and knowing which statement failed gives the line.
        foreach (var (text, offset) in SqlText.SplitWithOffsets(script))
        {
            await using var cmd = new NpgsqlCommand(text, connection, transaction) { CommandTimeout = 0 };
            try
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException e)
            {
                var startLine = SqlText.LineAtOffset(script, offset);
                var line = e.Position > 0 ? startLine + SqlText.LineOf(text, e.Position) - 1 : startLine;
                throw new ScriptException(e, line);
            }
        }
    }
}

/// <summary>A script failed: PostgreSQL's error plus the 1-based line in the script (0 when unknown).</summary>
public sealed class ScriptException(PostgresException error, int line) : Exception(error.MessageText, error)
{
    public PostgresException Error { get; } = error;
    public int Line { get; } = line;
}
