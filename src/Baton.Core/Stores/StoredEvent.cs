using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// What a committed event is about. Each kind's fields and JSON payload are described in docs/events.md.
/// </summary>
public enum EventKind
{
    /// <summary><c>task.state</c>: a task moved to <see cref="StoredEvent.State"/>.</summary>
    TaskState,
    /// <summary><c>attempt.started</c>: an attempt was handed to an executor.</summary>
    AttemptStarted,
    /// <summary><c>attempt.ended</c>: an attempt ended with <see cref="StoredEvent.Outcome"/>.</summary>
    AttemptEnded,
    /// <summary><c>run.started</c>: a run was opened.</summary>
    RunStarted,
    /// <summary><c>run.ended</c>: a run was closed with <see cref="StoredEvent.RunStatus"/>.</summary>
    RunEnded,
}

/// <summary>
/// One committed change, numbered in commit order. Written by the store in the same transaction as the change
/// it describes, so an event exists if and only if its change committed.
/// </summary>
/// <param name="Sequence">Position in commit order: increasing, contiguous within one transaction, never reused.</param>
/// <param name="At">When the change happened (the change's own time, not the commit's): not ordered.</param>
public sealed record StoredEvent(long Sequence, EventKind Kind, DateTimeOffset At)
{
    /// <summary>The run that made the change; null for a change made outside a run.</summary>
    public long? RunId { get; init; }

    /// <summary>The workflow of that run (or the one a change outside a run named); null when none.</summary>
    public long? WorkflowId { get; init; }

    /// <summary>The task, for task and attempt events.</summary>
    public long? TaskId { get; init; }

    /// <summary>The attempt number, for attempt events.</summary>
    public int? Attempt { get; init; }

    /// <summary>The task's new state, for <see cref="EventKind.TaskState"/>.</summary>
    public TaskState? State { get; init; }

    /// <summary>How the attempt ended, for <see cref="EventKind.AttemptEnded"/>.</summary>
    public AttemptOutcome? Outcome { get; init; }

    /// <summary>The run's final status, for <see cref="EventKind.RunEnded"/>.</summary>
    public RunStatus? RunStatus { get; init; }

    /// <summary>A small JSON object with the kind's other fields (<see cref="EventPayload"/>).</summary>
    public string Payload { get; init; } = "{}";
}

/// <summary>
/// Which events <see cref="IBatonStore.ReadEventsAsync"/> returns and a live subscription delivers: every field
/// that is set must match (null means any).
/// </summary>
public sealed record EventFilter
{
    public long? RunId { get; init; }
    public long? WorkflowId { get; init; }
    public long? TaskId { get; init; }

    /// <summary>Every event.</summary>
    public static EventFilter All { get; } = new();

    /// <summary>The same test a store makes in <see cref="IBatonStore.ReadEventsAsync"/>.</summary>
    public bool Matches(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return (RunId is null || stored.RunId == RunId)
            && (WorkflowId is null || stored.WorkflowId == WorkflowId)
            && (TaskId is null || stored.TaskId == TaskId);
    }
}
