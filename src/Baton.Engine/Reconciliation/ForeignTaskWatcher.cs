using Baton.Core.Executors;
using Baton.Core.Graph;
using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Baton.Engine.Reconciliation;

/// <summary>News about a task another run held: it settled, or this run now holds it.</summary>
internal abstract record ForeignTaskNews(int Task);

/// <summary>The other run brought the task to Done or Failed: this run follows that outcome.</summary>
internal sealed record ForeignTaskSettled(int Task, TaskState State) : ForeignTaskNews(Task);

/// <summary>The holder let go (its run ended) or died before the task settled: this run holds it now.</summary>
internal sealed record ForeignTaskTakenOver(int Task, TaskClaim Claim, IReadOnlyList<ReattachedAttempt> Attempts) : ForeignTaskNews(Task);

/// <summary>
/// Follows the tasks of a run that another run holds (two orchestrators sharing tasks in one workspace). Another
/// process's progress reaches this one only through the store, so the watcher reads the claims and states of
/// those tasks a few times a second, and on each poll also claims those whose holder let go or died. Each task
/// is reported once; then it is no longer watched.
/// </summary>
internal sealed partial class ForeignTaskWatcher : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly HashSet<int> _pending;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ForeignTaskWatcher(
        IReadOnlySet<int> tasks,
        WorkflowGraph graph,
        long[] taskIds,
        string[] directories,
        IBatonStore store,
        IExecutor executor,
        IClaimOwnerProbe? probe,
        ClaimOwner? self,
        TimeProvider time,
        ILogger logger,
        Action<ForeignTaskNews> report)
    {
        _pending = [.. tasks];
        var index = new Dictionary<long, int>(tasks.Count);
        foreach (var t in tasks)
        {
            index[taskIds[t]] = t;
        }
        _loop = _pending.Count == 0 || probe is null || self is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (_pending.Count > 0 && !_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Interval, time, _stop.Token).ConfigureAwait(false);
                    var claims = await TaskClaimer.ClaimAsync(store, probe, self, _pending.Select(t => taskIds[t]).ToList(), time, _stop.Token).ConfigureAwait(false);
                    foreach (var claim in claims)
                    {
                        var t = index[claim.TaskId];
                        // Killed is not followed: a run that was interrupted lets its tasks go Killed, and this run
                        // takes them over once that run has released them.
                        if (claim.State is TaskState.Done or TaskState.Failed)
                        {
                            _pending.Remove(t);
                            LogSettled(logger, graph.Tasks[t].Name, claim.State, claim.Owner);
                            report(new ForeignTaskSettled(t, claim.State));
                        }
                        else if (claim.Owner == self)
                        {
                            _pending.Remove(t);
                            LogTakenOver(logger, graph.Tasks[t].Name, claim.State);
                            var attempts = await AttemptReconciler.ReattachTaskAsync(graph, t, claim.TaskId, claim.State, claim.LastAttemptNumber,
                                directories[t], store, executor, logger, _stop.Token).ConfigureAwait(false);
                            report(new ForeignTaskTakenOver(t, claim, attempts));
                        }
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failed poll (the store busy for a moment) is retried at the next one; the run must not hang on it.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogPollFailed(logger, e);
                }
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "task {Task} ended {State} in {Owner}; this run follows that outcome")]
    private static partial void LogSettled(ILogger logger, string task, TaskState state, ClaimOwner owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {Task} ({State}) is no longer held by another run; this run takes it over")]
    private static partial void LogTakenOver(ILogger logger, string task, TaskState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "following tasks held by another run: a poll failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
