using System.Text.RegularExpressions;

namespace Supacs.Functions.Packages;

/// <summary>
/// An import that names a package from the npm registry: <see cref="Name"/> is what a <c>node_modules</c> folder
/// holds it as, <see cref="RegistryName"/> what the registry serves (they differ for JSR packages, served by JSR's npm
/// compatibility registry as <c>@jsr/scope__name</c>), <see cref="Range"/> the semver range or dist-tag ("" = latest).
/// </summary>
internal sealed record PackageRequest(string Name, string RegistryName, string Range, string Subpath, string Specifier)
{
    /// <summary>Whether the import came from a remote-looking specifier (npm:, jsr:, esm.sh, deno.land/x …) rather than a bare name.</summary>
    public bool Remote { get; init; } = true;

    public string Display => RegistryName + (Range.Length > 0 ? "@" + Range : "");
}

/// <summary>The deno.land/x module that has no npm equivalent Supacs knows (the import cannot be installed).</summary>
internal sealed class UnsupportedModuleException(string message) : Exception(message);

/// <summary>
/// Parses <c>npm:pkg@range/sub</c>, <c>jsr:@scope/pkg@range/sub</c>, <c>https://esm.sh/[vNNN/][*]pkg@range/sub?query</c>
/// (and <c>esm.sh/jsr/@scope/pkg</c>), unpkg/jsdelivr/skypack URLs, <c>https://deno.land/x/MOD@vVER/path.ts</c> for
/// the modules in <see cref="DenoLandX"/>, and bare specifiers.
/// </summary>
internal static partial class PackageSpecifier
{
    [GeneratedRegex(@"^https?://(?:esm\.sh|cdn\.esm\.sh)/(?:v\d+/|stable/)?(?<spec>[^?#]+)")]
    private static partial Regex EsmSh();

    [GeneratedRegex(@"^https?://(?:cdn\.skypack\.dev|cdn\.jsdelivr\.net/npm|unpkg\.com)/(?<spec>[^?#]+)")]
    private static partial Regex OtherCdn();

    [GeneratedRegex(@"^https?://deno\.land/x/(?<mod>[A-Za-z0-9_.-]+?)(?:@(?<ver>[^/]+))?(?<path>/[^?#]*)?(?:[?#].*)?$")]
    private static partial Regex DenoX();

    /// <summary>
    /// deno.land/x modules published to npm (or JSR) under the same versions, with what they are installed as.
    /// Path mapping: <c>/mod.ts</c> and <c>/index.ts</c> are the package root; other paths lose their extension.
    /// </summary>
    private static readonly Dictionary<string, (string Package, Func<string, string> Version)> DenoLandX = new(StringComparer.Ordinal)
    {
        ["zod"] = ("zod", v => v),
        ["jose"] = ("jose", v => v),
        ["openai"] = ("openai", v => v),
        ["hono"] = ("hono", v => v),
        ["grammy"] = ("grammy", v => v),
        ["nanoid"] = ("nanoid", v => v),
        ["ulid"] = ("ulid", _ => ""),
        ["cheerio"] = ("cheerio", v => v),
        ["ky"] = ("ky", v => v),
        ["superstruct"] = ("superstruct", v => v),
        ["date_fns"] = ("date-fns", v => v),
        ["lodash"] = ("lodash-es", v => v),
        ["stripe"] = ("stripe", v => v),
        // djwt moved to JSR as @zaubrik/djwt (3.x keeps create/verify/getNumericDate).
        ["djwt"] = ("jsr:@zaubrik/djwt", _ => "^3"),
    };

    public static IReadOnlyCollection<string> DenoLandXModules => DenoLandX.Keys;

    // npm's package name rule (old packages may have capitals): no path tricks such as ".." can become a store folder.
    [GeneratedRegex(@"^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$")]
    private static partial Regex ValidName();

    public static bool IsValidName(string name) => name.Length <= 214 && ValidName().IsMatch(name);

    public static bool IsBare(string s) =>
        s.Length > 0 && !s.StartsWith('.') && !s.StartsWith('/') && !s.Contains(':', StringComparison.Ordinal);

