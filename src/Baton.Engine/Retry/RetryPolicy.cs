using Baton.Core.Executors;
using Baton.Core.Lifecycle;
using Baton.Core.Retries;

namespace Baton.Engine.Retry;

/// <summary>What follows an attempt: the task's next state and, for a failure, why.</summary>
public readonly record struct RetryDecision(TaskState Next, FailureReason Reason);

/// <summary>
/// Turns an attempt's outcome into the task's next state (jobmon's rule): success is Done; a kill is Killed;
/// any other outcome is retried while attempts remain (the task goes back to Ready), else the task is Failed
/// with the reason the last attempt gives. Before that, an infrastructure failure is retried for free
/// (<see cref="RetriesFree"/>).
/// </summary>
public static class RetryPolicy
{
    /// <summary>
    /// How many infrastructure failures (see <see cref="IsInfrastructureFailure"/>) a task has retried without spending
    /// its <c>max_attempts</c>; past that, they count like any other failure.
    /// </summary>
    public const int FreeInfrastructureRetries = 5;

    /// <summary>
    /// The attempt ended because of where it ran, not what it ran (inductiva's SPOT_PREEMPTED and
    /// EXECUTOR_TERMINATED): SLURM preempted or requeued its job, its node failed, or it vanished without a record.
    /// </summary>
    public static bool IsInfrastructureFailure(AttemptOutcome outcome) => outcome is AttemptOutcome.Preempted or AttemptOutcome.Lost;

    /// <summary>
    /// Whether the attempt is retried without counting against <c>max_attempts</c>: an infrastructure failure, while
    /// the task has had fewer than <see cref="FreeInfrastructureRetries"/> such free retries.
    /// </summary>
    public static bool RetriesFree(AttemptOutcome outcome, int freeRetriesSoFar) =>
        IsInfrastructureFailure(outcome) && freeRetriesSoFar < FreeInfrastructureRetries;

    public static RetryDecision Decide(AttemptOutcome outcome, int attemptsUsed, int maxAttempts)
    {
        if (outcome == AttemptOutcome.Succeeded)
        {
            return new(TaskState.Done, FailureReason.None);
        }
        if (outcome == AttemptOutcome.Killed)
        {
            return new(TaskState.Killed, FailureReason.None);
        }
        if (attemptsUsed < maxAttempts)
        {
            return new(TaskState.Ready, FailureReason.None);
        }
        return new(TaskState.Failed, ReasonFor(outcome));
    }

    /// <summary>
    /// As <see cref="Decide(AttemptOutcome, int, int)"/>, and a failed attempt whose exit code
    /// <paramref name="rules"/> exclude from retries fails the task at once.
    /// </summary>
    public static RetryDecision Decide(AttemptResult result, int attemptsUsed, int maxAttempts, RetryRules rules)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        if (result.Outcome == AttemptOutcome.Failed && !rules.MayRetryExitCode(result.ExitCode))
        {
            return new(TaskState.Failed, FailureReason.ExitCode);
        }
        if (!result.Retryable && result.Outcome is not (AttemptOutcome.Succeeded or AttemptOutcome.Killed))
        {
            return new(TaskState.Failed, ReasonFor(result.Outcome));
        }
        return Decide(result.Outcome, attemptsUsed, maxAttempts);
    }

    public static FailureReason ReasonFor(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Failed => FailureReason.ExitCode,
        AttemptOutcome.TimedOut => FailureReason.Timeout,
        AttemptOutcome.OutOfMemory => FailureReason.OutOfMemory,
        AttemptOutcome.Lost or AttemptOutcome.Preempted => FailureReason.Lost,
        AttemptOutcome.ExecutorFailed => FailureReason.ExecutorError,
        _ => FailureReason.None,
    };
}
