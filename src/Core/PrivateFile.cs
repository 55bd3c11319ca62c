namespace Supacs.Core;

/// <summary>Files holding secrets (JWT secret, database password, private signing keys).</summary>
public static class PrivateFile
{
    /// <summary>
    /// Writes <paramref name="path"/> readable by its owner only (0600 from creation, so the secret is never
    /// world-readable) through a temporary file renamed into place, so readers never see half a file.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, options))
            write(stream);
        File.Move(temp, path, overwrite: true);
    }
}