    /// <summary>The package request for <paramref name="specifier"/>, or null when it does not name one.</summary>
    /// <exception cref="UnsupportedModuleException">a deno.land/x module with no known npm equivalent.</exception>
    public static PackageRequest? Parse(string specifier)
    {
        string rest;
        var jsr = false;
        var remote = true;
        if (specifier.StartsWith("npm:", StringComparison.Ordinal)) rest = specifier[4..].TrimStart('/');
        else if (specifier.StartsWith("jsr:", StringComparison.Ordinal)) { rest = specifier[4..].TrimStart('/'); jsr = true; }
        else if (EsmSh().Match(specifier) is { Success: true } m)
        {
            rest = m.Groups["spec"].Value.TrimStart('*');
            if (rest.StartsWith("jsr/", StringComparison.Ordinal)) { rest = rest[4..]; jsr = true; }
            else if (rest.StartsWith("gh/", StringComparison.Ordinal) || rest.StartsWith("pr/", StringComparison.Ordinal))
                throw new UnsupportedModuleException($"\"{specifier}\" is a GitHub build on esm.sh; Supacs installs imports from the npm registry only");
        }
        else if (OtherCdn().Match(specifier) is { Success: true } c) rest = c.Groups["spec"].Value;
        else if (DenoX().Match(specifier) is { Success: true } x) return FromDenoLandX(specifier, x);
        else if (IsBare(specifier)) { rest = specifier; remote = false; }
        else return null;

        var parts = rest.Split('/');
        var count = parts[0].StartsWith('@') ? 2 : 1;
        if (parts.Length < count || parts[0].Length == 0) return null;
        var nameParts = parts[..count];
        var last = nameParts[^1];
        var range = "";
        var at = last.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            range = Uri.UnescapeDataString(last[(at + 1)..]);
            nameParts[^1] = last[..at];
        }
        var name = string.Join('/', nameParts);
        if (!IsValidName(name)) return null;
        var subpath = string.Join('/', parts[count..]);
        // esm.sh build paths such as /es2022/x.mjs or x.js?target= are not package subpaths.
        if (subpath.StartsWith("es20", StringComparison.Ordinal) || subpath.StartsWith("denonext", StringComparison.Ordinal)) subpath = "";
        var registryName = jsr ? JsrNpmName(name) : name;
        if (jsr && registryName is null) return null;
        return new PackageRequest(name, registryName!, range, subpath, specifier) { Remote = remote };
    }

    /// <summary><c>@scope/name</c> → <c>@jsr/scope__name</c> (JSR's npm compatibility name).</summary>
    public static string? JsrNpmName(string name)
    {
        if (!name.StartsWith('@')) return null;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : "@jsr/" + name[1..slash] + "__" + name[(slash + 1)..];
    }

    private static PackageRequest FromDenoLandX(string specifier, Match x)
    {
        var module = x.Groups["mod"].Value;
        if (!DenoLandX.TryGetValue(module, out var target))
            throw new UnsupportedModuleException(
                $"\"{specifier}\" is a deno.land/x module, which Supacs does not fetch; \"{module}\" has no known npm or JSR equivalent " +
                $"(known: {string.Join(", ", DenoLandX.Keys.Order())}). Import it with npm: or jsr: instead");
        var version = x.Groups["ver"].Success ? Uri.UnescapeDataString(x.Groups["ver"].Value).TrimStart('v') : "";
        var path = x.Groups["path"].Success ? x.Groups["path"].Value.Trim('/') : "";
        path = Regex.Replace(path, @"\.(d\.)?(ts|js|mjs|tsx)$", "");
        if (path is "mod" or "index" or "src/mod" or "src/index") path = "";
        else if (path.EndsWith("/mod", StringComparison.Ordinal) || path.EndsWith("/index", StringComparison.Ordinal)) path = path[..path.LastIndexOf('/')];
        var range = target.Version(version);
        if (target.Package.StartsWith("jsr:", StringComparison.Ordinal))
        {
            var name = target.Package[4..];
            return new PackageRequest(name, JsrNpmName(name)!, range, path, specifier);
        }
        return new PackageRequest(target.Package, target.Package, range, path, specifier);
    }
}
