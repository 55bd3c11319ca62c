using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Jint;
using Jint.Runtime.Modules;
using Supacs.Functions.Packages;
using Module = Jint.Runtime.Modules.Module;

namespace Supacs.Functions.Loading;

/// <summary>A file a worker loaded, with what it looked like then, to notice edits.</summary>
internal readonly record struct LoadedFile(string Path, long LastWriteTicks, long Length)
{
    public static LoadedFile Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new LoadedFile(path, info.LastWriteTimeUtc.Ticks, info.Length) : new LoadedFile(path, 0, -1);
    }

    public bool Changed => Of(Path) != this;
}

/// <summary>Parsed modules shared by every engine of a project, keyed by location and content hash.</summary>
internal sealed class ModuleCache
{
    private readonly ConcurrentDictionary<string, Prepared<Acornima.Ast.Module>> _prepared = new(StringComparer.Ordinal);

    public Prepared<Acornima.Ast.Module> Get(string location, string code)
    {
        var key = location + "#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
        if (_prepared.TryGetValue(key, out var p)) return p;
        if (_prepared.Count > 5000) _prepared.Clear();
        // Compiling every regex literal to IL costs more at load than it saves on the few a request runs.
        p = Engine.PrepareModule(code, location, new ModulePreparationOptions { ParsingOptions = new ModuleParsingOptions { CompileRegex = false } });
        _prepared[key] = p;
        return p;
    }
}

/// <summary>
/// Resolves a function's imports without the network: relative and <c>file:</c> paths inside the project,
/// deno.land std <c>http/server.ts</c> to a shim over <c>Deno.serve</c>, type-only modules to empty ones.
/// TypeScript/JSX files are stripped on load. Records every file it read so edits are picked up.
/// </summary>
internal sealed class FunctionModuleLoader(string projectDir, ModuleCache cache, string? stripCacheDir, PackageStore? store, ImportMap? importMap) : IModuleLoader
{
    public const string StdServe = "supacs:std/http/server";
    public const string Empty = "supacs:empty";

    private const string StdServeSource = """
        export function serve(handler, options) { return __supacsStdServe(handler, options); }
        export function serveTls(handler, options) { return __supacsStdServe(handler, options); }
        export async function listenAndServe(addr, handler, options) { return __supacsStdServe(handler, options); }
        export class Server {
          constructor(options) { this.options = options || {}; }
          listenAndServe() { return __supacsStdServe(this.options.handler, this.options); }
          serve() { return this.listenAndServe(); }
          close() {}
        }
        """;

    private readonly string _root = Path.GetFullPath(projectDir);

    public List<LoadedFile> Files { get; } = [];

    public ResolvedSpecifier Resolve(string? referencingModuleLocation, ModuleRequest moduleRequest)
    {
        var key = Map(moduleRequest.Specifier, referencingModuleLocation);
        var uri = key.StartsWith("file:", StringComparison.Ordinal) ? new Uri(key) : null;
        return new ResolvedSpecifier(moduleRequest, key, uri, SpecifierType.RelativeOrAbsolute);
    }

    public Module LoadModule(Engine engine, ResolvedSpecifier resolved)
    {
        switch (resolved.Key)
        {
            case StdServe:
                return ModuleFactory.BuildSourceTextModule(engine, resolved, StdServeSource);
            case Empty:
                return ModuleFactory.BuildSourceTextModule(engine, resolved, "export {};");
        }
        if (StdShims.Source(resolved.Key) is { } std) return ModuleFactory.BuildSourceTextModule(engine, resolved, std);
        if (resolved.Key.StartsWith(NodeBuiltinPrefix, StringComparison.Ordinal))
            return ModuleFactory.BuildSourceTextModule(engine, resolved, CommonJs.BuiltinShim(engine, resolved.Key[NodeBuiltinPrefix.Length..]));
        var path = resolved.Uri!.LocalPath;
        Files.Add(LoadedFile.Of(path));
        var text = File.ReadAllText(path);
        if (IsJson(resolved)) return ModuleFactory.BuildJsonModule(engine, resolved, text);
        if (CommonJs.IsCommonJs(path, text))
            return ModuleFactory.BuildSourceTextModule(engine, resolved, CommonJs.EsmShim(engine, path));
        var code = TypeStripper.NeedsStripping(path) ? TypeStripper.Strip(text, path, stripCacheDir) : text;
        var prepared = cache.Get(resolved.Key, code);
        return ModuleFactory.BuildSourceTextModule(engine, prepared);
    }

