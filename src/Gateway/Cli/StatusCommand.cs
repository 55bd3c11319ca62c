using System.CommandLine;
using System.Text.Json;
using Supacs.Core;
using Supacs.Core.Keys;
using Supacs.Core.Postgres;

namespace Supacs.Gateway.Cli;

/// <summary><c>supacs status [-o env|json|pretty]</c>: the URLs and keys an app needs, like <c>supabase status</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new Option<string>("--output", "-o") { Description = "Output format: pretty, env or json.", DefaultValueFactory = _ => "pretty" };
        output.AcceptOnlyFromAmong("pretty", "env", "json");
        var command = new Command("status", "Show the API URL, DB URL and keys.");
        common.AddTo(command);
        command.Add(output);
        command.SetAction(result =>
        {
            var options = common.Resolve(result);
            var values = Collect(options);
            Console.Out.Write(Format(values, result.GetValue(output) ?? "pretty"));
            return 0;
        });
        return command;
    }

    public static IReadOnlyList<(string Key, string Value)> Collect(SupacsOptions options)
    {
        var keys = KeyStore.Load(options.DataDir, Environment.GetEnvironmentVariable);
        return Collect(options, keys, DbUrl(options));
    }

    public static IReadOnlyList<(string Key, string Value)> Collect(SupacsOptions options, JwtKeys keys, string dbUrl)
    {
        var (s3KeyId, s3Secret) = Storage.SupacsStorageExtensions.S3Credentials(keys.Secret);
        return
        [
        ("API_URL", options.PublicUrl),
        ("REST_URL", options.PublicUrl + "/rest/v1"),
        ("STORAGE_S3_URL", options.PublicUrl + "/storage/v1/s3"),
        ("DB_URL", dbUrl),
        ("JWT_SECRET", keys.Secret),
        ("ANON_KEY", keys.AnonKey),
        ("SERVICE_ROLE_KEY", keys.ServiceRoleKey),
        ("PUBLISHABLE_KEY", keys.PublishableKey),
        ("SECRET_KEY", keys.SecretKey),
        ("S3_PROTOCOL_ACCESS_KEY_ID", s3KeyId),
        ("S3_PROTOCOL_ACCESS_KEY_SECRET", s3Secret),
        // Storage accepts any region in signatures; the CLI prints "local".
        ("S3_PROTOCOL_REGION", "local"),
        ];
    }

    private static string DbUrl(SupacsOptions options)
    {
        if (options.DbUrl is { } url) return url;
        var state = EmbeddedCluster.ReadState(Path.GetFullPath(options.DataDir));
        var port = state is { Port: > 0 } s ? s.Port : options.EmbeddedDbPort;
        var password = state?.Password ?? "";
        return $"postgresql://postgres:{Uri.EscapeDataString(password)}@127.0.0.1:{port}/postgres";
    }

    public static string Format(IReadOnlyList<(string Key, string Value)> values, string format)
    {
        switch (format)
        {
            case "env":
                return string.Concat(values.Select(v => $"{v.Key}=\"{v.Value}\"\n"));
            case "json":
                return JsonSerializer.Serialize(values.ToDictionary(v => v.Key, v => v.Value), JsonOptions) + "\n";
            default:
                var labels = new Dictionary<string, string>
                {
                    ["API_URL"] = "API URL", ["REST_URL"] = "REST URL", ["STORAGE_S3_URL"] = "S3 Storage URL", ["DB_URL"] = "DB URL",
                    ["JWT_SECRET"] = "JWT secret", ["ANON_KEY"] = "anon key", ["SERVICE_ROLE_KEY"] = "service_role key",
                    ["PUBLISHABLE_KEY"] = "Publishable key", ["SECRET_KEY"] = "Secret key",
                    ["S3_PROTOCOL_ACCESS_KEY_ID"] = "S3 Access Key", ["S3_PROTOCOL_ACCESS_KEY_SECRET"] = "S3 Secret Key",
                    ["S3_PROTOCOL_REGION"] = "S3 Region",
                };
                return string.Concat(values.Select(v => $"{labels[v.Key],16}: {v.Value}\n"));
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
