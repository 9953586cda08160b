using System.CommandLine;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Stores;
using Baton.Core.Workspaces;

namespace Baton.Cli.Commands;

/// <summary><c>baton logs TASK</c>: an attempt's stdout or stderr, optionally followed while it runs.</summary>
internal static class LogsCommand
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var task = new Argument<string>("task") { Description = "A task name or an identity prefix" };
        var workflow = CommonOptions.WorkflowFilter("The workflow the task belongs to, when the name is in several");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the attempt writes until it ends" };
        var stderr = new Option<bool>("--stderr") { Description = "Print stderr instead of stdout" };
        var attempt = new Option<int?>("--attempt") { Description = "Which attempt (default: the latest)" };
        var command = new Command("logs", "Print a task attempt's stdout (or stderr)") { task, workflow, follow, stderr, attempt };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);
            var row = await TaskResolver.ResolveAsync(store, parse.GetValue(task)!, parse.GetValue(workflow), cancellationToken);
            var details = await store.GetTaskDetailsAsync(row.TaskId, cancellationToken);
            var attempts = details?.Attempts ?? [];
            if (attempts.Count == 0)
            {
                throw new BatonInputException($"task '{row.Name}' has no attempt yet (state {row.State.ToString().ToLowerInvariant()})");
            }
            var wanted = parse.GetValue(attempt);
            var chosen = wanted is { } n
                ? attempts.FirstOrDefault(a => a.Number == n) ?? throw new BatonInputException($"task '{row.Name}' has no attempt {n} (attempts: {string.Join(", ", attempts.Select(a => a.Number))})")
                : attempts[^1];
            var file = parse.GetValue(stderr) ? WorkspaceLayout.StderrFile(chosen.Directory) : WorkspaceLayout.StdoutFile(chosen.Directory);
            await PrintAsync(cli, file, chosen, parse.GetValue(follow), cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task PrintAsync(CliContext cli, string file, AttemptRow attempt, bool follow, CancellationToken cancellationToken)
    {
        var exitFile = WorkspaceLayout.ExitFile(attempt.Directory);
        long position = 0;
        var buffer = new char[64 * 1024];
        while (true)
        {
            // Read exit.json's presence first: if it exists now, everything the attempt wrote is in the file.
            var ended = attempt.EndedAt is not null || File.Exists(exitFile);
            if (File.Exists(file))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Seek(position, SeekOrigin.Begin);
                using var reader = new StreamReader(stream);
                int read;
                while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await cli.Output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                position = stream.Position;
                await cli.Output.FlushAsync(cancellationToken);
            }
            else if (!follow && ended)
            {
                throw new BatonInputException($"the log file '{file}' does not exist");
            }
            if (!follow || ended)
            {
                return;
            }
            try
            {
                await Task.Delay(FollowInterval, cli.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
