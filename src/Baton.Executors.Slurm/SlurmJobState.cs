using Baton.Core.Lifecycle;

namespace Baton.Executors.Slurm;

/// <summary>SLURM's job states (squeue's <c>%T</c>) as Baton sees them.</summary>
internal static class SlurmJobState
{
    /// <summary>Queued, not yet running: the attempt is <c>Submitted</c>.</summary>
    public static bool IsQueued(string state) => state is "PENDING" or "CONFIGURING" or "REQUEUED" or "REQUEUE_HOLD"
        or "REQUEUE_FED" or "RESV_DEL_HOLD" or "SUSPENDED" or "RESIZING" or "SPECIAL_EXIT" or "STAGE_OUT" or "SIGNALING";

    /// <summary>The program runs (or the job is finishing).</summary>
    public static bool IsRunning(string state) => state is "RUNNING" or "COMPLETING" or "STOPPED";

    /// <summary>
    /// The outcome SLURM's final state stands for when the job wrote no exit.json (the script was killed with it):
    /// null for a state that is not final.
    /// </summary>
    public static AttemptOutcome? FinalOutcome(string state) => state switch
    {
        "COMPLETED" => AttemptOutcome.Lost, // ended well but left no record: nothing says what the program did
        "FAILED" => AttemptOutcome.Failed,
        "TIMEOUT" or "DEADLINE" => AttemptOutcome.TimedOut,
        "OUT_OF_MEMORY" => AttemptOutcome.OutOfMemory,
        "CANCELLED" => AttemptOutcome.Killed,
        "PREEMPTED" => AttemptOutcome.Preempted,
        "NODE_FAIL" or "BOOT_FAIL" or "REVOKED" => AttemptOutcome.Lost,
        _ => null,
    };
}
