using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;
using Supacs.Realtime.Changes;
using Supacs.Realtime.Presence;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Channels;

/// <summary>
/// Carries broadcasts, presence and the slot leader's transactions between Supacs nodes serving the same database, over
/// PostgreSQL LISTEN/NOTIFY (channel <c>supacs_realtime</c>) or, when <c>redis_url</c> is set, Redis pub/sub. Nodes announce themselves and beat every few seconds; messages are published only
/// while another node is alive, so a single node pays nothing. Payloads over the NOTIFY limit go through
/// <c>realtime.supacs_backplane</c> by id. A node that stops beating has its presence entries removed (leave diffs).
/// </summary>
internal sealed partial class Backplane(RealtimeHub hub, NpgsqlDataSource admin, ILogger logger, string? redis = null) : IAsyncDisposable
{
    private ConnectionMultiplexer? _redis;
    private RedisChannel _redisChannel;
    private readonly TaskCompletionSource<ISubscriber> _redisReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>"redis" when messages go through Redis pub/sub, else "postgres" (LISTEN/NOTIFY).</summary>
    public string Transport => redis is null ? "postgres" : "redis";

    private const string NotifyChannel = "supacs_realtime";
    private const int MaxNotifyBytes = 7800;
    private static readonly TimeSpan Beat = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, long> _peers = new(StringComparer.Ordinal);
    private readonly Channel<string> _outbound = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<string> _inbound = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private Task[] _tasks = [];

    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>True while at least one other node has beaten recently.</summary>
    public bool HasPeers
    {
        get
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var seen in _peers.Values)
                if (Stopwatch.GetElapsedTime(seen, now) < PeerTimeout) return true;
            return false;
        }
    }

    public void Start()
    {
        _tasks = redis is null
            ? [Task.Run(ListenAsync), Task.Run(PublishLoopAsync), Task.Run(InboundLoopAsync), Task.Run(BeatLoopAsync)]
            : [Task.Run(RedisListenAsync), Task.Run(RedisPublishLoopAsync), Task.Run(InboundLoopAsync), Task.Run(BeatLoopAsync)];
        Enqueue(new JsonObject { ["k"] = "h" });
    }

    public void PublishBroadcast(string groupKey, BroadcastMessage message)
    {
        if (!HasPeers) return;
        var o = new JsonObject
        {
            ["k"] = "b",
            ["g"] = groupKey,
            ["t"] = message.Topic,
            ["e"] = message.UserEvent,
            ["c"] = (int)message.Encoding,
            ["p"] = message.Encoding == BroadcastEncoding.Json
                ? JsonNode.Parse(message.Payload.Span)
                : JsonValue.Create(Convert.ToBase64String(message.Payload.Span)),
        };
        if (message.MetaJson is not null) o["m"] = message.MetaJson;
        Enqueue(o);
    }

    public void PublishPresence(string groupKey, PresenceChange change, bool force = false)
    {
        if (!force && !HasPeers) return;
        var o = new JsonObject { ["k"] = "p", ["g"] = groupKey };
        if (change.Join is { } j)
        {
            o["j"] = new JsonObject
            {
                ["key"] = j.Key,
                ["ref"] = j.PhxRef,
                ["prev"] = j.PreviousRef,
                ["meta"] = JsonNode.Parse(j.Meta.GetRawText()),
            };
        }
        if (change.Leave is { } l) o["l"] = l.PhxRef;
        Enqueue(o);
    }

    /// <summary>A transaction this node streamed from the slot, for the postgres_changes pipelines of the other nodes.</summary>
    public void PublishTransaction(CommittedTransaction tx)
    {
        if (!HasPeers) return;
        _outbound.Writer.TryWrite(TransactionWire.Write(tx, NodeId, "x"));
    }

    /// <summary>A heartbeat now (e.g. this node's stream just went live, which followers wait for before "Subscribed").</summary>
    public void BeatNow() => Enqueue(new JsonObject { ["k"] = "hb" });

    private void Enqueue(JsonObject message)
    {
        message["n"] = NodeId;
        // Heartbeats and hellos say whether this node streams a live slot (followers are live only once a leader is).
        if (message["k"]?.GetValue<string>() is "hb" or "h" && hub.Changes.IsLeaderLive) message["s"] = 1;
        _outbound.Writer.TryWrite(message.ToJsonString());
    }

    private async Task PublishLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await admin.OpenConnectionAsync(ct).ConfigureAwait(false);
                while (await _outbound.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    while (_outbound.Reader.TryPeek(out var body))
                    {
                        await using var cmd = System.Text.Encoding.UTF8.GetByteCount(body) <= MaxNotifyBytes
                            ? new NpgsqlCommand("SELECT pg_notify($1, $2)", conn)
                            : new NpgsqlCommand(
                                "WITH i AS (INSERT INTO realtime.supacs_backplane (body) VALUES ($2) RETURNING id) " +
                                "SELECT pg_notify($1, json_build_object('n', $3::text, 'k', 'r', 'id', (SELECT id FROM i))::text)", conn);
                        cmd.Parameters.Add(new NpgsqlParameter { Value = NotifyChannel });
                        cmd.Parameters.Add(new NpgsqlParameter { Value = body });
                        if (cmd.CommandText.StartsWith("WITH", StringComparison.Ordinal)) cmd.Parameters.Add(new NpgsqlParameter { Value = NodeId });
                        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                        _outbound.Reader.TryRead(out _);
                    }
                }
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                Log.BackplaneFailed(logger, e);
                await DelayAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Redis: one pub/sub channel per database (named from the cluster's system identifier and the database name, so
    /// projects sharing a Redis never mix), no payload limit, no table. Reconnects are StackExchange.Redis's own.
    /// </summary>
    private async Task RedisListenAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using (var cmd = admin.CreateCommand("SELECT 'supacs_realtime:' || (SELECT system_identifier FROM pg_control_system())::text || ':' || current_database()"))
                    _redisChannel = RedisChannel.Literal((string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!);
                var options = RedisOptions(redis!);
                _redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
                var subscriber = _redis.GetSubscriber();
                var queue = await subscriber.SubscribeAsync(_redisChannel).ConfigureAwait(false);
                queue.OnMessage(m =>
                {
                    if (m.Message.HasValue) _inbound.Writer.TryWrite(m.Message.ToString());
                });
                _redisReady.TrySetResult(subscriber);
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or NpgsqlException or InvalidOperationException)
            {
                Log.BackplaneFailed(logger, e);
                if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
                _redis = null;
                await DelayAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private async Task RedisPublishLoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            var subscriber = await _redisReady.Task.WaitAsync(ct).ConfigureAwait(false);
            while (await _outbound.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_outbound.Reader.TryPeek(out var body))
                {
                    try
                    {
                        await subscriber.PublishAsync(_redisChannel, body).ConfigureAwait(false);
                        _outbound.Reader.TryRead(out _);
                    }
                    catch (RedisException e)
                    {
                        Log.BackplaneFailed(logger, e);
                        await DelayAsync(ct).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// <c>redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS), or a StackExchange.Redis configuration
    /// string (<c>host:port,password=…</c>).
    /// </summary>
    internal static ConfigurationOptions RedisOptions(string value)
    {
        if (!value.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
            return ConfigurationOptions.Parse(value);
        var uri = new Uri(value);
        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase), AbortOnConnectFail = false };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                if (parts[0].Length > 0) options.User = Uri.UnescapeDataString(parts[0]);
                options.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                options.Password = Uri.UnescapeDataString(parts[0]);
            }
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, System.Globalization.CultureInfo.InvariantCulture, out var n)) options.DefaultDatabase = n;
        return options;
    }

    private async Task ListenAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await admin.OpenConnectionAsync(ct).ConfigureAwait(false);
                conn.Notification += (_, e) =>
                {
                    if (e.Channel == NotifyChannel) _inbound.Writer.TryWrite(e.Payload);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", conn))
                    await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                Log.BackplaneFailed(logger, e);
                await DelayAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private async Task InboundLoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            await foreach (var body in _inbound.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(body, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is JsonException or NpgsqlException or InvalidOperationException or FormatException or KeyNotFoundException)
                {
                    Log.BackplaneMessageFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task HandleAsync(string body, CancellationToken ct)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        var from = node["n"]!.GetValue<string>();
        if (from == NodeId) return;
        var firstContact = !_peers.ContainsKey(from);
        _peers[from] = Stopwatch.GetTimestamp();
        if (node["s"] is not null) hub.Changes.OnRemoteLeaderLive(from);
        switch (node["k"]!.GetValue<string>())
        {
            case "x":
            {
                using var doc = JsonDocument.Parse(body);
                hub.Changes.OnRemoteTransaction(TransactionWire.Read(doc.RootElement));
                break;
            }
            case "h":
                // A node joined: tell it we exist and replay our presence so its state is complete.
                Enqueue(new JsonObject { ["k"] = "hb" });
                foreach (var (key, change) in hub.LocalPresence()) PublishPresence(key, change, force: true);
                break;
            case "hb":
                if (firstContact) foreach (var (key, change) in hub.LocalPresence()) PublishPresence(key, change, force: true);
                break;
            case "bye":
                _peers.TryRemove(from, out _);
                hub.OnNodeGone(from);
                hub.Changes.OnNodeGone(from);
                break;
            case "r":
            {
                await using var cmd = admin.CreateCommand("SELECT body FROM realtime.supacs_backplane WHERE id = $1");
                cmd.Parameters.Add(new NpgsqlParameter { Value = node["id"]!.GetValue<long>() });
                if (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is string stored) await HandleAsync(stored, ct).ConfigureAwait(false);
                break;
            }
            case "b":
            {
                var encoding = (BroadcastEncoding)node["c"]!.GetValue<int>();
                var payload = encoding == BroadcastEncoding.Json
                    ? System.Text.Encoding.UTF8.GetBytes(node["p"]?.ToJsonString() ?? "null")
                    : Convert.FromBase64String(node["p"]!.GetValue<string>());
                hub.OnRemoteBroadcast(node["g"]!.GetValue<string>(), new BroadcastMessage(node["t"]!.GetValue<string>(), node["e"]!.GetValue<string>(),
                    encoding, payload, node["m"]?.GetValue<string>()));
                break;
            }
            case "p":
            {
                PresenceEntry? join = null;
                if (node["j"] is JsonObject j)
                {
                    using var meta = JsonDocument.Parse(j["meta"]?.ToJsonString() ?? "{}");
                    join = new PresenceEntry(j["key"]!.GetValue<string>(), j["ref"]!.GetValue<string>(), meta.RootElement.Clone(), j["prev"]?.GetValue<string>(), from);
                }
                hub.OnRemotePresence(node["g"]!.GetValue<string>(), join, node["l"]?.GetValue<string>());
                break;
            }
        }
    }

    private async Task BeatLoopAsync()
    {
        using var timer = new PeriodicTimer(Beat);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                BeatNow();
                var now = Stopwatch.GetTimestamp();
                foreach (var (peer, seen) in _peers)
                {
                    if (Stopwatch.GetElapsedTime(seen, now) < PeerTimeout || !_peers.TryRemove(peer, out _)) continue;
                    Log.PeerGone(logger, peer);
                    hub.OnNodeGone(peer);
                    hub.Changes.OnNodeGone(peer);
                }
                if (redis is not null) continue;
                try
                {
                    await using var cleanup = admin.CreateCommand("DELETE FROM realtime.supacs_backplane WHERE created_at < now() - interval '1 minute'");
                    await cleanup.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (NpgsqlException e)
                {
                    Log.BackplaneFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task DelayAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        // Say goodbye so peers drop our presence at once rather than after the timeout.
        var bye = new JsonObject { ["k"] = "bye", ["n"] = NodeId }.ToJsonString();
        if (redis is not null)
        {
            try
            {
                if (_redisReady.Task.IsCompletedSuccessfully)
                    await _redisReady.Task.Result.PublishAsync(_redisChannel, bye).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException) { }
        }
        else
        {
            try
            {
                await using var cmd = admin.CreateCommand("SELECT pg_notify($1, $2)");
                cmd.Parameters.Add(new NpgsqlParameter { Value = NotifyChannel });
                cmd.Parameters.Add(new NpgsqlParameter { Value = bye });
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await cmd.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or ObjectDisposedException) { }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _outbound.Writer.TryComplete();
        _inbound.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        catch (TimeoutException) { }
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Realtime: backplane connection failed; retrying")]
        public static partial void BackplaneFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Realtime: a backplane message could not be handled")]
        public static partial void BackplaneMessageFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Realtime: node {Node} stopped beating; its presence was removed")]
        public static partial void PeerGone(ILogger logger, string node);
    }
}
