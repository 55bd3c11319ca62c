using System.Text.Json;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Endpoints;

public sealed class SignupFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth]
        enable_anonymous_sign_ins = true
        minimum_password_length = 8
        """;
}

public sealed class SignupTests(SignupFixture fixture) : IClassFixture<SignupFixture>
{
    [Fact]
    public async Task Autoconfirm_signup_returns_a_session_with_gotrue_claims()
    {
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email.ToUpperInvariant(), data: new { full_name = "Ann" });
        Assert.Equal("bearer", session.GetProperty("token_type").GetString());
        Assert.Equal(3600, session.GetProperty("expires_in").GetInt32());
        Assert.Equal(12, session.GetProperty("refresh_token").GetString()!.Length);
        var user = session.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal("", user.GetProperty("phone").GetString());
        Assert.Equal("authenticated", user.GetProperty("aud").GetString());
        Assert.Equal("Ann", user.GetProperty("user_metadata").GetProperty("full_name").GetString());
        Assert.True(user.GetProperty("user_metadata").GetProperty("email_verified").GetBoolean());
        Assert.Equal("email", user.GetProperty("app_metadata").GetProperty("provider").GetString());
        Assert.True(user.TryGetProperty("email_confirmed_at", out _));
        Assert.False(user.TryGetProperty("new_email", out _));
        var identity = Assert.Single(user.GetProperty("identities").EnumerateArray());
        Assert.Equal(user.GetProperty("id").GetString(), identity.GetProperty("id").GetString());
        Assert.Equal("email", identity.GetProperty("provider").GetString());

        var claims = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!);
        Assert.Equal(user.GetProperty("id").GetString(), claims.GetProperty("sub").GetString());
        Assert.Equal("authenticated", claims.GetProperty("role").GetString());
        Assert.Equal("aal1", claims.GetProperty("aal").GetString());
        Assert.Equal("password", claims.GetProperty("amr")[0].GetProperty("method").GetString());
        Assert.False(claims.GetProperty("is_anonymous").GetBoolean());
        Assert.True(Guid.TryParse(claims.GetProperty("session_id").GetString(), out var sid));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM auth.sessions WHERE id = '{sid}'"));
        Assert.StartsWith("$2a$10$", await fixture.Database.ScalarAsync<string>($"SELECT encrypted_password FROM auth.users WHERE email = '{email}'"));
    }

    [Fact]
    public async Task Duplicate_confirmed_email_is_user_already_exists()
    {
        var email = AuthHostFixture.NewEmail();
        await fixture.SignUpAsync(email);
        var (status, body, response) = await fixture.PostAsync("/signup", new { email, password = "password123" });
        Assert.Equal(422, status);
        Assert.Equal("user_already_exists", body.GetProperty("code").GetString());
        Assert.Equal("User already registered", body.GetProperty("message").GetString());
        Assert.Equal("user_already_exists", response.Headers.GetValues("x-sb-error-code").Single());
        Assert.Equal("2024-01-01", response.Headers.GetValues("X-Supabase-Api-Version").Single());
    }

    [Fact]
    public async Task Legacy_error_shape_without_the_version_header()
    {
        var (status, body, _) = await fixture.PostAsync("/signup", new { email = AuthHostFixture.NewEmail(), password = "short" }, versioned: false);
        Assert.Equal(422, status);
        Assert.Equal(422, body.GetProperty("code").GetInt32());
        Assert.Equal("weak_password", body.GetProperty("error_code").GetString());
        Assert.Contains("at least 8 characters", body.GetProperty("msg").GetString());
        Assert.Equal("length", body.GetProperty("weak_password").GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Bad_input_gets_gotrue_codes_and_writes_nothing()
    {
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var (s1, b1, _) = await fixture.PostAsync("/signup", "{not json");
        Assert.Equal((400, "bad_json"), (s1, b1.GetProperty("code").GetString()));
        var (s2, b2, _) = await fixture.PostAsync("/signup", new { email = "x'; drop table auth.users; --@", password = "password123" });
        Assert.Equal((400, "email_address_invalid"), (s2, b2.GetProperty("code").GetString()));
        var (s3, b3, _) = await fixture.PostAsync("/signup", new { email = AuthHostFixture.NewEmail() });
        Assert.Equal((400, "validation_failed"), (s3, b3.GetProperty("code").GetString()));
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }

    [Fact]
    public async Task Anonymous_sign_in_returns_an_anonymous_session()
    {
        var (status, body, _) = await fixture.PostAsync("/signup", new { data = new { plan = "free" } });
        Assert.Equal(200, status);
        var user = body.GetProperty("user");
        Assert.True(user.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal("", user.GetProperty("email").GetString());
        Assert.Empty(user.GetProperty("identities").EnumerateArray());
        var claims = AuthHostFixture.Claims(body.GetProperty("access_token").GetString()!);
        Assert.True(claims.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal("anonymous", claims.GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task App_trigger_on_auth_users_fires_and_its_failure_message_surfaces()
    {
        await fixture.Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS public.profiles (id uuid PRIMARY KEY, full_name text);
            CREATE OR REPLACE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
            BEGIN
              IF new.raw_user_meta_data->>'full_name' = 'forbidden' THEN RAISE EXCEPTION 'profile name not allowed'; END IF;
              INSERT INTO public.profiles (id, full_name) VALUES (new.id, new.raw_user_meta_data->>'full_name');
              RETURN new;
            END $$;
            DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;
            CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
            """);
        var session = await fixture.SignUpAsync(AuthHostFixture.NewEmail(), data: new { full_name = "Bea" });
        var id = session.GetProperty("user").GetProperty("id").GetString();
        Assert.Equal("Bea", await fixture.Database.ScalarAsync<string>($"SELECT full_name FROM public.profiles WHERE id = '{id}'"));

        var email = AuthHostFixture.NewEmail();
        var (status, body, _) = await fixture.PostAsync("/signup", new { email, password = "password123", data = new { full_name = "forbidden" } });
        Assert.Equal(500, status);
        Assert.Equal("unexpected_failure", body.GetProperty("code").GetString());
        Assert.Contains("profile name not allowed", body.GetProperty("message").GetString());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM auth.users WHERE email = '{email}'"));
        await fixture.Database.ExecuteAsync("DROP TRIGGER on_auth_user_created ON auth.users");
    }

    [Fact]
    public async Task Health_and_settings()
    {
        var (s1, health, _) = await fixture.SendAsync(HttpMethod.Get, "/health");
        Assert.Equal(200, s1);
        Assert.Equal("GoTrue", health.GetProperty("name").GetString());
        var (s2, settings, _) = await fixture.SendAsync(HttpMethod.Get, "/settings");
        Assert.Equal(200, s2);
        Assert.True(settings.GetProperty("external").GetProperty("anonymous_users").GetBoolean());
        Assert.True(settings.GetProperty("external").GetProperty("email").GetBoolean());
        Assert.True(settings.GetProperty("mailer_autoconfirm").GetBoolean());
        Assert.False(settings.GetProperty("disable_signup").GetBoolean());
        Assert.Equal(JsonValueKind.False, settings.GetProperty("external").GetProperty("github").ValueKind);
    }
}
