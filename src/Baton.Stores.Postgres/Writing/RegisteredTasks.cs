using Baton.Core.Lifecycle;

namespace Baton.Stores.Postgres.Writing;

/// <summary>What registration returns per graph index, filled as rows are read.</summary>
internal sealed class RegisteredTasks(int count)
{
    public long[] Ids { get; } = new long[count];
    public TaskState[] States { get; } = new TaskState[count];
    public FailureReason[] Reasons { get; } = new FailureReason[count];
    public int[] AttemptCounts { get; } = new int[count];
    public int[] LastAttempts { get; } = new int[count];

    public void Set(int index, long id, TaskState state, FailureReason reason, int attemptCount, int lastAttempt)
    {
        Ids[index] = id;
        States[index] = state;
        Reasons[index] = reason;
        AttemptCounts[index] = attemptCount;
        LastAttempts[index] = lastAttempt;
    }
}
