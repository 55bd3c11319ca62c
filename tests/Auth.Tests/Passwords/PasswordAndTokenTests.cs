using Supacs.Auth.Config;
using Supacs.Auth.Http;
using Supacs.Auth.Mail;
using Supacs.Auth.Passwords;

namespace Supacs.Auth.Tests.Passwords;

public sealed class PasswordAndTokenTests
{
    [Fact]
    public void Sha224_matches_the_fips_test_vectors()
    {
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", Convert.ToHexStringLower(Sha224.Compute("abc"u8.ToArray())));
        Assert.Equal("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", Convert.ToHexStringLower(Sha224.Compute([])));
        Assert.Equal("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            Convert.ToHexStringLower(Sha224.Compute("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8.ToArray())));
        Assert.Equal(56, OneTimeTokens.Hash("a@b.co", "123456").Length);
    }

    [Fact]
    public void Policy_checks_length_and_required_character_sets()
    {
        var o = new AuthOptions { PasswordMinLength = 8, PasswordRequiredCharacters = ["abcdefghijklmnopqrstuvwxyz", "0123456789"] };
        var weak = Assert.Throws<AuthException>(() => PasswordHasher.CheckPolicy(o, "short"));
        Assert.Equal("weak_password", weak.Code);
        Assert.Equal(["length", "characters"], weak.WeakPasswordReasons!);
        var noDigit = Assert.Throws<AuthException>(() => PasswordHasher.CheckPolicy(o, "longenoughpassword"));
        Assert.Equal(["characters"], noDigit.WeakPasswordReasons!);
        PasswordHasher.CheckPolicy(o, "longenough1");
        Assert.Equal("validation_failed", Assert.Throws<AuthException>(() => PasswordHasher.CheckPolicy(o, new string('a', 72) + "1")).Code);
    }

    [Fact]
    public void Bcrypt_cost_10_and_unknown_hashes_never_match()
    {
        var hash = PasswordHasher.Hash("secret-1");
        Assert.StartsWith("$2a$10$", hash);
        Assert.True(PasswordHasher.Verify("secret-1", hash));
        Assert.False(PasswordHasher.Verify("secret-2", hash));
        Assert.False(PasswordHasher.Verify("secret-1", null));
        Assert.False(PasswordHasher.Verify("secret-1", "not-a-hash"));
    }
}
