using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Supacs.Auth.Mail;

/// <summary>
/// Email OTPs and their hashes: a numeric OTP, token_hash = hex SHA-224(email + otp) (prefixed <c>pkce_</c> in
/// PKCE flows), stored in the user's *_token column and in auth.one_time_tokens.
/// </summary>
internal static class OneTimeTokens
{
    public static string NewOtp(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        return new string(chars);
    }

    public static string Hash(string emailOrPhone, string otp) =>
        Convert.ToHexStringLower(SHA224(Encoding.UTF8.GetBytes(emailOrPhone + otp)));

    /// <summary>SHA-224 is not in .NET's BCL: SHA-256's compression with its own IV, truncated to 28 bytes.</summary>
    private static byte[] SHA224(byte[] data) => Sha224.Compute(data);

    public static async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid userId, string tokenType, string tokenHash, string relatesTo, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at) " +
            "VALUES ($1, $2, $3::auth.one_time_token_type, $4, $5, now(), now()) " +
            "ON CONFLICT (user_id, token_type) DO UPDATE SET token_hash = excluded.token_hash, relates_to = excluded.relates_to, updated_at = now()", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = tokenType });
        cmd.Parameters.Add(new NpgsqlParameter { Value = tokenHash });
        cmd.Parameters.Add(new NpgsqlParameter { Value = relatesTo });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid userId, string tokenType, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("DELETE FROM auth.one_time_tokens WHERE user_id = $1 AND token_type = $2::auth.one_time_token_type", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = tokenType });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>FIPS 180-4 SHA-224.</summary>
internal static class Sha224
{
    private static readonly uint[] K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    public static byte[] Compute(byte[] data)
    {
        uint[] h = [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4];
        var bitLength = (ulong)data.Length * 8;
        var padded = new byte[((data.Length + 9 + 63) / 64) * 64];
        data.CopyTo(padded, 0);
        padded[data.Length] = 0x80;
        for (var i = 0; i < 8; i++) padded[padded.Length - 1 - i] = (byte)(bitLength >> (8 * i));
        var w = new uint[64];
        for (var chunk = 0; chunk < padded.Length; chunk += 64)
        {
            for (var i = 0; i < 16; i++)
                w[i] = (uint)(padded[chunk + 4 * i] << 24 | padded[chunk + 4 * i + 1] << 16 | padded[chunk + 4 * i + 2] << 8 | padded[chunk + 4 * i + 3]);
            for (var i = 16; i < 64; i++)
            {
                var s0 = uint.RotateRight(w[i - 15], 7) ^ uint.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
                var s1 = uint.RotateRight(w[i - 2], 17) ^ uint.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
            }
            uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
            for (var i = 0; i < 64; i++)
            {
                var S1 = uint.RotateRight(e, 6) ^ uint.RotateRight(e, 11) ^ uint.RotateRight(e, 25);
                var ch = (e & f) ^ (~e & g);
                var t1 = hh + S1 + ch + K[i] + w[i];
                var S0 = uint.RotateRight(a, 2) ^ uint.RotateRight(a, 13) ^ uint.RotateRight(a, 22);
                var maj = (a & b) ^ (a & c) ^ (b & c);
                var t2 = S0 + maj;
                hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
            }
            h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
        }
        var result = new byte[28];
        for (var i = 0; i < 7; i++)
        {
            result[4 * i] = (byte)(h[i] >> 24);
            result[4 * i + 1] = (byte)(h[i] >> 16);
            result[4 * i + 2] = (byte)(h[i] >> 8);
            result[4 * i + 3] = (byte)h[i];
        }
        return result;
    }
}
