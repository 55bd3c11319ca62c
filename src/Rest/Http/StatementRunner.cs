using Npgsql;
using Supacs.Core.Postgres;
using Supacs.Rest.Sql;

namespace Supacs.Rest.Http;

/// <summary>The one row every generated statement returns.</summary>
internal sealed record StatementResult(long? Total, long PageTotal, string? Body, string? ResponseHeaders, string? ResponseStatus)
{
    /// <summary>Rows an upsert inserted (not updated/ignored); null when not counted.</summary>
    public long? Inserted { get; init; }
}

/// <summary>
/// Runs a generated statement in a <see cref="DbScope"/> (role and claims set, search_path, optional READ ONLY
/// and db-pre-request in the same round trip), commits or rolls back, and maps PostgreSQL errors.
/// </summary>
internal static class StatementRunner
{
    /// <summary>Wraps a source query in PostgREST's final SELECT: total, page total, body, response GUCs.</summary>
    public static string Wrap(string ctes, string totalSql, string bodySql, string from = "(SELECT * FROM pgrst_source) _postgrest_t",
        string insertedSql = "NULL::bigint") =>
        $"WITH {ctes} SELECT {totalSql} AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, {bodySql} AS body, " +
        "nullif(current_setting('response.headers', true), '') AS response_headers, " +
        "nullif(current_setting('response.status', true), '') AS response_status, " +
        $"{insertedSql} AS pgrst_inserted FROM {from}";

    /// <param name="check">Inspects the result before commit; an error it returns rolls the transaction back.</param>
    public static async Task<StatementResult> RunAsync(RestRequest req, string sql, SqlParams parameters, bool readOnly,
        Func<StatementResult, RestException?>? check = null, PlannedStatement? planned = null,
        IReadOnlyDictionary<string, string>? hoisted = null)
    {
        req.Timing?.Lap(ServerMetric.Plan);
        var ct = req.Http.RequestAborted;
        var settings = new DbScopeSettings(req.Identity, req.Http.Request.Method, req.Http.Request.Path.Value,
            req.HeadersJson(), req.CookiesJson()) { SearchPath = req.SearchPath(), ReadOnly = readOnly };
        // Whether to end with COMMIT or ROLLBACK is known before running unless a check inspects the result. When it
        // is known to be COMMIT (or nothing can be written: READ ONLY), the whole request is one round trip: one batch
        // as PostgreSQL's implicit transaction, no BEGIN/COMMIT.
        var plan = PlanMedia(req);
        if (plan is not null) sql = plan.ExplainPrefix() + sql;
        var rollback = ShouldRollback(req);
        // A hoisted default_transaction_isolation needs BEGIN with that level (before any query of the transaction).
        System.Data.IsolationLevel? isolation = hoisted is not null && hoisted.TryGetValue("default_transaction_isolation", out var iso)
            ? Sql.IsolationLevels.FromPostgresName(iso) ?? System.Data.IsolationLevel.ReadCommitted
            : null;
        var roleSettings = req.Settings.RoleSettings.Count > 0 ? req.Settings.RoleSettings.GetValueOrDefault(req.Identity.Role) : null;
        isolation ??= roleSettings?.Isolation;
        var singleBatch = isolation is null && (readOnly || (check is null && !rollback));
        var preparer = req.Settings.PreparedStatements ? StatementPreparer.For(req.Project) : null;
        var cache = req.Cache;
        try
        {
            await using var scope = singleBatch
                ? await DbScope.BeginSingleBatchAsync(req.Project.Database.Api, settings, ct).ConfigureAwait(false)
                : await DbScope.BeginAsync(req.Project.Database.Api, settings, isolation ?? System.Data.IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            // The scope's settings statement also sets search_path and READ ONLY (see DbScopeSettings).
            await using var batch = scope.CreateBatch();
            var skip = 0;
            if (roleSettings?.CreateCommand() is { } roleCmd)
            {
                // The role's own settings (ALTER ROLE … SET): switching role with set_config does not apply them.
                batch.BatchCommands.Add(roleCmd);
                skip++;
            }
            if (req.Prefer.Timezone is { } tz)
            {
                var tzCmd = new NpgsqlBatchCommand(
                    "SELECT set_config('timezone', name, true) FROM pg_catalog.pg_timezone_names WHERE name = $1 UNION ALL SELECT NULL LIMIT 1");
                tzCmd.Parameters.Add(new NpgsqlParameter { Value = tz });
                batch.BatchCommands.Add(tzCmd);
                skip++;
            }
            if (hoisted is not null)
            {
                // Function SET settings hoisted to the transaction (PostgREST's db-hoisted-tx-settings): a function's
                // own SET applies only inside it, too late for statement_timeout on the statement calling it.
                foreach (var (name, value) in hoisted)
                {
                    if (name.Equals("default_transaction_isolation", StringComparison.OrdinalIgnoreCase)) continue;
                    var set = new NpgsqlBatchCommand("SELECT set_config($1, $2, true)");
                    set.Parameters.Add(new NpgsqlParameter { Value = name });
                    set.Parameters.Add(new NpgsqlParameter { Value = value });
                    batch.BatchCommands.Add(set);
                    skip++;
                }
            }
            if (Config.ImpersonatedRoleSettings.SetConfigCommand(req.Settings.AppSettings) is { } appCmd)
            {
                batch.BatchCommands.Add(appCmd);
                skip++;
            }
            if (req.Settings.PreRequest is { } pre)
            {
                var parts = pre.Split('.', 2);
                var name = parts.Length == 2 ? Sql.Sql.Qualified(parts[0], parts[1]) : Sql.Sql.Ident(pre);
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {name}()"));
                skip++;
            }
            if (planned?.ExplainSql is { } explainSql)
            {
                var explain = new NpgsqlBatchCommand(explainSql);
                foreach (var p in parameters.List) explain.Parameters.Add(p.Clone());
                batch.BatchCommands.Add(explain);
            }
            var main = new NpgsqlBatchCommand(sql);
            foreach (var p in parameters.List) main.Parameters.Add(p);
            batch.BatchCommands.Add(main);
            var prepare = preparer is not null && planned?.ExplainSql is null && plan is null && preparer.ShouldPrepare(cache, sql);
            if (prepare) await preparer!.PrepareAsync(cache, scope.Connection, batch, ct).ConfigureAwait(false);

            if (plan is not null)
            {
                // The plan is the response (EXPLAIN ANALYZE runs the statement: its writes commit unless tx=rollback).
                var lines = new List<string>();
                await using (var reader = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false))
                {
                    var before = skip + (planned?.ExplainSql is not null ? 1 : 0);
                    for (var i = 0; i < before; i++) await reader.NextResultAsync(ct).ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false)) lines.Add(reader.GetString(0));
                    while (await reader.NextResultAsync(ct).ConfigureAwait(false)) { }
                }
                if (rollback && !singleBatch) await scope.RollbackAsync(ct).ConfigureAwait(false);
                else await scope.CommitAsync(ct).ConfigureAwait(false);
                req.Timing?.Lap(ServerMetric.Transaction);
                throw new PlanResponse(string.Join('\n', lines), plan.ContentType);
            }

