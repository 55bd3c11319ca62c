using Supacs.Core.Keys;

namespace Supacs.Core.Tests.Keys;

public sealed class ConstantTimeTests
{
    [Theory]
    [InlineData("", "", true)]
    [InlineData("sb_secret_abcdefghijklmnop", "sb_secret_abcdefghijklmnop", true)]
    [InlineData("sb_secret_abcdefghijklmnop", "sb_secret_abcdefghijklmnoq", false)] // last char, past the 8-byte steps
    [InlineData("Xb_secret_abcdefghijklmnop", "sb_secret_abcdefghijklmnop", false)] // first char
    [InlineData("abc", "abcd", false)]
    [InlineData("clé", "clü", false)] // non-ASCII: compared as code units, not as lossy ASCII bytes (both '?')
    public void Compares_ordinally(string a, string b, bool equal) => Assert.Equal(equal, ConstantTime.Equals(a, b));
}
