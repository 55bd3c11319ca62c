namespace Supacs.Rest.Sql;

/// <summary>PostgreSQL's transaction isolation names (<c>default_transaction_isolation</c> values) as ADO.NET levels.</summary>
internal static class IsolationLevels
{
    /// <summary>The level a PostgreSQL isolation name (any case, surrounding blanks ignored) names; null for anything else.</summary>
    public static System.Data.IsolationLevel? FromPostgresName(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "serializable" => System.Data.IsolationLevel.Serializable,
        "repeatable read" => System.Data.IsolationLevel.RepeatableRead,
        "read committed" => System.Data.IsolationLevel.ReadCommitted,
        "read uncommitted" => System.Data.IsolationLevel.ReadUncommitted,
        _ => null,
    };
}
