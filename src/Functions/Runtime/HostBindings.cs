using System.Buffers.Text;
using System.Diagnostics;

using System.Security.Cryptography;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Interop;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Supacs.Functions.Loading;

namespace Supacs.Functions.Runtime;

/// <summary>
/// The <c>__host</c> object runtime.js builds the Web APIs on: logging, timers, UTF-8, base64, URL parsing,
/// randomness, hashing and outbound HTTP. Every callback runs on the engine's flow; .NET work that takes time
/// (HTTP) is started here and completed through the <see cref="EventLoop"/>.
/// </summary>
internal sealed class HostBindings : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly Encoding Latin1 = Encoding.Latin1;

    private readonly Engine _engine;
    private readonly EventLoop _loop;
    private readonly FunctionServices _services;
    private readonly string _function;
    private readonly Dictionary<string, string> _env;
    private readonly Dictionary<int, HostStream> _streams = [];
    private readonly Dictionary<int, CancellationTokenSource> _fetches = [];
    private readonly CancellationTokenSource _disposed = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private int _nextStream = 1;

    public HostBindings(Engine engine, EventLoop loop, FunctionServices services, string function, Dictionary<string, string> env)
    {
        _engine = engine;
        _loop = loop;
        _services = services;
        _function = function;
        _env = env;
        var host = new JsObject(engine);
        void Add(string name, Func<JsValue[], JsValue> fn) =>
            host.FastSetProperty(name, new Jint.Runtime.Descriptors.PropertyDescriptor(new ClrFunction(engine, name, (_, a) => fn(a)), false, false, false));
        Add("log", Log);
        Add("setTimer", a => { _loop.SetTimer((int)Num(a, 0), Num(a, 1)); return JsValue.Undefined; });
        Add("clearTimer", a => { _loop.ClearTimer((int)Num(a, 0)); return JsValue.Undefined; });
        Add("utf8Encode", a => Bytes(Encoding.UTF8.GetBytes(Str(a, 0))));
        Add("utf8Decode", Utf8Decode);
        Add("btoa", a => Btoa(Str(a, 0)) is { } s ? new JsString(s) : JsValue.Null);
        Add("atob", a => Atob(Str(a, 0)) is { } s ? new JsString(s) : JsValue.Null);
        Add("parseUrl", a => ParseUrl(Str(a, 0), Arg(a, 1).IsNull() || Arg(a, 1).IsUndefined() ? null : Str(a, 1)));
        Add("parseMultipart", ParseMultipart);
        Add("randomUUID", _ => new JsString(Guid.NewGuid().ToString()));
        Add("randomBytes", a => Bytes(RandomNumberGenerator.GetBytes((int)Num(a, 0))));
        Add("zlib", a => Crypto(() => Bytes(Zlib(TypeConverter.ToBoolean(Arg(a, 0)), Str(a, 1), U8(a, 2), _services.Options.MemoryBytes))));
        Add("digest", a => Bytes(Digest(Str(a, 0), U8(a, 1))));
        Add("hmac", a => Bytes(Hmac(Str(a, 0), U8(a, 1), U8(a, 2))));
        Add("fixedEquals", a => CryptographicOperations.FixedTimeEquals(U8(a, 0), U8(a, 1)) ? JsBoolean.True : JsBoolean.False);
        Add("base64UrlEncode", a => new JsString(Base64Url.EncodeToString(U8(a, 0))));
        Add("base64UrlDecode", a => Bytes(Base64UrlDecode(Str(a, 0))));
        Add("now", _ => new JsNumber(Stopwatch.GetElapsedTime(_start).TotalMilliseconds));
        Add("envGet", a => _env.TryGetValue(Str(a, 0), out var v) ? new JsString(v) : JsValue.Null);
        Add("envSet", a => { _env[Str(a, 0)] = Str(a, 1); return JsValue.Undefined; });
        Add("envDelete", a => { _env.Remove(Str(a, 0)); return JsValue.Undefined; });
        Add("envAll", _ => new JsArray(engine, _env.SelectMany(kv => new JsValue[] { kv.Key, kv.Value }).ToArray()));
        Add("keyImport", KeyImport);
        Add("keyExport", a => Crypto(() => Str(a, 3) == "jwk"
            ? new JsString(SubtleCrypto.ExportJwk(Str(a, 0), TypeConverter.ToBoolean(Arg(a, 1)), U8(a, 2)))
            : Bytes(SubtleCrypto.ExportDer(Str(a, 0), TypeConverter.ToBoolean(Arg(a, 1)), U8(a, 2), Str(a, 3)))));
        Add("keySign", a => Crypto(() => Bytes(SubtleCrypto.Sign(Str(a, 0), Str(a, 1), U8(a, 2), U8(a, 3), (int)Num(a, 4)))));
        Add("keyVerify", a => Crypto(() => SubtleCrypto.Verify(Str(a, 0), Str(a, 1), TypeConverter.ToBoolean(Arg(a, 2)), U8(a, 3), U8(a, 4), U8(a, 5)) ? JsBoolean.True : JsBoolean.False));
        Add("keyGenerate", a => Crypto(() =>
        {
            var (priv, pub) = SubtleCrypto.Generate(Str(a, 0), (int)Num(a, 1), Arg(a, 2).IsString() ? Str(a, 2) : null);
            return new JsArray(engine, [Bytes(priv), Bytes(pub)]);
        }));
        Add("cjsResolve", a => CommonJs.Resolve(Str(a, 0), Str(a, 1), _services.Packages) is { } path && MayLoad(path)
            ? new JsString(path) : JsValue.Null);
        Add("cjsCompile", a =>
        {
            var path = Str(a, 0);
            if (!MayLoad(path) || !File.Exists(path)) throw TypeError($"Cannot find module '{path}'");
            return _engine.Evaluate(CommonJs.Compile(path));
        });
        Add("readText", a =>
        {
            var path = Str(a, 0);
            if (!MayLoad(path) || !File.Exists(path)) throw TypeError($"Cannot find module '{path}'");
            return new JsString(File.ReadAllText(path));
        });
        Add("aesEncrypt", a => Crypto(() => Bytes(SubtleCrypto.Encrypt(Str(a, 0), U8(a, 1), U8(a, 2), U8(a, 3), Arg(a, 4).IsNull() ? null : U8(a, 4), (int)Num(a, 5)))));
        Add("aesDecrypt", a => Crypto(() => Bytes(SubtleCrypto.Decrypt(Str(a, 0), U8(a, 1), U8(a, 2), U8(a, 3), Arg(a, 4).IsNull() ? null : U8(a, 4), (int)Num(a, 5)))));
        Add("rsaOaep", a => Crypto(() => Bytes(SubtleCrypto.RsaOaep(TypeConverter.ToBoolean(Arg(a, 0)), Str(a, 1), TypeConverter.ToBoolean(Arg(a, 2)), U8(a, 3), U8(a, 4), Arg(a, 5).IsNull() ? null : U8(a, 5)))));
        Add("ecdh", a => Crypto(() => Bytes(SubtleCrypto.Ecdh(U8(a, 0), U8(a, 1)))));
        Add("okpImport", OkpImport);
        Add("okpExport", OkpExport);
        Add("okpGenerate", a => Crypto(() =>
        {
            var priv = RandomNumberGenerator.GetBytes(32);
            return new JsArray(_engine, [Bytes(priv), Bytes(Str(a, 0) == "Ed25519" ? Curve25519.Ed25519PublicKey(priv) : Curve25519.X25519PublicKey(priv))]);
        }));
        Add("ed25519Sign", a => Crypto(() => Bytes(Curve25519.Ed25519Sign(U8(a, 0), U8(a, 1)))));
        Add("ed25519Verify", a => Crypto(() => Curve25519.Ed25519Verify(U8(a, 0), U8(a, 1), U8(a, 2)) ? JsBoolean.True : JsBoolean.False));
        Add("x25519", a => Crypto(() => Bytes(Curve25519.X25519(U8(a, 0), U8(a, 1)))));
        Add("deriveBits", a => Crypto(() => Bytes(SubtleCrypto.DeriveBits(Str(a, 0), Str(a, 1), U8(a, 2), U8(a, 3), U8(a, 4), (int)Num(a, 5), (int)Num(a, 6)))));
        Add("fetch", Fetch);
        Add("fetchAbort", a => { if (_fetches.TryGetValue((int)Num(a, 0), out var cts)) cts.Cancel(); return JsValue.Undefined; });
        Add("readChunk", a => ReadChunk((int)Num(a, 0)));
        Add("readAll", a => ReadAll((int)Num(a, 0)));
        Add("closeStream", a => { CloseStream((int)Num(a, 0)); return JsValue.Undefined; });
        Object = host;
    }

    public JsObject Object { get; }

    // require() may read installed packages and the project's own files, nothing else.
    private bool MayLoad(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            || full.StartsWith(Path.GetFullPath(_services.ProjectDir) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    // ---------- arguments ----------
    private static JsValue Arg(JsValue[] a, int i) => i < a.Length ? a[i] : JsValue.Undefined;
    private static string Str(JsValue[] a, int i) => TypeConverter.ToString(Arg(a, i));
    private static double Num(JsValue[] a, int i) => TypeConverter.ToNumber(Arg(a, i));
    private byte[] U8(JsValue[] a, int i)
    {
        var v = Arg(a, i);
        if (v is JsTypedArray) return v.AsUint8Array();
        throw new JavaScriptException(_engine.Intrinsics.TypeError, "Expected a Uint8Array");
    }

    public JsValue Bytes(ReadOnlySpan<byte> bytes) => _engine.Intrinsics.Uint8Array.Construct(bytes);

    private JavaScriptException TypeError(string message) => new(_engine.Intrinsics.TypeError, message);

    // ---------- console ----------
    private JsValue Log(JsValue[] a)
    {
        var level = (int)Num(a, 0);
        var text = Str(a, 1);
        var logger = _services.ConsoleLogger;
        switch (level)
        {
            case 0: FunctionsLog.ConsoleDebug(logger, _function, text); break;
            case 2: FunctionsLog.ConsoleWarn(logger, _function, text); break;
            case 3: FunctionsLog.ConsoleError(logger, _function, text); break;
            default: FunctionsLog.ConsoleInfo(logger, _function, text); break;
        }
        return JsValue.Undefined;
    }

    // ---------- text ----------
    private JsValue Utf8Decode(JsValue[] a)
    {
        var bytes = U8(a, 0);
        var fatal = TypeConverter.ToBoolean(Arg(a, 1));
        var ignoreBom = TypeConverter.ToBoolean(Arg(a, 2));
        var span = bytes.AsSpan();
        if (!ignoreBom && span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        try
        {
            return new JsString(fatal ? StrictUtf8.GetString(span) : Encoding.UTF8.GetString(span));
        }
        catch (DecoderFallbackException)
        {
            throw TypeError("The encoded data was not valid for encoding utf-8");
        }
    }

    internal static string? Btoa(string s)
    {
        foreach (var c in s) if (c > 0xFF) return null;
        return Convert.ToBase64String(Latin1.GetBytes(s));
    }

    internal static string? Atob(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s) if (c is not (' ' or '\t' or '\n' or '\f' or '\r')) sb.Append(c);
        var t = sb.ToString();
        if (t.Length % 4 == 0 && t.EndsWith('=')) t = t.EndsWith("==", StringComparison.Ordinal) ? t[..^2] : t[..^1];
        if (t.Length % 4 == 1) return null;
        foreach (var c in t) if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/')) return null;
        t += new string('=', (4 - t.Length % 4) % 4);
        try
        {
            return Latin1.GetString(Convert.FromBase64String(t));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Base64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        s += new string('=', (4 - s.Length % 4) % 4);
        return Convert.FromBase64String(s);
    }

    // ---------- URL ----------
    private static readonly HashSet<string> SpecialSchemes = ["http", "https", "ws", "wss", "ftp", "file"];

    /// <summary>WHATWG-shaped components [protocol, username, password, hostname, port, pathname, search, hash, opaque] or null.</summary>
    private JsValue ParseUrl(string input, string? baseUrl)
    {
        input = input.Trim();
        Uri? uri;
        var schemeEnd = SchemeEnd(input);
        if (schemeEnd > 0)
        {
            var scheme = input[..schemeEnd].ToLowerInvariant();
            var rest = input[(schemeEnd + 1)..];
            if (!SpecialSchemes.Contains(scheme) && !rest.StartsWith("//", StringComparison.Ordinal))
            {
                // An opaque URL such as mailto:a@b or data:text/plain,hi
                var hashAt = rest.IndexOf('#', StringComparison.Ordinal);
                var hash = hashAt >= 0 ? rest[hashAt..] : "";
                if (hashAt >= 0) rest = rest[..hashAt];
                var q = rest.IndexOf('?', StringComparison.Ordinal);
                var search = q >= 0 ? rest[q..] : "";
                if (q >= 0) rest = rest[..q];
                return Components(scheme + ":", "", "", "", "", rest, search, hash, true);
            }
            if (!Uri.TryCreate(input, UriKind.Absolute, out uri)) return JsValue.Null;
        }
        else
        {
            if (baseUrl is null || SchemeEnd(baseUrl.Trim()) <= 0 || !Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var b)) return JsValue.Null;
            if (!Uri.TryCreate(b, input, out uri)) return JsValue.Null;
        }
        if (uri.Scheme is "http" or "https" && uri.Host.Length == 0) return JsValue.Null;
        var userInfo = uri.UserInfo;
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = colon >= 0 ? userInfo[..colon] : userInfo;
        var pass = colon >= 0 ? userInfo[(colon + 1)..] : "";
        var port = uri.IsDefaultPort || uri.Port < 0 ? "" : uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var path = uri.AbsolutePath;
        if (path.Length == 0 && SpecialSchemes.Contains(uri.Scheme)) path = "/";
        return Components(uri.Scheme + ":", user, pass, uri.Host.ToLowerInvariant(), port, path, uri.Query, uri.Fragment, false);
    }

    private static int SchemeEnd(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0])) return -1;
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == ':') return i > 1 ? i : -1; // one letter would be a Windows drive
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')) return -1;
        }
        return -1;
    }

    private JsArray Components(string protocol, string user, string pass, string host, string port, string path, string search, string hash, bool opaque) =>
        new(_engine, [protocol, user, pass, host, port, path, search == "?" ? "" : search, hash == "#" ? "" : hash, opaque ? JsBoolean.True : JsBoolean.False]);

    // ---------- multipart ----------
    private JsValue ParseMultipart(JsValue[] a)
    {
        var body = U8(a, 0);
        var boundary = Str(a, 1);
        try
        {
            var reader = new MultipartReader(boundary, new MemoryStream(body));
            var parts = new List<JsValue>();
            while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd)) return JsValue.Null;
                using var ms = new MemoryStream();
                section.Body.CopyTo(ms);
                var name = HeaderUtilities.RemoveQuotes(cd.Name).ToString();
                var file = cd.FileName.HasValue || cd.FileNameStar.HasValue
                    ? (JsValue)new JsString(HeaderUtilities.RemoveQuotes(cd.FileNameStar.HasValue ? cd.FileNameStar : cd.FileName).ToString())
                    : JsValue.Null;
                parts.Add(new JsArray(_engine, [name, file, section.ContentType is { } ct ? new JsString(ct) : JsValue.Null, Bytes(ms.ToArray())]));
            }
            return new JsArray(_engine, parts.ToArray());
        }
        catch (IOException)
        {
            return JsValue.Null;
        }
        catch (InvalidDataException)
        {
            return JsValue.Null;
        }
    }

    // ---------- compression ----------
    /// <summary>gzip / deflate (zlib) / deflate-raw / brotli, whole buffers; inflated output is capped at the engine's memory budget.</summary>
    private static byte[] Zlib(bool compress, string format, byte[] data, long maxOutput)
    {
        using var output = new MemoryStream();
        if (compress)
        {
            using (var z = Codec(format, output, System.IO.Compression.CompressionMode.Compress)) z.Write(data);
            return output.ToArray();
        }
        if (format == "auto") format = data.Length > 1 && data[0] == 0x1f && data[1] == 0x8b ? "gzip" : "deflate";
        using var z2 = Codec(format, new MemoryStream(data), System.IO.Compression.CompressionMode.Decompress);
        var buffer = new byte[81920];
        int n;
        while ((n = z2.Read(buffer)) > 0)
        {
            if (output.Length + n > maxOutput) throw new InvalidDataException("Decompressed data exceeds the memory limit");
            output.Write(buffer, 0, n);
        }
        return output.ToArray();
    }

    private static Stream Codec(string format, Stream inner, System.IO.Compression.CompressionMode mode) => format switch
    {
        "gzip" => new System.IO.Compression.GZipStream(inner, mode, leaveOpen: true),
        "deflate" => new System.IO.Compression.ZLibStream(inner, mode, leaveOpen: true),
        "deflate-raw" => new System.IO.Compression.DeflateStream(inner, mode, leaveOpen: true),
        "brotli" => new System.IO.Compression.BrotliStream(inner, mode, leaveOpen: true),
        _ => throw new NotSupportedException($"Unsupported compression format {format}"),
    };

    // ---------- crypto ----------
    // SHA-1 is part of WebCrypto and still used by callers (e.g. webhook signatures); it is their choice.
