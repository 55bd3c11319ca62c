using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Supacs.Functions.Packages;

/// <summary>An import needs a package that is not installed yet (boot installs it and tries again).</summary>
internal sealed class PackageMissingException(PackageRequest request)
    : Exception($"package {request.Display} is not installed")
{
    public PackageRequest Request { get; } = request;
}

/// <summary>
/// The versioned package cache in the data dir: <c>&lt;store&gt;/NAME@VERSION/node_modules/NAME/…</c> (scoped names as
/// <c>@scope+name</c>), one folder per installed version, each written to a temp folder and renamed into place so readers
/// never see half a package and concurrent installers (threads or processes) cannot corrupt one another.
/// A package's dependencies resolve to the highest installed version in the range its package.json declares
/// (peer dependencies included), so packages share one copy when their ranges allow it.
/// </summary>
internal sealed class PackageStore
{
    private readonly ConcurrentDictionary<string, SemVersion[]> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonElement?> _manifests = new(StringComparer.Ordinal);
    private readonly Lock _installLock = new();

    // Packuments seen in the last minutes: a function importing several packages boots (and installs) once per
    // missing import, and their dependency trees overlap (supabase-js and its five @supabase packages).
    private readonly Dictionary<string, (long At, JsonElement Doc)> _recent = new(StringComparer.Ordinal);
    private static readonly long RecentTicks = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
    private readonly NpmRegistry _registry;
    private readonly ILogger _logger;

    public PackageStore(string root, NpmRegistries registries, HttpClient http, ILogger logger)
    {
        Root = Path.GetFullPath(root);
        _registry = new NpmRegistry(registries, http);
        _logger = logger;
    }

    public string Root { get; }

    /// <summary>The store of a data dir: <c>&lt;data&gt;/functions/npm/store</c>.</summary>
    public static string DefaultRoot(string dataDir) => Path.Combine(dataDir, "functions", "npm", "store");

    public NpmRegistries Registries => _registry.Registries;

    private static string Escape(string name) => name.Replace('/', '+');

    public string PackageDir(string registryName, SemVersion version) =>
        Path.Combine(Root, Escape(registryName) + "@" + version.Text, "node_modules", registryName);

    private SemVersion[] Versions(string registryName, bool refresh = false)
    {
        if (!PackageSpecifier.IsValidName(registryName)) return [];
        if (!refresh && _index.TryGetValue(registryName, out var cached)) return cached;
        var prefix = Escape(registryName) + "@";
        var found = new List<SemVersion>();
        if (Directory.Exists(Root))
            foreach (var dir in Directory.EnumerateDirectories(Root, prefix + "*"))
                if (SemVersion.TryParse(Path.GetFileName(dir)[prefix.Length..]) is { } v) found.Add(v);
        var versions = found.ToArray();
        _index[registryName] = versions;
        return versions;
    }

    /// <summary>The highest installed version of <paramref name="registryName"/> in <paramref name="range"/> ("" or a dist-tag: the highest release).</summary>
    public SemVersion? Installed(string registryName, string range)
    {
        return Pick(Versions(registryName)) ?? Pick(Versions(registryName, refresh: true));

        SemVersion? Pick(SemVersion[] versions)
        {
            if (versions.Length == 0) return null;
            var parsed = SemRange.TryParse(range);
            return parsed is null
                ? versions.Where(v => !v.IsPrerelease).OrderDescending().FirstOrDefault() ?? versions.Max()
                : parsed.MaxSatisfying(versions);
        }
    }

