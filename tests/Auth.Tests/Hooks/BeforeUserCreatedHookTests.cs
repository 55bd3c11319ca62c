using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Hooks;

public sealed class BeforeUserCreatedHookFixture : AuthHostFixture
{
    protected override string ConfigToml => """
        [auth.hook.before_user_created]
        enabled = true
        uri = "pg-functions://postgres/public/before_user_created"
        """;

    protected override async Task InitializeDatabaseAsync(Supacs.Testing.TestDatabase database)
    {
        await database.ExecuteAsync("""
            CREATE TABLE public.seen_signups (id serial PRIMARY KEY, payload jsonb NOT NULL);
            CREATE FUNCTION public.before_user_created(event jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO public.seen_signups (payload) VALUES (event);
              IF event->'user'->>'email' LIKE '%@blocked.example' THEN
                RETURN jsonb_build_object('error', jsonb_build_object('http_code', 400, 'message', 'Signups from this email domain are not allowed.'));
              END IF;
              RETURN '{}'::jsonb;
            END $$;
            """);
        await base.InitializeDatabaseAsync(database);
    }
}

public sealed class BeforeUserCreatedHookTests(BeforeUserCreatedHookFixture fixture) : IClassFixture<BeforeUserCreatedHookFixture>
{
    [Fact]
    public async Task The_hook_sees_the_new_user_and_can_refuse_it_on_every_path()
    {
        var email = AuthHostFixture.NewEmail();
        var session = await fixture.SignUpAsync(email);
        var seen = await fixture.Database.ScalarAsync<string>(
            $"SELECT payload::text FROM public.seen_signups WHERE payload->'user'->>'email' = '{email}'");
        using (var doc = System.Text.Json.JsonDocument.Parse(seen!))
        {
            Assert.Equal("before-user-created", doc.RootElement.GetProperty("metadata").GetProperty("name").GetString());
            Assert.Equal(session.GetProperty("user").GetProperty("id").GetString(), doc.RootElement.GetProperty("user").GetProperty("id").GetString());
        }

        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users");
        var (s1, e1, _) = await fixture.PostAsync("/signup", new { email = "eve@blocked.example", password = "password123" });
        Assert.Equal(400, s1);
        Assert.Equal("Signups from this email domain are not allowed.", e1.GetProperty("message").GetString());
        var (s2, _, _) = await fixture.PostAsync("/admin/users", new { email = "mallory@blocked.example", password = "password123" }, AuthHostFixture.ServiceRole);
        Assert.Equal(400, s2);
        var (s3, _, _) = await fixture.PostAsync("/otp", new { email = "trent@blocked.example" });
        Assert.Equal(400, s3);
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.users"));
    }
}
