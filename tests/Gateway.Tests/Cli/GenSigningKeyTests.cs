using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Supacs.Gateway.Tests.Cli;

/// <summary><c>supacs gen signing-key</c>: writes the configured key file, rotates with --append, and the server signs with it.</summary>
public sealed class GenSigningKeyTests
{
    private static string NewProject()
    {
        var dir = SupacsProcess.TrackTempDir("supacs-keys-");
        Directory.CreateDirectory(Path.Combine(dir, "supabase"));
        File.WriteAllText(Path.Combine(dir, "supabase", "config.toml"), "[auth]\nsigning_keys_path = \"./signing_keys.json\"\n");
        return dir;
    }

    private static string HeaderKid(string jwt)
    {
        var header = jwt.Split('.')[0].Replace('-', '+').Replace('_', '/');
        header = header.PadRight(header.Length + ((4 - (header.Length % 4)) % 4), '=');
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
        return doc.RootElement.GetProperty("kid").GetString()!;
    }

    [Fact]
    public async Task Without_a_configured_path_it_prints_a_private_jwk_array()
    {
        var dir = SupacsProcess.TrackTempDir("supacs-nokeys-");
        var (code, output) = await SupacsProcess.RunAsync(null, "gen", "signing-key", "--algorithm", "RS256", "--project-dir", dir);
        Assert.True(code == 0, output);
        var json = output[output.IndexOf('[', StringComparison.Ordinal)..output.IndexOf("Save this array", StringComparison.Ordinal)];
        using var doc = JsonDocument.Parse(json);
        var key = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.True(key.TryGetProperty("d", out _), "the private exponent is what the server signs with");
    }

    [Fact]
    public async Task Writes_then_appends_keys_and_the_server_signs_with_the_first()
    {
        var project = NewProject();
        var file = Path.Combine(project, "supabase", "signing_keys.json");

        var first = await SupacsProcess.RunAsync(null, "gen", "signing-key", "--project-dir", project);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var refused = await SupacsProcess.RunAsync(null, "gen", "signing-key", "--project-dir", project);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--append", refused.Output, StringComparison.Ordinal);

        var rotated = await SupacsProcess.RunAsync(null, "gen", "signing-key", "--algorithm", "RS256", "--append", "--project-dir", project);
        Assert.True(rotated.ExitCode == 0, rotated.Output);
        using var keys = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        var kids = keys.RootElement.EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToList();
        Assert.Equal(["ES256", "RS256"], keys.RootElement.EnumerateArray().Select(k => k.GetProperty("alg").GetString()!));

        await using var process = SupacsProcess.Start(SupacsProcess.NewDataDir(), extraArgs: ["--project-dir", project]);
        await process.WaitForHealthAsync();
        using var client = new HttpClient { BaseAddress = process.Url };
        // No apikey: JWT libraries fetch the key set without Supabase headers.
        using var jwks = JsonDocument.Parse(await client.GetStringAsync(new Uri("/auth/v1/.well-known/jwks.json", UriKind.Relative)));
        Assert.Equal(kids, jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!));
        Assert.All(jwks.RootElement.GetProperty("keys").EnumerateArray(), k => Assert.False(k.TryGetProperty("d", out _)));

        using var signup = new HttpRequestMessage(HttpMethod.Post, new Uri("/auth/v1/signup", UriKind.Relative))
        {
            Content = JsonContent.Create(new { email = "keys@example.com", password = "keys-password-1" }),
        };
        signup.Headers.Add("apikey", process.AnonKey);
        using var response = await client.SendAsync(signup);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var session = JsonDocument.Parse(body);
        Assert.Equal(kids[0], HeaderKid(session.RootElement.GetProperty("access_token").GetString()!));
    }
}
