using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Supacs.Auth.Tests.Infrastructure;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Sms;

/// <summary>Phone auth with Twilio as the SMS provider, its Messages API served by a local peer.</summary>
public sealed partial class TwilioFixture : AuthHostFixture
{
    public HttpPeer Twilio { get; private set; } = null!;

    /// <summary>Numbers the fake Twilio refuses (HTTP 400, code 21211).</summary>
    public const string RefusedNumber = "15557770000";

    protected override IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["GOTRUE_EXTERNAL_PHONE_ENABLED"] = "true",
        ["GOTRUE_SMS_AUTOCONFIRM"] = "false",
        ["GOTRUE_SMS_MAX_FREQUENCY"] = "0s",
        ["GOTRUE_SMS_PROVIDER"] = "twilio",
        ["GOTRUE_SMS_TWILIO_ACCOUNT_SID"] = "AC123",
        ["GOTRUE_SMS_TWILIO_AUTH_TOKEN"] = "twilio-token",
        ["GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID"] = "MG999",
        ["GOTRUE_SMS_TWILIO_API_BASE"] = Twilio.Url,
        ["GOTRUE_SMS_OTP_LENGTH"] = "8",
        ["GOTRUE_SMS_TEMPLATE"] = "Supacs code: {{ .Code }}",
        ["GOTRUE_MFA_PHONE_ENROLL_ENABLED"] = "true",
        ["GOTRUE_MFA_PHONE_VERIFY_ENABLED"] = "true",
        ["GOTRUE_MFA_PHONE_MAX_FREQUENCY"] = "0s",
        ["GOTRUE_MFA_PHONE_TEMPLATE"] = "MFA code {{ .Code }}",
    };

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        Twilio = await HttpPeer.StartAsync(app => app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", async (HttpContext ctx, string sid) =>
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AC123:twilio-token"));
            if (sid != "AC123" || ctx.Request.Headers.Authorization != expected)
                return Results.Json(new { code = 20003, message = "Authenticate", more_info = "https://www.twilio.com/docs/errors/20003", status = 401 }, statusCode: 401);
            var form = await ctx.Request.ReadFormAsync();
            if (form["To"] == "+" + RefusedNumber)
                return Results.Json(new { code = 21211, message = "The 'To' number is not a valid phone number.", more_info = "https://www.twilio.com/docs/errors/21211", status = 400 }, statusCode: 400);
            return Results.Json(new { sid = "SM" + Guid.NewGuid().ToString("N"), status = "queued", to = form["To"].ToString(), from = form["From"].ToString(), body = form["Body"].ToString(), error_code = (string?)null }, statusCode: 201);
        }));
        await base.InitializeDatabaseAsync(database);
    }

    protected override async Task DisposeExtrasAsync() => await Twilio.DisposeAsync();

    /// <summary>The last message Twilio got for a number: its form fields.</summary>
    public Dictionary<string, string> LastMessageTo(string phone)
    {
        var request = Twilio.Requests.Last(r => r.Body.Contains("To=%2B" + phone, StringComparison.Ordinal));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Body).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    public static string Code(string body) => CodePattern().Match(body).Value;

    [GeneratedRegex("[0-9]{6,8}$")]
    private static partial Regex CodePattern();
}

