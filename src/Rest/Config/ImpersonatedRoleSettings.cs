using Npgsql;

namespace Supacs.Rest.Config;

/// <summary>
/// The settings of a role the authenticator can switch to (<c>ALTER ROLE authenticated SET statement_timeout = '8s'</c>).
/// <c>SET ROLE</c>/<c>set_config('role')</c> does not apply them, so each request applies its role's settings itself
/// (PostgREST's role settings), and opens its transaction with the role's <c>default_transaction_isolation</c>.
/// </summary>
internal sealed record ImpersonatedRoleSettings(ValueList<KeyValuePair<string, string>> Settings, System.Data.IsolationLevel? Isolation)
{
    /// <summary>One <c>SELECT set_config(…), …</c> applying every setting, or null when there is none.</summary>
    public NpgsqlBatchCommand? CreateCommand() => SetConfigCommand(Settings);

    /// <summary>One <c>SELECT set_config(name, value, true), …</c> for <paramref name="settings"/>; null when empty.</summary>
    public static NpgsqlBatchCommand? SetConfigCommand(IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        if (settings.Count == 0) return null;
        var sql = new System.Text.StringBuilder("SELECT ");
        var cmd = new NpgsqlBatchCommand();
        for (var i = 0; i < settings.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append("set_config($").Append(2 * i + 1).Append(", $").Append(2 * i + 2).Append(", true)");
            cmd.Parameters.Add(new NpgsqlParameter { Value = settings[i].Key });
            cmd.Parameters.Add(new NpgsqlParameter { Value = settings[i].Value });
        }
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    /// <summary>
    /// The level a role's <c>default_transaction_isolation</c> opens its transactions with: only the levels above read
    /// committed need a BEGIN of their own; null keeps the request's single-batch path.
    /// </summary>
    public static System.Data.IsolationLevel? ParseIsolation(string? value) =>
        Sql.IsolationLevels.FromPostgresName(value) is { } level
        && level is System.Data.IsolationLevel.Serializable or System.Data.IsolationLevel.RepeatableRead ? level : null;
}
