using System.CommandLine;
using Supacs.Core;
using Supacs.Core.Config;
using Supacs.Functions.Packages;

namespace Supacs.Gateway.Cli;

/// <summary>
/// <c>supacs functions install</c>: installs the npm/esm.sh/jsr/deno.land/x packages the project's edge functions
/// import into the data dir's package store (what the first load of each function would otherwise do).
/// </summary>
internal static class FunctionsCommands
{
    public static Command Install()
    {
        var common = new CommonOptions();
        var command = new Command("install", "Install the packages edge functions import (npm registry) into the data dir.");
        common.AddTo(command);
        command.SetAction((result, ct) =>
        {
            var options = common.Resolve(result);
            var projectDir = Path.GetFullPath(options.ProjectDir ?? ".");
            if (!Directory.Exists(Path.Combine(projectDir, "supabase", "functions")))
                throw new SupacsStartupException($"{projectDir} has no supabase/functions folder.");
            var config = ProjectConfig.Load(projectDir);
            var report = FunctionPackages.Install(projectDir, Path.GetFullPath(options.DataDir), config, Console.Out.WriteLine, ct);
            foreach (var p in report.Packages) Console.Out.WriteLine("  " + p);
            foreach (var e in report.Errors) Console.Error.WriteLine("error: " + e);
            Console.Out.WriteLine($"{report.Functions} functions, {report.Packages.Count} imported packages installed or up to date (with their dependencies), {report.Errors.Count} errors.");
            return Task.FromResult(report.Errors.Count == 0 ? 0 : 1);
        });
        return command;
    }
}
