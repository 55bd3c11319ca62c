using System.Numerics;
using System.Security.Cryptography;

namespace Supacs.Functions.Runtime;

/// <summary>
/// Ed25519 signatures (RFC 8032) and X25519 key agreement (RFC 7748) for <c>crypto.subtle</c>, which .NET does not
/// provide. Straightforward big-integer arithmetic over 2^255 − 19: a few milliseconds per operation, enough for the
/// JWT signing and key exchange functions do. Keys are raw 32-byte values (Ed25519 seed / X25519 scalar, public points).
/// </summary>
internal static class Curve25519
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger D = Mod(-121665 * Inv(121666));
    private static readonly BigInteger SqrtM1 = BigInteger.ModPow(2, (P - 1) / 4, P);
    private static readonly Point G = BasePoint();

    private readonly record struct Point(BigInteger X, BigInteger Y, BigInteger Z, BigInteger T);

    private static BigInteger Mod(BigInteger x)
    {
        var r = x % P;
        return r.Sign < 0 ? r + P : r;
    }

    private static BigInteger Inv(BigInteger x) => BigInteger.ModPow(Mod(x), P - 2, P);

    private static BigInteger Le(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    private static byte[] Le32(BigInteger x)
    {
        var bytes = new byte[32];
        x.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return bytes;
    }

    private static Point BasePoint()
    {
        var y = Mod(4 * Inv(5));
        var x = RecoverX(y, 0)!.Value;
        return new Point(x, y, 1, Mod(x * y));
    }

    private static Point Add(Point p, Point q)
    {
        var a = Mod((p.Y - p.X) * (q.Y - q.X));
        var b = Mod((p.Y + p.X) * (q.Y + q.X));
        var c = Mod(2 * p.T * q.T * D);
        var d = Mod(2 * p.Z * q.Z);
        var e = b - a;
        var f = d - c;
        var g = d + c;
        var h = b + a;
        return new Point(Mod(e * f), Mod(g * h), Mod(f * g), Mod(e * h));
    }

    private static Point Mul(BigInteger s, Point p)
    {
        var q = new Point(0, 1, 1, 0);
        while (s.Sign > 0)
        {
            if (!s.IsEven) q = Add(q, p);
            p = Add(p, p);
            s >>= 1;
        }
        return q;
    }

    private static bool Same(Point p, Point q) =>
        Mod(p.X * q.Z - q.X * p.Z).IsZero && Mod(p.Y * q.Z - q.Y * p.Z).IsZero;

    private static BigInteger? RecoverX(BigInteger y, int sign)
    {
        if (y >= P) return null;
        var x2 = Mod((y * y - 1) * Inv(D * y * y + 1));
        if (x2.IsZero) return sign == 0 ? BigInteger.Zero : null;
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (!Mod(x * x - x2).IsZero) x = Mod(x * SqrtM1);
        if (!Mod(x * x - x2).IsZero) return null;
        if ((int)(x & 1) != sign) x = P - x;
        return x;
    }

    private static byte[] Compress(Point p)
    {
        var zi = Inv(p.Z);
        var x = Mod(p.X * zi);
        var y = Mod(p.Y * zi);
        return Le32(y | ((x & 1) << 255));
    }

    private static Point? Decompress(ReadOnlySpan<byte> s)
    {
        if (s.Length != 32) return null;
        var y = Le(s) & ((BigInteger.One << 255) - 1);
        var sign = s[31] >> 7;
        if (RecoverX(y, sign) is not { } x) return null;
        return new Point(x, y, 1, Mod(x * y));
    }

    private static (BigInteger Scalar, byte[] Prefix) Expand(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32) throw new CryptographicException("Ed25519 private keys are 32 bytes");
        var h = SHA512.HashData(seed);
        var a = Le(h.AsSpan(0, 32));
        a &= (BigInteger.One << 254) - 8;
        a |= BigInteger.One << 254;
        return (a, h[32..]);
    }

    public static byte[] Ed25519PublicKey(ReadOnlySpan<byte> seed) => Compress(Mul(Expand(seed).Scalar, G));

    public static byte[] Ed25519Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message)
    {
        var (a, prefix) = Expand(seed);
        var publicKey = Compress(Mul(a, G));
        var r = Le(SHA512.HashData([.. prefix, .. message])) % L;
        var rs = Compress(Mul(r, G));
        var h = Le(SHA512.HashData([.. rs, .. publicKey, .. message])) % L;
        var s = (r + h * a) % L;
        return [.. rs, .. Le32(s)];
    }

    public static bool Ed25519Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64) return false;
        if (Decompress(publicKey) is not { } a || Decompress(signature[..32]) is not { } r) return false;
        var s = Le(signature[32..]);
        if (s >= L) return false;
        var h = Le(SHA512.HashData([.. signature[..32], .. publicKey, .. message])) % L;
        return Same(Mul(s, G), Add(r, Mul(h, a)));
    }

    /// <summary>X25519(k, u) of RFC 7748 (Montgomery ladder); an all-zero result (small-order point) is refused.</summary>
    public static byte[] X25519(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> uBytes)
    {
        if (scalar.Length != 32 || uBytes.Length != 32) throw new CryptographicException("X25519 keys are 32 bytes");
        Span<byte> kb = stackalloc byte[32];
        scalar.CopyTo(kb);
        kb[0] &= 248;
        kb[31] &= 127;
        kb[31] |= 64;
        var k = Le(kb);
        var x1 = Le(uBytes) & ((BigInteger.One << 255) - 1);
        BigInteger x2 = 1, z2 = 0, x3 = x1, z3 = 1;
        var swap = 0;
        for (var t = 254; t >= 0; t--)
        {
            var kt = (int)((k >> t) & 1);
            swap ^= kt;
            if (swap == 1) { (x2, x3) = (x3, x2); (z2, z3) = (z3, z2); }
            swap = kt;
            var a = Mod(x2 + z2);
            var aa = Mod(a * a);
            var b = Mod(x2 - z2);
            var bb = Mod(b * b);
            var e = Mod(aa - bb);
            var c = Mod(x3 + z3);
            var d = Mod(x3 - z3);
            var da = Mod(d * a);
            var cb = Mod(c * b);
            x3 = Mod((da + cb) * (da + cb));
            z3 = Mod(x1 * Mod((da - cb) * (da - cb)));
            x2 = Mod(aa * bb);
            z2 = Mod(e * (aa + 121665 * e));
        }
        if (swap == 1) { (x2, x3) = (x3, x2); (z2, z3) = (z3, z2); }
        var result = Le32(Mod(x2 * Inv(z2)));
        if (result.All(v => v == 0)) throw new CryptographicException("X25519 produced the all-zero shared secret");
        return result;
    }

    public static byte[] X25519PublicKey(ReadOnlySpan<byte> scalar)
    {
        Span<byte> nine = stackalloc byte[32];
        nine[0] = 9;
        return X25519(scalar, nine);
    }

    // DER wrappers: PKCS#8 and SPKI for id-Ed25519 (1.3.101.112) and id-X25519 (1.3.101.110).
    private static byte Oid(string curve) => curve == "Ed25519" ? (byte)0x70 : curve == "X25519" ? (byte)0x6e : throw new NotSupportedException(curve);

    public static byte[] Pkcs8(string curve, byte[] privateKey) =>
        [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, Oid(curve), 0x04, 0x22, 0x04, 0x20, .. privateKey];

    public static byte[] Spki(string curve, byte[] publicKey) =>
        [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, Oid(curve), 0x03, 0x21, 0x00, .. publicKey];

    public static byte[] FromPkcs8(string curve, byte[] der)
    {
        // Version 0 or 1 (with an optional public key after the private one): the key follows 04 22 04 20.
        if (der.Length < 48 || der[9] != 0x2b || der[10] != 0x65 || der[11] != Oid(curve) || der[12] != 0x04 || der[14] != 0x04 || der[15] != 0x20)
            throw new CryptographicException($"Not a {curve} PKCS#8 private key");
        return der[16..48];
    }

    public static byte[] FromSpki(string curve, byte[] der)
    {
        if (der.Length != 44 || der[6] != 0x2b || der[7] != 0x65 || der[8] != Oid(curve) || der[9] != 0x03)
            throw new CryptographicException($"Not a {curve} SubjectPublicKeyInfo");
        return der[12..];
    }
}
