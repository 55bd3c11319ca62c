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
    [InlineData("name=like.bo%", "bob", true)]
    [InlineData("name=like.bo*", "bob", true)]
    [InlineData("name=like.b_b", "bob", true)]
    [InlineData("name=like.B%", "bob", false)]
    [InlineData("name=ilike.B%", "bob", true)]
    [InlineData("name=match.^b.b$", "bob", true)]
    [InlineData("name=match.^B", "bob", false)]
    [InlineData("name=imatch.^B", "bob", true)]
    [InlineData("done=is.true", "t", true)]
    [InlineData("done=is.false", "t", false)]
    [InlineData("id=isdistinct.5", "6", true)]
    [InlineData("id=isdistinct.5", "5", false)]
    [InlineData("id=not.eq.5", "5", false)]
    [InlineData("id=not.in.(1,2)", "3", true)]
    [InlineData("name=eq.\"a,b\"", "a,b", true)]
    [InlineData("name=in.(\"x,y\",z)", "x,y", true)]
    public void Evaluates_operators(string filter, string value, bool expected)
    {
        var f = ChangeFilter.Parse(filter, out var error);
        Assert.Null(error);
        Assert.Equal(expected, f!.MatchesValue(value));
    }

    [Fact]
    public void Null_passes_comparisons_but_not_is_or_isdistinct()
    {
        Assert.True(ChangeFilter.Parse("id=eq.1", out _)!.MatchesValue(null));
        Assert.True(ChangeFilter.Parse("id=is.null", out _)!.MatchesValue(null));
        Assert.False(ChangeFilter.Parse("id=is.null", out _)!.MatchesValue("1"));
        Assert.True(ChangeFilter.Parse("id=not.is.null", out _)!.MatchesValue("1"));
        Assert.True(ChangeFilter.Parse("id=isdistinct.1", out _)!.MatchesValue(null));
    }

    [Fact]
    public void Conditions_are_anded()
    {
        var f = ChangeFilter.Parse("id=in.(1,2),name=eq.bob", out var error)!;
        Assert.Null(error);
        Assert.Equal(["id", "name"], f.Columns);
        var row = new Dictionary<string, string?> { ["id"] = "2", ["name"] = "bob" };
        Assert.True(f.Matches(c => row[c]));
        row["name"] = "alice";
        Assert.False(f.Matches(c => row[c]));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("id=5")]
    [InlineData("=eq.5")]
    [InlineData("id=nope.5")]
    [InlineData("id=is.maybe")]
    [InlineData("id=match.(")]
    [InlineData("id=in.5")]
    public void Rejects_malformed_filters(string filter)
    {
        Assert.Null(ChangeFilter.Parse(filter, out var error));
        Assert.StartsWith("Error parsing `filter` params", error);
    }
}
