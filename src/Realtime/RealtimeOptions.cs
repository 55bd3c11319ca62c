using Supacs.Core.Config;

namespace Supacs.Realtime;

/// <summary>
/// Realtime limits and settings, read from <c>[realtime]</c> in config.toml (this is the one place that maps
/// them; to add a setting, add a property with its default and read it in <see cref="From"/>).
/// Defaults are the upstream tenant defaults.
/// </summary>
internal sealed class RealtimeOptions
{
    /// <summary>Sockets per project (upstream <c>max_concurrent_users</c>, 200).</summary>
    public int MaxConcurrentUsers { get; init; } = 200;

    /// <summary>Channels one socket may join (upstream <c>max_channels_per_client</c>, 100).</summary>
    public int MaxChannelsPerClient { get; init; } = 100;

    /// <summary>Joins per second per project (upstream <c>max_joins_per_second</c>, 100).</summary>
    public int MaxJoinsPerSecond { get; init; } = 100;

    /// <summary>Messages per second per project, averaged (upstream <c>max_events_per_second</c>, 100).</summary>
    public int MaxEventsPerSecond { get; init; } = 100;

    /// <summary>Presence events per second per project, averaged (upstream <c>max_presence_events_per_second</c>, 1000).</summary>
    public int MaxPresenceEventsPerSecond { get; init; } = 1000;

    /// <summary>Largest broadcast/presence payload in KB (upstream <c>max_payload_size_in_kb</c>, 3000).</summary>
    public int MaxPayloadSizeInKb { get; init; } = 3000;

    /// <summary>Largest websocket frame (Phoenix's 5 MB).</summary>
    public int MaxFrameBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>A socket with no frame for this long is closed (Phoenix's 60 s).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Keep one permanent replication slot per database (<c>durable_slot</c>, default false) so changes committed while Supacs
    /// was down are delivered to subscribers that rejoin within <see cref="DurableReplayDelay"/> of the restart. The slot retains
    /// WAL while Supacs is stopped; bound it with PostgreSQL's <c>max_slot_wal_keep_size</c>. With several nodes only the lock holder streams it.
    /// </summary>
    public bool DurableSlot { get; init; }

    /// <summary>How long a restarted node waits for subscribers to rejoin before replaying a durable slot (<c>durable_replay_delay_ms</c>, 3000).</summary>
    public TimeSpan DurableReplayDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A refused websocket upgrade (bad or missing token, too many users, too many joins per second) is answered after this
    /// delay (<c>connect_error_backoff_ms</c>, upstream's <c>CONNECT_ERROR_BACKOFF_MS</c>, 2000) to slow reconnect storms.
    /// The request waits on a timer, not a thread; other sockets are not delayed.
    /// </summary>
    public TimeSpan ConnectErrorBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A <c>phx_join</c> error reply is sent after this delay (<c>channel_error_backoff_ms</c>, upstream's
    /// <c>CHANNEL_ERROR_BACKOFF_MS</c>, 5000). The socket keeps handling its other frames meanwhile.
    /// </summary>
    public TimeSpan ChannelErrorBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At most one <c>access_token</c> refresh per channel per this window (<c>access_token_throttle_ms</c>, upstream's <c>ACCESS_TOKEN_THROTTLE_MS</c>, 10000).</summary>
    public TimeSpan AccessTokenThrottle { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>broadcast.replication_ready</c> waits for the database stream (<c>replication_ready_timeout_ms</c>, 30000).</summary>
    public TimeSpan ReplicationReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A socket that has joined no channel this long after connecting is closed (<c>no_channel_timeout_ms</c>, upstream's
    /// <c>NO_CHANNEL_TIMEOUT_IN_MS</c>, 600000), checked once as upstream does.
    /// </summary>
    public TimeSpan NoChannelTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Only private channels may be joined (<c>private_only</c>, upstream's "Allow public access" switched off).</summary>
    public bool PrivateOnly { get; init; }

    /// <summary>
    /// Redis for the backplane between nodes (<c>redis_url</c>, or env <c>SUPACS_REALTIME_REDIS_URL</c>): <c>redis://host:port</c>
    /// or a StackExchange.Redis configuration string. Unset: PostgreSQL LISTEN/NOTIFY.
    /// </summary>
    public string? RedisUrl { get; init; }

    private static TimeSpan? Milliseconds(long? ms) => ms is { } v ? TimeSpan.FromMilliseconds(Math.Max(0, v)) : null;

    public static RealtimeOptions From(ProjectConfig config)
    {
        var s = config.Section("realtime");
        var d = new RealtimeOptions();
        return new RealtimeOptions
        {
            MaxConcurrentUsers = (int)(s.GetLong("max_concurrent_users") ?? d.MaxConcurrentUsers),
            MaxChannelsPerClient = (int)(s.GetLong("max_channels_per_client") ?? d.MaxChannelsPerClient),
            MaxJoinsPerSecond = (int)(s.GetLong("max_joins_per_second") ?? d.MaxJoinsPerSecond),
            MaxEventsPerSecond = (int)(s.GetLong("max_events_per_second") ?? d.MaxEventsPerSecond),
            MaxPresenceEventsPerSecond = (int)(s.GetLong("max_presence_events_per_second") ?? d.MaxPresenceEventsPerSecond),
            MaxPayloadSizeInKb = (int)(s.GetLong("max_payload_size_in_kb") ?? d.MaxPayloadSizeInKb),
            DurableSlot = s.GetBool("durable_slot") ?? false,
            PrivateOnly = s.GetBool("private_only") ?? false,
            RedisUrl = Environment.GetEnvironmentVariable("SUPACS_REALTIME_REDIS_URL") is { Length: > 0 } env ? env
                : s.GetString("redis_url") is { Length: > 0 } url ? url : null,
            DurableReplayDelay = s.GetLong("durable_replay_delay_ms") is { } ms ? TimeSpan.FromMilliseconds(ms) : d.DurableReplayDelay,
            ConnectErrorBackoff = Milliseconds(s.GetLong("connect_error_backoff_ms")) ?? d.ConnectErrorBackoff,
            ChannelErrorBackoff = Milliseconds(s.GetLong("channel_error_backoff_ms")) ?? d.ChannelErrorBackoff,
            AccessTokenThrottle = Milliseconds(s.GetLong("access_token_throttle_ms")) ?? d.AccessTokenThrottle,
            ReplicationReadyTimeout = Milliseconds(s.GetLong("replication_ready_timeout_ms")) ?? d.ReplicationReadyTimeout,
            NoChannelTimeout = Milliseconds(s.GetLong("no_channel_timeout_ms")) ?? d.NoChannelTimeout,
        };
    }
}
