using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Realtime.Channels;

namespace Supacs.Realtime.Changes;

/// <summary>Outcome of preparing a channel's postgres_changes entries.</summary>
internal sealed record ChangeSubscription(string? Error, bool FailJoin = false);

/// <summary>The postgres_changes pipeline of one project (replication stream, subscriptions, RLS groups).</summary>
internal sealed class PostgresChanges(SupacsProject project, ILogger logger) : IAsyncDisposable
{
    public SupacsProject Project { get; } = project;
    internal ILogger Logger { get; } = logger;

    public Task<ChangeSubscription> PrepareAsync(JoinedChannel channel) =>
        Task.FromResult(new ChangeSubscription(channel.Config.PostgresChanges.Count == 0 ? null
            : "Unable to subscribe to changes with given parameters. postgres_changes are not implemented yet."));

    public Task ActivateAsync(JoinedChannel channel, ChangeSubscription subscription) => Task.CompletedTask;

    public void Unsubscribe(JoinedChannel channel) { }

    public void UpdateIdentity(JoinedChannel channel) { }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
