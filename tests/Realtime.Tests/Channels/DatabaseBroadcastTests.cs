using System.Net;
using System.Net.Http.Json;

namespace Supacs.Realtime.Tests.Channels;

public sealed class RestRateFixture : RealtimeFixture
{
    protected override string? ConfigToml => """
        [realtime]
        max_events_per_second = 1
        """;
}

/// <summary>realtime.send_binary() and realtime.send() keeping a given id; the REST batch's two 429 answers.</summary>
public sealed class DatabaseBroadcastTests(RealtimeFixture fixture) : IClassFixture<RealtimeFixture>
{
    [Fact]
    public async Task Send_binary_reaches_v2_subscribers_as_binary_and_send_keeps_a_given_id()
    {
        await using var v2 = await fixture.ConnectAsync();
        await using var v1 = await fixture.ConnectAsync("1.0.0");
        await v2.JoinAsync("realtime:bytes", new { config = new { } });
        await v1.JoinAsync("realtime:bytes", new { config = new { } });
        await fixture.Database.ExecuteAsync("""SELECT realtime.send_binary('\x00ff10'::bytea, 'blob', 'bytes', false)""");
        var got = await v2.WaitForAsync(m => m.Event == "broadcast", TimeSpan.FromSeconds(15));
        Assert.Equal(0, got.Raw![4]);
        Assert.Equal(Convert.ToBase64String([0x00, 0xff, 0x10]), got.Payload!["payload"]!.GetValue<string>());
        Assert.Equal("blob", got.Payload["event"]!.GetValue<string>());
        Assert.Equal(36, got.Payload["meta"]!["id"]!.GetValue<string>().Length);

        await fixture.Database.ExecuteAsync("""SELECT realtime.send('{"id":"mine","n":1}'::jsonb, 'json', 'bytes', false)""");
        var json = await v1.WaitForAsync(m => m.Event == "broadcast");
        Assert.Equal("mine", json.Payload!["payload"]!["id"]!.GetValue<string>());
        // The binary one never reached the vsn 1.0.0 socket.
        await v1.AssertNoneAsync(m => m.Event == "broadcast");
    }

    [Fact]
    public async Task Single_rest_broadcast_takes_json_by_default_and_refuses_other_media_types()
    {
        await using var listener = await fixture.ConnectAsync();
        await listener.JoinAsync("realtime:media", new { config = new { } });
        HttpRequestMessage Post(HttpContent content)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast/media/events/e") { Content = content };
            request.Headers.Add("apikey", fixture.Host.Project.Keys.AnonKey);
            return request;
        }
        var text = new StringContent("hello");
        text.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using (var request = Post(text))
        {
            var response = await fixture.Host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Contains("Unsupported Media Type. Use application/json or application/octet-stream", await response.Content.ReadAsStringAsync());
        }
        var untyped = new ByteArrayContent("""{"n":1}"""u8.ToArray());
        using (var request = Post(untyped))
            Assert.Equal(HttpStatusCode.Accepted, (await fixture.Host.Client.SendAsync(request)).StatusCode);
        Assert.Equal(1, (await listener.WaitForAsync(m => m.Event == "broadcast")).Payload!["payload"]!["n"]!.GetValue<int>());

        // The batch endpoint requires a payload object on every message, as upstream.
        using var batch = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast")
        {
            Content = JsonContent.Create(new { messages = new object[] { new { topic = "media", @event = "e" } } }),
        };
        batch.Headers.Add("apikey", fixture.Host.Project.Keys.AnonKey);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await fixture.Host.Client.SendAsync(batch)).StatusCode);
        await listener.AssertNoneAsync(m => m.Event == "broadcast");
    }
}

public sealed class RestRateTests(RestRateFixture fixture) : IClassFixture<RestRateFixture>
{
    private async Task<(HttpStatusCode Status, string Body)> BatchAsync(int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/v1/api/broadcast")
        {
            Content = JsonContent.Create(new { messages = Enumerable.Range(0, count).Select(i => new { topic = "t", @event = "e", payload = new { i } }).ToArray() }),
        };
        request.Headers.Add("apikey", fixture.Host.Project.Keys.AnonKey);
        var response = await fixture.Host.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_batch_over_the_budget_and_a_batch_after_it_is_spent_get_upstreams_429s()
    {
        // 1 event/s averaged over 60 s: 60 fit in the window.
        var tooBig = await BatchAsync(61);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooBig.Status);
        Assert.Contains("Too many messages to broadcast, please reduce the batch size", tooBig.Body);
        Assert.Equal(HttpStatusCode.Accepted, (await BatchAsync(60)).Status);
        var spent = await BatchAsync(1);
        Assert.Equal(HttpStatusCode.TooManyRequests, spent.Status);
        Assert.Contains("You have exceeded your rate limit", spent.Body);
    }
}
