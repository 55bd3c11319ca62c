using System.Security.Cryptography;
using System.Text.Json;
using System.Buffers.Text;

namespace Supacs.Functions.Runtime;

/// <summary>
/// RSA (RSASSA-PKCS1-v1_5, RSA-PSS) and ECDSA (P-256/384/521) for <c>crypto.subtle</c>, stateless: keys travel
/// between JS and here as DER (SPKI for public keys, PKCS#8 for private ones), as jose and djwt use them.
/// </summary>
internal static class SubtleCrypto
{
    public sealed record KeyInfo(bool IsPrivate, byte[] Der, int ModulusLength, byte[]? PublicExponent, string? NamedCurve);

    public static KeyInfo Import(string family, string format, byte[]? der, string? jwkJson)
    {
        if (family == "RSA")
        {
            using var rsa = RSA.Create();
            bool isPrivate;
            switch (format)
            {
                case "spki": rsa.ImportSubjectPublicKeyInfo(der, out _); isPrivate = false; break;
                case "pkcs8": rsa.ImportPkcs8PrivateKey(der, out _); isPrivate = true; break;
                case "jwk":
                    using (var doc = JsonDocument.Parse(jwkJson!))
                    {
                        var j = doc.RootElement;
                        isPrivate = j.TryGetProperty("d", out _);
                        rsa.ImportParameters(new RSAParameters
                        {
                            Modulus = B(j, "n"), Exponent = B(j, "e"),
                            D = isPrivate ? B(j, "d") : null, P = isPrivate ? B(j, "p") : null, Q = isPrivate ? B(j, "q") : null,
                            DP = isPrivate ? B(j, "dp") : null, DQ = isPrivate ? B(j, "dq") : null, InverseQ = isPrivate ? B(j, "qi") : null,
                        });
                    }
                    break;
                default: throw new NotSupportedException($"Unsupported key format {format}");
            }
            var p = rsa.ExportParameters(false);
            return new KeyInfo(isPrivate, isPrivate ? rsa.ExportPkcs8PrivateKey() : rsa.ExportSubjectPublicKeyInfo(), rsa.KeySize, p.Exponent, null);
        }
        using var ec = ECDsa.Create();
        bool priv;
        switch (format)
        {
            case "spki": ec.ImportSubjectPublicKeyInfo(der, out _); priv = false; break;
            case "pkcs8": ec.ImportPkcs8PrivateKey(der, out _); priv = true; break;
            case "raw":
                ec.ImportParameters(FromRawPoint(der!));
                priv = false;
                break;
            case "jwk":
                using (var doc = JsonDocument.Parse(jwkJson!))
                {
                    var j = doc.RootElement;
                    priv = j.TryGetProperty("d", out _);
                    ec.ImportParameters(new ECParameters
                    {
                        Curve = Curve(j.GetProperty("crv").GetString()!),
                        Q = new ECPoint { X = B(j, "x"), Y = B(j, "y") },
                        D = priv ? B(j, "d") : null,
                    });
                }
                break;
            default: throw new NotSupportedException($"Unsupported key format {format}");
        }
        return new KeyInfo(priv, priv ? ec.ExportPkcs8PrivateKey() : ec.ExportSubjectPublicKeyInfo(), 0, null, CurveName(ec.ExportParameters(false).Curve));
    }

    public static string ExportJwk(string family, bool isPrivate, byte[] der)
    {
        var o = new Dictionary<string, string>();
        if (family == "RSA")
        {
            using var rsa = Rsa(der, isPrivate);
            var p = rsa.ExportParameters(isPrivate);
            o["kty"] = "RSA";
            o["n"] = Base64Url.EncodeToString(p.Modulus);
            o["e"] = Base64Url.EncodeToString(p.Exponent);
            if (isPrivate)
            {
                o["d"] = Base64Url.EncodeToString(p.D);
                o["p"] = Base64Url.EncodeToString(p.P);
                o["q"] = Base64Url.EncodeToString(p.Q);
                o["dp"] = Base64Url.EncodeToString(p.DP);
                o["dq"] = Base64Url.EncodeToString(p.DQ);
                o["qi"] = Base64Url.EncodeToString(p.InverseQ);
            }
        }
        else
        {
            using var ec = Ec(der, isPrivate);
            var p = ec.ExportParameters(isPrivate);
            o["kty"] = "EC";
            o["crv"] = CurveName(p.Curve)!;
            o["x"] = Base64Url.EncodeToString(p.Q.X);
            o["y"] = Base64Url.EncodeToString(p.Q.Y);
            if (isPrivate) o["d"] = Base64Url.EncodeToString(p.D);
        }
        return JsonSerializer.Serialize(o);
    }

    public static byte[] ExportDer(string family, bool isPrivate, byte[] der, string format)
    {
        if (format == "pkcs8")
        {
            if (!isPrivate) throw new CryptographicException("Only private keys export as pkcs8");
            return der;
        }
        if (!isPrivate) return format == "raw" && family == "EC" ? RawPoint(der) : der;
        if (family == "RSA")
        {
            using var rsa = Rsa(der, true);
            return rsa.ExportSubjectPublicKeyInfo();
        }
        using var ec = Ec(der, true);
        return ec.ExportSubjectPublicKeyInfo();
    }

