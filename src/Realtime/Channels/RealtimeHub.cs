using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;
using Supacs.Realtime.Changes;
using Supacs.Realtime.Presence;
using Supacs.Realtime.Sockets;

namespace Supacs.Realtime.Channels;

/// <summary>
/// A project's Realtime state on this node (held in <c>project.Feature</c>): the topic groups with their members,
/// presence per topic (local and replicated), the socket count, limits, the postgres-changes pipeline and the backplane
/// to other nodes.
/// </summary>
internal sealed class RealtimeHub : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TopicGroup> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PresenceSet> _presence = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RealtimeSocket, byte> _live = new();
    private readonly Lock _membership = new();
    private readonly CancellationTokenSource _stop = new();
    private int _sockets;

    public RealtimeHub(SupacsProject project, ILoggerFactory loggers, RealtimeMetrics metrics)
    {
        Project = project;
        Metrics = metrics;
        SocketLogger = loggers.CreateLogger<RealtimeSocket>();
        Options = RealtimeOptions.From(project.Config);
        Tokens = new TokenCache(project.Keys);
        // Averaged over 60 s like events (upstream: 12 ticks of 5 s), so a reconnect burst is not refused as a 1 s window would.
        Joins = new RateCounter(Options.MaxJoinsPerSecond * 60L, TimeSpan.FromSeconds(60), 12);
        Events = new RateCounter(Options.MaxEventsPerSecond * 60L, TimeSpan.FromSeconds(60), 12);
        PresenceEvents = new RateCounter(Options.MaxPresenceEventsPerSecond * 60L, TimeSpan.FromSeconds(60), 12);
        Changes = new PostgresChanges(project, Options, DeliverDatabaseMessage, metrics, loggers.CreateLogger<PostgresChanges>());
        Backplane = new Backplane(this, project.Database.Admin, loggers.CreateLogger<Backplane>(), Options.RedisUrl);
        // One node streams the slot; its transactions reach the other nodes' pipelines over the backplane.
        Changes.Forward = Backplane.PublishTransaction;
        Changes.BecameLive = Backplane.BeatNow;
    }

    private int _started;

    /// <summary>
    /// Starts the backplane and the idle sweep, once. Not in the constructor: <c>project.Feature</c> may run the factory more
    /// than once when requests race, and a hub that loses the race must not leave connections and loops running.
    /// </summary>
    private RealtimeHub Started(IServiceProvider services)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            Backplane.Start();
            _ = SweepAsync();
            // One registration for all sockets: on host stop each says "Server requested disconnect" and closes.
            services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(() =>
            {
                foreach (var socket in _live.Keys) socket.OnHostStopping();
            });
        }
        return this;
    }

    public SupacsProject Project { get; }
    public RealtimeMetrics Metrics { get; }

    /// <summary>One logger shared by every socket (<c>CreateLogger</c> makes a new wrapper per call).</summary>
    public ILogger<RealtimeSocket> SocketLogger { get; }

    /// <summary>Channels joined on this node.</summary>
    public int ChannelCount
    {
        get
        {
            var n = 0;
            foreach (var g in _groups.Values) n += g.Members.Length;
            return n;
        }
    }
    public RealtimeOptions Options { get; }

    /// <summary>Token checks, cached per token until its expiry.</summary>
    public TokenCache Tokens { get; }
    public PostgresChanges Changes { get; }
    public Backplane Backplane { get; }

    /// <summary>Joins per second, averaged over 60 s (<c>max_joins_per_second</c>).</summary>
    public RateCounter Joins { get; }

    /// <summary>Presence tracks, states and the diffs they fan out per second, averaged over 60 s (<c>max_presence_events_per_second</c>).</summary>
    public RateCounter PresenceEvents { get; }

    /// <summary>Broadcast messages per second, averaged over 60 s (<c>max_events_per_second</c>).</summary>
    public RateCounter Events { get; }

    public int SocketCount => Volatile.Read(ref _sockets);

    public static RealtimeHub For(SupacsProject project, IServiceProvider services) =>
        project.Feature(p => new RealtimeHub(p, services.GetRequiredService<ILoggerFactory>(), services.GetRequiredService<RealtimeMetrics>())).Started(services);

    /// <summary>Counts a new socket; false when the project is at <c>max_concurrent_users</c>.</summary>
    public bool TryAddSocket()
    {
        if (Interlocked.Increment(ref _sockets) <= Options.MaxConcurrentUsers) return true;
        Interlocked.Decrement(ref _sockets);
        return false;
    }

    public void RemoveSocket() => Interlocked.Decrement(ref _sockets);

    /// <summary>A running socket, watched by the idle sweep.</summary>
    public void AddSocket(RealtimeSocket socket) => _live.TryAdd(socket, 0);

    public void RemoveSocket(RealtimeSocket socket) => _live.TryRemove(socket, out _);

    /// <summary>
    /// Every second: closes sockets that sent nothing (not even a heartbeat) for the idle timeout, sockets that joined no
    /// channel within <c>no_channel_timeout_ms</c>, and channels whose token expired. One sweep for all sockets rather than timers per socket and channel (idle memory per connection matters at
    /// thousands of connections).
    /// </summary>
    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                var seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                var limit = (long)Options.IdleTimeout.TotalMilliseconds;
                var noChannel = (long)Options.NoChannelTimeout.TotalMilliseconds;
                foreach (var socket in _live.Keys)
                {
                    if (now - socket.LastReceived > limit) socket.CloseIdle();
                    if (!socket.NoChannelChecked && now - socket.ConnectedAt >= noChannel)
                    {
                        socket.NoChannelChecked = true;
                        if (socket.ChannelCount == 0) socket.Disconnect("no channel joined");
                    }
                    socket.ExpireChannels(seconds);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    public TopicGroup? Group(string key) => _groups.TryGetValue(key, out var g) ? g : null;

    private PresenceSet PresenceFor(string key) => _presence.GetOrAdd(key, _ => new PresenceSet(Backplane.NodeId));

    public TopicGroup Join(JoinedChannel channel)
    {
        lock (_membership)
        {
            var group = _groups.GetOrAdd(channel.GroupKey, k => new TopicGroup(k));
            group.Add(channel);
            return group;
        }
    }

    /// <summary>Removes the channel from its topic and tells everyone if it had presence.</summary>
    public void Leave(JoinedChannel channel)
    {
        lock (_membership)
        {
            if (_groups.TryGetValue(channel.GroupKey, out var group) && group.Remove(channel) == 0) _groups.TryRemove(channel.GroupKey, out _);
        }
        Untrack(channel);
        if (_presence.TryGetValue(channel.GroupKey, out var set) && set.IsEmpty && Group(channel.GroupKey) is null) _presence.TryRemove(channel.GroupKey, out _);
    }

    /// <summary>The presence_state payload for a topic (this node's entries and those replicated from others).</summary>
    public byte[] PresenceState(string key) => _presence.TryGetValue(key, out var set) ? set.State() : "{}"u8.ToArray();

    /// <summary>Tracks the channel's presence; the diff goes to local members and other nodes. False when nothing changed.</summary>
    public void Track(JoinedChannel channel, JsonElement meta)
    {
        Metrics.Received("presence");
        if (PresenceFor(channel.GroupKey).Track(channel, meta) is { } change) Announce(channel.GroupKey, change);
    }

    public void Untrack(JoinedChannel channel)
    {
        if (_presence.TryGetValue(channel.GroupKey, out var set) && set.Untrack(channel) is { } change) Announce(channel.GroupKey, change);
    }

    private void Announce(string key, PresenceChange change)
    {
        SendPresenceDiff(key, change);
        Backplane.PublishPresence(key, change);
    }

    /// <summary>A client broadcast: to this node's members and to the other nodes.</summary>
    public void Broadcast(JoinedChannel sender, BroadcastMessage message)
    {
        Metrics.Received("broadcast");
        Group(sender.GroupKey)?.Broadcast(message, sender);
        Backplane.PublishBroadcast(sender.GroupKey, message);
    }

    /// <summary>A broadcast with no sender (REST API): to this node's members and to the other nodes.</summary>
    public void Publish(string subTopic, bool isPrivate, BroadcastMessage message)
    {
        var key = (isPrivate ? "private:" : "public:") + subTopic;
        Metrics.Received("rest_broadcast");
        Group(key)?.Broadcast(message, sender: null);
        Backplane.PublishBroadcast(key, message);
    }

    /// <summary>
    /// A broadcast from the database (realtime.messages): every node dispatches the leader's transactions itself, so it
    /// delivers to its own members only.
    /// </summary>
    private void DeliverDatabaseMessage(DatabaseMessage m)
    {
        var meta = m.Id is null ? null : JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = m.Id });
        var key = (m.Private ? "private:" : "public:") + m.Topic;
        Metrics.Received("database_broadcast");
        Group(key)?.Broadcast(m.Binary is { } binary
            ? new BroadcastMessage("realtime:" + m.Topic, m.Event, Protocol.BroadcastEncoding.Binary, binary, meta)
            : new BroadcastMessage("realtime:" + m.Topic, m.Event, Protocol.BroadcastEncoding.Json, System.Text.Encoding.UTF8.GetBytes(m.PayloadJson), meta), sender: null);
    }

    /// <summary>Fans a presence diff out to this node's members; each delivery counts as a presence event (as upstream).</summary>
    private void SendPresenceDiff(string key, PresenceChange change)
    {
        if (Group(key) is { } group) PresenceEvents.Add(group.SendPresenceDiff(change.Diff()));
    }

    public void OnRemoteBroadcast(string key, BroadcastMessage message) => Group(key)?.Broadcast(message, sender: null);

    public void OnRemotePresence(string key, PresenceEntry? join, string? leaveRef)
    {
        if (PresenceFor(key).ApplyRemote(join, leaveRef) is { } change) SendPresenceDiff(key, change);
    }

    public void OnNodeGone(string node)
    {
        foreach (var (key, set) in _presence)
            foreach (var change in set.RemoveNode(node))
                SendPresenceDiff(key, change);
    }

    /// <summary>This node's presence entries as joins, for a node that just appeared.</summary>
    public IEnumerable<(string Key, PresenceChange Change)> LocalPresence()
    {
        foreach (var (key, set) in _presence)
            foreach (var entry in set.LocalEntries())
                yield return (key, new PresenceChange(entry, null));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Backplane.DisposeAsync().ConfigureAwait(false);
        await Changes.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
