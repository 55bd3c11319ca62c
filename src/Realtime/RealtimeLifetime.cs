using Microsoft.Extensions.Hosting;
using Supacs.Core.Projects;
using Supacs.Realtime.Channels;

namespace Supacs.Realtime;

/// <summary>On shutdown, stops each project's replication stream so its temporary slot is released with the connection.</summary>
internal sealed class RealtimeLifetime(ProjectRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var project in registry.Projects)
            foreach (var hub in project.Features.OfType<RealtimeHub>())
                await hub.DisposeAsync().ConfigureAwait(false);
    }
}
