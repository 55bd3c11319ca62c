using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supacs.Core.Projects;

namespace Supacs.Rest.Schema;

/// <summary>
/// PostgREST's reload signals: SIGUSR1 reloads the schema cache (and with it the in-database configuration), SIGUSR2
/// the configuration (<c>kill -USR1 $(pidof supacs)</c>), for every ready project of this host. Linux only.
/// </summary>
internal sealed partial class ReloadSignals(ProjectRegistry projects, ILoggerFactory loggers, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private const int SigUsr1 = 10;
    private const int SigUsr2 = 12;
    private readonly ILogger _log = loggers.CreateLogger("Supacs.Rest.Schema");
    private PosixSignalRegistration? _usr1;
    private PosixSignalRegistration? _usr2;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) return Task.CompletedTask;
        _usr1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context => OnSignal(context, config: false));
        _usr2 = PosixSignalRegistration.Create((PosixSignal)SigUsr2, context => OnSignal(context, config: true));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _usr1?.Dispose();
        _usr2?.Dispose();
        _usr1 = _usr2 = null;
    }

    private void OnSignal(PosixSignalContext context, bool config)
    {
        context.Cancel = true;
        LogSignal(_log, config ? "SIGUSR2" : "SIGUSR1");
        foreach (var project in projects.Projects.Where(p => p.IsReady))
        {
            var state = SchemaCacheState.For(project, loggers, lifetime.ApplicationStopping);
            var reload = config ? state.ReloadConfigAsync() : state.ReloadAsync();
            reload.ContinueWith(static t => t.Exception?.Handle(_ => true), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    [LoggerMessage(EventId = 9023, Level = LogLevel.Information, Message = "REST reload requested by {Signal}")]
    private static partial void LogSignal(ILogger log, string signal);
}
