using Baton.Core.Lifecycle;

namespace Baton.Core.Stores;

/// <summary>
/// A process that drives a run: host, pid and the process's start time (so a later process that reuses the pid
/// is not taken for it). Task claims name their owner.
/// </summary>
public sealed record ClaimOwner(long RunId, string Host, int ProcessId, long StartTime)
{
    /// <summary>The same process (any of its runs).</summary>
    public bool IsSameProcess(ClaimOwner other) =>
        other is not null && Host == other.Host && ProcessId == other.ProcessId && StartTime == other.StartTime;

    public override string ToString() => $"run {RunId} (pid {ProcessId} on {Host})";
}

/// <summary>
/// Who holds a task and what the store says of it now. A task is held by at most one run at a time: only its
/// holder starts attempts of it and changes its state; another run that needs it follows its outcome.
/// </summary>
public sealed record TaskClaim(long TaskId, ClaimOwner Owner, TaskState State, int AttemptCount, int LastAttemptNumber);

/// <summary>Tells whether a claim's owner still runs (on this host: its pid with the same start time).</summary>
public interface IClaimOwnerProbe
{
    /// <summary>This process, as the owner of <paramref name="runId"/>'s claims.</summary>
    ClaimOwner Current(long runId);

    /// <summary>False only when the owner is known to be gone; an owner on another host is taken to be alive.</summary>
    bool IsAlive(ClaimOwner owner);
}
