using System.CommandLine;
using Baton.Cli.Nodes;
using Baton.Client;
using Baton.Core.Errors;
using Baton.Hosting.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton download TASK [PATH] [-o DIR] [--zip]</c>: a task's output files, from the workspace or through the server.
/// Every file lands inside DIR, whatever path the listing names.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var task = new Argument<string>("task") { Description = "A task name or an identity prefix" };
        var path = new Argument<string?>("path") { Description = "One file, relative to the task's directory (default: every file)", Arity = ArgumentArity.ZeroOrOne };
        var workflow = CommonOptions.WorkflowFilter("The workflow the task belongs to, when the name is in several");
        var output = new Option<string?>("--output", "-o") { Description = "The directory to write to (default: the current one)" };
        var zip = new Option<bool>("--zip") { Description = "Download the whole directory as one zip, TASK.zip" };
        var command = new Command("download", "Download a task's output files") { task, path, workflow, output, zip };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var one = parse.GetValue(path);
            if (one is not null && parse.GetValue(zip))
            {
                throw new BatonInputException("give a PATH or --zip, not both: --zip downloads the whole directory");
            }
            if (one is not null)
            {
                TaskFilePath.Check(one);
            }
            var directory = Path.GetFullPath(parse.GetValue(output) ?? ".");
            await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
            var row = await TaskResolver.ResolveAsync(source.Reads, parse.GetValue(task)!, parse.GetValue(workflow), cancellationToken);
            Directory.CreateDirectory(directory);
            if (parse.GetValue(zip))
            {
                var file = Path.Combine(directory, FileEndpoints.SafeName(row.Name) + ".zip");
                var bytes = await WriteAsync(file, s => source.Files.CopyZipAsync(row.TaskId, s, cancellationToken), cancellationToken);
                await cli.Error.WriteLineAsync($"baton: wrote {file} ({bytes} bytes)");
                return ExitCodes.Success;
            }
            if (one is not null)
            {
                var file = Path.Combine(directory, Path.GetFileName(one));
                var bytes = await WriteAsync(file, s => source.Files.CopyFileAsync(row.TaskId, one, s, cancellationToken), cancellationToken);
                await cli.Error.WriteLineAsync($"baton: wrote {file} ({bytes} bytes)");
                return ExitCodes.Success;
            }
            var (count, total) = await WriteAllAsync(source.Files, row.TaskId, directory, cancellationToken);
            await cli.Error.WriteLineAsync($"baton: wrote {count} files ({total} bytes) of task '{row.Name}' to {directory}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Every file of the task, page by page, each at its relative path under <paramref name="directory"/>.</summary>
    private static async Task<(int Count, long Bytes)> WriteAllAsync(ITaskFiles files, long taskId, string directory, CancellationToken cancellationToken)
    {
        var (count, total) = (0, 0L);
        string? after = null;
        do
        {
            var page = await files.ListFilesAsync(taskId, after, 1000, sha256: false, cancellationToken);
            foreach (var file in page.Files)
            {
                // A listing from a server is not trusted to stay inside the directory.
                var target = Path.GetFullPath(Path.Combine(directory, TaskFilePath.Check(file.Path)));
                if (!target.StartsWith(Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new BatonInputException($"'{QuotedText.Escape(file.Path)}' leads out of '{directory}': not written");
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                total += await WriteAsync(target, s => files.CopyFileAsync(taskId, file.Path, s, cancellationToken), cancellationToken);
                count++;
            }
            after = page.Next;
        }
        while (after is not null);
        return (count, total);
    }

    /// <summary>Writes a file through a temporary one beside it, so a failed download leaves no half file.</summary>
    private static async Task<long> WriteAsync(string file, Func<Stream, Task> copy, CancellationToken cancellationToken)
    {
        var partial = file + ".partial";
        try
        {
            var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            long length;
            await using (stream)
            {
                await copy(stream);
                await stream.FlushAsync(cancellationToken);
                length = stream.Length;
            }
            File.Move(partial, file, overwrite: true);
            return length;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }
}
