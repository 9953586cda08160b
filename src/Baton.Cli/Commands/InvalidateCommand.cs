using System.CommandLine;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton invalidate TASK... | --template T | --workflow W [--downstream]</c>: Done (or Failed, Killed) tasks run
/// again at the next run of their workflow. Their directories stay: earlier attempts keep their logs under
/// <c>attempts/N</c>, and the next attempt takes the next number. Refused while a run of their workflow is going on.
/// </summary>
internal static class InvalidateCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var tasks = new Argument<string[]>("task") { Description = "Tasks (names or identity prefixes)", Arity = ArgumentArity.ZeroOrMore };
        var template = new Option<string?>("--template") { Description = "Every task of this template (in current workflow versions)" };
        var workflow = CommonOptions.WorkflowFilter("Every task of this workflow's current version; with TASK or --template, only within it");
        var downstream = new Option<bool>("--downstream") { Description = "Also every task downstream of them (their inputs change)" };
        var command = new Command("invalidate", "Make done or failed tasks run again at the next run (their earlier attempts stay)")
        {
            tasks, template, workflow, downstream,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var names = parse.GetValue(tasks) ?? [];
            var templateName = parse.GetValue(template);
            var workflowName = parse.GetValue(workflow);
            if (names.Length == 0 && templateName is null && workflowName is null)
            {
                throw new BatonInputException("baton invalidate needs tasks, --template T or --workflow W");
            }
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);

            var targets = new Dictionary<long, TaskRow>();
            foreach (var name in names)
            {
                var row = await TaskResolver.ResolveAsync(store, name, workflowName, cancellationToken);
                targets.TryAdd(row.TaskId, row);
            }
            if (names.Length == 0)
            {
                var rows = await store.ListTasksAsync(new TaskFilter { Workflow = workflowName, Template = templateName, CurrentVersionsOnly = true }, cancellationToken);
                if (rows.Count == 0)
                {
                    throw new BatonInputException($"no task matches{(templateName is null ? "" : $" template '{templateName}'")}{(workflowName is null ? "" : $" in workflow '{workflowName}'")} (see 'baton ls')");
                }
                foreach (var row in rows)
                {
                    targets.TryAdd(row.TaskId, row);
                }
            }
            if (parse.GetValue(downstream))
            {
                await AddDownstreamAsync(store, targets, cancellationToken);
            }

            // A run of the workflow holds its lock: its tasks change only through it.
            var locks = new List<WorkspaceLock>();
            try
            {
                foreach (var name in targets.Values.Select(t => t.Workflow).Where(w => w.Length > 0).Distinct(StringComparer.Ordinal))
                {
                    locks.Add(WorkspaceLock.TryAcquire(WorkspaceLock.ForWorkflow(layout.Root, name))
                        ?? throw new BatonInputException($"workflow '{name}' is running; invalidate its tasks once the run has ended (or kill it)"));
                }
                var now = cli.Time.GetUtcNow();
                var changes = new List<StoreChange>();
                var invalidated = new List<string>();
                var skipped = new List<string>();
                foreach (var row in targets.Values)
                {
                    if (RunAgain.Change(row.TaskId, row.Name, row.State, 0, "invalidated (baton invalidate)", now) is { } change)
                    {
                        changes.Add(change);
                        invalidated.Add(row.Name);
                    }
                    else
                    {
                        skipped.Add($"{row.Name} ({row.State.ToWord()})");
                    }
                }
                await store.ApplyAsync(changes, cancellationToken);
                cli.Console.WriteLine(invalidated.Count == 0
                    ? "Nothing to invalidate."
                    : $"{invalidated.Count} task(s) will run again at the next run: {string.Join(", ", invalidated)} (their earlier attempts stay in their directories).");
                if (skipped.Count > 0)
                {
                    cli.Console.WriteLine($"Not done or failed, left as they are: {string.Join(", ", skipped)}.");
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

    /// <summary>Adds every task downstream of the targets, following each task's edges in the workflow it is shown in.</summary>
    private static async Task AddDownstreamAsync(IBatonStore store, Dictionary<long, TaskRow> targets, CancellationToken cancellationToken)
    {
        var queue = new Queue<long>(targets.Keys);
        while (queue.TryDequeue(out var id))
        {
            var details = await store.GetTaskDetailsAsync(id, cancellationToken);
            foreach (var link in details?.Downstream ?? [])
            {
                if (!targets.ContainsKey(link.TaskId) && await store.GetTaskDetailsAsync(link.TaskId, cancellationToken) is { } next)
                {
                    targets.Add(link.TaskId, next.Task);
                    queue.Enqueue(link.TaskId);
                }
            }
        }
    }
}
