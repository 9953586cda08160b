using System.Globalization;
using System.Runtime.InteropServices;
using Baton.Client;
using Baton.Cli.Commands;
using Baton.Cli.Rendering;
using Baton.Core.Errors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Runs;
using Baton.Hosting.Api;
using Baton.Hosting.Composition;
using Baton.Hosting.Workspaces;

namespace Baton.Cli.Nodes;

/// <summary>
/// <c>baton run FILE</c> as a client of the workspace's node: submits the workflow, follows the run's progress as
/// the node streams it, and prints the summary. The run lives in the node: Ctrl+C or SIGTERM asks the node to
/// interrupt it (its attempts are killed); with <c>--keep-running</c>, or if this process dies, the run goes on.
/// </summary>
internal static class NodeRunClient
{
    /// <summary>Runs in the workspace's node, which the caller started or found (<paramref name="node"/>).</summary>
    public static async Task<int> RunAsync(
        CliContext cli, WorkflowGraph graph, NodeClient client, NodeStatus node, NodeSetup setup, RunCommand.RunSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Cpus is { } cpus && cpus != node.Cpus || settings.Memory is not null && setup.Capacity.MemoryBytes != node.MemoryBytes)
        {
            await cli.Error.WriteLineAsync($"baton: the workspace's node (pid {node.ProcessId}) offers {node.Cpus} cpus and {HumanUnits.Bytes(node.MemoryBytes)} to all its runs; --cpus/--memory apply when a node starts ('baton node stop' first, or --embedded)");
        }
        var target = new RunTarget($"the workspace's node (pid {node.ProcessId})", NodeEndpoint.For(setup.Layout).LogPath, async summary =>
        {
            await using var store = await WorkspaceStore.OpenAsync(setup.Layout, create: false, cli.Loggers, CancellationToken.None);
            return await store.ListTasksAsync(new TaskFilter { WorkflowId = summary.WorkflowId, States = [TaskState.Failed, TaskState.Killed] }, CancellationToken.None);
        });
        return await FollowAsync(cli, graph, client, Submission(Path.GetFullPath(graph.SourceFile), settings), target, settings, cancellationToken);
    }

    /// <summary>The submission of <paramref name="file"/> with the run's options.</summary>
    public static RunSubmission Submission(string file, RunCommand.RunSettings settings) => new(file)
    {
        FailFast = settings.FailFast,
        RefuseNewVersion = settings.RefuseNewVersion,
        Force = settings.Force,
        Cold = settings.Cold,
        Executor = settings.Executor,
    };

    /// <summary>Submits, follows the run to its end as the node streams it, and prints how it ended.</summary>
    public static async Task<int> FollowAsync(
        CliContext cli, WorkflowGraph graph, NodeClient client, RunSubmission submission, RunTarget target, RunCommand.RunSettings settings, CancellationToken cancellationToken)
    {
        var accepted = await client.SubmitAsync(submission, cancellationToken);
        // From here on a signal is a request to the node, not the end of this process: the follow is not cancelled.
        cancellationToken = CancellationToken.None;
        var runId = accepted.RunId;
        if (settings.Detach)
        {
            await cli.Output.WriteLineAsync(runId.ToString(CultureInfo.InvariantCulture));
            await cli.Error.WriteLineAsync($"baton: run {runId} of '{accepted.Workflow}' runs in {target.Name}; follow it with 'baton wait {runId}'");
            return ExitCodes.Success;
        }
        if (accepted.Attached)
        {
            await cli.Error.WriteLineAsync($"baton: workflow '{accepted.Workflow}' is already running in {target.Name} (run {runId}): following it");
        }

        // The signals' default (immediate death) would leave the run going anyway; they are turned into a request.
        var detached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            if (settings.KeepRunning)
            {
                detached.TrySetResult();
            }
            else
            {
                _ = client.InterruptAsync(runId, CancellationToken.None);
            }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

        var progress = new RunProgress();
        RunUpdate? last = null;
        var follow = Task.Run(async () =>
        {
            await foreach (var update in client.FollowAsync(runId, cancellationToken))
            {
                progress.Load(update.Progress);
                last = update;
            }
        }, CancellationToken.None);
        await RunView.FollowAsync(RunView.ConsoleFor(cli, settings.Json), progress, Task.WhenAny(follow, detached.Task), cli.Time, settings.ProgressShown);
        if (detached.Task.IsCompleted)
        {
            await cli.Error.WriteLineAsync($"baton: detached: run {runId} goes on in {target.Name}; follow it with 'baton wait {runId}'");
            return ExitCodes.Interrupted;
        }
        try
        {
            await follow;
        }
        catch (IOException ex)
        {
            throw new BatonInputException($"lost {target.Name} while following run {runId}: {ex.Message}{(target.Log is { } log ? $"; see {log}" : "")}");
        }
        var summary = last?.Summary ?? throw (last is { StoreDamaged: true }
                    ? new StoreDamagedException(last.Error ?? "the workspace's store is damaged")
                    : new BatonInputException(last?.Error ?? $"run {runId} ended without a summary"));

        var failures = summary.Failed + summary.Killed > 0 ? await target.FailuresOf(summary) : [];
        await RunView.ReportAsync(cli, settings.Json, graph.Name, summary, progress, failures);
        return summary.Succeeded ? ExitCodes.Success : summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.TasksFailed;
    }
}

/// <summary>
/// Where <see cref="NodeRunClient"/> submits: its name in messages ("the workspace's node (pid 12)", "the server
/// https://..."), its log when there is one to point at, and how to list a run's failed and killed tasks.
/// </summary>
internal sealed record RunTarget(string Name, string? Log, Func<RunSummary, Task<IReadOnlyList<TaskRow>>> FailuresOf);
