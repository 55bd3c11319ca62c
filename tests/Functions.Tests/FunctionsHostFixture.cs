using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Supacs.Functions;
using Supacs.Testing;

namespace Supacs.Functions.Tests;

/// <summary>
/// A real Kestrel host serving /functions/v1 over a temp project folder. Test classes derive, write their
/// functions in <see cref="WriteFunctions"/> and set config.toml in <see cref="ConfigToml"/>.
/// </summary>
public abstract class FunctionsHostFixture : DatabaseFixture, IAsyncLifetime
{
    private SupacsTestHost? _host;

    public string ProjectDir { get; } = Path.Combine(Path.GetTempPath(), "supacs-fn-" + Guid.NewGuid().ToString("N")[..12]);
    public SupacsTestHost Host => _host ?? throw new InvalidOperationException("Host not started.");
    public HttpClient Client => Host.Client;
    public LogSink Logs { get; } = new();

    protected virtual string ConfigToml => "";

    protected abstract void WriteFunctions();

    public void Write(string relativePath, string content)
    {
        var path = Path.Combine(ProjectDir, "supabase", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    protected override async Task InitializeDatabaseAsync(TestDatabase database)
    {
        Directory.CreateDirectory(Path.Combine(ProjectDir, "supabase", "functions"));
        WriteFunctions();
        Write("config.toml", ConfigToml);
        _host = await SupacsTestHost.StartAsync(database, s =>
            {
                s.AddSupacsFunctions();
                s.AddLogging(b => b.AddProvider(Logs));
            }, app => app.MapSupacsFunctions(),
            projectDir: ProjectDir).ConfigureAwait(false);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token = null)
    {
        var r = new HttpRequestMessage(method, "/functions/v1/" + path);
        if (token is not null) r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return r;
    }

    /// <summary>Stops what a derived fixture started besides the host (peers, upstreams).</summary>
    protected virtual Task DisposePeersAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync().ConfigureAwait(false);
        await DisposePeersAsync().ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(ProjectDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
