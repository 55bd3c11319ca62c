using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Supacs.Functions.Tests.Runtime;

/// <summary>crypto.subtle Ed25519, X25519, ECDH, RSA-OAEP, AES-CTR, AES-KW and wrapKey/unwrapKey: RFC/NIST vectors and .NET interop.</summary>
public sealed class SubtleCryptoMoreFixture : FunctionsHostFixture
{
    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDiffieHellman Ecdh { get; } = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    protected override string ConfigToml => """
        [functions.vectors]
        verify_jwt = false
        [functions.interop]
        verify_jwt = false
        """;

    protected override void WriteFunctions()
    {
        Write("functions/vectors/index.ts", """
            const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b)).map((x) => x.toString(16).padStart(2, "0")).join("");
            const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((h) => parseInt(h, 16)));
            const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
            Deno.serve(async () => {
              const s = crypto.subtle;
              // RFC 8032 7.1 test 1
              const edPkcs8 = cat(unhex("302e020100300506032b657004220420"), unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
              const edPriv = await s.importKey("pkcs8", edPkcs8, { name: "Ed25519" }, true, ["sign"]);
              const edPub = await s.importKey("raw", unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), "Ed25519", true, ["verify"]);
              const edSig = await s.sign("Ed25519", edPriv, new Uint8Array(0));
              const edOk = await s.verify("Ed25519", edPub, edSig, new Uint8Array(0));
              const edBad = await s.verify("Ed25519", edPub, edSig, new Uint8Array([1]));
              const edJwk = await s.exportKey("jwk", edPriv);
              const gen = await s.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
              const genOk = await s.verify("Ed25519", gen.publicKey, await s.sign("Ed25519", gen.privateKey, new TextEncoder().encode("m")), new TextEncoder().encode("m"));
              // RFC 7748 6.1
              const alice = await s.importKey("pkcs8", cat(unhex("302e020100300506032b656e04220420"), unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")), { name: "X25519" }, false, ["deriveBits"]);
              const bobPub = await s.importKey("raw", unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), { name: "X25519" }, true, []);
              const x25519 = await s.deriveBits({ name: "X25519", public: bobPub }, alice, 256);
              // NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt), counter length 64
              const ctrKey = await s.importKey("raw", unhex("2b7e151628aed2a6abf7158809cf4f3c"), "AES-CTR", false, ["encrypt", "decrypt"]);
              const ctrAlg = { name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64 };
              const ctr = await s.encrypt(ctrAlg, ctrKey, unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"));
              const ctrBack = await s.decrypt(ctrAlg, ctrKey, ctr);
              // RFC 3394 4.1 through wrapKey/unwrapKey
              const kek = await s.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
              const cek = await s.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
              const wrapped = await s.wrapKey("raw", cek, kek, "AES-KW");
              const unwrapped = await s.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["encrypt"]);
              const tampered = new Uint8Array(wrapped.slice(0)); tampered[3] ^= 1;
              const kwRejects = await s.unwrapKey("raw", tampered, kek, "AES-KW", "AES-GCM", true, ["encrypt"]).then(() => "no", (e) => e.name);
              // jwk wrapped with AES-GCM
              const gcmKey = await s.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
              const iv = crypto.getRandomValues(new Uint8Array(12));
              const hmac = await s.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
              const w = await s.wrapKey("jwk", hmac, gcmKey, { name: "AES-GCM", iv });
              const hmacBack = await s.unwrapKey("jwk", w, gcmKey, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
              const sameHmac = hex(await s.exportKey("raw", hmac)) === hex(await s.exportKey("raw", hmacBack));
              // ECDH both ways, truncated length
              const a = await s.generateKey({ name: "ECDH", namedCurve: "P-384" }, false, ["deriveBits"]) as CryptoKeyPair;
              const b = await s.generateKey({ name: "ECDH", namedCurve: "P-384" }, false, ["deriveBits"]) as CryptoKeyPair;
              const ab = hex(await s.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 384));
              const ba = hex(await s.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, 384));
              const short = hex(await s.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 12));
              const aesFromEcdh = await s.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
              return Response.json({
                edSig: hex(edSig), edOk, edBad, edJwk: [edJwk.kty, edJwk.crv, edJwk.x, edJwk.d], genOk,
                x25519: hex(x25519), ctr: hex(ctr), ctrBack: hex(ctrBack),
                wrapped: hex(wrapped), unwrapped: hex(await s.exportKey("raw", unwrapped)), kwRejects, sameHmac,
                ecdhAgrees: ab === ba && ab.length === 96, short, shortMatches: short === ab.slice(0, 2) + (parseInt(ab.slice(2, 4), 16) & 0xf0).toString(16).padStart(2, "0"),
                derivedAes: (await s.exportKey("raw", aesFromEcdh)).byteLength,
              });
            });
            """);
        var rsaSpki = Convert.ToBase64String(Rsa.ExportSubjectPublicKeyInfo());
        var rsaPkcs8 = Convert.ToBase64String(Rsa.ExportPkcs8PrivateKey());
        var ecdhSpki = Convert.ToBase64String(Ecdh.ExportSubjectPublicKeyInfo());
        Write("functions/interop/index.ts", $$"""
            const der = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const b64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
            Deno.serve(async (req) => {
              const { sealed } = await req.json();
              const s = crypto.subtle;
              const oaep = { name: "RSA-OAEP", hash: "SHA-256" };
              const step = async <T,>(name: string, p: Promise<T>) => { try { return await p; } catch (e) { throw new Error(name + ": " + e); } };
              const pub = await step("import spki", s.importKey("spki", der("{{rsaSpki}}"), oaep, false, ["encrypt"]));
              const priv = await step("import pkcs8", s.importKey("pkcs8", der("{{rsaPkcs8}}"), oaep, false, ["decrypt"]));
              const opened = new TextDecoder().decode(await s.decrypt({ name: "RSA-OAEP" }, priv, der(sealed)));
              const toDotnet = b64(await s.encrypt({ name: "RSA-OAEP" }, pub, new TextEncoder().encode("for dotnet")));
              const peer = await step("import ecdh", s.importKey("spki", der("{{ecdhSpki}}"), { name: "ECDH", namedCurve: "P-256" }, true, []));
              const mine = await s.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]) as CryptoKeyPair;
              const secret = b64(await s.deriveBits({ name: "ECDH", public: peer }, mine.privateKey, 256));
              return Response.json({ opened, toDotnet, myPublic: b64(await s.exportKey("spki", mine.publicKey)), secret });
            });
            """);
    }
}

