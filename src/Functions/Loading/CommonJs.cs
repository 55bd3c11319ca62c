using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jint;
using Supacs.Functions.Packages;

namespace Supacs.Functions.Loading;

/// <summary>
/// CommonJS packages (React, web-push, …) under ES module imports: <c>require</c> is runtime.js's, fed by
/// <see cref="Compile"/>; an import of a CommonJS file becomes a shim module whose named exports are the keys of
/// <c>module.exports</c> after running it once (as Node and Deno's npm support do).
/// </summary>
internal static partial class CommonJs
{
    private static readonly ConcurrentDictionary<string, Prepared<Acornima.Ast.Script>> Compiled = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*(import\s*[\w{*'""]|export\s+(default|const|let|var|function|class|async|\{|\*))", RegexOptions.Multiline)]
    private static partial Regex EsmSyntax();

    [GeneratedRegex(@"^[A-Za-z_$][\w$]*$")]
    private static partial Regex Identifier();

    public static bool IsCommonJs(string path, string text)
    {
        if (path.EndsWith(".cjs", StringComparison.OrdinalIgnoreCase)) return true;
        if (path.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase) || TypeStripper.NeedsStripping(path)) return false;
        if (!path.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) return false;
        if (EsmSyntax().IsMatch(text)) return false;
        return text.Contains("require(", StringComparison.Ordinal) || text.Contains("module.exports", StringComparison.Ordinal)
            || text.Contains("exports.", StringComparison.Ordinal);
    }

    /// <summary>The module's source wrapped in Node's function wrapper, parsed once per content.</summary>
    public static Prepared<Acornima.Ast.Script> Compile(string path)
    {
        var text = File.ReadAllText(path);
        if (text.StartsWith("#!", StringComparison.Ordinal)) text = "//" + text;
        var key = path + "#" + text.Length + "#" + text.GetHashCode(StringComparison.Ordinal);
        return Compiled.GetOrAdd(key, _ => Engine.PrepareScript(
            "(function (exports, require, module, __filename, __dirname, Buffer, global, setImmediate, clearImmediate) {" + text + "\n})", path,
            options: new ScriptPreparationOptions { ParsingOptions = new ScriptParsingOptions { CompileRegex = false } }));
    }

    /// <summary>An ES module re-exporting a CommonJS file, with its current export names.</summary>
    public static string EsmShim(Engine engine, string path)
    {
        var exports = engine.Invoke("__supacsRequire", path);
        var names = new List<string>();
        if (exports is Jint.Native.Object.ObjectInstance o && !exports.IsNull())
            foreach (var key in o.GetOwnPropertyKeys(Jint.Runtime.Types.String))
            {
                var name = key.AsString();
                if (name != "default" && name != "__esModule" && Identifier().IsMatch(name) && !Reserved.Contains(name)) names.Add(name);
            }
        var sb = new StringBuilder();
        var literal = JsonSerializer.Serialize(path);
        sb.Append("const m = __supacsRequire(").Append(literal).Append(");\n");
        sb.Append("export default (m && m.__esModule && 'default' in m) ? m.default : m;\n");
        foreach (var n in names) sb.Append("export const ").Append(n).Append(" = m.").Append(n).Append(";\n");
        return sb.ToString();
    }

    /// <summary>An ES module over a <c>node:</c> built-in of runtime.js: default export the module, named exports its keys.</summary>
    public static string BuiltinShim(Engine engine, string name)
    {
        var value = engine.Invoke("__supacsBuiltin", name);
        var names = new List<string>();
        if (value is Jint.Native.Object.ObjectInstance o)
            foreach (var key in o.GetOwnPropertyKeys(Jint.Runtime.Types.String))
            {
                var n = key.AsString();
                if (n != "default" && Identifier().IsMatch(n) && !Reserved.Contains(n) && !(o is Jint.Native.Function.Function && n is "length" or "name" or "prototype")) names.Add(n);
            }
        var sb = new StringBuilder();
        sb.Append("const m = __supacsBuiltin(").Append(JsonSerializer.Serialize(name)).Append(");\nexport default m;\n");
        foreach (var n in names) sb.Append("export const ").Append(n).Append(" = m.").Append(n).Append(";\n");
        return sb.ToString();
    }

    private static readonly HashSet<string> Reserved =
    [
        "break", "case", "catch", "class", "const", "continue", "debugger", "delete", "do", "else", "enum", "export", "extends",
        "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch",
        "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements",
        "interface", "package", "private", "protected", "public", "await", "arguments", "eval", "m",
    ];

    /// <summary>What <c>require(specifier)</c> from <paramref name="fromDir"/> loads, or null.</summary>
    public static string? Resolve(string specifier, string fromDir, PackageStore? store)
    {
        if (specifier.StartsWith("./", StringComparison.Ordinal) || specifier.StartsWith("../", StringComparison.Ordinal) || specifier.StartsWith('/'))
            return PackageResolver.Probe(Path.GetFullPath(Path.Combine(fromDir, specifier)));
        if (specifier is "." or "..") return PackageResolver.Probe(Path.GetFullPath(Path.Combine(fromDir, specifier)));
        if (!PackageSpecifier.IsBare(specifier) || PackageSpecifier.Parse(specifier) is not { } request) return null;
        return PackageResolver.Resolve(request, fromDir, store, require: true).File;
    }
}
