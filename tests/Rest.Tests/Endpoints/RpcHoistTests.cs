using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>A function's SET statement_timeout / default_transaction_isolation apply to the RPC's whole transaction.</summary>
public sealed class RpcHoistTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE OR REPLACE FUNCTION public.slow_capped() RETURNS int LANGUAGE sql SET statement_timeout = '150ms' AS
          $$ SELECT 1 FROM pg_sleep(5) $$;
        CREATE OR REPLACE FUNCTION public.isolated() RETURNS text LANGUAGE sql SET default_transaction_isolation = 'serializable' AS
          $$ SELECT current_setting('transaction_isolation') $$;
        CREATE OR REPLACE FUNCTION public.not_hoisted() RETURNS text LANGUAGE sql SET work_mem = '7MB' AS
          $$ SELECT current_setting('work_mem') $$;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Statement_timeout_of_the_function_cancels_the_call()
    {
        var started = DateTime.UtcNow;
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/slow_capped", "{}");
        Assert.Equal(500, status);
        Assert.Equal("57014", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the call should be cancelled long before pg_sleep(5) ends");
    }

    [Fact]
    public async Task Isolation_level_of_the_function_is_the_transaction_level()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/isolated", "{}");
        Assert.Equal(200, status);
        Assert.Equal("\"serializable\"", body);
        (status, body, _) = await fx.GetAsync("/rpc/isolated");
        Assert.Equal(200, status);
        Assert.Equal("\"serializable\"", body);
    }

    [Fact]
    public async Task Other_settings_stay_inside_the_function()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/not_hoisted", "{}");
        Assert.Equal(200, status);
        Assert.Equal("\"7MB\"", body);
    }
}
