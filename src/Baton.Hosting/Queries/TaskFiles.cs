using System.IO.Compression;
using System.Security.Cryptography;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;

namespace Baton.Hosting.Queries;

/// <summary>
/// A task's directory as downloads see it: every path a request names is relative, free of <c>..</c>, NULs and
/// backslashes, and leads (links followed) to a file inside the directory; anything else is refused before a file is
/// opened. Listings and zips hold regular files and links that stay inside; a link to a directory is not entered.
/// </summary>
public static class TaskFiles
{
    /// <summary>The most files one listing page may ask for.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The most files a listing or zip walks: a directory with more is refused rather than served slowly.</summary>
    public const int MaxFiles = 100_000;

    /// <summary>
    /// The file <paramref name="relative"/> in <paramref name="task"/>'s directory leads to (links followed), checked
    /// as the type says.
    /// </summary>
    public static string Locate(TaskRow task, string relative)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(relative);
        TaskFilePath.Check(relative);
        var shown = QuotedText.Escape(relative);
        var root = Path.GetFullPath(task.Directory);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var real = ConfinedPaths.Resolved(full);
        if (!ConfinedPaths.Inside(root, full) || !ConfinedPaths.Inside(ConfinedPaths.Resolved(root), real))
        {
            throw new BatonInputException($"'{shown}' leads out of task '{task.Name}''s directory: it is not served");
        }
        return File.Exists(real)
            ? real
            : throw new NotFoundException($"task '{task.Name}' has no file '{shown}'");
    }

    /// <summary>The files under <paramref name="task"/>'s directory in ordinal path order (none when it has no directory yet).</summary>
    public static IReadOnlyList<(TaskFile File, string FullPath)> Walk(TaskRow task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var root = Path.GetFullPath(task.Directory);
        var files = new List<(TaskFile, string)>();
        if (!Directory.Exists(root))
        {
            return files;
        }
        var realRoot = ConfinedPaths.Resolved(root);
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    // A link is served as the file it leads to, only when that file is inside the directory.
                    var target = ConfinedPaths.Resolved(entry.FullName);
                    if (ConfinedPaths.Inside(realRoot, target) && new FileInfo(target) is { Exists: true } linked)
                    {
                        files.Add((new TaskFile(RelativeOf(root, entry.FullName), linked.Length, linked.LastWriteTimeUtc), entry.FullName));
                    }
                }
                else if (entry is DirectoryInfo sub)
                {
                    pending.Push(sub);
                }
                else if (entry is FileInfo file)
                {
                    files.Add((new TaskFile(RelativeOf(root, file.FullName), file.Length, file.LastWriteTimeUtc), file.FullName));
                }
                if (files.Count > MaxFiles)
                {
                    throw new BatonInputException($"task '{task.Name}''s directory holds more than {MaxFiles} files: download them by path");
                }
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Item1.Path, b.Item1.Path));
        return files;
    }

    /// <summary>One page of <see cref="Walk"/> after the path <paramref name="after"/>, each file hashed when <paramref name="sha256"/>.</summary>
    public static async Task<TaskFileList> PageAsync(TaskRow task, string? after, int limit, bool sha256, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new BatonInputException($"limit {limit} is not valid: ask for 1 to {MaxLimit} files");
        }
        var rows = Walk(task).Where(f => after is null || string.CompareOrdinal(f.File.Path, after) > 0).Take(limit + 1).ToList();
        var page = new List<TaskFile>(Math.Min(rows.Count, limit));
        foreach (var (file, fullPath) in rows.Take(limit))
        {
            page.Add(sha256 ? file with { Sha256 = await HashAsync(fullPath, cancellationToken).ConfigureAwait(false) } : file);
        }
        return new TaskFileList(page, rows.Count > limit ? page[^1].Path : null);
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Writes a zip of the files <see cref="Walk"/> found to <paramref name="destination"/>, file by file (streamed).</summary>
    public static async Task WriteZipAsync(IReadOnlyList<(TaskFile File, string FullPath)> files, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var zip = await ZipArchive.CreateAsync(destination, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken).ConfigureAwait(false);
        await using (zip.ConfigureAwait(false))
        {
            foreach (var (file, fullPath) in files)
            {
                var entry = zip.CreateEntry(file.Path, CompressionLevel.Fastest);
                entry.LastWriteTime = file.Modified;
                var source = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
                await using (source.ConfigureAwait(false))
                {
                    var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using (target.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static string RelativeOf(string root, string path) => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
}
