using System.Text.Json;
using Supacs.Rest.Http;

namespace Supacs.Rest.Tests.Http;

/// <summary>jwt-role-claim-key JSPaths, filter expressions included, evaluated as PostgREST's walkJSPath does.</summary>
public sealed class RoleClaimPathTests
{
    private const string Claims = """
        {"role":"anon","roles":["viewer","app_admin","admin","x-editor-y"],"nested":{"k-1":{"r":["a","b"]}},"n":5,
         "scope":"role:writer","mixed":[1,{"a":"b"},"found"]}
        """;

    [Theory]
    [InlineData(".role", "anon")]
    [InlineData(".roles[1]", "app_admin")]
    [InlineData(".nested.\"k-1\".r[1]", "b")]
    [InlineData(".roles[?(@ == \"admin\")]", "admin")]
    [InlineData(".roles[?(@==\"admin\")]", "admin")]
    [InlineData(".roles[?(@ != \"viewer\")]", "app_admin")]
    [InlineData(".roles[?(@ ^== \"app\")]", "app_admin")]
    [InlineData(".roles[?(@ ==^ \"admin\")]", "app_admin")]
    [InlineData(".roles[?(@ *== \"editor\")]", "x-editor-y")]
    [InlineData(".mixed[?(@ != \"zzz\")]", "found")]
    [InlineData(".scope[5:]", "writer")]
    [InlineData(".scope[:-7]", "role")]
    [InlineData(".roles[?(@ *== \"edit\")][2:-2]", "editor")]
    public void Finds_the_role(string path, string expected)
    {
        var parsed = RoleClaimPath.Parse(path);
        Assert.NotNull(parsed);
        Assert.Equal(expected, parsed.Find(JsonDocument.Parse(Claims).RootElement));
    }

    [Theory]
    [InlineData(".roles[?(@ == \"root\")]")]
    [InlineData(".role[?(@ == \"anon\")]")]
    [InlineData(".roles[9]")]
    [InlineData(".n")]
    [InlineData(".missing.role")]
    public void No_role_when_nothing_matches(string path)
    {
        var parsed = RoleClaimPath.Parse(path);
        Assert.NotNull(parsed);
        Assert.Null(parsed.Find(JsonDocument.Parse(Claims).RootElement));
    }

    [Theory]
    [InlineData("role")]
    [InlineData(".roles[?(@ = \"admin\")]")]
    [InlineData(".roles[?(@ == admin)]")]
    [InlineData(".roles[?(@ == \"admin\"]")]
    [InlineData(".roles[x]")]
    [InlineData(".roles[-1]")]
    [InlineData("..role")]
    public void Invalid_paths_are_rejected(string path) => Assert.Null(RoleClaimPath.Parse(path));
}
