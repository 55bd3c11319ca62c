using System.CommandLine;
using Supacs.Core;

namespace Supacs.Gateway.Cli;

/// <summary>
/// The <c>supacs</c> command line: start, status, db migrate, db reset, functions install, gen signing-key. Each flag also reads an
/// environment variable; flags win over the environment, the environment over defaults.
/// </summary>
public static class SupacsCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Supacs: the Supabase backend in one process.");
        root.Add(StartCommand.Create());
        root.Add(StatusCommand.Create());
        var db = new Command("db", "Database commands.");
        db.Add(DbCommands.Migrate());
        db.Add(DbCommands.Reset());
        root.Add(db);
        var functions = new Command("functions", "Edge function commands.");
        functions.Add(FunctionsCommands.Install());
        root.Add(functions);
        var gen = new Command("gen", "Generate keys.");
        gen.Add(GenCommands.SigningKey());
        root.Add(gen);
        try
        {
            // Our own handler below prints start-up failures as one line; System.CommandLine's would print a stack trace.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SupacsStartupException or Core.Config.ConfigException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}

/// <summary>The options every command shares, with their environment fallbacks.</summary>
internal sealed class CommonOptions
{
    public Option<int?> Port { get; } = new("--port") { Description = "HTTP port (env SUPACS_PORT; default 54321)." };
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Data directory (env SUPACS_DATA_DIR; default ./.supacs)." };
    public Option<string?> DbUrl { get; } = new("--db-url") { Description = "External PostgreSQL URL (env DATABASE_URL); embedded cluster when absent." };
    public Option<string?> ProjectDir { get; } = new("--project-dir") { Description = "Supabase CLI project folder containing supabase/ (env SUPACS_PROJECT_DIR)." };

    public void AddTo(Command command)
    {
        command.Add(Port);
        command.Add(DataDir);
        command.Add(DbUrl);
        command.Add(ProjectDir);
    }

    public SupacsOptions Resolve(ParseResult result)
    {
        var options = new SupacsOptions();
        var portText = Environment.GetEnvironmentVariable("SUPACS_PORT");
        options.Port = result.GetValue(Port) ?? (int.TryParse(portText, out var envPort) ? envPort : options.Port);
        options.DataDir = result.GetValue(DataDir) ?? Env("SUPACS_DATA_DIR") ?? options.DataDir;
        options.DbUrl = result.GetValue(DbUrl) ?? Env("DATABASE_URL");
        options.ProjectDir = result.GetValue(ProjectDir) ?? Env("SUPACS_PROJECT_DIR");
        options.Host = Env("SUPACS_HOST") ?? options.Host;
        options.ApiExternalUrl = Env("API_EXTERNAL_URL");
        if (int.TryParse(Env("SUPACS_DB_PORT"), out var dbPort)) options.EmbeddedDbPort = dbPort;
        if (options.Port is < 1 or > 65535) throw new SupacsStartupException($"--port {options.Port} is not a valid port.");
        if (options.ProjectDir is { } dir && !Directory.Exists(dir))
            throw new SupacsStartupException($"The project dir {Path.GetFullPath(dir)} does not exist.");
        return options;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
