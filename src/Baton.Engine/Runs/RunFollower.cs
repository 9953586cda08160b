using Baton.Core.Lifecycle;
using Baton.Core.Stores;

namespace Baton.Engine.Runs;

/// <summary>
/// Follows a run that another process drives (<c>baton wait</c>, a detached run): reads the run and its tasks from
/// the store twice a second and moves a <see cref="RunProgress"/> along, until the run has ended or its process is
/// found gone. The store is the only thing two processes share, so this is polling by necessity.
/// </summary>
public static class RunFollower
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Returns the run once its status is no longer Running, or (still Running) once <paramref name="isAlive"/> says
    /// its process is gone; null when there is no such run.
    /// </summary>
    public static async Task<RunRow?> FollowAsync(
        IBatonStore store, long runId, RunProgress progress, Func<RunRow, bool> isAlive, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(isAlive);
        ArgumentNullException.ThrowIfNull(time);
        var run = await FindAsync(store, runId, cancellationToken);
        if (run is null)
        {
            return null;
        }
        var tasks = await store.ListTasksAsync(new TaskFilter { WorkflowId = run.WorkflowId }, cancellationToken);
        var templates = tasks.Select(t => t.Template).Distinct(StringComparer.Ordinal).ToList();
        var templateOf = tasks.Select(t => templates.IndexOf(t.Template)).ToArray();
        var states = tasks.Select(t => t.State).ToArray();
        progress.Initialize(templates, templateOf, (TaskState[])states.Clone());
        while (run.Status == RunStatus.Running && isAlive(run))
        {
            await Task.Delay(Interval, time, cancellationToken);
            run = await FindAsync(store, runId, cancellationToken) ?? run;
            var now = await store.ListTasksAsync(new TaskFilter { WorkflowId = run.WorkflowId }, cancellationToken);
            for (var i = 0; i < now.Count && i < states.Length; i++)
            {
                if (now[i].State != states[i])
                {
                    progress.Move(templateOf[i], states[i], now[i].State);
                    states[i] = now[i].State;
                }
            }
        }
        return run;
    }

    private static async Task<RunRow?> FindAsync(IBatonStore store, long runId, CancellationToken cancellationToken) =>
        (await store.ListRunsAsync(null, cancellationToken)).FirstOrDefault(r => r.RunId == runId);
}
