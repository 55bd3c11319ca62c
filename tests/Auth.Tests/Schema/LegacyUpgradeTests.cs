using Supacs.Auth.Schema;
using Supacs.Auth.Tests.Infrastructure;
using Supacs.Testing;

namespace Supacs.Auth.Tests.Schema;

/// <summary>A database with the first-generation auth tables a supabase/postgres image creates at init.</summary>
public sealed class LegacyFixture : DatabaseFixture, IAsyncLifetime
{
    public SupacsTestHost Host { get; private set; } = null!;

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await database.ExecuteAsync("""
            DROP FUNCTION IF EXISTS auth.uid() CASCADE;
            CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
            CREATE TABLE auth.users (
              instance_id uuid NULL, id uuid NOT NULL UNIQUE, aud varchar(255) NULL, "role" varchar(255) NULL,
              email varchar(255) NULL UNIQUE, encrypted_password varchar(255) NULL, confirmed_at timestamptz NULL,
              invited_at timestamptz NULL, confirmation_token varchar(255) NULL, confirmation_sent_at timestamptz NULL,
              recovery_token varchar(255) NULL, recovery_sent_at timestamptz NULL, email_change_token varchar(255) NULL,
              email_change varchar(255) NULL, email_change_sent_at timestamptz NULL, last_sign_in_at timestamptz NULL,
              raw_app_meta_data jsonb NULL, raw_user_meta_data jsonb NULL, is_super_admin bool NULL,
              created_at timestamptz NULL, updated_at timestamptz NULL, CONSTRAINT users_pkey PRIMARY KEY (id));
            CREATE TABLE auth.refresh_tokens (instance_id uuid NULL, id bigserial NOT NULL, "token" varchar(255) NULL, user_id varchar(255) NULL,
              revoked bool NULL, created_at timestamptz NULL, updated_at timestamptz NULL, CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id));
            CREATE TABLE auth.instances (id uuid NOT NULL, uuid uuid NULL, raw_base_config text NULL, created_at timestamptz NULL,
              updated_at timestamptz NULL, CONSTRAINT instances_pkey PRIMARY KEY (id));
            CREATE TABLE auth.audit_log_entries (instance_id uuid NULL, id uuid NOT NULL, payload json NULL, created_at timestamptz NULL,
              CONSTRAINT audit_log_entries_pkey PRIMARY KEY (id));
            CREATE TABLE auth.schema_migrations (version varchar(255) NOT NULL, CONSTRAINT schema_migrations_pkey PRIMARY KEY ("version"));
            INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-00000000beef', 'authenticated', 'authenticated', 'old@example.com',
                    crypt('password123', gen_salt('bf', 10)), now(), '{"provider":"email","providers":["email"]}', '{}', now(), now());
            """.Replace("crypt(", "extensions.crypt(", StringComparison.Ordinal).Replace("gen_salt(", "extensions.gen_salt(", StringComparison.Ordinal));
        await database.MigrateAsync([new AuthSchemaContributor()]);
        Host = await SupacsTestHost.StartAsync(database, s => s.AddSupacsAuth(), app => app.MapSupacsAuth());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        await DisposeAsync();
    }
}

public sealed class LegacyUpgradeTests(LegacyFixture fixture) : IClassFixture<LegacyFixture>
{
    [Fact]
    public async Task Legacy_tables_are_upgraded_and_existing_users_sign_in()
    {
        Assert.Equal("ALWAYS", await fixture.Database.ScalarAsync<string>(
            "SELECT is_generated FROM information_schema.columns WHERE table_schema='auth' AND table_name='users' AND column_name='confirmed_at'"));
        Assert.NotNull(await fixture.Database.ScalarAsync<DateTime?>("SELECT email_confirmed_at FROM auth.users WHERE email = 'old@example.com'"));
        using var response = await fixture.Host.Client.PostAsync("/auth/v1/token?grant_type=password",
            System.Net.Http.Json.JsonContent.Create(new { email = "old@example.com", password = "password123" }));
        Assert.Equal(200, (int)response.StatusCode);
        var session = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var sub = AuthHostFixture.Claims(session.GetProperty("access_token").GetString()!).GetProperty("sub").GetString();
        Assert.Equal("00000000-0000-0000-0000-00000000beef", sub);
        // auth.uid() now also reads request.jwt.claims, as PostgREST 10+ sets it.
        Assert.Equal("00000000-0000-0000-0000-00000000beef", await fixture.Database.ScalarAsync<string>(
            "SELECT auth.uid()::text FROM (SELECT set_config('request.jwt.claims', '{\"sub\":\"00000000-0000-0000-0000-00000000beef\"}', false)) s"));
        using var signup = await fixture.Host.Client.PostAsync("/auth/v1/signup",
            System.Net.Http.Json.JsonContent.Create(new { email = "new@example.com", password = "password123" }));
        Assert.Equal(200, (int)signup.StatusCode);
    }
}
