using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Hooks;

public sealed class SendEmailHookFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.email]
        enable_confirmations = true
        max_frequency = "0s"
        [auth.hook.send_email]
        enabled = true
        uri = "pg-functions://postgres/public/send_email"
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.outbox (id serial PRIMARY KEY, payload jsonb NOT NULL);
            CREATE FUNCTION public.send_email(event jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
            BEGIN
              IF event->'user'->>'email' LIKE 'bounce%' THEN
                RETURN jsonb_build_object('error', jsonb_build_object('http_code', 422, 'message', 'Mailbox does not exist'));
              END IF;
              INSERT INTO public.outbox (payload) VALUES (event);
              RETURN '{}'::jsonb;
            END $$;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class SendEmailHookTests(SendEmailHookFixture fixture) : IClassFixture<SendEmailHookFixture>
{
    [Fact]
    public async Task Hook_receives_the_user_and_email_data_instead_of_smtp()
    {
        var email = AuthHostFixture.NewEmail();
        var (status, _, _) = await fixture.PostAsync("/signup?redirect_to=http://127.0.0.1:3000/x", new { email, password = "password123" });
        Assert.Equal(200, status);
        Assert.Equal("signup", await fixture.Database.ScalarAsync<string>($"SELECT payload->'email_data'->>'email_action_type' FROM public.outbox WHERE payload->'user'->>'email' = '{email}'"));
        Assert.Equal("http://127.0.0.1:3000/x", await fixture.Database.ScalarAsync<string>($"SELECT payload->'email_data'->>'redirect_to' FROM public.outbox WHERE payload->'user'->>'email' = '{email}'"));
        var token = await fixture.Database.ScalarAsync<string>($"SELECT payload->'email_data'->>'token' FROM public.outbox WHERE payload->'user'->>'email' = '{email}'");
        var (ok, session, _) = await fixture.PostAsync("/verify", new { type = "signup", email, token });
        Assert.Equal(200, ok);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Hook_errors_reach_the_client()
    {
        var (status, body, _) = await fixture.PostAsync("/signup", new { email = "bounce" + AuthHostFixture.NewEmail(), password = "password123" });
        Assert.Equal(422, status);
        Assert.Equal("Mailbox does not exist", body.GetProperty("message").GetString());
    }
}
