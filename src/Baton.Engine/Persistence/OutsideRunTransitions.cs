using Baton.Core.Lifecycle;
using Baton.Core.Stores;
using Baton.Engine.Events;

namespace Baton.Engine.Persistence;

/// <summary>One task to move while no run drives it: from the state the caller read, to <see cref="To"/>.</summary>
/// <param name="WorkflowId">The workflow the move is made for (recorded on its event); 0 when none.</param>
public sealed record TaskMove(long TaskId, long WorkflowId, string TaskName, TaskState From, TaskState To, string? Message = null)
{
    public FailureReason Reason { get; init; } = FailureReason.None;
}

/// <summary>
/// The checked path for state changes made outside a run (<c>baton kill</c> with no run active): every move goes
/// through <see cref="TaskLifecycle"/>, then all of them are written in one batch as compare-and-set changes from
/// the states the caller read. A task that moved meanwhile (a run took it) is left as the store has it.
/// </summary>
public static class OutsideRunTransitions
{
    /// <summary>
    /// Checks every move (an illegal one throws <see cref="IllegalTransitionException"/> before anything is written;
    /// a move to the state the task is in already is dropped), writes the others and publishes their events to
    /// <paramref name="events"/> when given. A task named twice is moved once.
    /// </summary>
    /// <returns>What the store did: the moves that lost their compare-and-set are in <see cref="ApplyResult.Missed"/>.</returns>
    public static async Task<ApplyResult> ApplyAsync(
        IBatonStore store,
        IReadOnlyList<TaskMove> moves,
        DateTimeOffset now,
        EventHub? events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(moves);
        var changes = new List<StoreChange>(moves.Count);
        var seen = new HashSet<long>();
        foreach (var move in moves)
        {
            if (TaskLifecycle.Check(move.From, move.To) != TransitionVerdict.Legal)
            {
                // Outside a run there is no late report to forgive: anything but a legal move is the caller's bug.
                TaskLifecycle.Ensure(move.TaskName, move.From, move.To);
                continue;
            }
            if (seen.Add(move.TaskId))
            {
                changes.Add(new TaskStateChanged(move.TaskId, 0, move.From, move.To, move.Reason, move.Message, now)
                {
                    WorkflowId = move.WorkflowId > 0 ? move.WorkflowId : null,
                });
            }
        }
        if (changes.Count == 0)
        {
            return ApplyResult.Empty;
        }
        var result = await store.ApplyAsync(changes, cancellationToken);
        events?.Publish(result.Events);
        return result;
    }
}
