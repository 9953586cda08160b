namespace Baton.Hosting.Queries;

/// <summary>Whether a path lies inside a directory, once every symbolic link on the way is followed.</summary>
public static class ConfinedPaths
{
    private const int MaxLinks = 40;

    /// <summary>True when <paramref name="path"/> is strictly below <paramref name="root"/> (both full paths).</summary>
    public static bool Inside(string root, string path) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Where a path leads once every symbolic link in it is followed (as far as it exists).</summary>
    public static string Resolved(string path) => Resolved(path, 0);

    private static string Resolved(string path, int links)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        var resolvedParent = parent is null ? null : Resolved(parent, links);
        var joined = resolvedParent is null ? full : Path.Combine(resolvedParent, Path.GetFileName(full));
        if (new FileInfo(joined).LinkTarget is not { } target)
        {
            return joined;
        }
        // As the kernel does (ELOOP): a chain of links this long leads nowhere that is served.
        return links >= MaxLinks
            ? "/"
            : Resolved(Path.IsPathRooted(target) ? target : Path.Combine(resolvedParent ?? "/", target), links + 1);
    }
}