public sealed class TwilioTests(TwilioFixture fixture) : IClassFixture<TwilioFixture>
{
    private static string NewPhone() => "1555" + Random.Shared.Next(1000000, 9999999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Phone_signup_sends_the_code_through_twilio_and_the_code_confirms()
    {
        var phone = NewPhone();
        var (status, user, _) = await fixture.PostAsync("/signup", new { phone = "+" + phone, password = "password123" });
        Assert.Equal(200, status);
        Assert.Equal(phone, user.GetProperty("phone").GetString());
        var sent = fixture.LastMessageTo(phone);
        Assert.Equal("+" + phone, sent["To"]);
        Assert.Equal("MG999", sent["From"]);
        Assert.Equal("sms", sent["Channel"]);
        Assert.Matches("^Supacs code: [0-9]{8}$", sent["Body"]);
        var (s2, session, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+" + phone, token = TwilioFixture.Code(sent["Body"]) });
        Assert.Equal(200, s2);
        Assert.True(session.GetProperty("user").TryGetProperty("phone_confirmed_at", out _));
    }

    [Fact]
    public async Task Otp_returns_twilios_message_sid_and_signs_in()
    {
        var phone = NewPhone();
        var (s1, sent, _) = await fixture.PostAsync("/otp", new { phone = "+" + phone });
        Assert.Equal(200, s1);
        Assert.StartsWith("SM", sent.GetProperty("message_id").GetString(), StringComparison.Ordinal);
        var code = TwilioFixture.Code(fixture.LastMessageTo(phone)["Body"]);
        var (wrong, e, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+" + phone, token = "00000000" });
        Assert.Equal((403, "otp_expired"), (wrong, e.GetProperty("code").GetString()));
        Assert.Equal(200, (await fixture.PostAsync("/verify", new { type = "sms", phone = "+" + phone, token = code })).Status);
    }

    [Fact]
    public async Task A_twilio_error_is_sms_send_failed_and_nothing_is_written()
    {
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var (status, body, _) = await fixture.PostAsync("/otp", new { phone = "+" + TwilioFixture.RefusedNumber });
        Assert.Equal((500, "sms_send_failed"), (status, body.GetProperty("code").GetString()));
        Assert.Contains("The 'To' number is not a valid phone number.", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }

    [Fact]
    public async Task Phone_mfa_enroll_challenge_verify_reaches_aal2_with_mfa_phone()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var access = session.GetProperty("access_token").GetString()!;
        var phone = NewPhone();
        var (s1, factor, _) = await fixture.PostAsync("/factors", new { factor_type = "phone", phone = "+" + phone, friendly_name = "my phone" }, access);
        Assert.Equal(200, s1);
        Assert.Equal("phone", factor.GetProperty("type").GetString());
        Assert.Equal(phone, factor.GetProperty("phone").GetString());
        var factorId = factor.GetProperty("id").GetString();
        var (missing, e0, _) = await fixture.PostAsync("/factors", new { factor_type = "phone" }, access);
        Assert.Equal((400, "validation_failed"), (missing, e0.GetProperty("code").GetString()));

        var (s2, challenge, _) = await fixture.PostAsync($"/factors/{factorId}/challenge", new { channel = "sms" }, access);
        Assert.Equal(200, s2);
        Assert.Equal("phone", challenge.GetProperty("type").GetString());
        var sent = fixture.LastMessageTo(phone);
        Assert.Matches("^MFA code [0-9]{6}$", sent["Body"]);
        var challengeId = challenge.GetProperty("id").GetString();
        var (bad, e1, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = "000000" }, access);
        Assert.Equal((422, "mfa_verification_failed"), (bad, e1.GetProperty("code").GetString()));
        var (s3, stepped, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = TwilioFixture.Code(sent["Body"]) }, access);
        Assert.Equal(200, s3);
        var claims = AuthHostFixture.Claims(stepped.GetProperty("access_token").GetString()!);
        Assert.Equal("aal2", claims.GetProperty("aal").GetString());
        Assert.Contains("mfa/phone", claims.GetProperty("amr").EnumerateArray().Select(a => a.GetProperty("method").GetString()));
        var f = stepped.GetProperty("user").GetProperty("factors")[0];
        Assert.Equal(("phone", "verified", phone), (f.GetProperty("factor_type").GetString(), f.GetProperty("status").GetString(), f.GetProperty("phone").GetString()));

        // A verified number cannot be enrolled twice.
        var (dup, e2, _) = await fixture.PostAsync("/factors", new { factor_type = "phone", phone = "+" + phone }, stepped.GetProperty("access_token").GetString());
        Assert.Equal((422, "mfa_verified_factor_exists"), (dup, e2.GetProperty("code").GetString()));
    }
}
