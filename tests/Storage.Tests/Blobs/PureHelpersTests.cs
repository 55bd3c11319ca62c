using Supacs.Storage.Data;
using Supacs.Storage.Endpoints.Objects;
using Supacs.Storage.Http;

namespace Supacs.Storage.Tests.Blobs;

public sealed class PureHelpersTests
{
    [Theory]
    [InlineData("20mb", false, 20_000_000L)]
    [InlineData("1.5KB", false, 1500L)]
    [InlineData("50MiB", true, 52_428_800L)]
    [InlineData("50MB", true, 52_428_800L)]
    [InlineData("123", false, 123L)]
    public void Sizes_parse_in_upstream_units(string text, bool binary, long expected)
    {
        Assert.True(SizeParser.TryParse(text, binary, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Bad_sizes_are_refused() => Assert.False(SizeParser.TryParse("lots", false, out _));

    [Theory]
    [InlineData("image/png", new[] { "image/*" }, true)]
    [InlineData("image/png; charset=x", new[] { "image/png" }, true)]
    [InlineData("text/plain", new[] { "image/*", "application/pdf" }, false)]
    public void Mime_wildcards_match(string type, string[] allowed, bool ok) => Assert.Equal(ok, Names.MimeAllowed(type, allowed));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("ünïcode.txt")]
    [InlineData("a/./b")]
    public void Unsafe_keys_are_invalid(string key) => Assert.Equal("InvalidKey", Assert.Throws<StorageError>(() => Names.Key(key)).Code);

    [Theory]
    [InlineData("résumé/日本.txt", true)]
    [InlineData("tab\there", false)]
    [InlineData("a/../b", false)]
    public void Unicode_keys_when_enabled(string key, bool ok)
    {
        if (ok) Assert.Equal(key, Names.Key(key, unicode: true));
        else Assert.Throws<StorageError>(() => Names.Key(key, unicode: true));
    }

    [Theory]
    [InlineData("bytes=0-9", 100, 0, 10)]
    [InlineData("bytes=90-", 100, 90, 10)]
    [InlineData("bytes=-5", 100, 95, 5)]
    [InlineData("bytes=50-500", 100, 50, 50)]
    public void Ranges_parse(string header, long size, long offset, long count)
    {
        Assert.True(ObjectReader.TryParseRange(header, size, out var o, out var c));
        Assert.Equal((offset, count), (o, c));
    }

    [Fact]
    public void Unsatisfiable_range_is_refused() => Assert.False(ObjectReader.TryParseRange("bytes=100-", 100, out _, out _));
}
