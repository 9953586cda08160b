using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Client;
using Baton.Cli.Nodes;
using Baton.Cli.Rendering;
using Baton.Hosting.Workspaces;
using Baton.Core.Errors;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Runs;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton wait RUN</c>: follows a run that another process drives (a <c>baton run --detach</c>, or a run in
/// another terminal) to its end with the live progress view, and exits with its status: 0 done, 1 failed, 130
/// interrupted. <c>baton wait --task T</c> waits for one task instead: 0 once it is Done, 1 if it fails or is killed.
/// </summary>
internal static class WaitCommand
{
    private static readonly TimeSpan TaskPollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CommonOptions common, Func<ParseResult, CliContext> context)
    {
        var run = new Argument<long?>("run") { Description = "The run id (see 'baton runs'; 'baton run --detach' prints it)", Arity = ArgumentArity.ZeroOrOne };
        var task = new Option<string?>("--task") { Description = "Wait for this task (a name or an identity prefix) instead of a run" };
        var workflow = CommonOptions.WorkflowFilter("The workflow of --task, when its name is in several");
        var noProgress = new Option<bool>("--no-progress") { Description = "Print only the outcome" };
        var json = new Option<bool>("--json") { Description = "No live view; print the outcome as one JSON object (the run's counts, or the task)" };
        var command = new Command("wait", "Follow a run (or a task) that another baton process drives until it ends") { run, task, workflow, noProgress, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cli = context(parse);
            var asJson = parse.GetValue(json);
            var live = !parse.GetValue(noProgress) && !asJson;
            if (parse.GetValue(task) is { } taskName)
            {
                await using var source = await ReadSource.OpenAsync(cli, parse.GetValue(common.Workspace), cancellationToken);
                return await WaitForTaskAsync(cli, source.Reads, taskName, parse.GetValue(workflow), asJson, cancellationToken);
            }
            var runId = parse.GetValue(run) ?? throw new BatonInputException("name the run to wait for (see 'baton runs'), or give --task");
            if (cli.Remote is { } remote)
            {
                return await WaitOnServerAsync(cli, remote, runId, live, asJson, cancellationToken);
            }
            var layout = WorkspaceLocation.Resolve(parse.GetValue(common.Workspace));
            await using var store = await WorkspaceStore.OpenAsync(layout, create: false, cli.Loggers, cancellationToken);
            if (await FollowInNodeAsync(cli, layout, runId, live, asJson, cancellationToken) is { } code)
            {
                return code;
            }
            // No node drives it (it ended, or an embedded run drives it elsewhere): the store tells.
            var progress = new RunProgress();
            var follow = RunFollower.FollowAsync(store, runId, progress, r => IsAlive(layout.Root, r), cli.Time, cancellationToken);
            await RunView.FollowAsync(RunView.ConsoleFor(cli, asJson), progress, follow, cli.Time, live);
            var ended = await follow ?? throw new BatonInputException($"no run {runId} in the workspace '{layout.Root}' (see 'baton runs')");
            if (asJson)
            {
                var status = ended.Status switch
                {
                    RunStatus.Done => "done",
                    RunStatus.Failed => "failed",
                    RunStatus.Interrupted => "interrupted",
                    _ => "lost",
                };
                var done = progress.Count(TaskState.Done);
                var (failedCount, killedCount) = (progress.Count(TaskState.Failed), progress.Count(TaskState.Killed));
                await new RunOutcomeJson(ended.RunId, ended.Workflow, status, progress.Total, done - progress.AlreadyDone, progress.AlreadyDone, failedCount, killedCount,
                    progress.Total - done - failedCount - killedCount).WriteAsync(cli.Output);
                return status switch { "done" => ExitCodes.Success, "interrupted" => ExitCodes.Interrupted, _ => ExitCodes.TasksFailed };
            }
            var counts = $"{progress.Count(TaskState.Done)} of {progress.Total} tasks done, {progress.Count(TaskState.Failed)} failed, {progress.Count(TaskState.Killed)} killed";
            var what = $"run {ended.RunId} of '{ended.Workflow}'";
            switch (ended.Status)
            {
                case RunStatus.Done:
                    cli.Console.MarkupLine($"[green]{Markup.Escape(what)} is done[/]: {Markup.Escape(counts)}");
                    return ExitCodes.Success;
                case RunStatus.Failed:
                    cli.Console.MarkupLine($"[red]{Markup.Escape(what)} failed[/]: {Markup.Escape(counts)}");
                    return ExitCodes.TasksFailed;
                case RunStatus.Interrupted:
                    cli.Console.MarkupLine($"[yellow]{Markup.Escape(what)} was interrupted[/]: {Markup.Escape(counts)}");
                    return ExitCodes.Interrupted;
                default:
                    await cli.Error.WriteLineAsync(
                        $"baton: {what} ended without finishing: its process (pid {ended.ProcessId} on {ended.Host}) is gone; run the workflow again to resume it");
                    return ExitCodes.TasksFailed;
            }
        });
        return command;
    }

    /// <summary>
    /// Follows the run through the node that drives it, as <c>baton run</c> does (the node streams its progress);
    /// null when no node of the workspace drives it.
    /// </summary>
    private static async Task<int?> FollowInNodeAsync(CliContext cli, WorkspaceLayout layout, long runId, bool live, bool json, CancellationToken cancellationToken)
    {
        foreach (var node in await NodeConnections.AllAsync(layout, cancellationToken))
        {
            using (node)
            {
                if (await FollowAsync(cli, node, runId, live, json, cancellationToken) is { } code)
                {
                    return code;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Through a team server: follows the run while the server drives it, else says how it ended from the server's
    /// store (a run that ended before the wait began, say).
    /// </summary>
    private static async Task<int> WaitOnServerAsync(CliContext cli, RemoteServer remote, long runId, bool live, bool json, CancellationToken cancellationToken)
    {
        using var client = remote.Connect();
        if (await FollowAsync(cli, client, runId, live, json, cancellationToken) is { } code)
        {
            return code;
        }
        var ended = await client.GetRunAsync(runId, cancellationToken) ?? throw new BatonInputException($"no run {runId} on the server {remote.Address} (see 'baton runs')");
        var tasks = ended.Tasks;
        int Count(TaskState state) => tasks.GetValueOrDefault(state);
        var total = tasks.Values.Sum();
        var status = ended.Run.Status switch
        {
            RunStatus.Done => "done",
            RunStatus.Failed => "failed",
            RunStatus.Interrupted => "interrupted",
            _ => "lost",
        };
        if (json)
        {
            await new RunOutcomeJson(runId, ended.Run.Workflow, status, total, Count(TaskState.Done), 0, Count(TaskState.Failed), Count(TaskState.Killed),
                total - Count(TaskState.Done) - Count(TaskState.Failed) - Count(TaskState.Killed)).WriteAsync(cli.Output);
        }
        else
        {
            var counts = $"{Count(TaskState.Done)} of {total} tasks done, {Count(TaskState.Failed)} failed, {Count(TaskState.Killed)} killed";
            cli.Console.MarkupLine(Markup.Escape($"run {runId} of '{ended.Run.Workflow}' " + status switch
            {
                "done" => "is done",
                "failed" => "failed",
                "interrupted" => "was interrupted",
                _ => "ended without finishing (its node is gone)",
            } + $": {counts}"));
        }
        return status switch { "done" => ExitCodes.Success, "interrupted" => ExitCodes.Interrupted, _ => ExitCodes.TasksFailed };
    }

    /// <summary>
    /// Follows the run through <paramref name="node"/> as <c>baton run</c> does (the node streams its progress);
    /// null when that node does not drive it.
    /// </summary>
    private static async Task<int?> FollowAsync(CliContext cli, NodeClient node, long runId, bool live, bool json, CancellationToken cancellationToken)
    {
        var progress = new RunProgress();
        RunUpdate? last = null;
        var updates = node.FollowAsync(runId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await updates.MoveNextAsync())
            {
                return null;
            }
        }
        catch (BatonInputException)
        {
            await updates.DisposeAsync();
            return null; // not this node's run
        }
        var follow = Task.Run(async () =>
        {
            await using (updates)
            {
                do
                {
                    progress.Load(updates.Current.Progress);
                    last = updates.Current;
                }
                while (await updates.MoveNextAsync());
            }
        }, CancellationToken.None);
        await RunView.FollowAsync(RunView.ConsoleFor(cli, json), progress, follow, cli.Time, live);
        await follow;
        var summary = last?.Summary ?? throw (last is { StoreDamaged: true }
            ? new StoreDamagedException(last.Error ?? "the workspace's store is damaged")
            : new BatonInputException(last?.Error ?? $"run {runId} ended without a summary"));
        if (json)
        {
            await RunOutcomeJson.From(last!.Workflow ?? "", summary, []).WriteAsync(cli.Output);
            return summary.Succeeded ? ExitCodes.Success : summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.TasksFailed;
        }
        var counts = $"{progress.Count(TaskState.Done)} of {progress.Total} tasks done, {progress.Count(TaskState.Failed)} failed, {progress.Count(TaskState.Killed)} killed";
        var what = $"run {runId} of '{last!.Workflow}'";
        if (summary.Succeeded)
        {
            cli.Console.MarkupLine($"[green]{Markup.Escape(what)} is done[/]: {Markup.Escape(counts)}");
            return ExitCodes.Success;
        }
        if (summary.Interrupted)
        {
            cli.Console.MarkupLine($"[yellow]{Markup.Escape(what)} was interrupted[/]: {Markup.Escape(counts)}");
            return ExitCodes.Interrupted;
        }
        cli.Console.MarkupLine($"[red]{Markup.Escape(what)} failed[/]: {Markup.Escape(counts)}");
        return ExitCodes.TasksFailed;
    }

    /// <summary>
    /// A run on this host is alive while its workflow's lock is held (the kernel drops the lock when the process
    /// dies). A run on another host cannot be checked from here and counts as alive.
    /// </summary>
    private static bool IsAlive(string workspaceRoot, RunRow run)
    {
        if (run.Host != Environment.MachineName)
        {
            return true;
        }
        using var probe = WorkspaceLock.TryAcquire(WorkspaceLock.ForWorkflow(workspaceRoot, run.Workflow));
        return probe is null;
    }

    /// <summary>Whether a run of the workflow is recorded as running and not lost (one on another host counts as live).</summary>
    private static async Task<bool> DrivenAsync(INodeReads reads, string workflow, CancellationToken cancellationToken)
    {
        var runs = await reads.ListRunsAsync(new RunQuery { Workflow = workflow, Statuses = [RunStatus.Running], AllVersions = true }, cancellationToken);
        return runs.Runs.Any(r => !r.Lost);
    }

    private static async Task<int> WaitForTaskAsync(CliContext cli, INodeReads reads, string name, string? workflow, bool json, CancellationToken cancellationToken)
    {
        var task = await TaskResolver.ResolveAsync(reads, name, workflow, cancellationToken);
        while (!task.State.IsTerminal())
        {
            // A task nothing drives would be waited for forever: say so instead (its node was killed, say).
            if (!await DrivenAsync(reads, task.Workflow, cancellationToken))
            {
                await cli.Error.WriteLineAsync(
                    $"baton: error: task '{task.Name}' is {task.State.ToWord()} but no live run of workflow '{task.Workflow}' drives it (see 'baton runs'); run the workflow again to go on");
                return ExitCodes.TasksFailed;
            }
            await Task.Delay(TaskPollInterval, cli.Time, cancellationToken);
            task = await TaskResolver.ResolveAsync(reads, name, task.Workflow, cancellationToken);
        }
        if (json)
        {
            await cli.Output.WriteLineAsync(JsonSerializer.Serialize(TaskJson.FromRow(task), CliJson.Default.TaskJson));
            return task.State == TaskState.Done ? ExitCodes.Success : ExitCodes.TasksFailed;
        }
        var reason = task.Reason == FailureReason.None ? "" : $" ({task.Reason.ToWord()})";
        cli.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{task.Name}: {task.State.ToWord()}{reason}")));
        return task.State == TaskState.Done ? ExitCodes.Success : ExitCodes.TasksFailed;
    }
}
