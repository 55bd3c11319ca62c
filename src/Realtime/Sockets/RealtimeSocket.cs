using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Supacs.Core.Requests;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Sockets;

/// <summary>
/// One client websocket: a receive loop that handles frames in order, and a writer task that drains an
/// outbound queue, so fan-out from other sockets never blocks on this one's network.
/// </summary>
internal sealed partial class RealtimeSocket(WebSocket ws, PhoenixVersion version, RealtimeHub hub, RequestIdentity identity, string? token, ILogger logger) : IDisposable
{
    /// <summary>A socket this far behind is closed rather than buffering without bound.</summary>
    private const int MaxQueuedFrames = 20_000;

    private readonly Channel<(byte[] Data, bool Binary)> _outbound = Channel.CreateUnbounded<(byte[], bool)>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, JoinedChannel> _channels = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private int _queued;

    public PhoenixVersion Version { get; } = version;
    public RequestIdentity Identity { get; } = identity;
    public string? Token { get; } = token;
    internal RealtimeHub Hub => hub;
    internal ILogger Logger => logger;

    /// <summary>Queues a frame; thread-safe, never blocks.</summary>
    public void Send(byte[] data, bool binary)
    {
        if (Interlocked.Increment(ref _queued) > MaxQueuedFrames)
        {
            if (_outbound.Writer.TryComplete())
            {
                Log.SlowConsumer(logger);
                ws.Abort();
            }
            return;
        }
        _outbound.Writer.TryWrite((data, binary));
    }

