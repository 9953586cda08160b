namespace Baton.Client;

/// <summary>One file of a task's directory: its path relative to the directory ('/'-separated), size and last write.</summary>
public sealed record TaskFile(string Path, long Size, DateTimeOffset Modified)
{
    /// <summary>The SHA-256 of its content in lowercase hex, when the listing was asked for it; else null.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>
/// A page of a task directory's files in ordinal path order; <see cref="Next"/> (the last path) continues after it,
/// null on the last page.
/// </summary>
public sealed record TaskFileList(IReadOnlyList<TaskFile> Files, string? Next);

/// <summary>The task-directory reads: what <c>baton download</c> uses, locally from the workspace or through a server.</summary>
public interface ITaskFiles
{
    /// <summary>
    /// One page of the files under the task's directory (regular files, links that stay inside it); with
    /// <paramref name="sha256"/> each with the SHA-256 of its content (each file of the page is read).
    /// </summary>
    Task<TaskFileList> ListFilesAsync(long taskId, string? after, int limit, bool sha256, CancellationToken cancellationToken);

    /// <summary>Copies the file at <paramref name="path"/> (relative to the task's directory) to <paramref name="destination"/>.</summary>
    Task CopyFileAsync(long taskId, string path, Stream destination, CancellationToken cancellationToken);

    /// <summary>Writes a zip of the task's directory (the files <see cref="ListFilesAsync"/> lists) to <paramref name="destination"/>.</summary>
    Task CopyZipAsync(long taskId, Stream destination, CancellationToken cancellationToken);
}

/// <summary>The shape every path in a task's directory must have, checked alike by the node and its clients.</summary>
public static class TaskFilePath
{
    /// <summary>
    /// Refuses (<see cref="Core.Errors.BatonInputException"/>) anything but a relative '/'-separated path with no
    /// empty, <c>.</c> or <c>..</c> part, no NUL and no backslash.
    /// </summary>
    public static string Check(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var shown = Core.Errors.QuotedText.Escape(path);
        if (path.Length == 0 || path.IndexOfAny(['\0', '\\']) >= 0 || path.StartsWith('/') || System.IO.Path.IsPathRooted(path))
        {
            throw new Core.Errors.BatonInputException($"'{shown}' is not a path in a task's directory: give a relative path, without NUL or '\\'");
        }
        if (path.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new Core.Errors.BatonInputException($"'{shown}' is not a path in a task's directory: no '..', '.' or empty parts");
        }
        return path;
    }
}
