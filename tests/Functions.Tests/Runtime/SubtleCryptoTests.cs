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
        """;

    protected override void WriteFunctions()
    {
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
