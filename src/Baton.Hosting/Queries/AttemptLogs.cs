using System.Runtime.CompilerServices;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Core.Workspaces;

namespace Baton.Hosting.Queries;

/// <summary>An attempt's log file, its <c>exit.json</c> (present once everything the attempt wrote is in the log) and the attempt.</summary>
public sealed record AttemptLog(string Path, string ExitPath, AttemptRow Attempt);

/// <summary>Finds an attempt's log inside its task's directory and reads it, following it while the attempt runs.</summary>
public static class AttemptLogs
{
    /// <summary>How long a follower waits before it looks at the file again when nothing told it to.</summary>
    public static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// The log a request names: <c>stdout</c> or <c>stderr</c>. Anything else (a path, <c>..</c>, a NUL) is refused
    /// before any file is looked at.
    /// </summary>
    public static LogStream ParseStream(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains("..", StringComparison.Ordinal) || name.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw new BatonInputException($"'{QuotedText.Escape(name)}' is not a log name: a log is named stdout or stderr, never a path");
        }
        return name switch
        {
            "stdout" => LogStream.Stdout,
            "stderr" => LogStream.Stderr,
            _ => throw new BatonInputException($"'{QuotedText.Escape(name)}' is not a log name: give stdout or stderr"),
        };
    }

    /// <summary>
    /// The file of <paramref name="stream"/> of <paramref name="attempt"/>, which must lie inside <paramref name="task"/>'s
    /// directory, the link-free way: a symbolic link that leads out of it is refused.
    /// </summary>
    public static AttemptLog Locate(TaskRow task, AttemptRow attempt, LogStream stream)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(attempt);
        var root = System.IO.Path.GetFullPath(task.Directory);
        var directory = System.IO.Path.GetFullPath(attempt.Directory);
        var path = stream == LogStream.Stderr ? WorkspaceLayout.StderrFile(directory) : WorkspaceLayout.StdoutFile(directory);
        var realRoot = ConfinedPaths.Resolved(root);
        if (!ConfinedPaths.Inside(root, directory) || !ConfinedPaths.Inside(realRoot, ConfinedPaths.Resolved(directory)) || !ConfinedPaths.Inside(realRoot, ConfinedPaths.Resolved(path)))
        {
            throw new BatonInputException($"the log of attempt {attempt.Number} of task '{task.Name}' is not inside the task's directory: it is not served");
        }
        return new AttemptLog(path, WorkspaceLayout.ExitFile(directory), attempt);
    }

    /// <summary>
    /// The file's bytes from <paramref name="offset"/>; with <paramref name="follow"/>, then what is appended until the
    /// attempt ended (<paramref name="ended"/> completes, or its <c>exit.json</c> appears) and the rest is read.
    /// </summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(AttemptLog log, long offset, bool follow, Task ended, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(ended);
        var position = offset;
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            // Whether it ended is decided before reading: if so, everything the attempt wrote is in the file now.
            var over = ended.IsCompleted || File.Exists(log.ExitPath);
            if (File.Exists(log.Path))
            {
                var stream = new FileStream(log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    stream.Seek(position, SeekOrigin.Begin);
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        position += read;
                        yield return buffer.AsMemory(0, read).ToArray();
                    }
                }
            }
            else if (over)
            {
                throw new NotFoundException($"attempt {log.Attempt.Number} wrote no {System.IO.Path.GetFileName(log.Path)} (no file '{log.Path}')");
            }
            if (over || !follow)
            {
                yield break;
            }
            await Task.WhenAny(ended, Task.Delay(FollowInterval, time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
