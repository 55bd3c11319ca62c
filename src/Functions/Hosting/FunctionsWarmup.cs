using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Functions.Loading;
using Supacs.Functions.Runtime;

namespace Supacs.Functions.Hosting;

/// <summary>
/// Once a project is ready, loads the TypeScript stripper and boots one engine per function in the background,
/// so the first request finds a pre-warmed worker instead of paying the cold start.
/// </summary>
internal sealed class FunctionsWarmup(ProjectRegistry registry, ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var project in registry.Projects)
        {
            try
            {
                await project.WhenReady.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                continue; // start-up failed; the project reports it
            }
            var root = FunctionLocator.FunctionsRoot(project.ProjectDir);
            if (root is null || !Directory.Exists(root)) continue;
            var runtime = project.Feature(p => new FunctionsRuntime(p, loggers));
            if (!runtime.Services.Options.Prewarm) continue;
            await Task.Run(() => Warm(project, runtime, root, stoppingToken), stoppingToken).ConfigureAwait(false);
        }
    }

    private static void Warm(SupacsProject project, FunctionsRuntime runtime, string root, CancellationToken ct)
    {
        var names = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Where(FunctionLocator.IsValidName).Order().Take(50).ToList();
        if (names.Count == 0) return;
        var anyTs = names.Any(n => FunctionLocator.FindEntry(project.ProjectDir, n, FunctionSettings.For(project.Config, n)) is { } e && TypeStripper.NeedsStripping(e));
        if (anyTs) TypeStripper.Warm();
        foreach (var name in names)
        {
            if (ct.IsCancellationRequested) return;
            var settings = FunctionSettings.For(project.Config, name);
            var entry = FunctionLocator.FindEntry(project.ProjectDir, name, settings);
            if (entry is not null) runtime.Pool(name).Prewarm(entry, settings);
        }
    }
}
