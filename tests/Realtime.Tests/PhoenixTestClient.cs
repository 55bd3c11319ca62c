using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Supacs.Realtime.Tests;

/// <summary>A frame the test client received: JSON messages normalised to (join_ref, ref, topic, event, payload); kind 4 frames decoded.</summary>
public sealed record Received(string? JoinRef, string? Ref, string Topic, string Event, JsonNode? Payload, bool Binary, byte[]? Raw = null);

/// <summary>A minimal Phoenix client over ClientWebSocket (vsn 1.0.0 objects or 2.0.0 arrays and binary frames) for tests.</summary>
public sealed class PhoenixTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws;
    private readonly Channel<Received> _inbox = Channel.CreateUnbounded<Received>();
    private readonly List<Received> _seen = [];
    private readonly Task _reader;
    private int _ref;

    private PhoenixTestClient(ClientWebSocket ws, string vsn)
    {
        _ws = ws;
        Vsn = vsn;
        _reader = ReadLoopAsync();
    }

    public string Vsn { get; }
    public bool V2 => Vsn == "2.0.0";

    public static async Task<PhoenixTestClient> ConnectAsync(Uri baseAddress, string apikey, string vsn)
    {
        var ws = new ClientWebSocket();
        var uri = new Uri($"ws://{baseAddress.Authority}/realtime/v1/websocket?apikey={Uri.EscapeDataString(apikey)}&vsn={vsn}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(uri, cts.Token);
        return new PhoenixTestClient(ws, vsn);
    }

    public string NextRef() => Interlocked.Increment(ref _ref).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends a JSON message in this client's framing; returns its ref.</summary>
    public async Task<string> PushAsync(string topic, string @event, object? payload, string? joinRef = null, string? @ref = null)
    {
        @ref ??= NextRef();
        var payloadNode = JsonSerializer.SerializeToNode(payload ?? new { });
        string text = V2
            ? new JsonArray(joinRef, @ref, topic, @event, payloadNode).ToJsonString()
            : new JsonObject { ["topic"] = topic, ["event"] = @event, ["payload"] = payloadNode, ["ref"] = @ref, ["join_ref"] = joinRef }.ToJsonString();
        await SendTextAsync(text);
        return @ref;
    }

    public Task SendTextAsync(string text) => _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] frame) => _ws.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>Kind 3 user broadcast push with a JSON payload, as realtime-js 2.0.0 sends it.</summary>
    public async Task<string> BroadcastBinaryAsync(string topic, string joinRef, string userEvent, string payloadJson, string metadataJson = "")
    {
        var @ref = NextRef();
        var parts = new[] { joinRef, @ref, topic, userEvent, metadataJson }.Select(Encoding.UTF8.GetBytes).ToArray();
        var payload = Encoding.UTF8.GetBytes(payloadJson);
        var frame = new List<byte> { 3 };
        frame.AddRange(parts.Select(p => (byte)p.Length));
        frame.Add(1);
        foreach (var p in parts) frame.AddRange(p);
        frame.AddRange(payload);
        await SendBinaryAsync([.. frame]);
        return @ref;
    }

    /// <summary>Joins and awaits the ok reply; returns the join ref and reply payload.</summary>
    public async Task<(string JoinRef, JsonNode Reply)> JoinAsync(string topic, object? payload = null)
    {
        var @ref = NextRef();
        await PushAsync(topic, "phx_join", payload ?? new { config = new { } }, joinRef: @ref, @ref: @ref);
        var reply = await ReplyAsync(topic, @ref);
        Assert.True(reply.Payload!["status"]!.GetValue<string>() == "ok", reply.Payload.ToJsonString());
        return (@ref, reply.Payload);
    }

    public Task<Received> ReplyAsync(string topic, string @ref) =>
        WaitForAsync(m => m.Event == "phx_reply" && m.Topic == topic && m.Ref == @ref);

    /// <summary>Awaits the first received message matching the predicate (including ones already received).</summary>
    public async Task<Received> WaitForAsync(Func<Received, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        lock (_seen)
        {
            var i = _seen.FindIndex(m => match(m));
            if (i >= 0)
            {
                var found = _seen[i];
                _seen.RemoveAt(i);
                return found;
            }
        }
        try
        {
            while (true)
            {
                var m = await _inbox.Reader.ReadAsync(cts.Token);
                if (match(m)) return m;
                lock (_seen) _seen.Add(m);
            }
        }
        catch (OperationCanceledException)
        {
            string seen;
            lock (_seen) seen = string.Join("\n", _seen.Select(s => $"{s.JoinRef}|{s.Ref}|{s.Topic}|{s.Event}|{s.Payload?.ToJsonString()}"));
            throw new TimeoutException("No matching message. Seen:\n" + seen);
        }
    }

    /// <summary>Asserts nothing matching arrives within a short window (used only for negative checks after a positive barrier).</summary>
    public async Task AssertNoneAsync(Func<Received, bool> match, TimeSpan? window = null)
    {
        try
        {
            var m = await WaitForAsync(match, window ?? TimeSpan.FromMilliseconds(300));
            Assert.Fail($"Unexpected message {m.Event} {m.Payload?.ToJsonString()}");
        }
        catch (TimeoutException) { }
    }

    /// <summary>A heartbeat round trip: everything sent before it has been processed by the server.</summary>
    public async Task BarrierAsync()
    {
        var r = await PushAsync("phoenix", "heartbeat", new { });
        await ReplyAsync("phoenix", r);
    }

    public WebSocketState State => _ws.State;

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (_ws.State == WebSocketState.Open)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close) break;
                var bytes = buffer.AsSpan(0, length).ToArray();
                _inbox.Writer.TryWrite(result.MessageType == WebSocketMessageType.Binary ? DecodeBinary(bytes) : DecodeText(bytes));
            }
        }
        catch (WebSocketException) { }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }

    private Received DecodeText(byte[] bytes)
    {
        var node = JsonNode.Parse(bytes)!;
        if (V2)
        {
            var a = node.AsArray();
            return new Received(a[0]?.GetValue<string>(), a[1]?.GetValue<string>(), a[2]!.GetValue<string>(), a[3]!.GetValue<string>(), a[4], false, bytes);
        }
        var o = node.AsObject();
        Assert.False(o.ContainsKey("join_ref"), "vsn 1.0.0 frames never carry join_ref");
        return new Received(null, o["ref"]?.GetValue<string>(), o["topic"]!.GetValue<string>(), o["event"]!.GetValue<string>(), o["payload"], false, bytes);
    }

    private static Received DecodeBinary(byte[] b)
    {
        Assert.Equal(4, b[0]);
        int topicLen = b[1], eventLen = b[2], metaLen = b[3], encoding = b[4];
        var offset = 5;
        var topic = Encoding.UTF8.GetString(b, offset, topicLen); offset += topicLen;
        var ev = Encoding.UTF8.GetString(b, offset, eventLen); offset += eventLen;
        var meta = Encoding.UTF8.GetString(b, offset, metaLen); offset += metaLen;
        var payload = b.AsSpan(offset).ToArray();
        var data = new JsonObject
        {
            ["type"] = "broadcast",
            ["event"] = ev,
            ["payload"] = encoding == 1 ? JsonNode.Parse(payload) : JsonValue.Create(Convert.ToBase64String(payload)),
        };
        if (metaLen > 0) data["meta"] = JsonNode.Parse(meta);
        return new Received(null, null, topic, "broadcast", data, true, b);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        _ws.Dispose();
        try { await _reader; } catch (WebSocketException) { }
    }
}
