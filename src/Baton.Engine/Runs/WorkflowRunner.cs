using Baton.Core.Errors;
using Baton.Core.Executors;
using Baton.Core.Gpus;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Resources;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Baton.Engine.Control;
using Baton.Engine.Scheduling;
using Baton.Engine.Reconciliation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Engine.Runs;

/// <summary>
/// Runs a workflow: records it in the store, opens a run, and drives its tasks through their lifecycle until
/// every task is Done, Failed or Killed (or the run is interrupted). Tasks already Done never run again.
/// The same runner serves <c>baton run</c> and, later, a server.
/// </summary>
public sealed partial class WorkflowRunner(
    IBatonStore store,
    IExecutor executor,
    WorkspaceLayout layout,
    RunOptions options,
    TimeProvider? timeProvider = null,
    ILoggerFactory? loggerFactory = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILoggerFactory _loggers = loggerFactory ?? NullLoggerFactory.Instance;

    /// <summary>
    /// Checks that every task can ever be placed on this machine. Throws <see cref="BatonInputException"/> naming
    /// the first task that cannot, before anything is written.
    /// </summary>
    public static void EnsurePlaceable(WorkflowGraph graph, ResourceCapacity capacity) =>
        EnsurePlaceable(graph, capacity, GpuInventory.Empty);

    /// <summary>
    /// Checks that every task can ever be placed on this machine, GPUs included (enough devices, each with enough
    /// memory in total; with <paramref name="gpus"/> null the executor places GPUs and none are checked here).
    /// Throws <see cref="BatonInputException"/> naming the first task that cannot, and for GPUs the largest device,
    /// before anything is written.
    /// </summary>
    public static void EnsurePlaceable(WorkflowGraph graph, ResourceCapacity capacity, GpuInventory? gpus)
    {
        foreach (var task in graph.Tasks)
        {
            if (gpus?.WhyNever(task.Resources.Gpus) is { } never)
            {
                throw new BatonInputException(task.Location, $"task '{task.Name}' needs {never}");
            }
            if (!capacity.CanEverFit(task.Resources))
            {
                var what = task.Resources.Cpus > capacity.Cpus
                    ? $"{task.Resources.Cpus} cpus but Baton may use {capacity.Cpus} (see --cpus)"
                    : $"{ResourceParser.FormatMemory(task.Resources.MemoryBytes)} of memory but Baton may use {ResourceParser.DescribeMemory(capacity.MemoryBytes)} (see --memory)";
                throw new BatonInputException(task.Location, $"task '{task.Name}' needs {what}");
            }
        }
    }

    /// <summary>
    /// <see cref="EnsurePlaceable(WorkflowGraph, ResourceCapacity, GpuInventory)"/>, and every token a task asks for is declared, in a sufficient amount. Throws
    /// <see cref="BatonInputException"/> before anything is written.
    /// </summary>
    public static void EnsureRunnable(WorkflowGraph graph, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsurePlaceable(graph, options.Capacity, options.GpusPlacedByExecutor ? null : options.Gpus);
        AdmissionControl.CheckTokens(graph, options.Tokens);
        RunAgain.Resolve(graph, options.Force);
    }

    /// <summary>
    /// Records the workflow in the store without running anything and says what a run would do: a plan.
    /// </summary>
    public async Task<RunPlan> PlanAsync(WorkflowGraph graph, CancellationToken cancellationToken = default)
    {
        EnsureRunnable(graph, options);
        var registered = await RegisterAsync(graph, cancellationToken);
        var done = registered.Registration.States.Count(s => s == TaskState.Done);
        return new RunPlan(registered.Registration.WorkflowId, graph.Tasks.Count, done, graph.Tasks.Count - done, graph.EdgeCount)
        {
            Change = registered.Registration.Change,
        };
    }

    /// <summary>
    /// Runs <paramref name="graph"/> to the end. Cancelling <paramref name="cancellationToken"/> interrupts the run:
    /// running attempts are killed and recorded as Killed, tasks not started stay as they are for the next run.
    /// </summary>
    /// <param name="progress">Live counts for a host to display; optional.</param>
    /// <param name="onStarted">Called with the run's control once it runs, so a host can route kill requests to it.</param>
    public async Task<RunSummary> RunAsync(
        WorkflowGraph graph,
        RunProgress? progress = null,
        Action<IRunControl>? onStarted = null,
        CancellationToken cancellationToken = default)
    {
        EnsureRunnable(graph, options);
        var started = _time.GetTimestamp();
        var (registration, directories, parameters) = await RegisterAsync(graph, cancellationToken);
        var runId = await store.StartRunAsync(registration.WorkflowId, Environment.MachineName, Environment.ProcessId, options.SubmittedBy, _time.GetUtcNow(), cancellationToken);
        options.Events?.Refresh();
        progress ??= new RunProgress();
        if (registration.Change is { } change)
        {
            progress.Notice($"workflow '{graph.Name}' changed: {change.Describe()}");
        }

        RunSummary summary;
        try
        {
            var reconciliation = _loggers.CreateLogger(typeof(AttemptReconciler));
            registration = await RunAgain.BeforeRunAsync(graph, registration, directories, RunAgain.Resolve(graph, options.Force),
                runId, store, _time, progress.Notice, cancellationToken);
            var (claimed, heldElsewhere, self) = await ClaimAsync(registration, runId, cancellationToken);
            await using var loop = new RunLoop(graph, claimed, runId, directories, parameters, store, executor, layout, options, progress, _time, _loggers.CreateLogger<RunLoop>());
            loop.Adopt(await AttemptReconciler.ReattachAsync(graph, claimed, directories, heldElsewhere, store, executor, reconciliation, cancellationToken));
            loop.HoldElsewhere(heldElsewhere);
            await using var watcher = new ForeignTaskWatcher(heldElsewhere, graph, claimed.TaskIds, directories, store, executor,
                options.Owners, self, _time, reconciliation, loop.Notify);
            summary = await loop.RunAsync(onStarted, started, cancellationToken);
        }
        catch (Exception failure)
        {
            try
            {
                await store.FinishRunAsync(runId, RunStatus.Interrupted, _time.GetUtcNow(), CancellationToken.None);
                options.Events?.Refresh();
                await store.ReleaseClaimsAsync(runId, CancellationToken.None);
            }
            catch (Exception alsoFailed) when (alsoFailed is not OperationCanceledException)
            {
                // The store itself failed (a full disk): the first error says why; the run stays "running" in the
                // store until the next run of the workflow finds its process gone.
                LogCloseFailed(_loggers.CreateLogger<WorkflowRunner>(), alsoFailed, failure.Message);
            }
            throw;
        }
        var status = summary.Interrupted ? RunStatus.Interrupted : summary.Succeeded ? RunStatus.Done : RunStatus.Failed;
        await store.FinishRunAsync(runId, status, _time.GetUtcNow(), CancellationToken.None);
        options.Events?.Refresh();
        await store.ReleaseClaimsAsync(runId, CancellationToken.None);
        return summary with { WorkflowId = registration.WorkflowId };
    }

    /// <summary>
    /// Claims every unfinished task of the workflow for this run (see <see cref="RunOptions.Owners"/>); returns the
    /// registration with the store's current view of the tasks this run holds, and those another run holds.
    /// </summary>
    private async Task<(WorkflowRegistration Registration, IReadOnlySet<int> HeldElsewhere, ClaimOwner? Self)> ClaimAsync(
        WorkflowRegistration registration, long runId, CancellationToken cancellationToken)
    {
        if (options.Owners is not { } probe)
        {
            return (registration, new HashSet<int>(), null);
        }
        var self = probe.Current(runId);
        var index = new Dictionary<long, int>();
        for (var t = 0; t < registration.TaskIds.Length; t++)
        {
            if (registration.States[t] != TaskState.Done)
            {
                index[registration.TaskIds[t]] = t;
            }
        }
        var claims = await TaskClaimer.ClaimAsync(store, probe, self, index.Keys.ToList(), _time, cancellationToken);
        var states = (TaskState[])registration.States.Clone();
        var attempts = (int[])registration.AttemptCounts.Clone();
        var last = (int[])registration.LastAttemptNumbers.Clone();
        var elsewhere = new HashSet<int>();
        foreach (var claim in claims)
        {
            var t = index[claim.TaskId];
            if (claim.Owner == self)
            {
                // Read in the claim's transaction: newer than the registration's, should another run have moved it since.
                states[t] = claim.State;
                attempts[t] = claim.AttemptCount;
                last[t] = claim.LastAttemptNumber;
            }
            else if (claim.State == TaskState.Done)
            {
                states[t] = TaskState.Done;
            }
            else
            {
                elsewhere.Add(t);
            }
        }
        return (registration with { States = states, AttemptCounts = attempts, LastAttemptNumbers = last }, elsewhere, self);
    }

    private async Task<(WorkflowRegistration Registration, string[] Directories, string[] Parameters)> RegisterAsync(WorkflowGraph graph, CancellationToken cancellationToken)
    {
        var directories = new string[graph.Tasks.Count];
        var parameters = new string[graph.Tasks.Count];
        for (var t = 0; t < directories.Length; t++)
        {
            var task = graph.Tasks[t];
            directories[t] = layout.TaskDirectory(task.Template.Name, task.Identity);
            parameters[t] = TaskParameters.ToJson(graph, t);
        }
        if (options.RefuseNewVersion)
        {
            await EnsureNotChangedAsync(graph, cancellationToken);
        }
        var registration = await store.RegisterWorkflowAsync(graph, directories, parameters, _time.GetUtcNow(), cancellationToken);
        return (registration, directories, parameters);
    }

    /// <summary>
    /// Only with <see cref="RunOptions.RefuseNewVersion"/> (jobmon's rule): under a name and args already recorded,
    /// a DAG that none of the workflow's versions has is refused instead of becoming its next version.
    /// </summary>
    private async Task EnsureNotChangedAsync(WorkflowGraph graph, CancellationToken cancellationToken)
    {
        var versions = (await store.ListWorkflowsAsync(graph.Name, cancellationToken))
            .Where(w => w.WorkflowArgs.Count == graph.WorkflowArgs.Count && !w.WorkflowArgs.Except(graph.WorkflowArgs).Any())
            .ToList();
        if (versions.Count > 0 && !versions.Any(w => w.DagHash == graph.DagHash))
        {
            throw new BatonInputException(new SourceLocation(graph.SourceFile, 1, 1),
                $"workflow '{graph.Name}' already exists with these workflow_args but other tasks or dependencies (recorded from '{versions[^1].SourceFile}'); " +
                "run it without --no-new-version to record it as the workflow's next version, or give it other workflow_args");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record the end of the run after: {Failure}")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string failure);
}
