using System.Security.Cryptography;
using System.Text.Json;
using System.Buffers.Text;
using System.Numerics;

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

    /// <summary>AES-GCM (tag appended, as WebCrypto), AES-CBC (PKCS#7), AES-CTR (iv = counter block, tagBits = counter length) and AES-KW encryption.</summary>
    public static byte[] Encrypt(string algorithm, byte[] key, byte[] iv, byte[] data, byte[]? additionalData, int tagBits)
    {
        if (algorithm == "AES-CTR") return Ctr(key, iv, data, tagBits);
        if (algorithm == "AES-KW") return KeyWrap(key, data);
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
        if (algorithm == "AES-CTR") return Ctr(key, iv, data, tagBits);
        if (algorithm == "AES-KW") return KeyUnwrap(key, data);
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

    /// <summary>AES-CTR: the rightmost <paramref name="lengthBits"/> bits of the counter block increment (wrapping), as WebCrypto defines it.</summary>
    private static byte[] Ctr(byte[] key, byte[] counter, byte[] data, int lengthBits)
    {
        if (counter.Length != 16) throw new CryptographicException("AES-CTR counter must be 16 bytes");
        if (lengthBits is < 1 or > 128) throw new CryptographicException("AES-CTR length must be between 1 and 128");
        using var aes = Aes.Create();
        aes.Key = key;
        var block = (byte[])counter.Clone();
        var mask = lengthBits == 128 ? BigInteger.MinusOne : (BigInteger.One << lengthBits) - 1;
        var output = new byte[data.Length];
        var keystream = new byte[16];
        for (var offset = 0; offset < data.Length; offset += 16)
        {
            aes.EncryptEcb(block, keystream, PaddingMode.None);
            var n = Math.Min(16, data.Length - offset);
            for (var i = 0; i < n; i++) output[offset + i] = (byte)(data[offset + i] ^ keystream[i]);
            // Increment the counter part modulo 2^length, leaving the nonce bits alone.
            var whole = new BigInteger(block, isUnsigned: true, isBigEndian: true);
            var ctr = lengthBits == 128 ? whole : whole & mask;
            var next = (ctr + 1) & (lengthBits == 128 ? (BigInteger.One << 128) - 1 : mask);
            var updated = lengthBits == 128 ? next : (whole & ~mask) | next;
            var bytes = updated.ToByteArray(isUnsigned: true, isBigEndian: true);
            Array.Clear(block);
            bytes.CopyTo(block, 16 - bytes.Length);
        }
        return output;
    }

    private static readonly byte[] KwIv = [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];

    /// <summary>AES Key Wrap (RFC 3394).</summary>
    private static byte[] KeyWrap(byte[] kek, byte[] plain)
    {
        if (plain.Length % 8 != 0 || plain.Length < 16) throw new CryptographicException("AES-KW data must be a multiple of 8 bytes, at least 16");
        using var aes = Aes.Create();
        aes.Key = kek;
        var n = plain.Length / 8;
        var a = (byte[])KwIv.Clone();
        var r = (byte[])plain.Clone();
        var b = new byte[16];
        for (var j = 0; j <= 5; j++)
            for (var i = 1; i <= n; i++)
            {
                a.CopyTo(b, 0);
                Array.Copy(r, (i - 1) * 8, b, 8, 8);
                var enc = aes.EncryptEcb(b, PaddingMode.None);
                var t = (ulong)(n * j + i);
                for (var k = 0; k < 8; k++) a[k] = (byte)(enc[k] ^ (byte)(t >> (8 * (7 - k))));
                Array.Copy(enc, 8, r, (i - 1) * 8, 8);
            }
        return [.. a, .. r];
    }

    private static byte[] KeyUnwrap(byte[] kek, byte[] wrapped)
    {
        if (wrapped.Length % 8 != 0 || wrapped.Length < 24) throw new CryptographicException("AES-KW wrapped data must be a multiple of 8 bytes, at least 24");
        using var aes = Aes.Create();
        aes.Key = kek;
        var n = wrapped.Length / 8 - 1;
        var a = wrapped[..8];
        var r = wrapped[8..];
        var b = new byte[16];
        for (var j = 5; j >= 0; j--)
            for (var i = n; i >= 1; i--)
            {
                var t = (ulong)(n * j + i);
                for (var k = 0; k < 8; k++) b[k] = (byte)(a[k] ^ (byte)(t >> (8 * (7 - k))));
                Array.Copy(r, (i - 1) * 8, b, 8, 8);
                var dec = aes.DecryptEcb(b, PaddingMode.None);
                Array.Copy(dec, 0, a, 0, 8);
                Array.Copy(dec, 8, r, (i - 1) * 8, 8);
            }
        if (!CryptographicOperations.FixedTimeEquals(a, KwIv)) throw new CryptographicException("AES-KW integrity check failed");
        return r;
    }

    /// <summary>RSA-OAEP with the key's hash (labels are not supported by .NET and must be empty).</summary>
    public static byte[] RsaOaep(bool encrypt, string hash, bool isPrivate, byte[] der, byte[] data, byte[]? label)
    {
        if (label is { Length: > 0 }) throw new NotSupportedException("RSA-OAEP labels are not supported");
        using var rsa = Rsa(der, isPrivate);
        var padding = RSAEncryptionPadding.CreateOaep(Hash(hash));
        return encrypt ? rsa.Encrypt(data, padding) : rsa.Decrypt(data, padding);
    }

    /// <summary>ECDH: the raw shared secret (x coordinate) of a private key and a peer's public key, on the same curve.</summary>
    public static byte[] Ecdh(byte[] privateDer, byte[] publicDer)
    {
        using var mine = ECDiffieHellman.Create();
        mine.ImportPkcs8PrivateKey(privateDer, out _);
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(publicDer, out _);
        return mine.DeriveRawSecretAgreement(peer.PublicKey);
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
