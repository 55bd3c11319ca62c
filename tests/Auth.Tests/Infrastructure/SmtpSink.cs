using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using MimeKit;

namespace Supacs.Auth.Tests.Infrastructure;

/// <summary>A real (minimal) SMTP server on a loopback port that keeps the messages it receives.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<MimeMessage> _messages = Channel.CreateUnbounded<MimeMessage>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<MimeMessage> _received = [];
    private readonly Task _loop;

    public SmtpSink()
    {
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The next message sent to <paramref name="to"/> (waits up to 10 s).</summary>
    public async Task<MimeMessage> NextAsync(string to)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        lock (_received)
        {
            var found = _received.FirstOrDefault(m => m.To.Mailboxes.Any(b => b.Address == to));
            if (found is not null) { _received.Remove(found); return found; }
        }
        while (true)
        {
            var m = await _messages.Reader.ReadAsync(timeout.Token);
            lock (_received)
            {
                var found = _received.FirstOrDefault(x => x.To.Mailboxes.Any(b => b.Address == to));
                if (found is not null) { _received.Remove(found); return found; }
            }
            _ = m;
        }
    }

    public int CountFor(string to)
    {
        lock (_received) return _received.Count(m => m.To.Mailboxes.Any(b => b.Address == to));
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 localhost ESMTP sink");
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 end with .");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } l && l != ".") data.Append(l.StartsWith("..", StringComparison.Ordinal) ? l[1..] : l).Append("\r\n");
                        var message = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(data.ToString())));
                        lock (_received) _received.Add(message);
                        await _messages.Writer.WriteAsync(message);
                        await writer.WriteLineAsync("250 queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
