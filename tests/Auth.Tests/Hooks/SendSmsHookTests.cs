using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Hooks;

/// <summary>Phone sign-ups with the send-SMS hook as a Postgres function and no SMS provider at all.</summary>
public sealed class SendSmsHookFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.sms]
        enable_signup = true
        enable_confirmations = true
        max_frequency = "0s"
        [auth.mfa.phone]
        enroll_enabled = true
        verify_enabled = true
        max_frequency = "0s"
        [auth.hook.send_sms]
        enabled = true
        uri = "pg-functions://postgres/public/send_sms"
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.sms_outbox (id serial PRIMARY KEY, payload jsonb NOT NULL);
            CREATE FUNCTION public.send_sms(event jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
            BEGIN
              IF event->'user'->>'phone' = '15550004444' THEN
                RETURN jsonb_build_object('error', jsonb_build_object('http_code', 500, 'message', 'carrier unreachable'));
              END IF;
              INSERT INTO public.sms_outbox (payload) VALUES (event);
              RETURN '{}'::jsonb;
            END $$;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class SendSmsHookTests(SendSmsHookFixture fixture) : IClassFixture<SendSmsHookFixture>
{
    private Task<string> LastOtpAsync(string phone) => fixture.Database.ScalarAsync<string>(
        $"SELECT payload->'sms'->>'otp' FROM public.sms_outbox WHERE payload->'user'->>'phone' = '{phone}' ORDER BY id DESC LIMIT 1")!;

    [Fact]
    public async Task The_hook_gets_the_user_and_the_otp_instead_of_a_provider()
    {
        var (status, sent, _) = await fixture.PostAsync("/otp", new { phone = "+15550003333" });
        Assert.Equal(200, status);
        Assert.Equal("", sent.GetProperty("message_id").GetString());
        var otp = await LastOtpAsync("15550003333");
        Assert.Matches("^[0-9]{6}$", otp);
        var (s2, session, _) = await fixture.PostAsync("/verify", new { type = "sms", phone = "+15550003333", token = otp });
        Assert.Equal(200, s2);
        Assert.Equal("15550003333", session.GetProperty("user").GetProperty("phone").GetString());

        // MFA challenges go through the hook too, marked sms_type "mfa".
        var access = session.GetProperty("access_token").GetString();
        var (s3, factor, _) = await fixture.PostAsync("/factors", new { factor_type = "phone", phone = "+15550005555" }, access);
        Assert.Equal(200, s3);
        var (s4, _, _) = await fixture.PostAsync($"/factors/{factor.GetProperty("id").GetString()}/challenge", null, access);
        Assert.Equal(200, s4);
        Assert.Equal("mfa", await fixture.Database.ScalarAsync<string>(
            "SELECT payload->'sms'->>'sms_type' FROM public.sms_outbox ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task A_hook_error_is_returned_and_nothing_is_written()
    {
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var (status, body, _) = await fixture.PostAsync("/otp", new { phone = "+15550004444" });
        Assert.Equal(500, status);
        Assert.Equal("carrier unreachable", body.GetProperty("message").GetString());
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }
}

/// <summary>The project-wide SMS budget ([auth.rate_limit] sms_sent), counted for hook deliveries too.</summary>
public sealed class SmsBudgetFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.rate_limit]
        sms_sent = 2
        [auth.sms]
        enable_signup = true
        max_frequency = "0s"
        [auth.sms.test_otp]
        15550007777 = "123456"
        [auth.hook.send_sms]
        enabled = true
        uri = "pg-functions://postgres/public/send_sms_noop"
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("CREATE FUNCTION public.send_sms_noop(event jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;");
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class SmsBudgetTests(SmsBudgetFixture fixture) : IClassFixture<SmsBudgetFixture>
{
    [Fact]
    public async Task Sms_sent_limits_messages_per_hour_but_not_test_otps()
    {
        Assert.Equal(200, (await fixture.PostAsync("/otp", new { phone = "+15550006661" })).Status);
        Assert.Equal(200, (await fixture.PostAsync("/otp", new { phone = "+15550006662" })).Status);
        var (status, body, _) = await fixture.PostAsync("/otp", new { phone = "+15550006663" });
        Assert.Equal((429, "over_sms_send_rate_limit"), (status, body.GetProperty("code").GetString()));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users WHERE phone = '15550006663'"));
        Assert.Equal(200, (await fixture.PostAsync("/otp", new { phone = "+15550007777" })).Status);
    }
}
