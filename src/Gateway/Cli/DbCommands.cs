using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Core;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Gateway.Hosting;

namespace Supacs.Gateway.Cli;

/// <summary>
/// <c>supacs db migrate</c> applies pending project migrations (to the running instance's database when one
/// holds the data dir, else by starting the embedded cluster briefly); <c>supacs db reset</c> drops and
/// re-creates the embedded database, then re-applies migrations and seed.
/// </summary>
internal static class DbCommands
{
    public static Command Migrate()
    {
        var common = new CommonOptions();
        var command = new Command("migrate", "Apply pending supabase/migrations to the database.");
        common.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var options = common.Resolve(result);
            AttachToRunningInstance(options);
            await using var services = BuildServices(options);
            var project = SupacsCoreServiceCollectionExtensions.CreateProject(options);
            var starter = services.GetRequiredService<ProjectStarter>();
            await using var database = await starter.StartAsync(project, Console.Out.WriteLine, ct: ct).ConfigureAwait(false);
            if (database.Cluster is not null) await database.Cluster.StopAsync().ConfigureAwait(false);
            Console.Out.WriteLine("Migrations are up to date.");
            return 0;
        });
        return command;
    }

    public static Command Reset()
    {
        var common = new CommonOptions();
        var command = new Command("reset", "Drop and re-create the embedded database, then apply migrations and seed.");
        common.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var options = common.Resolve(result);
            ClusterLocator.EnsureWritable(options.DataDir);
            if (InstanceLock.IsHeld(options.DataDir))
                throw new SupacsStartupException("Stop the running supacs before db reset (it holds this data dir).");
            using var instanceLock = InstanceLock.Acquire(options.DataDir);
            await using var services = BuildServices(options);
            var project = SupacsCoreServiceCollectionExtensions.CreateProject(options);
            await services.GetRequiredService<ProjectStarter>().ResetEmbeddedAsync(project, Console.Out.WriteLine, ct).ConfigureAwait(false);
            Console.Out.WriteLine("Finished supacs db reset.");
            return 0;
        });
        return command;
    }

    /// <summary>When a supacs start owns the embedded cluster, talk to it instead of starting a second server.</summary>
    private static void AttachToRunningInstance(SupacsOptions options)
    {
        if (options.DbUrl is not null || !InstanceLock.IsHeld(options.DataDir)) return;
        var state = EmbeddedCluster.ReadState(Path.GetFullPath(options.DataDir))
            ?? throw new SupacsStartupException("A supacs instance holds this data dir but its database state is unknown.");
        options.DbUrl = $"postgresql://postgres:{Uri.EscapeDataString(state.Password)}@127.0.0.1:{state.Port}/postgres";
    }

    private static ServiceProvider BuildServices(SupacsOptions options)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(options);
        services.AddSingleton<ProjectStarter>();
        GatewayHost.AddModules(services);
        return services.BuildServiceProvider();
    }
}
