using Supacs.Realtime.Changes;

namespace Supacs.Realtime.Tests.Changes;

public sealed class ChangeFilterTests
{
    [Theory]
    [InlineData("id=eq.5", "5", true)]
    [InlineData("id=eq.5", "6", false)]
    [InlineData("id=eq.5", "5.0", true)]
    [InlineData("id=neq.5", "6", true)]
    [InlineData("id=lt.10", "9", true)]
    [InlineData("id=lt.10", "10", false)]
    [InlineData("id=lte.10", "10", true)]
    [InlineData("id=gt.10", "100", true)]
    [InlineData("id=gt.10", "9", false)]
    [InlineData("id=gte.10", "10", true)]
    [InlineData("name=eq.bob", "bob", true)]
    [InlineData("name=eq.bob", "Bob", false)]
    [InlineData("name=in.(alice,bob)", "bob", true)]
    [InlineData("name=in.(alice,bob)", "carol", false)]
    [InlineData("id=in.(1, 2,3)", "2", true)]
    [InlineData("done=eq.true", "t", true)]
    [InlineData("done=eq.false", "t", false)]
    [InlineData("body=eq.a.b", "a.b", true)]
    public void Evaluates_operators(string filter, string value, bool expected)
    {
        var f = ChangeFilter.Parse(filter, out var error);
        Assert.Null(error);
        Assert.Equal(expected, f!.Matches(value));
    }

    [Fact]
    public void Null_passes()
    {
        Assert.True(ChangeFilter.Parse("id=eq.1", out _)!.Matches(null));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("id=5")]
    [InlineData("=eq.5")]
    [InlineData("id=like.5")]
    [InlineData("id=in.5")]
    public void Rejects_malformed_filters(string filter)
    {
        Assert.Null(ChangeFilter.Parse(filter, out var error));
        Assert.StartsWith("Error parsing `filter` params", error);
    }
}