            StatementResult result;
            await using (var reader = await scope.ExecuteReaderAsync(batch, ct).ConfigureAwait(false))
            {
                for (var i = 0; i < skip; i++) await reader.NextResultAsync(ct).ConfigureAwait(false);
                long? plannedRows = null;
                if (planned?.ExplainSql is not null)
                {
                    if (await reader.ReadAsync(ct).ConfigureAwait(false)) plannedRows = PlanRows(reader.GetString(0));
                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                }
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                    throw new InvalidOperationException("The generated statement returned no row.");
                result = new StatementResult(
                    reader.IsDBNull(0) ? null : Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
                    reader.GetInt64(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4))
                {
                    Inserted = reader.FieldCount > 5 && !reader.IsDBNull(5) ? reader.GetInt64(5) : null,
                };
                while (await reader.NextResultAsync(ct).ConfigureAwait(false)) { }
                if (plannedRows is { } rows)
                {
                    var useExact = planned!.EstimateThreshold is { } max && result.Total is { } exact && exact <= max;
                    if (!useExact) result = result with { Total = Math.Max(rows, result.PageTotal) };
                }
            }
            if (!prepare && planned?.ExplainSql is null) preparer?.Succeeded(cache, sql);
            var error = check?.Invoke(result);
            if (singleBatch)
            {
                // Already committed (or read only); a check's error is still the response.
                await scope.CommitAsync(ct).ConfigureAwait(false);
                if (error is not null) throw error;
                req.Timing?.Lap(ServerMetric.Transaction);
                return result;
            }
            if (error is not null)
            {
                await scope.RollbackAsync(ct).ConfigureAwait(false);
                throw error;
            }
            if (rollback) await scope.RollbackAsync(ct).ConfigureAwait(false);
            else await scope.CommitAsync(ct).ConfigureAwait(false);
            req.Timing?.Lap(ServerMetric.Transaction);
            return result;
        }
        catch (PostgresException e)
        {
            throw PgErrors.From(e, req.Identity.Role != req.Settings.AnonRole);
        }
    }

    /// <summary>The plan media type when the request asks for its execution plan (PGRST107 when plans are disabled).</summary>
    private static MediaType? PlanMedia(RestRequest req)
    {
        var accept = req.Http.Request.Headers.Accept.ToString();
        if (!accept.Contains("vnd.pgrst.plan", StringComparison.OrdinalIgnoreCase)) return null;
        var media = MediaType.Remembered(req.Http) ?? MediaType.Negotiate(req.Http.Request);
        if (media.Kind != MediaKind.Plan) return null;
        if (!req.Settings.PlanEnabled)
            throw new RestException(406, "PGRST107", "None of these media types are available: " + accept, (string?)null);
        return media;
    }

    private static long? PlanRows(string explainJson)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(explainJson);
        return doc.RootElement[0].GetProperty("Plan").TryGetProperty("Plan Rows", out var rows) ? (long)rows.GetDouble() : null;
    }

    private static bool ShouldRollback(RestRequest req)
    {
        var txEnd = req.Settings.TxEnd;
        var allowOverride = txEnd.EndsWith("-allow-override", StringComparison.Ordinal);
        var rollback = txEnd.StartsWith("rollback", StringComparison.Ordinal);
        if (allowOverride && req.Prefer.Tx is { } tx)
        {
            req.Prefer.Applied.Add("tx=" + tx);
            return tx == "rollback";
        }
        return rollback;
    }
}
