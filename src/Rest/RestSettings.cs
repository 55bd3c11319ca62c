using System.Globalization;
using Supacs.Core.Projects;
using Supacs.Rest.Config;

namespace Supacs.Rest;

/// <summary>
/// The REST module's settings for one project, PostgREST's names in brackets. Read from <c>[api]</c> of
/// config.toml, then overridden by the <c>PGRST_*</c> environment variables, then by the in-database
/// configuration (<c>pgrst.*</c> settings of the authenticator role, see <see cref="Config.RestConfigState"/>).
/// To add a setting: add a property with its default here and read it in <see cref="Read"/> (the one place
/// settings are mapped); if PostgREST reads it in-database too, add its name to <see cref="Config.InDatabaseConfig"/>.
/// Every property compares by value (lists are <see cref="ValueList{T}"/>), so two settings are the same when <c>==</c>.
/// </summary>
internal sealed record RestSettings
{
    /// <summary>Exposed schemas, first is the default (db-schemas; [api] schemas). Default public, graphql_public.</summary>
    public ValueList<string> Schemas { get; init; } = ["public", "graphql_public"];

    /// <summary>Appended to the search_path after the request's schema (db-extra-search-path). Default public, extensions.</summary>
    public ValueList<string> ExtraSearchPath { get; init; } = ["public", "extensions"];

    /// <summary>Row cap of every read (db-max-rows; [api] max_rows). Default 1000 like the Supabase CLI; null = none.</summary>
    public long? MaxRows { get; init; } = 1000;

    /// <summary>
    /// Role for requests without a JWT role (db-anon-role). Default anon (as Supabase sets it); set to an empty value
    /// (<c>PGRST_DB_ANON_ROLE=</c>, <c>pgrst.db_anon_role = ''</c>) it is unset: such requests get 401 PGRST302.
    /// </summary>
    public string? AnonRole { get; init; } = "anon";

    /// <summary>Function called before each request's query (db-pre-request), schema-qualified. Default none.</summary>
    public string? PreRequest { get; init; }

    /// <summary>Aggregates in select= (db-aggregates-enabled). Default false.</summary>
    public bool AggregatesEnabled { get; init; }

    /// <summary>Required JWT audience when set (jwt-aud). Default none.</summary>
    public string? JwtAudience { get; init; }

    /// <summary>db-tx-end: commit, commit-allow-override, rollback, rollback-allow-override. Default commit.</summary>
    public string TxEnd { get; init; } = "commit";

    /// <summary>
    /// Run repeated statement shapes as server-side prepared statements (db-prepared-statements). Default true.
    /// </summary>
    public bool PreparedStatements { get; init; } = true;

    /// <summary>
    /// Function <c>SET</c> settings applied to the whole transaction of an RPC (db-hoisted-tx-settings).
    /// Default statement_timeout, plan_filter.statement_cost_limit, default_transaction_isolation.
    /// </summary>
    public ValueList<string> HoistedTxSettings { get; init; } =
        ["statement_timeout", "plan_filter.statement_cost_limit", "default_transaction_isolation"];

    /// <summary>Where the role is in the JWT claims (jwt-role-claim-key); null = <c>.role</c>.</summary>
    public Http.RoleClaimPath? RoleClaimPath { get; init; }

    /// <summary>Execution plans with <c>Accept: application/vnd.pgrst.plan</c> (db-plan-enabled). Default false.</summary>
    public bool PlanEnabled { get; init; }

    /// <summary>Read the in-database configuration (db-config). Default true.</summary>
    public bool DbConfig { get; init; } = true;

    /// <summary>Function run before reading the in-database configuration, setting <c>pgrst.*</c> (db-pre-config). Default none.</summary>
    public string? PreConfig { get; init; }

    /// <summary>
    /// Settings of the roles requests switch to, read from the database with the in-database configuration (PostgREST
    /// reads them only with db-config on). Empty until the first schema cache load.
    /// </summary>
    public ValueDictionary<string, ImpersonatedRoleSettings> RoleSettings { get; init; } = ValueDictionary<string, ImpersonatedRoleSettings>.Empty;

    /// <summary>
    /// <c>app.settings.*</c> values every request sets as transaction-local settings (PostgREST's app.settings.*, from
    /// <c>PGRST_APP_SETTINGS_X</c> → <c>app.settings.x</c>). Default none.
    /// </summary>
    public ValueList<KeyValuePair<string, string>> AppSettings { get; init; } = [];

    /// <summary>openapi-mode: follow-privileges (default), ignore-privileges or disabled.</summary>
    public string OpenApiMode { get; init; } = "follow-privileges";

    /// <summary>The public URL the OpenAPI document names (openapi-server-proxy-uri), e.g. https://api.example.com/rest/v1. Default none.</summary>
    public Uri? OpenApiServerProxyUri { get; init; }

    /// <summary>Function whose result the root answers instead of the OpenAPI document (db-root-spec). Default none.</summary>
    public string? RootSpec { get; init; }

    /// <summary>Document the JWT security scheme in the OpenAPI output (openapi-security-active). Default false.</summary>
    public bool OpenApiSecurityActive { get; init; }

