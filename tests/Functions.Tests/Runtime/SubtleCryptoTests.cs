using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Functions.Tests.Runtime;

/// <summary>crypto.subtle RSA and ECDSA against .NET's own implementations, both directions.</summary>
public sealed class SubtleCryptoFixture : FunctionsHostFixture
{
    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    protected override string ConfigToml => """
        [functions.subtle]
        verify_jwt = false
        [functions.symmetric]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/symmetric/index.ts", """
            const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b)).map((x) => x.toString(16).padStart(2, "0")).join("");
            const enc = new TextEncoder();
            Deno.serve(async () => {
              const keyBytes = new Uint8Array(32).map((_, i) => i);
              const iv = new Uint8Array(12).map((_, i) => 100 + i);
              const key = await crypto.subtle.importKey("raw", keyBytes, { name: "AES-GCM" }, true, ["encrypt", "decrypt"]);
              const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, key, enc.encode("secret message"));
              const opened = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, key, sealed));
              const tampered = new Uint8Array(sealed.slice(0)); tampered[0] ^= 1;
              const rejects = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, key, tampered).then(() => "no", (e) => e.name);
              const cbcKey = await crypto.subtle.generateKey({ name: "AES-CBC", length: 128 }, true, ["encrypt", "decrypt"]);
              const cbcIv = crypto.getRandomValues(new Uint8Array(16));
              const cbc = await crypto.subtle.encrypt({ name: "AES-CBC", iv: cbcIv }, cbcKey, enc.encode("cbc text"));
              const cbcBack = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-CBC", iv: cbcIv }, cbcKey, cbc));
              const pw = await crypto.subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
              const pbkdf2 = await crypto.subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1000, hash: "SHA-256" }, pw, 256);
              const ikm = await crypto.subtle.importKey("raw", enc.encode("input key"), "HKDF", false, ["deriveBits"]);
              const hkdf = await crypto.subtle.deriveBits({ name: "HKDF", salt: enc.encode("salt"), info: enc.encode("info"), hash: "SHA-256" }, ikm, 128);
              const derived = await crypto.subtle.deriveKey({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1000, hash: "SHA-256" }, pw, { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
              return Response.json({ sealed: hex(sealed), opened, rejects, cbcBack, pbkdf2: hex(pbkdf2), hkdf: hex(hkdf), derived: hex(await crypto.subtle.exportKey("raw", derived)) });
            });
            """);
        var rsaPkcs8 = Convert.ToBase64String(Rsa.ExportPkcs8PrivateKey());
        var rsaSpki = Convert.ToBase64String(Rsa.ExportSubjectPublicKeyInfo());
        var ecPkcs8 = Convert.ToBase64String(Ec.ExportPkcs8PrivateKey());
        var ecSpki = Convert.ToBase64String(Ec.ExportSubjectPublicKeyInfo());
        Write("functions/subtle/index.ts", $$"""
            const der = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const b64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
            const data = new TextEncoder().encode("payload");

            Deno.serve(async (req) => {
              const { rsaSig, ecSig } = await req.json();
              const rs = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
              const es = { name: "ECDSA", namedCurve: "P-256" };
              const rsaPriv = await crypto.subtle.importKey("pkcs8", der("{{rsaPkcs8}}"), rs, false, ["sign"]);
              const rsaPub = await crypto.subtle.importKey("spki", der("{{rsaSpki}}"), rs, true, ["verify"]);
              const ecPriv = await crypto.subtle.importKey("pkcs8", der("{{ecPkcs8}}"), es, false, ["sign"]);
              const ecPub = await crypto.subtle.importKey("spki", der("{{ecSpki}}"), es, true, ["verify"]);
              const jwk = await crypto.subtle.exportKey("jwk", ecPub);
              const fromJwk = await crypto.subtle.importKey("jwk", jwk, es, true, ["verify"]);
              const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"]);
              const own = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-384" }, pair.privateKey, data);
              const pss = await crypto.subtle.generateKey({ name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
              const pssSig = await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pss.privateKey, data);
              return Response.json({
                rsaSig: b64(await crypto.subtle.sign(rs, rsaPriv, data)),
                ecSig: b64(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ecPriv, data)),
                verifiesDotnetRsa: await crypto.subtle.verify(rs, rsaPub, der(rsaSig), data),
                verifiesDotnetEc: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, fromJwk, der(ecSig), data),
                rejectsTampered: await crypto.subtle.verify(rs, rsaPub, der(rsaSig), new TextEncoder().encode("other")),
                generated: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-384" }, pair.publicKey, own, data),
                pss: await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, pssSig, data),
                jwk: [jwk.kty, jwk.crv, rsaPub.algorithm.modulusLength, rsaPriv.type, ecPub.type],
              });
            });
            """);
    }
}

public sealed class SubtleCryptoTests(SubtleCryptoFixture f) : IClassFixture<SubtleCryptoFixture>
{
    [Fact]
    public async Task Aes_gcm_cbc_pbkdf2_and_hkdf_match_dotnet()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "symmetric"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var iv = Enumerable.Range(100, 12).Select(i => (byte)i).ToArray();
        var sealedBytes = Convert.FromHexString(r.GetProperty("sealed").GetString()!);
        using var gcm = new AesGcm(key, 16);
        var plain = new byte[sealedBytes.Length - 16];
        gcm.Decrypt(iv, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain, "aad"u8);
        Assert.Equal("secret message", Encoding.UTF8.GetString(plain));
        Assert.Equal("secret message", r.GetProperty("opened").GetString());
        Assert.Equal("OperationError", r.GetProperty("rejects").GetString());
        Assert.Equal("cbc text", r.GetProperty("cbcBack").GetString());
        var pbkdf2 = Rfc2898DeriveBytes.Pbkdf2("password"u8, "salt"u8, 1000, HashAlgorithmName.SHA256, 32);
        Assert.Equal(Convert.ToHexStringLower(pbkdf2), r.GetProperty("pbkdf2").GetString());
        Assert.Equal(Convert.ToHexStringLower(pbkdf2), r.GetProperty("derived").GetString());
        var hkdf = HKDF.DeriveKey(HashAlgorithmName.SHA256, "input key"u8.ToArray(), 16, "salt"u8.ToArray(), "info"u8.ToArray());
        Assert.Equal(Convert.ToHexStringLower(hkdf), r.GetProperty("hkdf").GetString());
    }

    [Fact]
    public async Task Rsa_and_ecdsa_interoperate_with_dotnet()
    {
        var data = Encoding.UTF8.GetBytes("payload");
        var rsaSig = Convert.ToBase64String(f.Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        var ecSig = Convert.ToBase64String(f.Ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        var request = f.Request(HttpMethod.Post, "subtle");
        request.Content = new StringContent(JsonSerializer.Serialize(new { rsaSig, ecSig }), Encoding.UTF8, "application/json");
        var response = await f.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        Assert.True(f.Rsa.VerifyData(data, Convert.FromBase64String(r.GetProperty("rsaSig").GetString()!), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(f.Ec.VerifyData(data, Convert.FromBase64String(r.GetProperty("ecSig").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.True(r.GetProperty("verifiesDotnetRsa").GetBoolean());
        Assert.True(r.GetProperty("verifiesDotnetEc").GetBoolean());
        Assert.False(r.GetProperty("rejectsTampered").GetBoolean());
        Assert.True(r.GetProperty("generated").GetBoolean());
        Assert.True(r.GetProperty("pss").GetBoolean());
        Assert.Equal("""["EC","P-256",2048,"private","public"]""", r.GetProperty("jwk").GetRawText());
    }
}
