using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Supacs.Core.Requests;
using Supacs.Realtime.Channels;
using Supacs.Realtime.Protocol;

namespace Supacs.Realtime.Sockets;

/// <summary>
/// One client websocket: a receive loop that handles frames in order, and a bounded outbound queue with a single
/// writer. A frame is written inline by the thread that sends it when the socket is not already writing (no thread hop,
/// no per-frame task); while a write is pending, frames queue and the writer drains them, so fan-out never blocks
/// on one slow socket.
/// </summary>
internal sealed partial class RealtimeSocket(WebSocket ws, PhoenixVersion version, RealtimeHub hub, RequestIdentity identity, string? token, ILogger logger)
{
    /// <summary>A socket this far behind is closed rather than buffering without bound.</summary>
    private const int MaxQueuedFrames = 20_000;

    private readonly Lock _sendLock = new();
    private Queue<(byte[] Data, bool Binary)>? _pending;
    private bool _writing;
    private bool _outputDone;
    private TaskCompletionSource? _drained;
    // A socket has few channels (at most max_channels_per_client): a list is smaller than a dictionary.
    private readonly List<JoinedChannel> _channels = new(1);
    private volatile bool _ended;
    private long _lastReceived = Environment.TickCount64;

    public PhoenixVersion Version { get; } = version;
    public RequestIdentity Identity { get; } = identity;
    public string? Token { get; } = token;
    internal RealtimeHub Hub => hub;
    internal ILogger Logger => logger;

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) when the socket connected.</summary>
    public long ConnectedAt { get; } = Environment.TickCount64;

    /// <summary>Set once the hub's sweep has made its single no-channel check (upstream checks once, at the timeout).</summary>
    internal bool NoChannelChecked { get; set; }

    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>) of the last frame received.</summary>
    public long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>Queues a frame, or writes it at once when the socket is idle; thread-safe, never waits on the network.</summary>
    public void Send(byte[] data, bool binary)
    {
        lock (_sendLock)
        {
            if (_outputDone) return;
            if (_writing)
            {
                var queue = _pending ??= new Queue<(byte[], bool)>();
                if (queue.Count < MaxQueuedFrames)
                {
                    queue.Enqueue((data, binary));
                    return;
                }
                _outputDone = true;
                queue.Clear();
            }
            else
            {
                _writing = true;
            }
        }
        if (_outputDone)
        {
            Log.SlowConsumer(logger);
            ws.Abort();
            return;
        }
        Write(data, binary);
    }

    /// <summary>The single writer: writes frames while their sends complete synchronously; otherwise continues when the pending one completes.</summary>
    private void Write(byte[] data, bool binary)
    {
        while (true)
        {
            ValueTask pending;
            try
            {
                pending = ws.State == WebSocketState.Open
                    ? ws.SendAsync(data.AsMemory(), binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, CancellationToken.None)
                    : ValueTask.CompletedTask;
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                pending = ValueTask.FromException(e);
            }
            if (!pending.IsCompleted)
            {
                _ = ContinueAfterAsync(pending);
                return;
            }
            // Consumed even on success: a ValueTask may be backed by a pooled source that GetResult releases.
            if (!Completed(pending)) return;
            if (!TryNext(out data, out binary)) return;
        }
    }

    private async Task ContinueAfterAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            StopOutput();
            return;
        }
        if (TryNext(out var data, out var binary)) Write(data, binary);
    }

    private bool Completed(ValueTask done)
    {
        try
        {
            done.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
        {
            Log.SocketError(logger, e.Message);
            StopOutput();
            return false;
        }
    }

    /// <summary>The next queued frame, or false after marking the writer idle.</summary>
    private bool TryNext(out byte[] data, out bool binary)
    {
        lock (_sendLock)
        {
            if (!_outputDone && _pending is { Count: > 0 } queue)
            {
                (data, binary) = queue.Dequeue();
                return true;
            }
            _writing = false;
            _drained?.TrySetResult();
            _drained = null;
        }
        data = [];
        binary = false;
        return false;
    }

    /// <summary>No more frames go out; what is queued is dropped.</summary>
    private void StopOutput()
    {
        lock (_sendLock)
        {
            _outputDone = true;
            _pending?.Clear();
            _writing = false;
            _drained?.TrySetResult();
            _drained = null;
        }
    }

    /// <summary>Stops accepting frames and waits (bounded) until those already queued are written.</summary>
    private async Task CompleteOutputAsync(TimeSpan timeout)
    {
        Task wait;
        lock (_sendLock)
        {
            _outputDone = true;
            if (!_writing) return;
            wait = (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        try
        {
            await wait.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException) { }
    }

    /// <summary>
    /// Runs the socket until the client leaves or the connection drops. Host shutdown (<see cref="OnHostStopping"/>, called by
    /// the hub) gives every channel the system message "Server requested disconnect" and phx_close before the close frame.
    /// Nothing here is registered per socket on the request or host tokens: idle time, token expiry and shutdown are the hub's sweeps.
    /// </summary>
    public async Task RunAsync()
    {
        // A cancelled receive aborts a websocket, so host shutdown does not cancel the receive loop: it says goodbye,
        // closes the output once the queue is flushed, and the loop ends with the client's close (or an abort 2 s later).
        hub.AddSocket(this);
        // Idle sockets hold no receive buffer: a zero-byte read waits for data, then a pooled buffer is rented per message.
        // Receives take no cancellation token (a cancelled receive aborts the socket anyway): host stop, request abort and
        // the idle sweep end the loop through the socket itself. The loop is inline (not a method of its own): one async
        // state machine fewer held per idle socket.
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                ValueWebSocketReceiveResult result;
                if (buffer is null)
                {
                    var peek = await ws.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
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
                result = await ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                    return;
                }
                length += result.Count;
                if (length > hub.Options.MaxFrameBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "frame too large").ConfigureAwait(false);
                    return;
                }
                if (!result.EndOfMessage) continue;
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
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
                try
                {
                    await HandleAsync(message).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not WebSocketException)
                {
                    // One failing message does not end the socket: a join gets an error reply, a joined channel crashes (phx_error).
                    Log.HandlerFailed(logger, message.Event, e);
                    OnHandlerFailed(message, e);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException e)
        {
            Log.SocketError(logger, e.Message);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            hub.RemoveSocket(this);
            JoinedChannel[] open;
            lock (_channels)
            {
                open = [.. _channels];
                _channels.Clear();
            }
            foreach (var channel in open) CloseChannel(channel);
            await CompleteOutputAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            _ended = true;
        }
    }

    /// <summary>Waits up to 2 s for the receive loop to end (the client answering our close frame), then aborts.</summary>
    private async Task AbortUnlessEndedAsync()
    {
        for (var i = 0; i < 20 && !_ended; i++) await Task.Delay(100).ConfigureAwait(false);
        if (ws.State != WebSocketState.Closed) ws.Abort();
    }

    public void OnHostStopping() => _ = Task.Run(async () =>
    {
        foreach (var channel in OpenChannels())
        {
            PushSystem(channel, "system", ok: true, "Server requested disconnect");
            CloseFromServer(channel);
        }
        await CompleteOutputAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutdown").ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException) { }
        await AbortUnlessEndedAsync().ConfigureAwait(false);
    });

    /// <summary>Closes a socket that sent nothing (not even a heartbeat) for the idle timeout (called by the hub's sweep).</summary>
    public void CloseIdle() => Disconnect("idle timeout");

    /// <summary>Closes the socket from the server side (once): what is queued is written first, then the close frame.</summary>
    internal void Disconnect(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0) _ = DisconnectAsync(reason);
    }

    private int _closing;

    private async Task DisconnectAsync(string reason)
    {
        await CompleteOutputAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await CloseAsync(WebSocketCloseStatus.NormalClosure, reason).ConfigureAwait(false);
        await AbortUnlessEndedAsync().ConfigureAwait(false);
    }

    /// <summary>Closes channels whose token expired (called by the hub's sweep every second), with upstream's system error.</summary>
    public void ExpireChannels(long nowSeconds)
    {
        lock (_channels)
        {
            var any = false;
            foreach (var c in _channels) any |= c.ExpiresAt <= nowSeconds;
            if (!any) return;
        }
        foreach (var channel in OpenChannels())
        {
            if (channel.Closed || channel.ExpiresAt > nowSeconds) continue;
            // A refresh held by the throttle is applied instead (upstream applies the pending token when the old one expires).
            if (Volatile.Read(ref channel.PendingAccessToken) is not null)
            {
                _ = ApplyPendingAccessTokenAsync(channel);
                continue;
            }
            PushSystem(channel, "system", ok: false, $"Token has expired {Math.Max(0, nowSeconds - channel.ExpiresAt)} seconds ago");
            CloseFromServer(channel);
        }
    }

    private JoinedChannel[] OpenChannels()
    {
        lock (_channels) return [.. _channels];
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string? reason)
    {
        await CompleteOutputAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
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
        var channel = Find(m.Topic);
        if (channel is null)
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

    /// <summary>
    /// After an unexpected failure: a join is refused (the database being unreachable with upstream's
    /// "UnableToConnectToProject" reason, anything else "Unknown Error on Channel"); a joined channel crashes as a Phoenix
    /// channel does, with <c>phx_error</c> (join_ref in both slots), and realtime-js rejoins it.
    /// </summary>
    private void OnHandlerFailed(PhoenixMessage m, Exception e)
    {
        if (m.Event == "phx_join")
        {
            if (Find(m.Topic) is { } joined && joined.JoinRef == (m.JoinRef ?? m.Ref)) return;
            var reply = new PhoenixMessage(m.JoinRef ?? m.Ref, m.Ref, m.Topic, m.Event, default);
            JoinError(reply, e is Npgsql.NpgsqlException and not Npgsql.PostgresException
                ? "UnableToConnectToProject: Realtime was unable to connect to the project database" : "Unknown Error on Channel");
            return;
        }
        if (Find(m.Topic) is not { } channel) return;
        lock (_channels)
        {
            if (!_channels.Remove(channel)) return;
        }
        CloseChannel(channel);
        Send(PhoenixCodec.EncodeText(Version, channel.JoinRef, channel.JoinRef, channel.Topic, "phx_error", Json.EmptyObject), binary: false);
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
        lock (_channels)
        {
            if (!_channels.Remove(channel)) return;
        }
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

    private bool TryAdd(JoinedChannel channel)
    {
        lock (_channels)
        {
            foreach (var c in _channels)
                if (c.Topic == channel.Topic) return false;
            _channels.Add(channel);
            return true;
        }
    }

    private JoinedChannel? Find(string topic)
    {
        lock (_channels)
        {
            foreach (var c in _channels)
                if (c.Topic == topic) return c;
            return null;
        }
    }

    internal int ChannelCount
    {
        get { lock (_channels) return _channels.Count; }
    }

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

        [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Realtime: reading broadcasts to replay failed")]
        public static partial void ReplayFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "Realtime: handling a {Event} message failed")]
        public static partial void HandlerFailed(ILogger logger, string @event, Exception error);

        [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Realtime: applying a held access token failed")]
        public static partial void AccessTokenFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Realtime: storing a persisted broadcast failed")]
        public static partial void PersistFailed(ILogger logger, Exception error);
    }
}
