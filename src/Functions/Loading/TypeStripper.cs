using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Jint;
using Jint.Runtime;

namespace Supacs.Functions.Loading;

/// <summary>
/// Strips TypeScript (and JSX in .tsx/.jsx) with Sucrase, vendored from npm and run in one dedicated Jint engine.
/// Chosen by measurement (see docs/compat/functions.md): pure .NET at run time, no child process, keeps line numbers,
/// handles TSX; ~0.8 s to load once per process and 30–150 ms per file, so results are cached by content hash in
/// memory and on disk. The compiler is a pure function of its input, hence one per process rather than per project.
/// </summary>
internal static class TypeStripper
{
    private static readonly Lock Gate = new();
    private static readonly ConcurrentDictionary<string, string> Memory = new(StringComparer.Ordinal);
    private static Engine? _compiler;

    public static bool NeedsStripping(string path)
    {
        var ext = Path.GetExtension(path).ToUpperInvariant();
        return ext is ".TS" or ".TSX" or ".JSX" or ".MTS";
    }

    /// <summary>Plain JS for <paramref name="source"/>; throws <see cref="TypeStripException"/> on a syntax error.</summary>
    public static string Strip(string source, string path, string? cacheDir)
    {
        var ext = Path.GetExtension(path).ToUpperInvariant();
        var jsx = ext is ".TSX" or ".JSX";
        var key = Hash((jsx ? "x:" : "t:") + source);
        if (Memory.TryGetValue(key, out var cached)) return cached;
        string? diskPath = null;
        if (cacheDir is not null)
        {
            diskPath = Path.Combine(cacheDir, key + ".js");
            if (File.Exists(diskPath))
            {
                var text = File.ReadAllText(diskPath);
                Remember(key, text);
                return text;
            }
        }
        string code;
        lock (Gate)
        {
            _compiler ??= CreateCompiler();
            try
            {
                code = _compiler.Invoke("__stripTypes", source, jsx, Path.GetFileName(path)).AsString();
            }
            catch (JavaScriptException e)
            {
                throw new TypeStripException($"{path}: {e.Message}", e);
            }
        }
        Remember(key, code);
        if (diskPath is not null)
        {
            try
            {
                Directory.CreateDirectory(cacheDir!);
                var tmp = diskPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
                File.WriteAllText(tmp, code);
                File.Move(tmp, diskPath, overwrite: true);
            }
            catch (IOException)
            {
                // The disk cache is an optimisation; the memory cache still has the result.
            }
        }
        return code;
    }

    /// <summary>Loads the compiler ahead of the first request (called in the background at start-up).</summary>
    public static void Warm()
    {
        lock (Gate) _compiler ??= CreateCompiler();
    }

    private static void Remember(string key, string code)
    {
        if (Memory.Count > 2000) Memory.Clear();
        Memory[key] = code;
    }

    private static Engine CreateCompiler()
    {
        var engine = new Engine(o => o.Strict(false));
        using var stream = typeof(TypeStripper).Assembly.GetManifestResourceStream("Supacs.Functions.Runtime.Vendor.sucrase.js")
            ?? throw new InvalidOperationException("The vendored Sucrase bundle is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        engine.Execute(reader.ReadToEnd(), "sucrase.js");
        return engine;
    }

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
}

internal sealed class TypeStripException(string message, Exception inner) : Exception(message, inner);