#pragma warning disable CA5350, CA5351 // MD5 only for node:crypto createHash("md5") (etags, gravatar), never by Supacs itself.
    private static byte[] Digest(string alg, byte[] data) => alg switch
    {
        "MD5" => MD5.HashData(data),
        "SHA-1" => SHA1.HashData(data),
        "SHA-256" => SHA256.HashData(data),
        "SHA-384" => SHA384.HashData(data),
        "SHA-512" => SHA512.HashData(data),
        _ => throw new NotSupportedException(alg),
    };

    private static byte[] Hmac(string alg, byte[] key, byte[] data) => alg switch
    {
        "MD5" => HMACMD5.HashData(key, data),
        "SHA-1" => HMACSHA1.HashData(key, data),
        "SHA-256" => HMACSHA256.HashData(key, data),
        "SHA-384" => HMACSHA384.HashData(key, data),
        "SHA-512" => HMACSHA512.HashData(key, data),
        _ => throw new NotSupportedException(alg),
    };
#pragma warning restore CA5350, CA5351

    private JsValue KeyImport(JsValue[] a) => Crypto(() =>
    {
        var format = Str(a, 1);
        var info = SubtleCrypto.Import(Str(a, 0), format, format == "jwk" ? null : U8(a, 2), format == "jwk" ? Str(a, 2) : null);
        return new JsArray(_engine, [
            info.IsPrivate ? JsBoolean.True : JsBoolean.False, Bytes(info.Der), info.ModulusLength,
            info.PublicExponent is null ? JsValue.Null : Bytes(info.PublicExponent), info.NamedCurve is null ? JsValue.Null : new JsString(info.NamedCurve)]);
    });

    /// <summary>Ed25519/X25519 key import: [isPrivate, raw key (seed or public point), public point].</summary>
    private JsValue OkpImport(JsValue[] a) => Crypto(() =>
    {
        var curve = Str(a, 0);
        var format = Str(a, 1);
        byte[]? priv = null;
        byte[] pub;
        switch (format)
        {
            case "raw": pub = U8(a, 2); if (pub.Length != 32) throw new CryptographicException($"{curve} public keys are 32 bytes"); break;
            case "spki": pub = Curve25519.FromSpki(curve, U8(a, 2)); break;
            case "pkcs8": priv = Curve25519.FromPkcs8(curve, U8(a, 2)); pub = Derive(curve, priv); break;
            case "jwk":
                using (var doc = System.Text.Json.JsonDocument.Parse(Str(a, 2)))
                {
                    var j = doc.RootElement;
                    if (j.GetProperty("kty").GetString() != "OKP" || j.GetProperty("crv").GetString() != curve)
                        throw new CryptographicException($"The JWK is not an OKP {curve} key");
                    pub = Base64UrlDecode(j.GetProperty("x").GetString()!);
                    if (j.TryGetProperty("d", out var d))
                    {
                        priv = Base64UrlDecode(d.GetString()!);
                        if (!CryptographicOperations.FixedTimeEquals(Derive(curve, priv), pub)) throw new CryptographicException("The JWK's x does not match its d");
                    }
                }
                break;
            default: throw new NotSupportedException($"Unsupported key format {format}");
        }
        return new JsArray(_engine, [priv is null ? JsBoolean.False : JsBoolean.True, Bytes(priv ?? pub), Bytes(pub)]);
    });

    private static byte[] Derive(string curve, byte[] priv) => curve == "Ed25519" ? Curve25519.Ed25519PublicKey(priv) : Curve25519.X25519PublicKey(priv);

    private JsValue OkpExport(JsValue[] a) => Crypto(() =>
    {
        var (curve, isPrivate, raw, pub, format) = (Str(a, 0), TypeConverter.ToBoolean(Arg(a, 1)), U8(a, 2), U8(a, 3), Str(a, 4));
        switch (format)
        {
            case "raw" when !isPrivate: return Bytes(pub);
            case "spki" when !isPrivate: return Bytes(Curve25519.Spki(curve, pub));
            case "pkcs8" when isPrivate: return Bytes(Curve25519.Pkcs8(curve, raw));
            case "jwk":
                var jwk = new Dictionary<string, string> { ["kty"] = "OKP", ["crv"] = curve, ["x"] = Base64Url.EncodeToString(pub) };
                if (isPrivate) jwk["d"] = Base64Url.EncodeToString(raw);
                return new JsString(System.Text.Json.JsonSerializer.Serialize(jwk));
            default: throw new CryptographicException($"A {(isPrivate ? "private" : "public")} key cannot be exported as {format}");
        }
    });

    // WebCrypto failures are DOMExceptions in JS; here they become catchable errors the JS side rewraps.
    private JsValue Crypto(Func<JsValue> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException or FormatException or KeyNotFoundException or System.Text.Json.JsonException or ArgumentException or InvalidDataException)
        {
            throw new JavaScriptException(_engine.Intrinsics.Error, "OperationError: " + e.Message);
        }
    }

    // ---------- fetch ----------
    private JsValue Fetch(JsValue[] a)
    {
        var id = (int)Num(a, 0);
        var method = Str(a, 1);
        var url = Str(a, 2);
        var flat = Arg(a, 3).AsArray();
        var payload = Arg(a, 4);
        var follow = Str(a, 5) != "manual";
        var promise = _engine.Advanced.RegisterPromise();

        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (!payload.IsNull() && !payload.IsUndefined())
            request.Content = payload.IsString() ? new ByteArrayContent(Encoding.UTF8.GetBytes(payload.AsString())) : new ByteArrayContent(payload.AsUint8Array());
        for (uint i = 0; i + 1 < flat.Length; i += 2)
        {
            var name = flat[i].AsString();
            var value = flat[i + 1].AsString();
            if (name is "host" or "content-length" or "connection" or "transfer-encoding") continue;
            if (!request.Headers.TryAddWithoutValidation(name, value) && request.Content is not null)
                request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        if (!request.Headers.Contains("accept")) request.Headers.TryAddWithoutValidation("accept", "*/*");
        if (!request.Headers.Contains("user-agent")) request.Headers.TryAddWithoutValidation("user-agent", "Deno/2.1.4 (Supacs)");
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        _fetches[id] = cts;
        var client = follow ? _services.FollowingClient : _services.ManualClient;
        _loop.BeginOperation();
        _ = SendAsync();
        return promise.Promise;

        async Task SendAsync()
        {
            try
            {
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
                _loop.Complete(() =>
                {
                    _fetches.Remove(id);
                    var headers = new List<JsValue>();
                    foreach (var h in response.Headers.Concat(response.Content.Headers))
                        foreach (var v in h.Value) { headers.Add(h.Key.ToLowerInvariant()); headers.Add(v); }
                    var noBody = method == "HEAD" || (int)response.StatusCode is 204 or 304;
                    var streamId = -1;
                    if (noBody) response.Dispose();
                    else
                    {
                        streamId = _nextStream++;
                        _streams[streamId] = new HostStream(response, cts);
                    }
                    promise.Resolve(new JsArray(_engine, [
                        (int)response.StatusCode, response.ReasonPhrase ?? "", new JsArray(_engine, headers.ToArray()),
                        response.RequestMessage?.RequestUri?.AbsoluteUri ?? url, streamId]));
                });
            }
            catch (Exception e)
            {
                _loop.Complete(() =>
                {
                    _fetches.Remove(id);
                    request.Dispose();
                    promise.Reject(_engine.Intrinsics.TypeError.Construct(e is OperationCanceledException ? "The request was aborted" : e.Message));
                });
            }
            finally
            {
                request.Dispose();
            }
        }
    }

    private JsValue ReadChunk(int id)
    {
        var promise = _engine.Advanced.RegisterPromise();
        if (!_streams.TryGetValue(id, out var s))
        {
            promise.Resolve(JsValue.Null);
            return promise.Promise;
        }
        _loop.BeginOperation();
        _ = ReadAsync();
        return promise.Promise;

        async Task ReadAsync()
        {
            try
            {
                var body = await s.BodyAsync().ConfigureAwait(false);
                var buffer = new byte[16 * 1024];
                var n = await body.ReadAsync(buffer, s.Cancel.Token).ConfigureAwait(false);
                _loop.Complete(() =>
                {
                    if (n == 0)
                    {
                        CloseStream(id);
                        promise.Resolve(JsValue.Null);
                    }
                    else promise.Resolve(Bytes(buffer.AsSpan(0, n)));
                });
            }
            catch (Exception e)
            {
                _loop.Complete(() =>
                {
                    CloseStream(id);
                    promise.Reject(_engine.Intrinsics.TypeError.Construct("error reading a response body: " + e.Message));
                });
            }
        }
    }

    private JsValue ReadAll(int id)
    {
        var promise = _engine.Advanced.RegisterPromise();
        if (!_streams.TryGetValue(id, out var s))
        {
            promise.Resolve(Bytes([]));
            return promise.Promise;
        }
        _loop.BeginOperation();
        _ = ReadAsync();
        return promise.Promise;

        async Task ReadAsync()
        {
            try
            {
                var body = await s.BodyAsync().ConfigureAwait(false);
                using var ms = new MemoryStream();
                await body.CopyToAsync(ms, s.Cancel.Token).ConfigureAwait(false);
                var bytes = ms.ToArray();
                _loop.Complete(() =>
                {
                    CloseStream(id);
                    promise.Resolve(Bytes(bytes));
                });
            }
            catch (Exception e)
            {
                _loop.Complete(() =>
                {
                    CloseStream(id);
                    promise.Reject(_engine.Intrinsics.TypeError.Construct("error reading a response body: " + e.Message));
                });
            }
        }
    }

    /// <summary>Hands an unread upstream body to the server to copy straight to the client (SSE pass-through).</summary>
    public HostStream? TakeStream(int id)
    {
        if (!_streams.Remove(id, out var s)) return null;
        return s;
    }

    private void CloseStream(int id)
    {
        if (_streams.Remove(id, out var s)) s.Dispose();
    }

    public void Dispose()
    {
        _disposed.Cancel();
        foreach (var s in _streams.Values) s.Dispose();
        _streams.Clear();
        foreach (var c in _fetches.Values) c.Dispose();
        _fetches.Clear();
        _disposed.Dispose();
    }
}

/// <summary>An outbound response body not yet read.</summary>
internal sealed class HostStream(HttpResponseMessage response, CancellationTokenSource cancel) : IDisposable
{
    private Stream? _body;

    public HttpResponseMessage Response { get; } = response;
    public CancellationTokenSource Cancel { get; } = cancel;

    public async Task<Stream> BodyAsync() => _body ??= await Response.Content.ReadAsStreamAsync(Cancel.Token).ConfigureAwait(false);

    public void Dispose()
    {
        _body?.Dispose();
        Response.Dispose();
        Cancel.Dispose();
    }
}
