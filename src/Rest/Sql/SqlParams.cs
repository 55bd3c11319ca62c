using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Supacs.Rest.Sql;

/// <summary>The parameters of one generated statement: every client value goes here, never into SQL text.</summary>
internal sealed class SqlParams
{
    public List<NpgsqlParameter> List { get; } = [];

    /// <summary>A value typed <c>unknown</c>, so PostgreSQL resolves it against the other operand (as PostgREST does).</summary>
    public string Add(string value)
    {
        List.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Unknown });
        return "$" + List.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A JSON document (request bodies).</summary>
    public string AddJson(string json)
    {
        List.Add(new NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlDbType.Json });
        return "$" + List.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A raw request body: bytes as bytea, a string as text.</summary>
    public string AddRaw(object value)
    {
        List.Add(value is byte[] bytes
            ? new NpgsqlParameter { Value = bytes, NpgsqlDbType = NpgsqlDbType.Bytea }
            : new NpgsqlParameter { Value = (string)value, NpgsqlDbType = NpgsqlDbType.Text });
        return "$" + List.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A text value typed text.</summary>
    public string AddText(string value)
    {
        List.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text });
        return "$" + List.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Quoting helpers for names that were already resolved against the schema cache.</summary>
internal static class Sql
{
    public static string Ident(string name)
    {
        if (name.Contains('\0', StringComparison.Ordinal))
            throw new RestException(400, "PGRST100", "Invalid identifier", "identifiers may not contain NUL characters");
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static string Qualified(string schema, string name) => Ident(schema) + "." + Ident(name);

    /// <summary>A string literal, for JSON path keys only (standard_conforming_strings is on).</summary>
    public static string Literal(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
            throw new RestException(400, "PGRST100", "Invalid JSON path key", "keys may not contain NUL characters");
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A PostgreSQL array literal <c>{"a","b"}</c> from items (sent as a parameter).</summary>
    public static string ArrayLiteral(IEnumerable<string> items)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append('"');
            foreach (var c in item)
            {
                if (c is '"' or '\\') sb.Append('\\');
                sb.Append(c);
            }
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }

    private static readonly HashSet<string> KeywordTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "int", "integer", "smallint", "bigint", "real", "float", "numeric", "decimal", "text", "varchar", "char", "character",
        "boolean", "bool", "json", "jsonb", "uuid", "date", "time", "timestamp", "timestamptz", "interval", "bytea",
        "double precision", "character varying", "timestamp with time zone", "timestamp without time zone",
        "time with time zone", "time without time zone", "bit varying", "bit",
    };

    /// <summary>
    /// A cast type from the client. SQL keyword types (int, double precision, …) are written as such; any other
    /// name is quoted as an identifier, so a bad type is a lookup error (42704), never SQL syntax.
    /// </summary>
    public static string CastType(string type)
    {
        var t = type.Trim();
        var isArray = t.EndsWith("[]", StringComparison.Ordinal);
        var core = (isArray ? t[..^2] : t).Trim();
        if (core.Length == 0)
            throw new RestException(400, "PGRST100", $"\"failed to parse cast ({type})\"", "empty cast type");
        var normalized = string.Join(' ', core.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var sql = KeywordTypes.Contains(normalized) ? normalized.ToLowerInvariant() : Ident(core);
        return isArray ? sql + "[]" : sql;
    }
}
