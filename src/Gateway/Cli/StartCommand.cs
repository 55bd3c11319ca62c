using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Supacs.Core;
using Supacs.Core.Hosting;
using Supacs.Core.Postgres;
using Supacs.Gateway.Hosting;

namespace Supacs.Gateway.Cli;

/// <summary><c>supacs start</c>: runs every module in one Kestrel host until stopped.</summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("start", "Start Supacs (embedded PostgreSQL unless --db-url is given).");
        common.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var options = common.Resolve(result);
            // Cheap checks first, so each common mistake is one clear line before anything starts.
            EnsurePortFree(options);
            ClusterLocator.EnsureWritable(options.DataDir);
            if (options.DbUrl is null) PostgresBinaries.Locate();
            using var instanceLock = InstanceLock.Acquire(options.DataDir);
            var app = GatewayHost.Build(options, Console.Out);
            try
            {
                await app.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Environment.ExitCode != 0)
            {
                // Start-up failed in the background and stopped the host while Kestrel was binding; the
                // reporter already printed the cause.
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new SupacsStartupException($"Port {options.Port} is already in use; choose another with --port.", e);
            }
            return Environment.ExitCode;
        });
        return command;
    }

    private static void EnsurePortFree(SupacsOptions options)
    {
        try
        {
            var address = IPAddress.TryParse(options.Host, out var ip) ? ip : IPAddress.Loopback;
            using var listener = new TcpListener(address, options.Port);
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new SupacsStartupException($"Port {options.Port} is already in use; choose another with --port.", e);
        }
    }
}
