using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// What <see cref="IBatonStore.ApplyAsync"/> committed: the events it appended (in sequence order) and the state
/// changes whose compare-and-set lost. A lost change is not an error: the batch commits without it.
/// </summary>
public sealed record ApplyResult(IReadOnlyList<StoredEvent> Events, IReadOnlyList<MissedChange> Missed)
{
    /// <summary>Nothing applied, nothing missed (an empty batch).</summary>
    public static ApplyResult Empty { get; } = new([], []);
}

/// <summary>
/// A <see cref="TaskStateChanged"/> whose compare-and-set lost: the task was in <paramref name="Actual"/>, not in
/// the change's <c>From</c>, when the batch applied. Nothing of it was written (no state, no history row, no
/// event): a late report after a newer state is ignored on purpose.
/// </summary>
public sealed record MissedChange(TaskStateChanged Change, TaskState Actual);
