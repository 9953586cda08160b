using System.IO.Compression;
using Baton.Client;
using Baton.Cli.Commands;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;

namespace Baton.Cli.Nodes;

/// <summary>
/// <c>baton run FILE</c> through a team server (<c>--server</c>, <c>BATON_SERVER</c>, the client config): the
/// workflow file's directory is sent as a zip (a bundle), the run is submitted from it and followed as with the
/// workspace's node. The same directory sent again is the same bundle on the server, so a second run resumes.
/// </summary>
internal static class RemoteRun
{
    /// <summary>What is never sent: version control, and Baton's own default workspace.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { ".git", ".hg", ".svn", ".baton" };

    public static async Task<int> RunAsync(CliContext cli, WorkflowGraph graph, RemoteServer remote, RunCommand.RunSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Embedded || settings.DryRun || settings.Cpus is not null || settings.Memory is not null)
        {
            throw new BatonInputException($"--embedded, --dry-run, --cpus and --memory do not apply to a run on a server ({remote.Source} names {remote.Address})");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(graph.SourceFile))!;
        var zip = Path.Combine(Path.GetTempPath(), $"baton-bundle-{Guid.NewGuid():N}.zip");
        try
        {
            var files = Write(directory, zip);
            using var client = remote.Connect();
            BundleStored bundle;
            await using (var upload = File.OpenRead(zip))
            {
                bundle = await client.UploadBundleAsync(upload, cancellationToken);
            }
            await cli.Error.WriteLineAsync($"baton: sent '{directory}' ({files} files) to {remote.Address} as bundle {bundle.Bundle}");
            var submission = NodeRunClient.Submission(Path.GetRelativePath(directory, Path.GetFullPath(graph.SourceFile)).Replace(Path.DirectorySeparatorChar, '/'), settings)
                with { Bundle = bundle.Bundle };
            var target = new RunTarget($"the server {remote.Address}", null, async summary =>
                (await client.ListTasksAsync(new TaskQuery { RunId = summary.RunId, States = [TaskState.Failed, TaskState.Killed], Limit = 1000 }, CancellationToken.None)).Tasks);
            return await NodeRunClient.FollowAsync(cli, graph, client, submission, target, settings, cancellationToken);
        }
        finally
        {
            File.Delete(zip);
        }
    }

    /// <summary>Zips <paramref name="directory"/> into <paramref name="zip"/> (files and their executable bits); returns how many files.</summary>
    private static int Write(string directory, string zip)
    {
        var files = 0;
        using var archive = ZipFile.Open(zip, ZipArchiveMode.Create);
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in new DirectoryInfo(current).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry.LinkTarget is not null)
                {
                    throw new BatonInputException($"'{entry.FullName}' is a link: a workflow sent to a server takes files only (copy what it points to)");
                }
                if (entry is DirectoryInfo sub)
                {
                    if (!Skipped.Contains(sub.Name))
                    {
                        pending.Push(sub.FullName);
                    }
                    continue;
                }
                var name = Path.GetRelativePath(directory, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                // Fixed times: the same directory makes the same bytes, hence the same bundle on the server.
                var added = archive.CreateEntry(name, CompressionLevel.Fastest);
                added.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var mode = OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(entry.FullName);
                added.ExternalAttributes = (int)((0x8000u | (uint)mode) << 16);
                using (var target = added.Open())
                using (var source = File.OpenRead(entry.FullName))
                {
                    source.CopyTo(target);
                }
                files++;
            }
        }
        return files;
    }
}