    private static bool IsJson(ResolvedSpecifier resolved) =>
        resolved.ModuleRequest.Attributes.Any(a => a.Key == "type" && a.Value == "json")
        || resolved.Key.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private string Map(string specifier, string? referencing)
    {
        // Import maps apply to the function's own code, not inside installed packages (as in Deno).
        if (importMap is not null && (referencing is null || !referencing.Contains("/node_modules/", StringComparison.Ordinal)))
            specifier = importMap.Apply(specifier, referencing);
        if (IsStdHttpServer(specifier)) return StdServe;
        if (StdShims.Map(specifier) is { } stdKey) return stdKey;
        if (StdShims.ToJsr(specifier) is { } jsrStd) specifier = jsrStd;
        if (IsTypeOnly(specifier)) return Empty;
        if (NodeBuiltin(specifier) is { } builtin) return NodeBuiltinPrefix + builtin;
        var referencingDir = referencing is not null && referencing.StartsWith("file:", StringComparison.Ordinal)
            ? Path.GetDirectoryName(new Uri(referencing).LocalPath)!
            : _root;
        PackageRequest? package;
        try
        {
            package = PackageSpecifier.Parse(specifier);
        }
        catch (UnsupportedModuleException e)
        {
            throw new ModuleNotFoundException(e.Message);
        }
        if (package is not null)
        {
            var resolution = PackageResolver.Resolve(package, referencingDir, store);
            if (resolution.File is { } file) return new Uri(file).AbsoluteUri;
            if (resolution.PackageFound)
                throw new ModuleNotFoundException($"Module not found \"{specifier}\": package {package.Name} has no file for \"{(package.Subpath.Length == 0 ? "." : "./" + package.Subpath)}\"");
            // Missing: remote-looking imports (and dependencies of installed packages) are installed from the registry.
            if (store is not null && store.Owner(referencingDir + Path.DirectorySeparatorChar + "x") is { } owner)
            {
                var (registryName, range) = store.Declared(owner.Dir, package.Name);
                throw new PackageMissingException(package with { RegistryName = registryName, Range = range });
            }
            if (store is not null && package.Remote) throw new PackageMissingException(package);
            throw new ModuleNotFoundException(
                $"Module not found \"{specifier}\": package {package.Name} is not installed (bare imports resolve from node_modules next to the project; use npm:, jsr: or an import map entry to install it)");
        }
        string path;
        if (specifier.StartsWith("file://", StringComparison.Ordinal)) path = new Uri(specifier).LocalPath;
        else if (specifier.StartsWith("./", StringComparison.Ordinal) || specifier.StartsWith("../", StringComparison.Ordinal) || specifier.StartsWith('/'))
        {
            if (specifier.StartsWith('/')) path = specifier;
            else
            {
                if (referencing is null || !referencing.StartsWith("file:", StringComparison.Ordinal))
                    throw new ModuleNotFoundException($"Relative import \"{specifier}\" has no referencing file");
                path = Path.Combine(referencingDir, Uri.UnescapeDataString(specifier));
            }
        }
        else
        {
            throw new ModuleNotFoundException(
                $"Module not found \"{specifier}\": remote modules are not fetched at run time; only npm packages (npm:, esm.sh, jsr:) installed locally resolve");
        }
        path = Path.GetFullPath(path);
        var inPackage = referencingDir.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        if (!inPackage && !path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModuleNotFoundException($"Import \"{specifier}\" is outside the project folder");
        // Deno wants exact file names; installed packages (compiled TypeScript) often leave extensions out.
        var found = File.Exists(path) ? path : inPackage ? PackageResolver.Probe(path) : null;
        if (found is null) throw new ModuleNotFoundException($"Module not found \"{new Uri(path).AbsoluteUri}\"");
        return new Uri(found).AbsoluteUri;
    }

    public const string NodeBuiltinPrefix = "supacs:node/";

    /// <summary>The <c>node:</c> modules runtime.js carries (a bare name means the built-in too, as in Node).</summary>
    private static readonly HashSet<string> NodeBuiltins =
    [
        "assert", "buffer", "crypto", "events", "os", "path", "path/posix", "process", "querystring", "stream", "stream/promises",
        "string_decoder", "timers", "timers/promises", "url", "util", "zlib",
    ];

    private static string? NodeBuiltin(string specifier)
    {
        var name = specifier.StartsWith("node:", StringComparison.Ordinal) ? specifier[5..] : specifier;
        if (NodeBuiltins.Contains(name)) return name;
        if (specifier.StartsWith("node:", StringComparison.Ordinal))
            throw new ModuleNotFoundException($"\"{specifier}\" is not available in Supacs edge functions (available: {string.Join(", ", NodeBuiltins.Order().Select(n => "node:" + n))})");
        return null;
    }

    private static bool IsStdHttpServer(string s) =>
        s.StartsWith("https://deno.land/std", StringComparison.Ordinal) && s.EndsWith("/http/server.ts", StringComparison.Ordinal);

    private static bool IsTypeOnly(string s) =>
        s.EndsWith(".d.ts", StringComparison.Ordinal)
        || s.StartsWith("jsr:@supabase/functions-js/edge-runtime", StringComparison.Ordinal)
        || s.StartsWith("https://deno.land/x/xhr", StringComparison.Ordinal)
        || s.StartsWith("https://esm.sh/@supabase/functions-js/src/edge-runtime.d.ts", StringComparison.Ordinal);
}

internal sealed class ModuleNotFoundException(string message) : Exception(message);
