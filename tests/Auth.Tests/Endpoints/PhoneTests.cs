using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class PhoneFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.sms]
        enable_signup = true
        enable_confirmations = true
        max_frequency = "0s"
        [auth.sms.test_otp]
        15550001111 = "123456"
        15550002222 = "654321"
        15550003333 = "111222"
        """;
}

public sealed class PhoneTests(PhoneFixture fixture) : IClassFixture<PhoneFixture>
{
    [Fact]
    public async Task Phone_signup_needs_the_sms_code_then_password_sign_in_works()
    {
        var (s1, user, _) = await fixture.PostAsync("/signup", new { phone = "+1 555 000 1111", password = "password123" });
        Assert.Equal(200, s1);
        Assert.Equal("15550001111", user.GetProperty("phone").GetString());
        Assert.False(user.TryGetProperty("phone_confirmed_at", out _));
        var (s2, e2, _) = await fixture.PostAsync("/token?grant_type=password", new { phone = "+15550001111", password = "password123" });
        Assert.Equal((400, "phone_not_confirmed"), (s2, e2.GetProperty("code").GetString()));
        var (bad, e3, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+15550001111", token = "000000" });
        Assert.Equal((403, "otp_expired"), (bad, e3.GetProperty("code").GetString()));
        var (s3, session, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+15550001111", token = "123456" });
        Assert.Equal(200, s3);
        Assert.True(session.GetProperty("user").TryGetProperty("phone_confirmed_at", out _));
        Assert.Equal(200, (await fixture.PostAsync("/token?grant_type=password", new { phone = "+15550001111", password = "password123" })).Status);
    }

    [Fact]
    public async Task Sms_otp_signs_in_and_changes_phone()
    {
        var (s1, sent, _) = await fixture.PostAsync("/otp", new { phone = "+15550002222" });
        Assert.Equal(200, s1);
        Assert.Equal("test-otp", sent.GetProperty("message_id").GetString());
        var (s2, session, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+15550002222", token = "654321" });
        Assert.Equal(200, s2);
        var access = session.GetProperty("access_token").GetString();

        var (s3, pending, _) = await fixture.SendAsync(HttpMethod.Put, "/user", new { phone = "+15550003333" }, bearer: access);
        Assert.Equal(200, s3);
        Assert.Equal("15550003333", pending.GetProperty("new_phone").GetString());
        var (s4, changed, _) = await fixture.PostAsync("/verify", new { type = "phone_change", phone = "+15550003333", token = "111222" });
        Assert.Equal(200, s4);
        Assert.Equal("15550003333", changed.GetProperty("user").GetProperty("phone").GetString());

        var (s5, e5, _) = await fixture.PostAsync("/otp", new { phone = "+15559999999" });
        Assert.Equal((500, "sms_send_failed"), (s5, e5.GetProperty("code").GetString()));
    }
}
