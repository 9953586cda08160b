namespace Baton.Engine.Control;

/// <summary>
/// Requests that reach a run while it runs (from <c>baton kill</c> in another process, through a host's control
/// channel). The run loop handles them between events, so they never race with its own state changes.
/// </summary>
public interface IRunControl
{
    /// <summary>The workflow the run belongs to.</summary>
    string Workflow { get; }

    /// <summary>The run's id in the store.</summary>
    long RunId { get; }

    /// <summary>
    /// Kills the named tasks (all tasks when <paramref name="taskNames"/> is empty): waiting and ready ones become
    /// Killed at once, running ones Killing and then Killed once their process tree is gone. Completes when every
    /// named task is in a final state.
    /// </summary>
    Task<Runs.KillReport> KillAsync(IReadOnlyCollection<string> taskNames, CancellationToken cancellationToken);

    /// <summary>
    /// Changes the priority or resources of a task that has not started (Waiting or Ready) for the rest of the run;
    /// returns what was done, or why not (the task runs already, is not in the run, or would never fit).
    /// </summary>
    Task<string> SetAsync(string taskName, TaskChange change, CancellationToken cancellationToken);

    /// <summary>What the run holds now: free cores and memory, and each GPU's reservations.</summary>
    Task<ResourceSnapshot> ResourcesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Changes how many tasks of the workflow (<paramref name="templateName"/> null) or of one template may run at
    /// once. Lowering it never kills a running task. False when the workflow has no such template.
    /// </summary>
    Task<bool> SetLimitAsync(string? templateName, int maxConcurrent, CancellationToken cancellationToken);
}
