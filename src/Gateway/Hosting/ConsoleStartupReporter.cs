using Supacs.Core.Hosting;
using Supacs.Core.Projects;
using Supacs.Gateway.Cli;

namespace Supacs.Gateway.Hosting;

/// <summary>Prints start-up progress and, once ready, the block <c>supabase start</c> prints.</summary>
internal sealed class ConsoleStartupReporter(TextWriter console, ILogger<StartupReporter> log) : StartupReporter(log)
{
    public override void Progress(string message) => console.WriteLine(message);

    public override void Ready(SupacsProject project)
    {
        var values = StatusCommand.Collect(project.Options, project.Keys, project.Database.DisplayUrl);
        console.WriteLine("Started supacs local development setup.");
        console.WriteLine();
        console.Write(StatusCommand.Format(values, "pretty"));
        console.Flush();
    }

    public override void Failed(SupacsProject project, Exception error)
    {
        Console.Error.WriteLine("error: " + error.Message);
        Console.Error.Flush();
    }
}
