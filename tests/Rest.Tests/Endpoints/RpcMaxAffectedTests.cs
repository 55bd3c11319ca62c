using System.Text.Json;

namespace Supacs.Rest.Tests.Endpoints;

/// <summary>Prefer: handling=strict, max-affected=n on RPC counts the rows the function returns (PostgREST v13).</summary>
public sealed class RpcMaxAffectedTests(RestFixture fx) : IClassFixture<RestFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fx.Database.ExecuteAsync("""
        CREATE TABLE IF NOT EXISTS public.rpc_rows (id int PRIMARY KEY);
        INSERT INTO public.rpc_rows SELECT generate_series(1, 4) ON CONFLICT DO NOTHING;
        GRANT ALL ON public.rpc_rows TO anon;
        CREATE OR REPLACE FUNCTION public.delete_rpc_rows(upto int) RETURNS SETOF public.rpc_rows LANGUAGE sql AS
          $$ DELETE FROM public.rpc_rows WHERE id <= upto RETURNING * $$;
        CREATE OR REPLACE FUNCTION public.delete_rpc_rows_void() RETURNS void LANGUAGE sql AS $$ DELETE FROM public.rpc_rows $$;
        """);

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Code(string body) => JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!;

    [Fact]
    public async Task Exceeding_max_affected_rolls_the_call_back()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/delete_rpc_rows", """{"upto":3}""", null, "Prefer: handling=strict, max-affected=2");
        Assert.Equal(400, status);
        Assert.Equal("PGRST124", Code(body));
        Assert.Equal(4L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.rpc_rows"));
        (status, _, var response) = await fx.SendAsync(HttpMethod.Post, "/rpc/delete_rpc_rows", """{"upto":1}""", null, "Prefer: handling=strict, max-affected=2");
        Assert.Equal(200, status);
        Assert.Contains("max-affected=2", response.Headers.GetValues("Preference-Applied").Single(), StringComparison.Ordinal);
        Assert.Equal(3L, await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.rpc_rows"));
    }

    [Fact]
    public async Task Strict_max_affected_on_a_function_not_returning_a_set_is_PGRST128()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/rpc/delete_rpc_rows_void", "{}", null, "Prefer: handling=strict, max-affected=1");
        Assert.Equal(400, status);
        Assert.Equal("PGRST128", Code(body));
        Assert.True(await fx.Database.ScalarAsync<long>("SELECT count(*) FROM public.rpc_rows") > 0);
    }
}
