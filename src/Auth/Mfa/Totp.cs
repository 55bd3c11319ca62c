using System.Security.Cryptography;
using OtpNet;
using QRCoder;

namespace Supacs.Auth.Mfa;

/// <summary>RFC 6238 TOTP as GoTrue uses it: SHA1, 6 digits, 30 s period, ±1 step; secrets in base32.</summary>
internal static class Totp
{
    public static string NewSecret() => Base32Encoding.ToString(RandomNumberGenerator.GetBytes(20)).TrimEnd('=');

    public static string Uri(string issuer, string account, string secret) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}?secret={secret}&issuer={System.Uri.EscapeDataString(issuer)}";

    public static bool Verify(string secret, string code)
    {
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)) return false;
        var totp = new OtpNet.Totp(Base32Encoding.ToBytes(secret));
        return totp.VerifyTotp(code, out _, new VerificationWindow(previous: 1, future: 1));
    }

    public static string Compute(string secret) => new OtpNet.Totp(Base32Encoding.ToBytes(secret)).ComputeTotp();

    /// <summary>The otpauth URI as an SVG QR code (auth-js prefixes it with the data: scheme itself).</summary>
    public static string QrSvg(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }
}