    /// <summary>When <paramref name="path"/> lies inside an installed package: that package's folder and name.</summary>
    public (string Dir, string Name, string Version)? Owner(string path)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        var rest = full[(Root.Length + 1)..].Split(Path.DirectorySeparatorChar);
        if (rest.Length < 3 || rest[1] != "node_modules") return null;
        var top = rest[0];
        var at = top.LastIndexOf('@');
        if (at <= 0) return null;
        var name = top[..at].Replace('+', '/');
        return (Path.Combine(Root, top, "node_modules", name), name, top[(at + 1)..]);
    }

    private JsonElement? Manifest(string packageDir) => _manifests.GetOrAdd(packageDir, dir =>
    {
        var file = Path.Combine(dir, "package.json");
        if (!File.Exists(file)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    });

    /// <summary>
    /// What <paramref name="importedName"/> means inside the installed package <paramref name="ownerDir"/>: the registry
    /// name and range its package.json declares (aliases <c>npm:real@range</c> followed), or any version when undeclared.
    /// </summary>
    public (string RegistryName, string Range) Declared(string ownerDir, string importedName)
    {
        if (Manifest(ownerDir) is { } pkg)
            foreach (var field in new[] { "dependencies", "peerDependencies", "optionalDependencies" })
                if (pkg.TryGetProperty(field, out var deps) && deps.ValueKind == JsonValueKind.Object
                    && deps.TryGetProperty(importedName, out var r) && r.GetString() is { } range)
                    return Alias(importedName, range) ?? (importedName, range);
        return (importedName, "");
    }

    private static (string, string)? Alias(string name, string range)
    {
        if (!range.StartsWith("npm:", StringComparison.Ordinal)) return null;
        var spec = range[4..];
        var at = spec.LastIndexOf('@');
        return at > 0 ? (spec[..at], spec[(at + 1)..]) : (spec, "");
    }

    /// <summary>
    /// Installs <paramref name="request"/> and everything it depends on (dependencies and non-optional peer
    /// dependencies, recursively; optional dependencies are skipped — they are native builds). Each range gets what npm
    /// would pick: the registry's <c>latest</c> when it satisfies, else the highest match; when the registry cannot be
    /// reached, the highest installed version in range.
    /// </summary>
    public SemVersion Install(PackageRequest request, CancellationToken ct = default)
    {
        lock (_installLock)
        {
            var packuments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            var done = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<(string Name, string Range, string Via)>();
            queue.Enqueue((request.RegistryName, request.Range, request.Specifier));
            SemVersion? root = null;
            while (queue.Count > 0)
            {
                ct.ThrowIfCancellationRequested();
                var (name, range, via) = queue.Dequeue();
                if (!IsRegistryRange(range))
                {
                    PackagesLog.SkippedDependency(_logger, name, range, via);
                    continue;
                }
                var version = Fetch(name, range, via, packuments);
                root ??= version;
                if (!done.Add(name + "@" + version.Text)) continue;
                if (Manifest(PackageDir(name, version)) is not { } pkg) continue;
                if (pkg.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Object)
                    foreach (var d in deps.EnumerateObject())
                        if (d.Value.GetString() is { } r) queue.Enqueue(Alias(d.Name, r) is { } a ? (a.Item1, a.Item2, name) : (d.Name, r, name));
                if (pkg.TryGetProperty("peerDependencies", out var peers) && peers.ValueKind == JsonValueKind.Object)
                {
                    pkg.TryGetProperty("peerDependenciesMeta", out var meta);
                    foreach (var p in peers.EnumerateObject())
                    {
                        var optional = meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty(p.Name, out var m)
                            && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("optional", out var o) && o.ValueKind == JsonValueKind.True;
                        if (!optional && p.Value.GetString() is { } r) queue.Enqueue((p.Name, r, name));
                    }
                }
            }
            return root!;
        }
    }

    private static bool IsRegistryRange(string range) =>
        !(range.StartsWith("file:", StringComparison.Ordinal) || range.StartsWith("link:", StringComparison.Ordinal)
          || range.StartsWith("workspace:", StringComparison.Ordinal) || range.StartsWith("git", StringComparison.Ordinal)
          || range.StartsWith("http:", StringComparison.Ordinal) || range.StartsWith("https:", StringComparison.Ordinal)
          || range.Contains("://", StringComparison.Ordinal) || (range.Contains('/', StringComparison.Ordinal) && !range.StartsWith("npm:", StringComparison.Ordinal)));

    /// <summary>The registry's best version for the range, downloaded when not in the store yet; offline, the best installed one.</summary>
    private SemVersion Fetch(string name, string range, string via, Dictionary<string, JsonElement> packuments)
    {
        if (!PackageSpecifier.IsValidName(name))
            throw new PackageInstallException($"\"{name}\" (needed by {via}) is not a valid npm package name");
        if (!packuments.TryGetValue(name, out var packument)
            && _recent.TryGetValue(name, out var recent) && Environment.TickCount64 - recent.At < RecentTicks)
            packuments[name] = packument = recent.Doc;
        if (!packuments.ContainsKey(name))
        {
            try
            {
                packuments[name] = packument = _registry.Packument(name);
                _recent[name] = (Environment.TickCount64, packument);
            }
            catch (RegistryUnreachableException) when (Installed(name, range) is { } installed)
            {
                return installed;
            }
        }
        var (version, meta) = Choose(packument, name, range, via);
        if (Directory.Exists(Path.Combine(Root, Escape(name) + "@" + version.Text))) return version;
        var dist = meta.TryGetProperty("dist", out var d) ? d : default;
        PackagesLog.Downloading(_logger, name, version.Text, _registry.Registries.For(name));
        var tarball = _registry.Tarball(name, version.Text, dist);
        Extract(name, version, tarball);
        _index.TryRemove(name, out _);
        return version;
    }

    private (SemVersion, JsonElement) Choose(JsonElement packument, string name, string range, string via)
    {
        if (!packument.TryGetProperty("versions", out var versions) || versions.ValueKind != JsonValueKind.Object)
            throw new PackageInstallException($"the registry metadata of {name} lists no versions");
        var all = new Dictionary<SemVersion, JsonElement>();
        foreach (var v in versions.EnumerateObject())
            if (SemVersion.TryParse(v.Name) is { } sv) all[sv] = v.Value;
        var tags = packument.TryGetProperty("dist-tags", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        SemVersion? Tag(string tag) =>
            tags.ValueKind == JsonValueKind.Object && tags.TryGetProperty(tag, out var tv) && tv.GetString() is { } s && SemVersion.TryParse(s) is { } p && all.ContainsKey(p) ? p : null;

        var parsed = SemRange.TryParse(range);
        SemVersion? chosen;
        if (parsed is null) chosen = Tag(range);
        else
        {
            var latest = Tag("latest");
            chosen = latest is not null && parsed.IsSatisfiedBy(latest) ? latest : parsed.MaxSatisfying(all.Keys);
        }
        if (chosen is null)
            throw new PackageInstallException(
                $"no version of {name} matches \"{range}\" (needed by {via}; latest is {Tag("latest")?.Text ?? "unknown"})");
        return (chosen, all[chosen]);
    }

    /// <summary>Unpacks a tarball (dropping its top folder, usually <c>package/</c>) into a temp folder, then renames it into place.</summary>
    private void Extract(string name, SemVersion version, byte[] tarball)
    {
        Directory.CreateDirectory(Root);
        var final = Path.Combine(Root, Escape(name) + "@" + version.Text);
        var temp = Path.Combine(Root, ".tmp-" + Guid.NewGuid().ToString("N"));
        var target = Path.Combine(temp, "node_modules", name);
        Directory.CreateDirectory(target);
        try
        {
            using (var gzip = new GZipStream(new MemoryStream(tarball), CompressionMode.Decompress))
            using (var reader = new TarReader(gzip))
            {
                while (reader.GetNextEntry() is { } entry)
                {
                    var path = entry.Name.Replace('\\', '/');
                    var slash = path.IndexOf('/', StringComparison.Ordinal);
                    if (slash < 0) continue;
                    var relative = path[(slash + 1)..];
                    if (relative.Length == 0) continue;
                    var full = Path.GetFullPath(Path.Combine(target, relative));
                    if (!full.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                        throw new PackageInstallException($"the tarball of {name}@{version} has an entry outside its folder: {entry.Name}");
                    switch (entry.EntryType)
                    {
                        case TarEntryType.Directory:
                            Directory.CreateDirectory(full);
                            break;
                        case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                            if (entry.DataStream is null) File.WriteAllBytes(full, []);
                            else
                            {
                                using var file = File.Create(full);
                                entry.DataStream.CopyTo(file);
                            }
                            break;
                        default:
                            break; // links and devices are not part of npm packages
                    }
                }
            }
            if (!File.Exists(Path.Combine(target, "package.json")))
                throw new PackageInstallException($"the tarball of {name}@{version} has no package.json");
            try
            {
                Directory.Move(temp, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another installer got there first with the same verified content.
                Directory.Delete(temp, recursive: true);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            TryDelete(temp);
            throw new PackageInstallException($"the tarball of {name}@{version} is not a valid .tgz: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

internal static partial class PackagesLog
{
    [LoggerMessage(EventId = 7030, Level = LogLevel.Information, Message = "Installing {Package}@{Version} from {Registry}")]
    public static partial void Downloading(ILogger logger, string package, string version, string registry);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Skipping dependency {Package}@{Range} of {Via}: only registry versions are installed")]
    public static partial void SkippedDependency(ILogger logger, string package, string range, string via);
}
