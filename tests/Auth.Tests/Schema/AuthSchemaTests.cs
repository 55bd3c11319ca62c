using Supacs.Auth.Schema;
using Supacs.Auth.Tests.Infrastructure;

namespace Supacs.Auth.Tests.Schema;

public sealed class AuthSchemaTests(AuthHostFixture fixture) : IClassFixture<AuthHostFixture>
{
    [Fact]
    public async Task Creates_gotrue_tables_and_records_history()
    {
        var tables = await fixture.Database.ScalarAsync<string>(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'auth'");
        foreach (var t in new[] { "audit_log_entries", "flow_state", "identities", "instances", "mfa_amr_claims", "mfa_challenges", "mfa_factors",
                     "one_time_tokens", "refresh_tokens", "saml_providers", "saml_relay_states", "schema_migrations", "sessions", "sso_domains", "sso_providers", "users" })
            Assert.Contains(t, tables!.Split(','));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.schema_migrations WHERE version = '0001'"));
    }

    [Fact]
    public async Task Columns_types_and_generated_columns_match_gotrue()
    {
        Assert.Equal("character varying", await fixture.Database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_schema='auth' AND table_name='refresh_tokens' AND column_name='user_id'"));
        Assert.Equal("ALWAYS", await fixture.Database.ScalarAsync<string>(
            "SELECT is_generated FROM information_schema.columns WHERE table_schema='auth' AND table_name='users' AND column_name='confirmed_at'"));
        Assert.Equal("inet", await fixture.Database.ScalarAsync<string>(
            "SELECT data_type FROM information_schema.columns WHERE table_schema='auth' AND table_name='sessions' AND column_name='ip'"));
        await fixture.Database.ExecuteAsync("""
            INSERT INTO auth.users (id, email, email_confirmed_at, phone_confirmed_at) VALUES ('00000000-0000-0000-0000-0000000000aa', 'g@x.io', '2024-01-02', '2024-01-01');
            INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ('p', '00000000-0000-0000-0000-0000000000aa', '{"email":"MiXed@X.io"}', 'email');
            """);
        Assert.Equal(new DateTime(2024, 1, 1), (await fixture.Database.ScalarAsync<DateTime>(
            "SELECT confirmed_at AT TIME ZONE 'UTC' FROM auth.users WHERE id = '00000000-0000-0000-0000-0000000000aa'")).Date);
        Assert.Equal("mixed@x.io", await fixture.Database.ScalarAsync<string>("SELECT email FROM auth.identities WHERE provider_id = 'p'"));
        Assert.True(await fixture.Database.ScalarAsync<bool>("SELECT relrowsecurity FROM pg_class WHERE oid = 'auth.users'::regclass"));
        Assert.NotNull(await fixture.Database.ScalarAsync<string>("SELECT indexname FROM pg_indexes WHERE schemaname='auth' AND indexname='users_email_partial_key'"));
    }

    [Fact]
    public async Task Migrating_again_is_a_no_op()
    {
        var before = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.schema_migrations");
        Assert.True(before >= 2);
        await fixture.Database.MigrateAsync([new AuthSchemaContributor()]);
        Assert.Equal(before, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM auth.schema_migrations"));
    }
}
