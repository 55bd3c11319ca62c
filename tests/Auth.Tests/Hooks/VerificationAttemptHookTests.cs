using Supacs.Auth.Mfa;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Hooks;

public sealed class VerificationAttemptHookFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.hook.password_verification_attempt]
        enabled = true
        uri = "pg-functions://postgres/public/password_attempt"
        [auth.hook.mfa_verification_attempt]
        enabled = true
        uri = "pg-functions://postgres/public/mfa_attempt"
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        // The documented pattern: count failed password attempts; from the second failure on, reject and log the user out.
        await database.ExecuteAsync("""
            CREATE TABLE public.password_failures (user_id uuid PRIMARY KEY, failures int NOT NULL);
            CREATE FUNCTION public.password_attempt(event jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
            DECLARE n int;
            BEGIN
              IF (event->>'valid')::boolean THEN
                SELECT failures INTO n FROM public.password_failures WHERE user_id = (event->>'user_id')::uuid;
                IF coalesce(n, 0) >= 2 THEN
                  RETURN jsonb_build_object('decision', 'reject', 'message', 'Locked after failed attempts.', 'should_logout_user', true);
                END IF;
                RETURN jsonb_build_object('decision', 'continue');
              END IF;
              INSERT INTO public.password_failures VALUES ((event->>'user_id')::uuid, 1)
                ON CONFLICT (user_id) DO UPDATE SET failures = password_failures.failures + 1;
              RETURN jsonb_build_object('decision', 'continue');
            END $$;
            CREATE FUNCTION public.mfa_attempt(event jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
            BEGIN
              IF NOT (event->>'valid')::boolean AND event->>'factor_type' = 'totp' THEN
                RETURN jsonb_build_object('decision', 'reject', 'message', 'Too many MFA attempts.');
              END IF;
              RETURN jsonb_build_object('decision', 'continue');
            END $$;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class VerificationAttemptHookTests(VerificationAttemptHookFixture fixture) : IClassFixture<VerificationAttemptHookFixture>
{
    [Fact]
    public async Task The_password_hook_sees_each_attempt_and_can_lock_the_user_out()
    {
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email);
        for (var i = 0; i < 2; i++)
        {
            var (bad, e, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "wrong-password" });
            Assert.Equal((400, "Invalid login credentials"), (bad, e.GetProperty("message").GetString()));
        }
        var (status, err, _) = await fixture.PostAsync("/token?grant_type=password", new { email, password = "password123" });
        Assert.Equal((400, "invalid_credentials", "Locked after failed attempts."), (status, err.GetProperty("code").GetString(), err.GetProperty("message").GetString()));
        // should_logout_user ended the existing session too.
        var (me, _, _) = await fixture.SendAsync(HttpMethod.Get, "/user", bearer: session.GetProperty("access_token").GetString());
        Assert.Equal(403, me);
    }

    [Fact]
    public async Task The_mfa_hook_can_reject_a_failed_verification()
    {
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail());
        var access = session.GetProperty("access_token").GetString();
        var (_, factor, _) = await fixture.PostAsync("/factors", new { factor_type = "totp" }, access);
        var factorId = factor.GetProperty("id").GetString();
        var (_, challenge, _) = await fixture.PostAsync($"/factors/{factorId}/challenge", null, access);
        var (s1, e1, _) = await fixture.PostAsync($"/factors/{factorId}/verify", new { challenge_id = challenge.GetProperty("id").GetString(), code = "000000" }, access);
        Assert.Equal((403, "mfa_verification_rejected", "Too many MFA attempts."), (s1, e1.GetProperty("code").GetString(), e1.GetProperty("message").GetString()));
        var (s2, _, _) = await fixture.PostAsync($"/factors/{factorId}/verify",
            new { challenge_id = challenge.GetProperty("id").GetString(), code = Totp.Compute(factor.GetProperty("totp").GetProperty("secret").GetString()!) }, access);
        Assert.Equal(200, s2);
    }
}
