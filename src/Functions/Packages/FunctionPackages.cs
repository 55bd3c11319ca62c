using Acornima;
using Acornima.Ast;
using Jint.Runtime.Modules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Supacs.Core.Config;
using Supacs.Functions.Loading;

namespace Supacs.Functions.Packages;

/// <summary>What <c>supacs functions install</c> did: packages installed or found, and imports that failed.</summary>
public sealed record FunctionInstallReport(int Functions, IReadOnlyList<string> Packages, IReadOnlyList<string> Errors);

/// <summary>
/// Installs ahead of time what the project's functions import (<c>supacs functions install</c>): reads every
/// function's entry file and the project files it imports (TypeScript stripped, import maps applied), and installs each
/// package import from the registry into the data dir's store, as the first load would.
/// </summary>
public static class FunctionPackages
{
    public static FunctionInstallReport Install(string projectDir, string dataDir, ProjectConfig config, Action<string> log, CancellationToken ct = default)
    {
        var options = FunctionsOptions.FromConfig(config);
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.All }) { Timeout = TimeSpan.FromMinutes(2) };
        var store = new PackageStore(PackageStore.DefaultRoot(dataDir), options.Registries, http, NullLogger.Instance);
        var stripCache = Path.Combine(dataDir, "functions", "transpiled");
        var packages = new SortedSet<string>(StringComparer.Ordinal);
        var errors = new List<string>();
        var root = FunctionLocator.FunctionsRoot(projectDir);
        var functions = 0;
        if (root is null || !Directory.Exists(root)) return new FunctionInstallReport(0, [], []);
        foreach (var name in Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Where(FunctionLocator.IsValidName).Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var settings = FunctionSettings.For(config, name);
            if (FunctionLocator.FindEntry(projectDir, name, settings) is not { } entry) continue;
            functions++;
            var loader = new FunctionModuleLoader(projectDir, new ModuleCache(), stripCache, store, ImportMap.Find(entry, projectDir, settings));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            queue.Enqueue(new Uri(entry).AbsoluteUri);
            seen.Add(queue.Peek());
            while (queue.Count > 0)
            {
                var file = queue.Dequeue();
                foreach (var specifier in Imports(new Uri(file).LocalPath, stripCache, errors))
                {
                    var resolved = Resolve(loader, store, file, specifier, name, packages, errors, log, ct);
                    if (resolved is null || !resolved.StartsWith("file:", StringComparison.Ordinal)) continue;
                    var path = new Uri(resolved).LocalPath;
                    if (path.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                    if (seen.Add(resolved)) queue.Enqueue(resolved);
                }
            }
        }
        return new FunctionInstallReport(functions, [.. packages], errors);
    }

    private static string? Resolve(FunctionModuleLoader loader, PackageStore store, string referencing, string specifier, string function,
        SortedSet<string> packages, List<string> errors, Action<string> log, CancellationToken ct)
    {
        var attempted = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var key = loader.Resolve(referencing, new ModuleRequest(specifier, [])).Key;
                if (key.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && store.Owner(new Uri(key).LocalPath) is { } owner)
                    packages.Add(owner.Name + "@" + owner.Version);
                return key;
            }
            catch (PackageMissingException missing) when (attempted.Add(missing.Request.Display))
            {
                try
                {
                    log($"{function}: installing {missing.Request.Specifier} ({missing.Request.Display}) from {store.Registries.For(missing.Request.RegistryName)}");
                    store.Install(missing.Request, ct);
                }
                catch (PackageInstallException e)
                {
                    errors.Add($"{function}: {specifier}: {e.Message}");
                    return null;
                }
            }
            catch (Exception e) when (e is ModuleNotFoundException or PackageMissingException)
            {
                errors.Add($"{function}: {specifier}: {e.Message}");
                return null;
            }
        }
    }

    /// <summary>The static and literal dynamic import specifiers of one project file.</summary>
    private static List<string> Imports(string path, string stripCache, List<string> errors)
    {
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return [];
        Program program;
        try
        {
            var text = File.ReadAllText(path);
            var code = TypeStripper.NeedsStripping(path) ? TypeStripper.Strip(text, path, stripCache) : text;
            program = new Parser(new ParserOptions { Tolerant = true }).ParseModule(code, path);
        }
        catch (Exception e) when (e is ParseErrorException or IOException or Jint.Runtime.JavaScriptException)
        {
            errors.Add($"{path}: {e.Message}");
            return [];
        }
        var found = new List<string>();
        foreach (var node in program.DescendantNodesAndSelf())
        {
            var source = node switch
            {
                ImportDeclaration i => i.Source.Value,
                ExportAllDeclaration a => a.Source.Value,
                ExportNamedDeclaration { Source: { } s } => s.Value,
                ImportExpression { Source: StringLiteral l } => l.Value,
                _ => null,
            };
            if (source is not null) found.Add(source);
        }
        return found;
    }
}