    /// <summary>The NOTIFY channel reloads are requested on (db-channel). Default pgrst.</summary>
    public string DbChannel { get; init; } = "pgrst";

    /// <summary>Listen on db-channel at all (db-channel-enabled). Default true.</summary>
    public bool DbChannelEnabled { get; init; } = true;

    /// <summary>Add PostgREST's <c>Server-Timing</c> header to responses (server-timing-enabled). Default false.</summary>
    public bool ServerTimingEnabled { get; init; }

    public string DefaultSchema => Schemas.Count > 0 ? Schemas[0] : "public";

    /// <summary>The project's settings in effect now (config file, environment, then in-database configuration).</summary>
    public static RestSettings For(SupacsProject project) => Config.RestConfigState.For(project).Current;

    public static RestSettings Read(SupacsProject project, Func<string, string?> env)
    {
        var api = project.Config.Section("api");
        var schemas = api.GetStringArray("schemas");
        var extra = api.GetStringArray("extra_search_path");
        var maxRows = api.GetLong("max_rows");
        var defaults = new RestSettings();
        return new RestSettings
        {
            Schemas = List(env("PGRST_DB_SCHEMAS")) ?? (schemas.Count > 0 ? ValueList.From(schemas) : defaults.Schemas),
            ExtraSearchPath = List(env("PGRST_DB_EXTRA_SEARCH_PATH")) ?? (extra.Count > 0 ? ValueList.From(extra) : defaults.ExtraSearchPath),
            MaxRows = long.TryParse(env("PGRST_DB_MAX_ROWS"), CultureInfo.InvariantCulture, out var m) ? m
                : maxRows is { } mr ? (mr > 0 ? mr : null) : defaults.MaxRows,
            AnonRole = env("PGRST_DB_ANON_ROLE") switch { null => defaults.AnonRole, "" => null, var anon => anon },
            PreRequest = env("PGRST_DB_PRE_REQUEST") is { Length: > 0 } pre ? pre : null,
            AggregatesEnabled = bool.TryParse(env("PGRST_DB_AGGREGATES_ENABLED"), out var agg) && agg,
            JwtAudience = env("PGRST_JWT_AUD") is { Length: > 0 } aud ? aud : null,
            TxEnd = env("PGRST_DB_TX_END") is { Length: > 0 } tx ? tx : defaults.TxEnd,
            HoistedTxSettings = List(env("PGRST_DB_HOISTED_TX_SETTINGS")) ?? defaults.HoistedTxSettings,
            RoleClaimPath = env("PGRST_JWT_ROLE_CLAIM_KEY") is { Length: > 0 } rck && rck.Trim() != ".role" ? Http.RoleClaimPath.Parse(rck.Trim()) : null,
            PlanEnabled = bool.TryParse(env("PGRST_DB_PLAN_ENABLED"), out var plan) && plan,
            PreparedStatements = !bool.TryParse(env("PGRST_DB_PREPARED_STATEMENTS"), out var prep) || prep,
            OpenApiMode = env("PGRST_OPENAPI_MODE") is "ignore-privileges" or "disabled" or "follow-privileges" ? env("PGRST_OPENAPI_MODE")! : defaults.OpenApiMode,
            OpenApiServerProxyUri = Uri.TryCreate(env("PGRST_OPENAPI_SERVER_PROXY_URI"), UriKind.Absolute, out var proxy)
                && proxy.Scheme is "http" or "https" ? proxy : null,
            RootSpec = env("PGRST_DB_ROOT_SPEC") is { Length: > 0 } rootSpec ? rootSpec : null,
            OpenApiSecurityActive = bool.TryParse(env("PGRST_OPENAPI_SECURITY_ACTIVE"), out var security) && security,
            DbChannel = env("PGRST_DB_CHANNEL") is { Length: > 0 } channel ? channel : defaults.DbChannel,
            DbChannelEnabled = !bool.TryParse(env("PGRST_DB_CHANNEL_ENABLED"), out var channelEnabled) || channelEnabled,
            DbConfig = !bool.TryParse(env("PGRST_DB_CONFIG"), out var dbConfig) || dbConfig,
            PreConfig = env("PGRST_DB_PRE_CONFIG") is { Length: > 0 } preConfig ? preConfig : null,
            ServerTimingEnabled = bool.TryParse(env("PGRST_SERVER_TIMING_ENABLED"), out var timing) && timing,
        };
    }

    /// <summary><c>PGRST_APP_SETTINGS_JWT_EXP</c> → <c>app.settings.jwt_exp</c>, for every such variable name.</summary>
    public static ValueList<KeyValuePair<string, string>> ReadAppSettings(IEnumerable<string> names, Func<string, string?> env)
    {
        const string Prefix = "PGRST_APP_SETTINGS_";
        return ValueList.From(names.Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.Length > Prefix.Length)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(n => new KeyValuePair<string, string>("app.settings." + n[Prefix.Length..].ToLowerInvariant(), env(n) ?? "")));
    }

    private static ValueList<string>? List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : new(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
