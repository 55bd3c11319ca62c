using System.Xml.Linq;
using Supacs.Testing;

namespace Supacs.Core.Tests;

/// <summary>
/// ARCHITECTURE §2's dependency rule, checked on the project files: Core references no module, modules
/// reference Core only (never each other), and only the Gateway composes them.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] Modules = ["Auth", "Rest", "Realtime", "Storage", "Functions"];

    private static string[] ProjectReferences(string project) =>
        XDocument.Load(RepoPaths.Combine("src", project, $"Supacs.{project}.csproj"))
            .Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value))
            .ToArray();

    [Fact]
    public void Core_references_no_module() => Assert.Empty(ProjectReferences("Core"));

    [Theory]
    [InlineData("Auth")]
    [InlineData("Rest")]
    [InlineData("Realtime")]
    [InlineData("Storage")]
    [InlineData("Functions")]
    public void A_module_references_core_only(string module) =>
        Assert.Equal(["Supacs.Core"], ProjectReferences(module));

    [Fact]
    public void The_gateway_composes_every_module()
    {
        var references = ProjectReferences("Gateway").Select(r => r.Replace("Supacs.", "", StringComparison.Ordinal)).ToHashSet();
        Assert.True(Modules.All(references.Contains));
    }
}
