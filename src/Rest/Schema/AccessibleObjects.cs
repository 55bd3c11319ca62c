using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Rest.Http;

namespace Supacs.Rest.Schema;

/// <summary>
/// What the request's role may use in a schema (openapi-mode follow-privileges, PostgREST's default): relations it
/// owns or holds any table or column privilege on, and functions it may execute. Asked as that role.
/// </summary>
internal sealed record AccessibleObjects(HashSet<string> Relations, HashSet<uint> Functions)
{
    private const string Sql = """
        SELECT c.relname::text, NULL::oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND (pg_catalog.pg_has_role(c.relowner, 'USAGE')
          OR pg_catalog.has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
          OR pg_catalog.has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
        UNION ALL
        SELECT NULL, p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')
        """;

    public static async Task<AccessibleObjects> ReadAsync(RestRequest req, CancellationToken ct)
    {
        var result = new AccessibleObjects(new HashSet<string>(StringComparer.Ordinal), []);
        var settings = new DbScopeSettings(req.Identity, req.Http.Request.Method, req.Http.Request.Path.Value, req.HeadersJson(), req.CookiesJson());
        await using var scope = await DbScope.BeginSingleBatchAsync(req.Project.Database.Api, settings, ct).ConfigureAwait(false);
        await using var batch = scope.CreateBatch();
        var cmd = new NpgsqlBatchCommand(Sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = req.Schema });
        batch.BatchCommands.Add(cmd);
        await using var reader = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0)) result.Relations.Add(reader.GetString(0));
            else result.Functions.Add(reader.GetFieldValue<uint>(1));
        }
        return result;
    }
}
