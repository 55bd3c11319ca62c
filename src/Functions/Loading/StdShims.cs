using System.Text.RegularExpressions;

namespace Supacs.Functions.Loading;

/// <summary>
/// The deno.land/std modules edge functions import most, as small local shims over the Web APIs (std is not on
/// npm and is never fetched): http/server (serve → Deno.serve), encoding/base64, base64url and hex,
/// dotenv/load, crypto. Other std modules install from JSR (<see cref="ToJsr"/>). Specifiers: <c>https://deno.land/std@VER/PATH.ts</c> and <c>jsr:@std/PKG[/MODULE]</c>.
/// </summary>
internal static partial class StdShims
{
    private const string Base64 = """
        const toBytes = (d) => typeof d === "string" ? new TextEncoder().encode(d) : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        export function encodeBase64(data) { const b = toBytes(data); let s = ""; for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000)); return btoa(s); }
        export function decodeBase64(b64) { return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); }
        export const encode = encodeBase64;
        export const decode = decodeBase64;
        """;

    private const string Base64Url = """
        const toBytes = (d) => typeof d === "string" ? new TextEncoder().encode(d) : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        export function encodeBase64Url(data) { const b = toBytes(data); let s = ""; for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000)); return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); }
        export function decodeBase64Url(s) { s = s.replace(/-/g, "+").replace(/_/g, "/"); while (s.length % 4) s += "="; return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); }
        export const encode = encodeBase64Url;
        export const decode = decodeBase64Url;
        """;

    private const string Hex = """
        const toBytes = (d) => typeof d === "string" ? new TextEncoder().encode(d) : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        export function encodeHex(data) { return Array.from(toBytes(data), (b) => b.toString(16).padStart(2, "0")).join(""); }
        export function decodeHex(s) { if (s.length % 2) throw new RangeError("Invalid hex string"); const out = new Uint8Array(s.length / 2); for (let i = 0; i < out.length; i++) { const v = parseInt(s.substr(i * 2, 2), 16); if (Number.isNaN(v)) throw new TypeError("Invalid hex character"); out[i] = v; } return out; }
        // The std@0.1xx API: bytes in, bytes of hex text out.
        export function encode(src) { return new TextEncoder().encode(encodeHex(src)); }
        export function decode(src) { return decodeHex(new TextDecoder().decode(src)); }
        """;

    private const string Crypto = """
        export const crypto = globalThis.crypto;
        export default crypto;
        """;

    private const string Dotenv = """
        export function loadSync() { return Deno.env.toObject(); }
        export async function load() { return Deno.env.toObject(); }
        export function config() { return Deno.env.toObject(); }
        export function configSync() { return Deno.env.toObject(); }
        """;

    private static readonly Dictionary<string, string> Modules = new(StringComparer.Ordinal)
    {
        ["encoding/base64"] = Base64,
        ["encoding/base64url"] = Base64Url,
        ["encoding/hex"] = Hex,
        ["crypto"] = Crypto,
        ["crypto/mod"] = Crypto,
        ["dotenv/load"] = "export {};",
        ["dotenv"] = Dotenv,
        ["dotenv/mod"] = Dotenv,
    };

    [GeneratedRegex(@"^https://deno\.land/std(?:@[^/]+)?/(?<path>.+?)(?:\.ts|\.js)?$")]
    private static partial Regex DenoLandStd();

    [GeneratedRegex(@"^jsr:/?@std/(?<pkg>[a-z0-9-]+)(?:@[^/]+)?(?:/(?<mod>.+))?$")]
    private static partial Regex JsrStd();

    /// <summary>The shim's key (<c>supacs:std/…</c>) for a std specifier we carry, else null.</summary>
    public static string? Map(string specifier)
    {
        string? path = null;
        if (DenoLandStd().Match(specifier) is { Success: true } d) path = d.Groups["path"].Value;
        else if (JsrStd().Match(specifier) is { Success: true } j)
            path = j.Groups["mod"].Success ? j.Groups["pkg"].Value + "/" + j.Groups["mod"].Value : j.Groups["pkg"].Value;
        if (path is null) return null;
        if (path is "http/server" or "http" or "http/mod") return FunctionModuleLoader.StdServe;
        return Modules.ContainsKey(path) ? "supacs:std/" + path : null;
    }

    /// <summary>
    /// Any other <c>https://deno.land/std@VER/MODULE/PATH.ts</c> as the JSR package std moved to:
    /// <c>jsr:@std/MODULE/PATH</c> (any version: std 0.x and @std 1.x keep most APIs; file and folder names are
    /// kebab-case in @std, and <c>mod.ts</c> is the package root), installed from JSR's npm registry.
    /// </summary>
    public static string? ToJsr(string specifier)
    {
        if (DenoLandStd().Match(specifier) is not { Success: true } d) return null;
        var parts = d.Groups["path"].Value.Replace('_', '-').Split('/');
        var rest = parts[1..].ToList();
        if (rest.Count > 0 && rest[^1] is "mod" or "index") rest.RemoveAt(rest.Count - 1);
        return "jsr:@std/" + parts[0] + "@*" + (rest.Count > 0 ? "/" + string.Join('/', rest) : "");
    }

    public static string? Source(string key) =>
        key.StartsWith("supacs:std/", StringComparison.Ordinal) && Modules.TryGetValue(key["supacs:std/".Length..], out var s) ? s : null;
}