    public static byte[] Sign(string algorithm, string hash, byte[] der, byte[] data, int saltLength)
    {
        var h = Hash(hash);
        switch (algorithm)
        {
            case "RSASSA-PKCS1-V1_5":
            {
                using var rsa = Rsa(der, true);
                return rsa.SignData(data, h, RSASignaturePadding.Pkcs1);
            }
            case "RSA-PSS":
            {
                using var rsa = Rsa(der, true);
                return rsa.SignData(data, h, RSASignaturePadding.Pss); // .NET uses salt length = hash length, as jose does
            }
            case "ECDSA":
            {
                using var ec = Ec(der, true);
                return ec.SignData(data, h, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            default: throw new NotSupportedException(algorithm);
        }
    }

    public static bool Verify(string algorithm, string hash, bool isPrivate, byte[] der, byte[] signature, byte[] data)
    {
        var h = Hash(hash);
        switch (algorithm)
        {
            case "RSASSA-PKCS1-V1_5":
            {
                using var rsa = Rsa(der, isPrivate);
                return rsa.VerifyData(data, signature, h, RSASignaturePadding.Pkcs1);
            }
            case "RSA-PSS":
            {
                using var rsa = Rsa(der, isPrivate);
                return rsa.VerifyData(data, signature, h, RSASignaturePadding.Pss);
            }
            case "ECDSA":
            {
                using var ec = Ec(der, isPrivate);
                return ec.VerifyData(data, signature, h, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            default: throw new NotSupportedException(algorithm);
        }
    }

    /// <summary>[pkcs8, spki] of a new key pair.</summary>
    public static (byte[] Private, byte[] Public) Generate(string family, int modulusLength, string? namedCurve)
    {
        if (family == "RSA")
        {
            using var rsa = RSA.Create(modulusLength);
            return (rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
        }
        using var ec = ECDsa.Create(Curve(namedCurve!));
        return (ec.ExportPkcs8PrivateKey(), ec.ExportSubjectPublicKeyInfo());
    }

    /// <summary>AES-GCM (tag appended, as WebCrypto) and AES-CBC (PKCS#7) encryption.</summary>
    public static byte[] Encrypt(string algorithm, byte[] key, byte[] iv, byte[] data, byte[]? additionalData, int tagBits)
    {
        if (algorithm == "AES-GCM")
        {
            var tagLength = tagBits / 8;
            using var gcm = new AesGcm(key, tagLength);
            var output = new byte[data.Length + tagLength];
            gcm.Encrypt(iv, data, output.AsSpan(0, data.Length), output.AsSpan(data.Length), additionalData);
            return output;
        }
        using var aes = Aes.Create();
        aes.Key = key;
        return algorithm == "AES-CBC" ? aes.EncryptCbc(data, iv) : throw new NotSupportedException(algorithm);
    }

    public static byte[] Decrypt(string algorithm, byte[] key, byte[] iv, byte[] data, byte[]? additionalData, int tagBits)
    {
        if (algorithm == "AES-GCM")
        {
            var tagLength = tagBits / 8;
            if (data.Length < tagLength) throw new CryptographicException("The ciphertext is shorter than the tag");
            using var gcm = new AesGcm(key, tagLength);
            var output = new byte[data.Length - tagLength];
            gcm.Decrypt(iv, data.AsSpan(0, output.Length), data.AsSpan(output.Length), output, additionalData);
            return output;
        }
        using var aes = Aes.Create();
        aes.Key = key;
        return algorithm == "AES-CBC" ? aes.DecryptCbc(data, iv) : throw new NotSupportedException(algorithm);
    }

    /// <summary>PBKDF2 and HKDF deriveBits.</summary>
    public static byte[] DeriveBits(string algorithm, string hash, byte[] secret, byte[] salt, byte[] info, int iterations, int bits)
    {
        var h = Hash(hash);
        return algorithm switch
        {
            "PBKDF2" => Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, h, bits / 8),
            "HKDF" => HKDF.DeriveKey(h, secret, bits / 8, salt, info),
            _ => throw new NotSupportedException(algorithm),
        };
    }

    private static RSA Rsa(byte[] der, bool isPrivate)
    {
        var rsa = RSA.Create();
        if (isPrivate) rsa.ImportPkcs8PrivateKey(der, out _);
        else rsa.ImportSubjectPublicKeyInfo(der, out _);
        return rsa;
    }

    private static ECDsa Ec(byte[] der, bool isPrivate)
    {
        var ec = ECDsa.Create();
        if (isPrivate) ec.ImportPkcs8PrivateKey(der, out _);
        else ec.ImportSubjectPublicKeyInfo(der, out _);
        return ec;
    }

    private static byte[] RawPoint(byte[] spki)
    {
        using var ec = Ec(spki, false);
        var q = ec.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    private static ECParameters FromRawPoint(byte[] raw)
    {
        if (raw.Length < 3 || raw[0] != 0x04) throw new CryptographicException("Only uncompressed EC points are supported");
        var n = (raw.Length - 1) / 2;
        var curve = n switch { 32 => "P-256", 48 => "P-384", 66 => "P-521", _ => throw new CryptographicException("Unknown curve size") };
        return new ECParameters { Curve = Curve(curve), Q = new ECPoint { X = raw[1..(1 + n)], Y = raw[(1 + n)..] } };
    }

    private static HashAlgorithmName Hash(string name) => name switch
    {
        "SHA-1" => HashAlgorithmName.SHA1,
        "SHA-256" => HashAlgorithmName.SHA256,
        "SHA-384" => HashAlgorithmName.SHA384,
        "SHA-512" => HashAlgorithmName.SHA512,
        _ => throw new NotSupportedException(name),
    };

    private static ECCurve Curve(string name) => name switch
    {
        "P-256" => ECCurve.NamedCurves.nistP256,
        "P-384" => ECCurve.NamedCurves.nistP384,
        "P-521" => ECCurve.NamedCurves.nistP521,
        _ => throw new NotSupportedException($"Unsupported curve {name}"),
    };

    private static string? CurveName(ECCurve curve) => curve.Oid?.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        _ => curve.Oid?.FriendlyName,
    };

    private static byte[] B(JsonElement j, string name) => Base64Url.DecodeFromChars(j.GetProperty(name).GetString()!);
}
