using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Realtime.Changes;

namespace Supacs.Realtime.Channels;

/// <summary>
/// A project's Realtime state on this node (held in <c>project.Feature</c>): the topic groups with their
/// members and presence, the socket count, and the postgres-changes pipeline.
/// </summary>
internal sealed class RealtimeHub : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TopicGroup> _groups = new(StringComparer.Ordinal);
    private readonly Lock _membership = new();
    private int _sockets;

    public RealtimeHub(SupacsProject project, ILoggerFactory loggers)
    {
        Project = project;
        Options = RealtimeOptions.From(project.Config);
        Joins = new RateCounter(Options.MaxJoinsPerSecond, TimeSpan.FromSeconds(1), 1);
        Events = new RateCounter(Options.MaxEventsPerSecond * 60L, TimeSpan.FromSeconds(60), 12);
        Changes = new PostgresChanges(project, DeliverDatabaseMessage, loggers.CreateLogger<PostgresChanges>());
    }

    public SupacsProject Project { get; }
    public RealtimeOptions Options { get; }
    public PostgresChanges Changes { get; }

    /// <summary>Joins per second (<c>max_joins_per_second</c>).</summary>
    public RateCounter Joins { get; }

    /// <summary>Broadcast and presence messages per second, averaged over 60 s (<c>max_events_per_second</c>).</summary>
    public RateCounter Events { get; }
    public int SocketCount => Volatile.Read(ref _sockets);

    public static RealtimeHub For(SupacsProject project, ILoggerFactory loggers) =>
        project.Feature(p => new RealtimeHub(p, loggers));

    /// <summary>Counts a new socket; false when the project is at <c>max_concurrent_users</c>.</summary>
    public bool TryAddSocket()
    {
        if (Interlocked.Increment(ref _sockets) <= Options.MaxConcurrentUsers) return true;
        Interlocked.Decrement(ref _sockets);
        return false;
    }

    public void RemoveSocket() => Interlocked.Decrement(ref _sockets);

    public TopicGroup? Group(string key) => _groups.TryGetValue(key, out var g) ? g : null;

    public TopicGroup Join(JoinedChannel channel)
    {
        lock (_membership)
        {
            var group = _groups.GetOrAdd(channel.GroupKey, k => new TopicGroup(k));
            group.Add(channel);
            return group;
        }
    }

    /// <summary>Removes the channel from its topic and tells the others if it had presence.</summary>
    public void Leave(JoinedChannel channel)
    {
        byte[]? leaveDiff;
        TopicGroup? group;
        lock (_membership)
        {
            if (!_groups.TryGetValue(channel.GroupKey, out group)) return;
            if (group.Remove(channel, out leaveDiff) == 0) _groups.TryRemove(channel.GroupKey, out _);
        }
        if (leaveDiff is not null) group.SendPresenceDiff(leaveDiff);
    }

    /// <summary>Sends a broadcast to a topic's members (from the database or the REST API; no sender).</summary>
    public void Publish(string subTopic, bool isPrivate, BroadcastMessage message) =>
        Group((isPrivate ? "private:" : "public:") + subTopic)?.Broadcast(message, sender: null);

    private void DeliverDatabaseMessage(DatabaseMessage m)
    {
        var meta = m.Id is null ? null : System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = m.Id });
        Publish(m.Topic, m.Private, new BroadcastMessage("realtime:" + m.Topic, m.Event, Protocol.BroadcastEncoding.Json,
            System.Text.Encoding.UTF8.GetBytes(m.PayloadJson), meta));
    }

    public ValueTask DisposeAsync() => Changes.DisposeAsync();
}
