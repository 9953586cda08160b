using System.CommandLine;
using System.Globalization;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton clean [--failed] [--before DATE] [--workflow W] [--yes]</c>: removes task directories and store rows of
/// tasks no current workflow version uses (and, when asked, of failed or killed tasks, or of tasks unchanged since
/// a date). Without <c>--yes</c> it only lists what would go, with sizes. Never touches a task a live run holds:
/// tasks of a workflow that is running, and tasks a run has claimed, stay.
/// </summary>
internal static class CleanCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var failed = new Option<bool>("--failed") { Description = "Also failed and killed tasks (of current versions too)" };
        var before = new Option<string?>("--before") { Description = "Also tasks whose state last changed before this date (YYYY-MM-DD, UTC)" };
        var workflow = CommonOptions.WorkflowFilter("Only tasks of this workflow");
        var yes = new Option<bool>("--yes", "-y") { Description = "Remove them (default: only list what would be removed)" };
        var json = CommonOptions.Json();
        var command = new Command("clean", "Remove task directories and records of tasks no current workflow version uses (a dry run unless --yes)")
        {
            failed, before, workflow, yes, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var cutoff = parse.GetValue(before) is { } text ? ParseDate(text) : (DateTimeOffset?)null;
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);
            var workflowName = parse.GetValue(workflow);
            var every = await store.ListTasksAsync(new TaskFilter { Workflow = workflowName }, cancellationToken);
            var used = (await store.ListTasksAsync(new TaskFilter { CurrentVersionsOnly = true }, cancellationToken))
                .Select(t => t.TaskId).ToHashSet();
            // Every workflow a task belongs to (all versions): a running one keeps it.
            var workflowsOf = (await store.ListTasksAsync(new TaskFilter(), cancellationToken))
                .GroupBy(t => t.TaskId).ToDictionary(g => g.Key, g => g.Select(t => t.Workflow).Distinct(StringComparer.Ordinal).ToList());

            var candidates = every.DistinctBy(t => t.TaskId).Where(t =>
                !used.Contains(t.TaskId)
                || (parse.GetValue(failed) && t.State is TaskState.Failed or TaskState.Killed)
                || (cutoff is { } c && t.UpdatedAt < c && t.State.IsTerminal())).ToList();

            var locks = new List<WorkspaceLock>();
            try
            {
                var running = new HashSet<string>(StringComparer.Ordinal);
                foreach (var name in candidates.SelectMany(t => workflowsOf[t.TaskId]).Distinct(StringComparer.Ordinal))
                {
                    if (WorkspaceLock.TryAcquire(WorkspaceLock.ForWorkflow(layout.Root, name)) is { } held)
                    {
                        locks.Add(held);
                    }
                    else
                    {
                        running.Add(name);
                    }
                }
                var kept = candidates.Where(t => workflowsOf[t.TaskId].Any(running.Contains)).ToList();
                var chosen = candidates.Except(kept).Select(t => (Task: t, Bytes: SizeOf(t.Directory))).ToList();
                if (parse.GetValue(json))
                {
                    var removedIds = parse.GetValue(yes) && chosen.Count > 0
                        ? (await store.RemoveTasksAsync(chosen.Select(c => c.Task.TaskId).ToList(), cancellationToken)).ToHashSet()
                        : [];
                    foreach (var (task, _) in chosen.Where(c => removedIds.Contains(c.Task.TaskId)))
                    {
                        DeleteDirectory(task.Directory, layout.Root);
                    }
                    var rows = chosen.Select(c => new CleanJson(c.Task.Workflow, c.Task.Name, c.Task.State.ToWord(), c.Bytes, c.Task.Directory, removedIds.Contains(c.Task.TaskId)));
                    await cli.Output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(rows.ToArray(), CliJson.Default.CleanJsonArray));
                    return ExitCodes.Success;
                }
                if (chosen.Count == 0)
                {
                    cli.Console.WriteLine("Nothing to clean.");
                }
                else if (!parse.GetValue(yes))
                {
                    Print(cli.Console, chosen);
                    cli.Console.WriteLine($"{chosen.Count} task(s), {HumanUnits.Bytes(chosen.Sum(c => c.Bytes))} would be removed; run again with --yes to remove them.");
                }
                else
                {
                    var removed = (await store.RemoveTasksAsync(chosen.Select(c => c.Task.TaskId).ToList(), cancellationToken)).ToHashSet();
                    var gone = chosen.Where(c => removed.Contains(c.Task.TaskId)).ToList();
                    foreach (var (task, _) in gone)
                    {
                        DeleteDirectory(task.Directory, layout.Root);
                    }
                    cli.Console.WriteLine($"Removed {gone.Count} task(s), {HumanUnits.Bytes(gone.Sum(c => c.Bytes))}.");
                    if (chosen.Count > gone.Count)
                    {
                        cli.Console.WriteLine($"{chosen.Count - gone.Count} task(s) claimed by a run were left in place.");
                    }
                }
                if (running.Count > 0)
                {
                    cli.Console.WriteLine($"Left {kept.Count} task(s) of running workflows in place: {string.Join(", ", running)}.");
                }
                return ExitCodes.Success;
            }
            finally
            {
                foreach (var held in locks)
                {
                    held.Dispose();
                }
            }
        });
        return command;
    }

    private static void Print(IAnsiConsole console, List<(TaskRow Task, long Bytes)> chosen)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("workflow", "task", "state", "size", "directory");
        table.Columns[3].RightAligned();
        foreach (var (task, bytes) in chosen)
        {
            table.AddRow(Markup.Escape(task.Workflow), Markup.Escape(task.Name), task.State.ToWord(), HumanUnits.Bytes(bytes), Markup.Escape(task.Directory));
        }
        console.Write(table);
    }

    private static DateTimeOffset ParseDate(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw new BatonInputException($"--before '{text}' is not a date (YYYY-MM-DD or an ISO-8601 time)");

    private static long SizeOf(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        long total = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
        {
            total += file.Length;
        }
        return total;
    }

    /// <summary>Deletes a task directory, only inside the workspace (a store row never sends a delete elsewhere).</summary>
    private static void DeleteDirectory(string directory, string workspaceRoot)
    {
        var full = Path.GetFullPath(directory);
        var root = Path.GetFullPath(workspaceRoot) + Path.DirectorySeparatorChar;
        if (full.StartsWith(root, StringComparison.Ordinal) && Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }
    }
}
