using Supacs.Rest.Config;

namespace Supacs.Rest.Tests.Config;

/// <summary>
/// RestSettings compare by value (a configuration reload applies, clears the JWT cache and logs only on a change):
/// lists by their items in order, the role claim path by its text, role settings by content.
/// </summary>
public sealed class RestSettingsEqualityTests
{
    private static RestSettings Sample() => new()
    {
        Schemas = ["public", "api"],
        ExtraSearchPath = ValueList.From(new List<string> { "public", "extensions" }),
        RoleClaimPath = Supacs.Rest.Http.RoleClaimPath.Parse(".app_metadata.role"),
        AppSettings = [new("app.settings.jwt_exp", "3600")],
        RoleSettings = new(new Dictionary<string, ImpersonatedRoleSettings>
        {
            ["authenticated"] = new([new("statement_timeout", "8s")], System.Data.IsolationLevel.Serializable),
            ["anon"] = new([], null),
        }),
    };

    [Fact]
    public void Settings_built_alike_are_equal()
    {
        Assert.Equal(Sample(), Sample());
        Assert.True(Sample() == Sample());
        Assert.Equal(Sample().GetHashCode(), Sample().GetHashCode());
        Assert.Equal(new RestSettings(), new RestSettings());
    }

    [Fact]
    public void Any_difference_is_a_change()
    {
        var a = Sample();
        Assert.NotEqual(a, a with { Schemas = ["api", "public"] });
        Assert.NotEqual(a, a with { ExtraSearchPath = ["public"] });
        Assert.NotEqual(a, a with { HoistedTxSettings = ["statement_timeout"] });
        Assert.NotEqual(a, a with { RoleClaimPath = Supacs.Rest.Http.RoleClaimPath.Parse(".role2") });
        Assert.NotEqual(a, a with { RoleClaimPath = null });
        Assert.NotEqual(a, a with { AppSettings = [new("app.settings.jwt_exp", "60")] });
        Assert.NotEqual(a, a with { MaxRows = 5 });
        Assert.NotEqual(a, a with { AnonRole = null });
        Assert.NotEqual(a, a with { ServerTimingEnabled = true });
        Assert.NotEqual(a, a with
        {
            RoleSettings = new(new Dictionary<string, ImpersonatedRoleSettings>
            {
                ["authenticated"] = new([new("statement_timeout", "9s")], System.Data.IsolationLevel.Serializable),
                ["anon"] = new([], null),
            }),
        });
        Assert.NotEqual(a, a with { RoleSettings = ValueDictionary<string, ImpersonatedRoleSettings>.Empty });
    }
}