public sealed class SubtleCryptoMoreTests(SubtleCryptoMoreFixture f) : IClassFixture<SubtleCryptoMoreFixture>
{
    [Fact]
    public async Task Ed25519_x25519_aes_ctr_aes_kw_and_ecdh_match_their_published_vectors()
    {
        var response = await f.Client.SendAsync(f.Request(HttpMethod.Get, "vectors"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        var r = JsonDocument.Parse(body).RootElement;
        Assert.Equal("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", r.GetProperty("edSig").GetString());
        Assert.True(r.GetProperty("edOk").GetBoolean());
        Assert.False(r.GetProperty("edBad").GetBoolean());
        Assert.Equal("""["OKP","Ed25519","11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"]""", r.GetProperty("edJwk").GetRawText());
        Assert.True(r.GetProperty("genOk").GetBoolean());
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", r.GetProperty("x25519").GetString());
        Assert.Equal("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff", r.GetProperty("ctr").GetString());
        Assert.Equal("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", r.GetProperty("ctrBack").GetString());
        Assert.Equal("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5", r.GetProperty("wrapped").GetString());
        Assert.Equal("00112233445566778899aabbccddeeff", r.GetProperty("unwrapped").GetString());
        Assert.Equal("OperationError", r.GetProperty("kwRejects").GetString());
        Assert.True(r.GetProperty("sameHmac").GetBoolean());
        Assert.True(r.GetProperty("ecdhAgrees").GetBoolean());
        Assert.Equal(4, r.GetProperty("short").GetString()!.Length);
        Assert.True(r.GetProperty("shortMatches").GetBoolean());
        Assert.Equal(16, r.GetProperty("derivedAes").GetInt32());
    }

    [Fact]
    public async Task Rsa_oaep_and_ecdh_interoperate_with_dotnet()
    {
        var sealedBytes = f.Rsa.Encrypt("from dotnet"u8.ToArray(), RSAEncryptionPadding.OaepSHA256);
        var request = f.Request(HttpMethod.Post, "interop");
        request.Content = new StringContent(JsonSerializer.Serialize(new { @sealed = Convert.ToBase64String(sealedBytes) }), Encoding.UTF8, "application/json");
        var response = await f.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body + "\n" + f.Logs.Dump());
        var r = JsonDocument.Parse(body).RootElement;
        Assert.Equal("from dotnet", r.GetProperty("opened").GetString());
        Assert.Equal("for dotnet", Encoding.UTF8.GetString(f.Rsa.Decrypt(Convert.FromBase64String(r.GetProperty("toDotnet").GetString()!), RSAEncryptionPadding.OaepSHA256)));
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(Convert.FromBase64String(r.GetProperty("myPublic").GetString()!), out _);
        var expected = f.Ecdh.DeriveRawSecretAgreement(peer.PublicKey);
        Assert.Equal(Convert.ToBase64String(expected), r.GetProperty("secret").GetString());
    }
}
