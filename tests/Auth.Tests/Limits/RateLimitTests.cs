using Supacs.Auth.Limits;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Limits;

public sealed class RateLimitFixture : AuthHostFixture
{
    protected override IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["GOTRUE_RATE_LIMIT_HEADER"] = "X-Client-Ip",
        ["GOTRUE_RATE_LIMIT_TOKEN_REFRESH"] = "5",
    };
}

public sealed class RateLimitTests(RateLimitFixture fixture) : IClassFixture<RateLimitFixture>
{
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; } = 1_000_000;
        public override long GetTimestamp() => Now;
        public override long TimestampFrequency => 1000;
    }

    [Fact]
    public void Bucket_allows_the_burst_then_refills_at_the_rate()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(time);
        for (var i = 0; i < 30; i++) Assert.True(limiter.TryTake("token", "1.2.3.4", 150, TimeSpan.FromMinutes(5), 30));
        Assert.False(limiter.TryTake("token", "1.2.3.4", 150, TimeSpan.FromMinutes(5), 30));
        Assert.True(limiter.TryTake("token", "5.6.7.8", 150, TimeSpan.FromMinutes(5), 30));
        time.Now += 2000; // 2 s at 0.5/s = one more request
        Assert.True(limiter.TryTake("token", "1.2.3.4", 150, TimeSpan.FromMinutes(5), 30));
        Assert.False(limiter.TryTake("token", "1.2.3.4", 150, TimeSpan.FromMinutes(5), 30));
    }

    [Fact]
    public async Task Brute_force_on_token_is_cut_off_per_client()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email);
        async Task<int> Attempt(string ip, string password)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/v1/token?grant_type=password")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { email, password }),
            };
            request.Headers.Add("X-Client-Ip", ip);
            return (int)(await fixture.Client.SendAsync(request)).StatusCode;
        }
        var statuses = new List<int>();
        for (var i = 0; i < 6; i++) statuses.Add(await Attempt("203.0.113.7", "guess" + i));
        Assert.All(statuses.Take(5), s => Assert.Equal(400, s));
        Assert.Equal(429, statuses[5]);
        // Even the right password is refused from that client now; another client is unaffected.
        Assert.Equal(429, await Attempt("203.0.113.7", "password123"));
        Assert.Equal(200, await Attempt("198.51.100.1", "password123"));
    }
}
