using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;

namespace Supacs.Core.Hosting;

/// <summary>
/// Starts each project's database in the background so the HTTP server answers (/health: 503) while
/// PostgreSQL starts or an external database is awaited; supervises the embedded cluster; stops it cleanly.
/// A start-up failure is printed as one line and stops the host with exit code 1.
/// </summary>
public sealed class ProjectHostedService(
    ProjectRegistry registry,
    ProjectStarter starter,
    StartupReporter reporter,
    IHostApplicationLifetime lifetime,
    ILogger<ProjectHostedService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var project in registry.Projects)
        {
            try
            {
                var database = await starter.StartAsync(project, reporter.Progress, ct: stoppingToken).ConfigureAwait(false);
                project.MarkReady(database);
                reporter.Ready(project);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                project.MarkFailed(e);
                reporter.Failed(project, e);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
        }
        await SuperviseAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Restarts an embedded cluster that died underneath us (OOM kill, crash).</summary>
    private async Task SuperviseAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                foreach (var project in registry.Projects)
                {
                    if (!project.IsReady || project.Database.Cluster is not { IsRunning: true } cluster) continue;
                    try
                    {
                        if (await cluster.IsAliveAsync(ct).ConfigureAwait(false)) continue;
                    }
                    catch (TimeoutException)
                    {
                        continue; // a slow pg_ctl on a loaded machine is not a dead server
                    }
                    log.LogWarning("Embedded PostgreSQL of project {Project} is not running; restarting it", project.Name);
                    project.SetState(ProjectState.WaitingForDatabase, "restarting embedded PostgreSQL");
                    try
                    {
                        await cluster.StartAsync(ct).ConfigureAwait(false);
                        project.Database.ClearPools();
                        project.SetState(ProjectState.Ready);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.LogError(e, "Restarting embedded PostgreSQL failed");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever the background loop did, the cluster must be stopped with the host.
            await StopProjectsAsync().ConfigureAwait(false);
        }
    }

    private async Task StopProjectsAsync()
    {
        foreach (var project in registry.Projects)
        {
            project.SetState(ProjectState.Stopping);
            if (project.WhenReady.IsCompletedSuccessfully)
            {
                var cluster = project.Database.Cluster;
                await project.Database.DisposeAsync().ConfigureAwait(false);
                if (cluster is not null) await cluster.StopAsync().ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Where start-up progress goes: the console for the CLI, the log for an embedding host.</summary>
public class StartupReporter(ILogger<StartupReporter> log)
{
    public virtual void Progress(string message) => log.LogInformation("{Message}", message);

    public virtual void Ready(SupacsProject project) => log.LogInformation("Project {Project} is ready", project.Name);

    public virtual void Failed(SupacsProject project, Exception error) => log.LogError("Start-up failed: {Message}", error.Message);
}