    /// <summary>
    /// Runs the socket until the client leaves, the request aborts, or the host stops (<paramref name="stopping"/>):
    /// then every channel gets the system message "Server requested disconnect" and phx_close before the close frame.
    /// </summary>
    public async Task RunAsync(CancellationToken aborted, CancellationToken stopping = default)
    {
        // A cancelled receive aborts a websocket, so host shutdown does not cancel the receive loop: it says goodbye,
        // closes the output once the queue is flushed, and the loop ends with the client's close (or an abort 2 s later).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _closing.Token);
        var writer = WriteLoopAsync(linked.Token);
        using var onStop = stopping.Register(() => _ = Task.Run(async () =>
        {
            foreach (var channel in _channels.Values)
            {
                PushSystem(channel, "system", ok: true, "Server requested disconnect");
                CloseFromServer(channel);
            }
            _outbound.Writer.TryComplete();
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await writer.WaitAsync(drain.Token).ConfigureAwait(false);
                await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutdown").ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(2), aborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
            if (ws.State != WebSocketState.Closed) ws.Abort();
        }));
        try
        {
            await ReceiveLoopAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException e)
        {
            Log.SocketError(logger, e.Message);
        }
        finally
        {
            foreach (var channel in _channels.Values) CloseChannel(channel);
            _channels.Clear();
            _outbound.Writer.TryComplete();
            try
            {
                using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await writer.WaitAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { }
            catch (WebSocketException) { }
            await _closing.CancelAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _closing.Dispose();

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var options = hub.Options;
        // Idle sockets hold no receive buffer: a zero-byte read waits for data, then a pooled buffer is rented per message.
        byte[]? buffer = null;
        var length = 0;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                idle.CancelAfter(options.IdleTimeout);
                ValueWebSocketReceiveResult result;
                try
                {
                    if (buffer is null)
                    {
                        var peek = await ws.ReceiveAsync(Memory<byte>.Empty, idle.Token).ConfigureAwait(false);
                        if (peek.MessageType == WebSocketMessageType.Close)
                        {
                            await CloseAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                            return;
                        }
                        buffer = ArrayPool<byte>.Shared.Rent(4096);
                    }
                    if (length == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    result = await ws.ReceiveAsync(buffer.AsMemory(length), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, "idle timeout").ConfigureAwait(false);
                    return;
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                    return;
                }
                length += result.Count;
                if (length > options.MaxFrameBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large").ConfigureAwait(false);
                    return;
                }
                if (!result.EndOfMessage) continue;
                var frame = buffer.AsMemory(0, length);
                var message = result.MessageType == WebSocketMessageType.Binary
                    ? PhoenixCodec.DecodeBinary(frame.ToArray(), out var error)
                    : PhoenixCodec.DecodeText(frame.Span, Version, out error);
                length = 0;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                if (message is null)
                {
                    Log.MalformedFrame(logger, error ?? "unknown");
                    continue;
                }
                await HandleAsync(message).ConfigureAwait(false);
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        var reader = _outbound.Reader;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (reader.TryRead(out var frame))
            {
                Interlocked.Decrement(ref _queued);
                if (ws.State != WebSocketState.Open) continue;
                await ws.SendAsync(frame.Data, frame.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string? reason)
    {
        _outbound.Writer.TryComplete();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await ws.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (WebSocketException) { }
        catch (OperationCanceledException) { }
    }

    private Task HandleAsync(PhoenixMessage m)
    {
        if (m.Topic == "phoenix")
        {
            if (m.Event == "heartbeat") Reply(m, ok: true, Json.EmptyObject);
            else ReplyError(m, "unmatched topic");
            return Task.CompletedTask;
        }
        if (m.Event == "phx_join") return JoinAsync(m);
        if (!_channels.TryGetValue(m.Topic, out var channel))
        {
            ReplyError(m, "unmatched topic");
            return Task.CompletedTask;
        }
        switch (m.Event)
        {
            case "phx_leave":
                Leave(channel, m);
                return Task.CompletedTask;
            case "broadcast":
                return BroadcastAsync(channel, m);
            case "presence":
                return PresenceAsync(channel, m);
            case "access_token":
                return AccessTokenAsync(channel, m);
            default:
                // Upstream ignores events it does not know (no reply).
                Log.UnknownEvent(logger, m.Event);
                return Task.CompletedTask;
        }
    }

    internal void Reply(PhoenixMessage m, bool ok, ReadOnlySpan<byte> response) =>
        Send(PhoenixCodec.EncodeReply(Version, m.JoinRef, m.Ref, m.Topic, ok, response), binary: false);

    internal void ReplyError(PhoenixMessage m, string reason) =>
        Send(PhoenixCodec.EncodeErrorReply(Version, m.JoinRef, m.Ref, m.Topic, reason), binary: false);

    /// <summary>A channel-initiated push (system, presence_state): current join_ref, null ref.</summary>
    internal void Push(JoinedChannel channel, string @event, ReadOnlySpan<byte> payload) =>
        Send(PhoenixCodec.EncodeText(Version, channel.JoinRef, null, channel.Topic, @event, payload), binary: false);

    /// <summary>A <c>system</c> message <c>{extension, status, message, channel}</c>.</summary>
    internal void PushSystem(JoinedChannel channel, string extension, bool ok, string message) =>
        Push(channel, "system", Json.Object(w =>
        {
            w.WriteString("extension", extension);
            w.WriteString("status", ok ? "ok" : "error");
            w.WriteString("message", message);
            w.WriteString("channel", channel.SubTopic);
        }));

    /// <summary>Ends the channel from the server side: <c>phx_close</c> with the join_ref in both slots.</summary>
    internal void CloseFromServer(JoinedChannel channel)
    {
        if (!_channels.TryRemove(new KeyValuePair<string, JoinedChannel>(channel.Topic, channel))) return;
        CloseChannel(channel);
        Send(PhoenixCodec.EncodeText(Version, channel.JoinRef, channel.JoinRef, channel.Topic, "phx_close", Json.EmptyObject), binary: false);
    }

    private void Leave(JoinedChannel channel, PhoenixMessage m)
    {
        Reply(m, ok: true, Json.EmptyObject);
        CloseFromServer(channel);
    }

    private void CloseChannel(JoinedChannel channel)
    {
        if (!channel.TryClose()) return;
        hub.Changes.Unsubscribe(channel);
        hub.Leave(channel);
    }

    private bool TryAdd(JoinedChannel channel) => _channels.TryAdd(channel.Topic, channel);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Realtime: malformed frame ignored: {Error}")]
        public static partial void MalformedFrame(ILogger logger, string error);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Realtime: unknown event {Event} ignored")]
        public static partial void UnknownEvent(ILogger logger, string @event);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Realtime: socket error: {Error}")]
        public static partial void SocketError(ILogger logger, string error);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Realtime: closing a socket that fell too far behind")]
        public static partial void SlowConsumer(ILogger logger);
    }
}
