using System.CommandLine;
using Baton.Client;
using Baton.Cli.Nodes;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Persistence;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton kill TASK...|--workflow W</c>. While a run drives the workspace, the request goes to it (it owns the
/// tasks' states): running tasks go Killing, then Killed once their process tree is gone, and this command
/// waits for that. With no run, tasks that are waiting or ready become Killed directly.
/// </summary>
internal static class KillCommand
{
    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var tasks = new Argument<string[]>("task") { Description = "Task names or identity prefixes", Arity = ArgumentArity.ZeroOrMore };
        var workflow = CommonOptions.WorkflowFilter("Kill every unfinished task of this workflow (or: the workflow the named tasks belong to)");
        var command = new Command("kill", "Kill tasks: running ones have their whole process tree killed") { tasks, workflow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var names = parse.GetValue(tasks) ?? [];
            var workflowName = parse.GetValue(workflow);
            if (names.Length == 0 && workflowName is null)
            {
                throw new BatonInputException("name the tasks to kill, or give --workflow to kill every unfinished task of a workflow");
            }
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);

            var targets = new List<TaskRow>();
            if (names.Length == 0)
            {
                targets.AddRange(await store.ListTasksAsync(new TaskFilter { Workflow = workflowName }, cancellationToken));
                if (targets.Count == 0)
                {
                    throw new BatonInputException($"no workflow '{workflowName}' in this workspace (see 'baton runs')");
                }
            }
            else
            {
                foreach (var name in names)
                {
                    targets.Add(await TaskResolver.ResolveAsync(store, name, workflowName, cancellationToken));
                }
            }

            // The run that drives the workspace owns its tasks' states: ask it first, one request per workflow.
            // It answers only for its own workflow; whatever it did not handle is killed here, in the store.
            var results = new List<(string Task, string Outcome)>();
            var handled = new HashSet<long>();
            foreach (var group in targets.GroupBy(t => t.Workflow, StringComparer.Ordinal))
            {
                var request = new TaskRequest(group.Key, names.Length == 0 ? [] : group.Select(t => t.Name).ToArray());
                if (await NodeConnections.AskAsync(layout, node => node.KillAsync(request, cancellationToken), cancellationToken) is not { } response)
                {
                    continue;
                }
                foreach (var r in response.Results.Where(r => r.Outcome != "not in this run"))
                {
                    results.Add((r.Task, r.Outcome));
                }
                // The run decided for every task of its workflow, including those it found already finished.
                handled.UnionWith(group.Select(t => t.TaskId));
            }

            // With no run, waiting and ready tasks are killed here: checked by the lifecycle and written as
            // compare-and-set changes, so that a task a run took meanwhile is left to that run.
            var moves = new List<TaskMove>();
            foreach (var t in targets.Where(t => !handled.Contains(t.TaskId)))
            {
                switch (t.State)
                {
                    case TaskState.Waiting or TaskState.Ready or TaskState.PendingInput:
                        moves.Add(new TaskMove(t.TaskId, t.WorkflowId, t.Name, t.State, TaskState.Killed, "killed on request while no run was active"));
                        results.Add((t.Name, "killed"));
                        break;
                    case TaskState.Submitted or TaskState.Running or TaskState.Killing:
                        results.Add((t.Name, "recorded as running, but no run is active; the next 'baton run' reconciles it"));
                        break;
                    default:
                        if (names.Length > 0)
                        {
                            results.Add((t.Name, $"already {t.State.ToWord()}"));
                        }
                        break;
                }
            }
            var applied = await OutsideRunTransitions.ApplyAsync(store, moves, cli.Time.GetUtcNow(), null, cancellationToken);
            foreach (var missed in applied.Missed)
            {
                var name = moves.First(m => m.TaskId == missed.Change.TaskId).TaskName;
                results[results.IndexOf((name, "killed"))] = (name, $"not killed: it became {missed.Actual.ToWord()} meanwhile");
            }
            foreach (var (task, outcome) in results)
            {
                cli.Console.MarkupLine($"{Markup.Escape(task)}: {Markup.Escape(outcome)}");
            }
            if (results.Count == 0)
            {
                cli.Console.MarkupLine("[grey]nothing to kill: every task is already finished[/]");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
