using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Realtime.Bench;

internal sealed record Target(Uri Url, string AnonKey, string JwtSecret, string DbUrl, int ServerPid)
{
    public Uri SocketUri => new($"ws://{Url.Authority}/realtime/v1/websocket?apikey={Uri.EscapeDataString(AnonKey)}&vsn=2.0.0");

    /// <summary>An HS256 user token like GoTrue's.</summary>
    public string UserToken(string sub)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = B64("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        var payload = B64(Encoding.UTF8.GetBytes($$"""{"aud":"authenticated","role":"authenticated","sub":"{{sub}}","iat":{{now}},"exp":{{now + 3600}}}"""));
        var sig = B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(JwtSecret), Encoding.UTF8.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + sig;
    }

    /// <summary>CPU time (user + system) the server process has used so far, in seconds.</summary>
    public double ServerCpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{ServerPid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[11] and [12] are utime and stime (fields 14 and 15 of proc(5)), in clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>CPU time of the server's tiered-compilation thread (the JIT compiling hot paths again at tier 1), in seconds.</summary>
    public double ServerJitCpuSeconds()
    {
        long ticks = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{ServerPid}/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
        }
        return ticks / 100.0;
    }

    /// <summary>
    /// CPU time of the PostgreSQL postmaster (env PG_PID) and its live children, in seconds; 0 when unknown.
    /// Backends that exit take their time with them, so this is a lower bound.
    /// </summary>
    public static double PostgresCpuSeconds()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("PG_PID"), out var postmaster) || postmaster <= 0) return 0;
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // fields[1] is the parent pid (field 4 of proc(5)).
                if (pid != postmaster && fields[1] != postmaster.ToString(CultureInfo.InvariantCulture)) continue;
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
        }
        return ticks / 100.0;
    }

    /// <summary>CPU time this load client has used so far, in seconds.</summary>
    public static double ClientCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>Resident memory of the server process, in KB.</summary>
    public long ServerRssKb() =>
        long.Parse(File.ReadLines($"/proc/{ServerPid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>Latency samples in Stopwatch ticks, shared by all receive loops.</summary>
internal sealed class Latencies
{
    private readonly Lock _lock = new();
    private readonly List<long> _samples = new(1 << 20);
    private long _count;
    private long _last;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Stopwatch timestamp of the latest delivery.</summary>
    public long Last => Interlocked.Read(ref _last);

    public void Add(long ticks)
    {
        Interlocked.Increment(ref _count);
        Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
        lock (_lock) _samples.Add(ticks);
    }

    public void Reset()
    {
        lock (_lock) _samples.Clear();
        Interlocked.Exchange(ref _count, 0);
    }

    public string Percentiles()
    {
        long[] s;
        lock (_lock) s = [.. _samples];
        if (s.Length == 0) return "no samples";
        Array.Sort(s);
        string P(double p) => (s[(int)Math.Min(s.Length - 1, p * s.Length)] * 1000.0 / Stopwatch.Frequency).ToString("F1", CultureInfo.InvariantCulture);
        return $"p50 {P(0.50)} ms, p95 {P(0.95)} ms, p99 {P(0.99)} ms";
    }
}

/// <summary>A bare Phoenix vsn 2.0.0 client: JSON arrays out, kind 3 broadcasts out, a receive loop handing frames to a callback.</summary>
internal sealed class BenchSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private int _ref;
    private Task? _loop;

    public TaskCompletionSource<JsonElement> Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task ConnectAsync(Uri uri)
    {
        _ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await _ws.ConnectAsync(uri, CancellationToken.None).ConfigureAwait(false);
    }

    public void StartReceiving(Action<ReadOnlyMemory<byte>, bool> onFrame) => _loop = Task.Run(() => ReceiveAsync(onFrame));

    public Task JoinAsync(string topic, string configJson)
    {
        var r = Interlocked.Increment(ref _ref).ToString(CultureInfo.InvariantCulture);
        return SendTextAsync($$"""["{{r}}","{{r}}","{{topic}}","phx_join",{{configJson}}]""");
    }

    public async Task SendTextAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _send.WaitAsync().ConfigureAwait(false);
        try { await _ws.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    /// <summary>Kind 3 user broadcast push with a JSON payload.</summary>
    public async Task BroadcastAsync(string topic, string userEvent, string payloadJson)
    {
        var t = Encoding.UTF8.GetBytes(topic);
        var e = Encoding.UTF8.GetBytes(userEvent);
        var p = Encoding.UTF8.GetBytes(payloadJson);
        var frame = new byte[7 + t.Length + e.Length + p.Length];
        frame[0] = 3; frame[1] = 0; frame[2] = 0; frame[3] = (byte)t.Length; frame[4] = (byte)e.Length; frame[5] = 0; frame[6] = 1;
        t.CopyTo(frame, 7);
        e.CopyTo(frame, 7 + t.Length);
        p.CopyTo(frame, 7 + t.Length + e.Length);
        await _send.WaitAsync().ConfigureAwait(false);
        try { await _ws.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false); }
        finally { _send.Release(); }
    }

    private async Task ReceiveAsync(Action<ReadOnlyMemory<byte>, bool> onFrame)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (_ws.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close) return;
                var frame = buffer.AsMemory(0, length);
                // Replies and system messages matter only until joined and subscribed: later frames are not parsed.
                if (result.MessageType == WebSocketMessageType.Text && !(Joined.Task.IsCompleted && Subscribed.Task.IsCompleted))
                {
                    using var doc = JsonDocument.Parse(frame);
                    var ev = doc.RootElement[3].GetString();
                    if (ev == "phx_reply" && doc.RootElement[0].ValueKind == JsonValueKind.String && doc.RootElement[0].GetString() == doc.RootElement[1].GetString())
                        Joined.TrySetResult(doc.RootElement[4].Clone());
                    else if (ev == "system" && doc.RootElement[4].GetProperty("status").GetString() == "ok")
                        Subscribed.TrySetResult();
                }
                onFrame(frame, result.MessageType == WebSocketMessageType.Binary);
            }
        }
        catch (WebSocketException) { }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task HeartbeatAsync() => await SendTextAsync("""[null,"hb","phoenix","heartbeat",{}]""").ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (_ws.State == WebSocketState.Open) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        if (_loop is not null) await Task.WhenAny(_loop, Task.Delay(2000)).ConfigureAwait(false);
        _ws.Dispose();
        _send.Dispose();
    }

    /// <summary>Reads <c>"t":NUMBER</c> from a JSON payload (the send timestamp).</summary>
    public static long ReadStamp(ReadOnlySpan<byte> json)
    {
        var i = json.IndexOf("\"t\":"u8);
        if (i < 0) return -1;
        var rest = json[(i + 4)..];
        long v = 0;
        var n = 0;
        while (n < rest.Length && rest[n] is >= (byte)'0' and <= (byte)'9') v = (v * 10) + (rest[n++] - '0');
        return n == 0 ? -1 : v;
    }
}
