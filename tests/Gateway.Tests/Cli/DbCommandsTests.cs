using System.Text.Json;

namespace Supacs.Gateway.Tests.Cli;

/// <summary>supacs db migrate / db reset / status against a project folder.</summary>
public sealed class DbCommandsTests
{
    private static string NewProject()
    {
        var dir = SupacsProcess.TrackTempDir("supacs-proj-");
        Directory.CreateDirectory(Path.Combine(dir, "supabase", "migrations"));
        File.WriteAllText(Path.Combine(dir, "supabase", "migrations", "20240101000000_items.sql"), "create table public.items (id int primary key, name text);\n");
        File.WriteAllText(Path.Combine(dir, "supabase", "seed.sql"), "insert into public.items values (1, 'seeded');\n");
        return dir;
    }

    [Fact]
    public async Task Migrate_applies_new_files_to_the_running_instance()
    {
        var project = NewProject();
        var dataDir = SupacsProcess.NewDataDir();
        await using var process = SupacsProcess.Start(dataDir, extraArgs: ["--project-dir", project]);
        await process.WaitForHealthAsync();
        File.WriteAllText(Path.Combine(project, "supabase", "migrations", "20240102000000_more.sql"), "alter table public.items add column price int;\n");

        var (code, output) = await SupacsProcess.RunAsync(null, "db", "migrate", "--data-dir", dataDir, "--project-dir", project);
        Assert.True(code == 0, output);
        Assert.Contains("Applying migration 20240102000000_more.sql", output, StringComparison.Ordinal);
        Assert.Equal(1L, await SupacsProcess.ScalarAsync<long>(dataDir, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'"));
        await process.WaitForHealthAsync();

        var again = await SupacsProcess.RunAsync(null, "db", "migrate", "--data-dir", dataDir, "--project-dir", project);
        Assert.DoesNotContain("Applying migration", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reset_recreates_the_database_with_migrations_and_seed()
    {
        var project = NewProject();
        var dataDir = SupacsProcess.NewDataDir();
        await using (var process = SupacsProcess.Start(dataDir, extraArgs: ["--project-dir", project]))
        {
            await process.WaitForHealthAsync();
            await SupacsProcess.ExecuteAsync(dataDir, "insert into public.items values (2, 'added by hand'); create table public.stray (id int);");
        }

        var refused = await SupacsProcess.RunAsync(null, "db", "reset", "--data-dir", Path.Combine(dataDir, "missing-subdir-is-fine"));
        Assert.Equal(0, refused.ExitCode);

        var (code, output) = await SupacsProcess.RunAsync(null, "db", "reset", "--data-dir", dataDir, "--project-dir", project);
        Assert.True(code == 0, output);
        Assert.Contains("Finished supacs db reset.", output, StringComparison.Ordinal);

        await using var restarted = SupacsProcess.Start(dataDir, extraArgs: ["--project-dir", project]);
        await restarted.WaitForHealthAsync();
        Assert.Equal(1L, await SupacsProcess.ScalarAsync<long>(dataDir, "SELECT count(*) FROM public.items"));
        Assert.Equal("seeded", await SupacsProcess.ScalarAsync<string>(dataDir, "SELECT name FROM public.items"));
        Assert.False(await SupacsProcess.ScalarAsync<bool>(dataDir, "SELECT to_regclass('public.stray') IS NOT NULL"));
    }

    [Fact]
    public async Task Reset_is_refused_while_an_instance_runs()
    {
        var dataDir = SupacsProcess.NewDataDir();
        await using var process = SupacsProcess.Start(dataDir);
        await process.WaitForHealthAsync();
        var (code, output) = await SupacsProcess.RunAsync(null, "db", "reset", "--data-dir", dataDir);
        Assert.Equal(1, code);
        Assert.Contains("error: Stop the running supacs before db reset", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_prints_the_same_keys_in_every_format()
    {
        var dataDir = SupacsProcess.NewDataDir();
        var env = await SupacsProcess.RunAsync(null, "status", "-o", "env", "--data-dir", dataDir, "--port", "1234");
        var json = await SupacsProcess.RunAsync(null, "status", "-o", "json", "--data-dir", dataDir, "--port", "1234");
        Assert.Equal(0, env.ExitCode);
        var parsed = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal("http://127.0.0.1:1234", parsed.GetProperty("API_URL").GetString());
        Assert.Contains($"ANON_KEY=\"{parsed.GetProperty("ANON_KEY").GetString()}\"", env.Output, StringComparison.Ordinal);
        Assert.Contains($"JWT_SECRET=\"{parsed.GetProperty("JWT_SECRET").GetString()}\"", env.Output, StringComparison.Ordinal);
        var bad = await SupacsProcess.RunAsync(null, "status", "-o", "yaml", "--data-dir", dataDir);
        Assert.NotEqual(0, bad.ExitCode);
    }
}
