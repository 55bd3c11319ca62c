using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Realtime;
using Supacs.Testing;

namespace Supacs.Realtime.Tests;

/// <summary>A database with the realtime schema (cloned from a per-process template) and a Supacs host serving Realtime.</summary>
public class RealtimeFixture : DatabaseFixture, IAsyncLifetime
{
    private const string TemplateName = "realtime_template";
    private SupacsTestHost? _host;

    protected override string Template => TemplateName;

    public SupacsTestHost Host => _host ?? throw new InvalidOperationException("Host not started.");

    protected virtual string? ConfigToml => null;

    /// <summary>
    /// Test hosts answer refused upgrades and join errors at once (upstream's test config shortens them too); a fixture that
    /// proves the default delays turns this off.
    /// </summary>
    protected virtual bool ImmediateErrors => true;

    private static readonly string[] BackoffKeys = ["connect_error_backoff_ms", "channel_error_backoff_ms"];

    private string? EffectiveToml()
    {
        var toml = ConfigToml;
        if (!ImmediateErrors) return toml;
        var keys = string.Concat(BackoffKeys.Where(k => toml is null || !toml.Contains(k, StringComparison.Ordinal)).Select(k => k + " = 0\n"));
        if (toml is null) return "[realtime]\n" + keys;
        var at = toml.IndexOf("[realtime]", StringComparison.Ordinal);
        return at < 0 ? toml + "\n[realtime]\n" + keys : toml.Insert(at + "[realtime]".Length, "\n" + keys);
    }

    protected override Task PrepareTemplateAsync(TestPostgres server) =>
        server.EnsureTemplateAsync(TemplateName, conn => new RealtimeSchema().MigrateAsync(conn, CancellationToken.None));

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        await SetUpAsync(database);
        _host = await SupacsTestHost.StartAsync(database, s =>
        {
            s.AddSupacsRealtime();
            // REALTIME_TEST_LOG=1 shows the module's logs when debugging a test.
            if (Environment.GetEnvironmentVariable("REALTIME_TEST_LOG") == "1")
                s.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
        }, app => app.MapSupacsRealtime(), EffectiveToml());
    }

    protected virtual Task SetUpAsync(TestDatabase database) => Task.CompletedTask;

    /// <summary>A connected Phoenix client speaking <paramref name="vsn"/>, authorised with the anon key.</summary>
    public Task<PhoenixTestClient> ConnectAsync(string vsn = "2.0.0", string? apikey = null) =>
        PhoenixTestClient.ConnectAsync(Host.BaseAddress, apikey ?? Host.Project.Keys.AnonKey, vsn);

    /// <summary>Stops the host now (a test that simulates a restart); disposal then skips it.</summary>
    public async Task StopHostAsync()
    {
        var host = Interlocked.Exchange(ref _host, null);
        if (host is not null) await host.DisposeAsync();
    }

    public new async Task DisposeAsync()
    {
        await StopHostAsync();
        await base.DisposeAsync();
    }
}
