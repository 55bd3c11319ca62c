namespace Supacs.Testing;

/// <summary>Files of this repository for tests that read them (fixture SQL shared with compat-tests, project files).</summary>
public static class RepoPaths
{
    /// <summary>The folder holding Supacs.sln, found upwards from the test output.</summary>
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Supacs.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Supacs.sln not found above the test output.");
    }
}
