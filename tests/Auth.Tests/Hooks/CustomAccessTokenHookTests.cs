using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Hooks;

public sealed class HookFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.hook.custom_access_token]
        enabled = true
        uri = "pg-functions://postgres/public/custom_access_token_hook"
        """;
}

public sealed class CustomAccessTokenHookTests(HookFixture fixture) : IClassFixture<HookFixture>
{
    [Fact]
    public async Task Pg_function_hook_adds_claims_on_sign_in_and_refresh()
    {
        await fixture.Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS public.user_roles (user_id uuid PRIMARY KEY, role text NOT NULL);
            CREATE OR REPLACE FUNCTION public.custom_access_token_hook(event jsonb) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
            DECLARE
              claims jsonb := event->'claims';
              r text;
            BEGIN
              IF event->'claims'->>'email' LIKE 'broken%' THEN RETURN jsonb_build_object('claims', jsonb_build_object('sub', event->>'user_id')); END IF;
              SELECT role INTO r FROM public.user_roles WHERE user_id = (event->>'user_id')::uuid;
              claims := jsonb_set(claims, '{user_role}', coalesce(to_jsonb(r), 'null'::jsonb));
              claims := jsonb_set(claims, '{auth_method}', to_jsonb(event->>'authentication_method'));
              RETURN jsonb_build_object('claims', claims);
            END $$;
            """);
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email);
        var claims = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, claims.GetProperty("user_role").ValueKind);
        Assert.Equal("password", claims.GetProperty("auth_method").GetString());

        var id = session.GetProperty("user").GetProperty("id").GetString();
        await fixture.Database.ExecuteAsync($"INSERT INTO public.user_roles VALUES ('{id}', 'moderator')");
        var (status, refreshed, _) = await fixture.PostAsync("/token?grant_type=refresh_token", new { refresh_token = session.GetProperty("refresh_token").GetString() });
        Assert.Equal(200, status);
        var after = AuthHostFixture.Claims(refreshed.GetProperty("access_token").GetString()!);
        Assert.Equal("moderator", after.GetProperty("user_role").GetString());
        Assert.Equal("token_refresh", after.GetProperty("auth_method").GetString());
        // The token still passes GET /user.
        Assert.Equal(200, (await fixture.SendAsync(HttpMethod.Get, "/user", bearer: refreshed.GetProperty("access_token").GetString())).Status);
    }

    [Fact]
    public async Task Hook_dropping_required_claims_fails_the_sign_in()
    {
        await fixture.Database.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION public.custom_access_token_hook(event jsonb) RETURNS jsonb LANGUAGE sql AS $$
              SELECT CASE WHEN event->'claims'->>'email' LIKE 'broken%' THEN jsonb_build_object('claims', jsonb_build_object('sub', event->>'user_id'))
                          ELSE jsonb_build_object('claims', event->'claims') END
            $$;
            """);
        var (status, body, _) = await fixture.PostAsync("/signup", new { email = "broken" + AuthHostFixture.NewEmail(), password = "password123" });
        Assert.Equal(500, status);
        Assert.Contains("expected schema", body.GetProperty("message").GetString());
    }
}
