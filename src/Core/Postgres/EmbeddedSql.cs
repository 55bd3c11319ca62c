using System.Reflection;

namespace Supacs.Core.Postgres;

/// <summary>Reads .sql files compiled into an assembly as embedded resources.</summary>
public static class EmbeddedSql
{
    public static string Read(Assembly assembly, string fileName)
    {
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{fileName} is not embedded in {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>All embedded .sql files whose resource name contains the folder, ordered by file name.</summary>
    public static IReadOnlyList<(string FileName, string Sql)> ReadFolder(Assembly assembly, string folder)
    {
        var prefix = "." + folder + ".";
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (FileName: n[(n.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..], Resource: n))
            .OrderBy(x => x.FileName, StringComparer.Ordinal)
            .Select(x =>
            {
                using var stream = assembly.GetManifestResourceStream(x.Resource)!;
                using var reader = new StreamReader(stream);
                return (x.FileName, reader.ReadToEnd());
            })
            .ToList();
    }
}
