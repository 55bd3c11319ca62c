using Supacs.Functions.Packages;

namespace Supacs.Functions.Tests.Packages;

/// <summary>npm semver ranges as node-semver reads them.</summary>
public sealed class SemVerTests
{
    private static readonly string[] Unsorted = ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-rc.1", "1.0.0-beta.11", "1.0.0-beta.2", "0.9.9"];
    private static readonly string[] Published = ["1.1.0", "1.2.5", "1.3.0", "2.0.0"];

    [Theory]
    [InlineData("^1.2.3", "1.2.3", true)]
    [InlineData("^1.2.3", "1.9.0", true)]
    [InlineData("^1.2.3", "2.0.0", false)]
    [InlineData("^1.2.3", "1.2.2", false)]
    [InlineData("^0.2.3", "0.2.9", true)]
    [InlineData("^0.2.3", "0.3.0", false)]
    [InlineData("^0.0.3", "0.0.4", false)]
    [InlineData("^1.2", "1.2.0", true)]
    [InlineData("^0", "0.9.9", true)]
    [InlineData("~1.2.3", "1.2.9", true)]
    [InlineData("~1.2.3", "1.3.0", false)]
    [InlineData("~1", "1.9.0", true)]
    [InlineData("1.x", "1.4.0", true)]
    [InlineData("1.x", "2.0.0", false)]
    [InlineData("1", "1.0.1", true)]
    [InlineData("1.2", "1.2.7", true)]
    [InlineData("1.2", "1.3.0", false)]
    [InlineData("*", "3.0.0", true)]
    [InlineData("", "3.0.0", true)]
    [InlineData("*", "3.0.0-beta.1", false)]
    [InlineData(">=1.2.0 <1.4", "1.3.9", true)]
    [InlineData(">=1.2.0 <1.4", "1.4.0", false)]
    [InlineData(">= 2.1.2 < 3.0.0", "2.5.0", true)]
    [InlineData("1.2 - 2.3.4", "2.3.4", true)]
    [InlineData("1.2 - 2.3", "2.3.9", true)]
    [InlineData("1.2 - 2.3", "2.4.0", false)]
    [InlineData("^1.0.0 || ^2.0.0", "2.5.0", true)]
    [InlineData("^1.0.0 || ^2.0.0", "3.0.0", false)]
    [InlineData(">1.2", "1.2.9", false)]
    [InlineData(">1.2", "1.3.0", true)]
    [InlineData("<=1.2", "1.2.9", true)]
    [InlineData("<1.2", "1.1.9", true)]
    [InlineData("<1.2", "1.2.0-rc.1", false)]
    [InlineData("^1.2.3-beta.2", "1.2.3-beta.4", true)]
    [InlineData("^1.2.3-beta.2", "1.2.4-beta.4", false)]
    [InlineData("^1.2.3-beta.2", "1.2.3", true)]
    [InlineData("=1.2.3", "1.2.3", true)]
    [InlineData("v1.2.3", "1.2.3", true)]
    [InlineData("14.21.0", "14.21.1", false)]
    public void Range_matches_like_node_semver(string range, string version, bool expected)
    {
        var r = SemRange.TryParse(range);
        Assert.NotNull(r);
        Assert.Equal(expected, r.IsSatisfiedBy(SemVersion.TryParse(version)!));
    }

    [Fact]
    public void Versions_order_with_prereleases_below_their_release()
    {
        var sorted = Unsorted.Select(v => SemVersion.TryParse(v)!).Order().Select(v => v.Text);
        Assert.Equal(["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"], sorted);
    }

    [Fact]
    public void Dist_tags_are_not_ranges_and_max_satisfying_picks_the_highest()
    {
        Assert.Null(SemRange.TryParse("latest"));
        Assert.Null(SemRange.TryParse("next"));
        var versions = Published.Select(v => SemVersion.TryParse(v)!);
        Assert.Equal("1.3.0", SemRange.TryParse("^1.2.0")!.MaxSatisfying(versions)!.Text);
        Assert.Equal("1.2.5", SemRange.TryParse("~1.2.0")!.MaxSatisfying(versions)!.Text);
    }

    [Theory]
    [InlineData("npm:stripe@^14.0.0", "stripe", "stripe", "^14.0.0", "")]
    [InlineData("npm:@supabase/supabase-js@2/dist/x", "@supabase/supabase-js", "@supabase/supabase-js", "2", "dist/x")]
    [InlineData("https://esm.sh/stripe@14.21.0?target=deno", "stripe", "stripe", "14.21.0", "")]
    [InlineData("https://esm.sh/v135/@supabase/supabase-js@2.39.3/es2022/supabase-js.mjs", "@supabase/supabase-js", "@supabase/supabase-js", "2.39.3", "")]
    [InlineData("https://esm.sh/react-dom@18.2.0/server", "react-dom", "react-dom", "18.2.0", "server")]
    [InlineData("https://esm.sh/*preact@10", "preact", "preact", "10", "")]
    [InlineData("jsr:@std/encoding@^1.0.0/hex", "@std/encoding", "@jsr/std__encoding", "^1.0.0", "hex")]
    [InlineData("https://esm.sh/jsr/@zaubrik/djwt@3", "@zaubrik/djwt", "@jsr/zaubrik__djwt", "3", "")]
    [InlineData("https://deno.land/x/zod@v3.22.4/mod.ts", "zod", "zod", "3.22.4", "")]
    [InlineData("https://deno.land/x/djwt@v2.8/mod.ts", "@zaubrik/djwt", "@jsr/zaubrik__djwt", "^3", "")]
    [InlineData("https://deno.land/x/hono@v3.11.7/middleware/cors/index.ts", "hono", "hono", "3.11.7", "middleware/cors")]
    [InlineData("https://cdn.jsdelivr.net/npm/lodash-es@4.17.21/lodash.js", "lodash-es", "lodash-es", "4.17.21", "lodash.js")]
    [InlineData("zod", "zod", "zod", "", "")]
    public void Specifiers_name_a_registry_package_range_and_subpath(string specifier, string name, string registryName, string range, string subpath)
    {
        var r = PackageSpecifier.Parse(specifier);
        Assert.NotNull(r);
        Assert.Equal((name, registryName, range, subpath), (r.Name, r.RegistryName, r.Range, r.Subpath));
    }

    [Fact]
    public void Unknown_deno_land_x_modules_and_github_builds_are_refused_with_a_reason()
    {
        var e = Assert.Throws<UnsupportedModuleException>(() => PackageSpecifier.Parse("https://deno.land/x/sift@0.6.0/mod.ts"));
        Assert.Contains("\"sift\" has no known npm or JSR equivalent", e.Message, StringComparison.Ordinal);
        Assert.Throws<UnsupportedModuleException>(() => PackageSpecifier.Parse("https://esm.sh/gh/user/repo"));
        Assert.Null(PackageSpecifier.Parse("./local.ts"));
        Assert.Null(PackageSpecifier.Parse("npm:../../etc/passwd"));
        Assert.Null(PackageSpecifier.Parse("npm:@scope/../x"));
        Assert.Null(PackageSpecifier.Parse("https://esm.sh/..%2f..%2fx@1"));
        Assert.Null(PackageSpecifier.Parse("https://example.com/mod.ts"));
    }
}
