using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supacs.Core;
using Supacs.Core.Config;
using Supacs.Core.Keys;

namespace Supacs.Gateway.Cli;

/// <summary>
/// <c>supacs gen signing-key</c>, like <c>supabase gen signing-key</c>: a new private JWK for asymmetric access
/// tokens. Written to config.toml's <c>[auth] signing_keys_path</c> when one is set, else printed.
/// </summary>
internal static class GenCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command SigningKey()
    {
        var algorithm = new Option<string>("--algorithm") { Description = "Key algorithm: ES256 or RS256.", DefaultValueFactory = _ => "ES256" };
        algorithm.AcceptOnlyFromAmong("ES256", "RS256");
        var append = new Option<bool>("--append") { Description = "Add the key to the existing key file (rotation) instead of creating it." };
        var projectDir = new Option<string?>("--project-dir") { Description = "Supabase CLI project folder containing supabase/ (env SUPACS_PROJECT_DIR)." };
        var command = new Command("signing-key", "Generate a private JWK for signing access tokens (RS256/ES256).") { algorithm, append, projectDir };
        command.SetAction((result, _) =>
        {
            var dir = result.GetValue(projectDir) ?? Environment.GetEnvironmentVariable("SUPACS_PROJECT_DIR") ?? ".";
            var key = AsymmetricJwtKey.Generate(result.GetValue(algorithm)!);
            var path = KeyStore.SigningKeysPath(ProjectConfig.Load(Path.GetFullPath(dir)));
            if (path is null)
            {
                Console.Out.WriteLine(new JsonArray(key).ToJsonString(Indented));
                Console.Error.WriteLine("Save this array to a file and set [auth] signing_keys_path in supabase/config.toml to use it.");
                return Task.FromResult(0);
            }
            var keys = ReadExisting(path, result.GetValue(append));
            keys.Add(key);
            WritePrivate(path, keys.ToJsonString(Indented));
            Console.Out.WriteLine($"JWT signing key {(keys.Count > 1 ? "appended to" : "written to")}: {path} (kid {key["kid"]})");
            if (keys.Count > 1)
                Console.Out.WriteLine("The first key in the file signs new tokens; the others still verify. Reorder the keys to switch.");
            return Task.FromResult(0);
        });
        return command;
    }

    private static JsonArray ReadExisting(string path, bool append)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return [];
        if (!append)
            throw new SupacsStartupException($"{path} already holds signing keys; pass --append to add a key for rotation, or remove the file first.");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonArray
                ?? throw new SupacsStartupException($"{path} is not a JSON array of JWKs.");
        }
        catch (JsonException e)
        {
            throw new SupacsStartupException($"{path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Private keys: created 0600 and replaced atomically, like the JWT secret.</summary>
    private static void WritePrivate(string path, string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        PrivateFile.WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.Write(json + "\n");
        });
    }
}
