using Supacs.Core.Requests;
using Supacs.Realtime.Protocol;
using Supacs.Realtime.Sockets;

namespace Supacs.Realtime.Channels;

/// <summary>One channel joined on one socket: its topic, join_ref, config and the identity it acts as.</summary>
internal sealed class JoinedChannel(RealtimeSocket socket, string topic, string joinRef, ChannelConfig config, RequestIdentity identity, long expiresAt)
{
    private const string Prefix = "realtime:";

    public RealtimeSocket Socket { get; } = socket;

    /// <summary>The full topic as on the wire (<c>realtime:room1</c>).</summary>
    public string Topic { get; } = topic;

    /// <summary>The topic without its <c>realtime:</c> prefix, as policies (<c>realtime.topic()</c>) and system messages see it.</summary>
    public string SubTopic { get; } = topic[Prefix.Length..];

    public string JoinRef { get; } = joinRef;
    public ChannelConfig Config { get; } = config;

    /// <summary>Public and private channels of the same name never share messages.</summary>
    public string GroupKey => (Config.Private ? "private:" : "public:") + SubTopic;

    public RequestIdentity Identity { get; set; } = identity;
    public long ExpiresAt { get; set; } = expiresAt;

    /// <summary>Presence state and diffs are pushed only once enabled (by config or by the first track).</summary>
    public bool PresenceEnabled { get; set; } = config.PresenceEnabled;

    /// <summary>The presence key: the configured one, else a fresh UUID (upstream uses a UUIDv1).</summary>
    public string PresenceKey
    {
        get
        {
            if (_presenceKey is { } key) return key;
            Interlocked.CompareExchange(ref _presenceKey, Config.PresenceKey.Length > 0 ? Config.PresenceKey : Guid.NewGuid().ToString(), null);
            return _presenceKey;
        }
    }

    private string? _presenceKey;

    /// <summary>Read permissions (all true for public channels; decided by RLS for private ones).</summary>
    public ChannelPolicies Policies { get; set; } = ChannelPolicies.Public;

    /// <summary>Cached write permissions for private channels, decided on first send/track.</summary>
    public bool? CanWriteBroadcast { get; set; }
    public bool? CanWritePresence { get; set; }

    /// <summary>A refresh held by the access_token throttle (the latest one wins); applied when the window closes.</summary>
    internal string? PendingAccessToken;

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) when a refresh was last applied; 0 before the first.</summary>
    public long AccessTokenAppliedAt { get; set; }

    /// <summary>Cached: may this private channel's sender store broadcasts (the <c>persistence</c> extension)?</summary>
    public bool? CanPersist { get; set; }

    /// <summary>Ids of the stored broadcasts replayed at join; the same messages arriving live are skipped. Null without replay.</summary>
    public HashSet<string>? ReplayedIds { get; set; }

    /// <summary>Whether this member receives presence state and diffs.</summary>
    public bool ReceivesPresence => PresenceEnabled && Policies.ReadPresence;

    /// <summary>Upstream allows 5 presence calls per 30 s per channel.</summary>
    public RateCounter PresenceCalls => _presenceCalls ??= new(5, TimeSpan.FromSeconds(30), 6);

    private RateCounter? _presenceCalls;

    private (byte[] Prefix, byte[] Suffix)? _changesFrame;

    /// <summary>A <c>postgres_changes</c> push of <paramref name="payload"/> on this channel: one allocation, the frame's head and tail cached.</summary>
    public byte[] ChangesFrame(ReadOnlySpan<byte> payload)
    {
        var (prefix, suffix) = _changesFrame ??= PhoenixCodec.EncodePushFrame(Socket.Version, JoinRef, Topic, "postgres_changes");
        var frame = new byte[prefix.Length + payload.Length + suffix.Length];
        prefix.CopyTo(frame, 0);
        payload.CopyTo(frame.AsSpan(prefix.Length));
        suffix.CopyTo(frame, prefix.Length + payload.Length);
        return frame;
    }

    private int _closed;

    /// <summary>True once the channel is left or its socket closes.</summary>
    public bool Closed => Volatile.Read(ref _closed) != 0;

    /// <summary>Marks the channel closed; true for the one caller that closed it.</summary>
    public bool TryClose() => Interlocked.Exchange(ref _closed, 1) == 0;

    public static bool IsRealtimeTopic(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);
}
