using Baton.Core.Errors;
using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Core.Workspaces;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Reconciliation;

/// <summary>
/// Start-up reconciliation: finds every attempt of the workflow that an earlier orchestrator started and did not
/// see end (it crashed, or detached), and re-attaches to it through its executor. Two kinds are found:
/// attempts the store records as started and not ended (tasks Submitted, Running or Killing), and attempts the
/// store never heard of because the orchestrator died before its batch committed: their attempt directory
/// (number above the last recorded) exists. The run loop then adopts each: one that has ended gives its recorded
/// outcome, one that still runs is followed to its end, and one gone without a record is Lost (and retried).
/// Nothing is started twice: a task with an attempt in flight never gets a second one.
/// </summary>
internal static partial class AttemptReconciler
{
    /// <summary>Re-attaches the attempts of every task of the workflow this run holds (not those in <paramref name="heldElsewhere"/>).</summary>
    public static async Task<IReadOnlyList<ReattachedAttempt>> ReattachAsync(
        WorkflowGraph graph,
        WorkflowRegistration registration,
        IReadOnlyList<string> directories,
        IReadOnlySet<int> heldElsewhere,
        IBatonStore store,
        IExecutor executor,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var found = new List<ReattachedAttempt>();
        for (var t = 0; t < graph.Tasks.Count; t++)
        {
            if (!heldElsewhere.Contains(t))
            {
                found.AddRange(await ReattachTaskAsync(graph, t, registration.TaskIds[t], registration.States[t], registration.LastAttemptNumbers[t],
                    directories[t], store, executor, logger, cancellationToken));
            }
        }
        return found;
    }

    /// <summary>The attempts of one task that an earlier orchestrator started and the store does not record as ended.</summary>
    public static async Task<IReadOnlyList<ReattachedAttempt>> ReattachTaskAsync(
        WorkflowGraph graph,
        int t,
        long taskId,
        TaskState state,
        int lastRecordedAttempt,
        string taskDirectory,
        IBatonStore store,
        IExecutor executor,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (state == TaskState.Done)
        {
            return [];
        }
        var spec = graph.Tasks[t];
        var records = new List<(AttemptRecord Record, bool Recorded)>();
        IReadOnlyList<AttemptRow> attempts = [];
        if (state is TaskState.Submitted or TaskState.Running or TaskState.Killing
            && await store.GetTaskDetailsAsync(taskId, cancellationToken) is { } details)
        {
            attempts = details.Attempts;
            foreach (var row in details.Attempts)
            {
                if (row.EndedAt is null && row.Executor == executor.Name)
                {
                    records.Add((new AttemptRecord(spec.Name, row.Number, row.ExecutorId, row.Host, row.ProcessId, row.StartedAt,
                        taskDirectory, row.Directory, spec.Resources), true));
                }
            }
        }
        // Attempts started after the last one the store knows of: their directory is created before the start.
        for (var number = lastRecordedAttempt + 1; ; number++)
        {
            var directory = WorkspaceLayout.AttemptDirectory(taskDirectory, number);
            if (!Directory.Exists(directory))
            {
                break;
            }
            records.Add((new AttemptRecord(spec.Name, number, "", Environment.MachineName, null,
                new DateTimeOffset(Directory.GetCreationTimeUtc(directory), TimeSpan.Zero), taskDirectory, directory, spec.Resources), false));
        }
        // The attempt's end was committed but the task's next state was not (the orchestrator died between two
        // group commits): the last attempt is still the task's, and its record says how it ended.
        if (records.Count == 0 && attempts.Count > 0
            && attempts.MaxBy(a => a.Number) is { } last && last.Executor == executor.Name && last.ExecutorId.Length > 0)
        {
            records.Add((new AttemptRecord(spec.Name, last.Number, last.ExecutorId, last.Host, last.ProcessId, last.StartedAt,
                taskDirectory, last.Directory, spec.Resources), true));
        }
        var found = new List<ReattachedAttempt>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var (record, recorded) = records[i];
            IAttemptHandle handle;
            try
            {
                handle = await executor.ReattachAsync(record, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                throw new BatonInputException($"task '{spec.Name}' cannot be resumed here: {e.Message}");
            }
            if (i < records.Count - 1)
            {
                // Only the last attempt can still run: each started after the one before had ended.
                await handle.Completion.WaitAsync(cancellationToken);
            }
            LogFound(logger, spec.Name, record.Attempt, handle.Completion.IsCompleted ? "ended" : "still running", recorded ? "recorded" : "not recorded");
            found.Add(new ReattachedAttempt(t, record.Attempt, handle, recorded, record.AttemptDirectory, Superseded: i < records.Count - 1));
        }
        return found;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "reconciling task {Task}: attempt {Attempt} {State} ({Recorded} in the store)")]
    private static partial void LogFound(ILogger logger, string task, int attempt, string state, string recorded);
}

/// <summary>An attempt found again at start-up, in the order its task ran them.</summary>
/// <param name="Recorded">Whether the store knows it was started; otherwise the run records its start now.</param>
/// <param name="Superseded">A later attempt of the task exists: this one has ended (its outcome is only recorded).</param>
internal sealed record ReattachedAttempt(int Task, int Number, IAttemptHandle Handle, bool Recorded, string Directory, bool Superseded);
